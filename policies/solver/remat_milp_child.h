#pragma once
// The integer program of remat_milp.h, solved in a child process that is killed when its time
// is up. CBC looks at its clock only between branch-and-bound nodes and heuristics, and one
// node of a 350-node program can take many seconds, so a solve in the planner's own process
// could overrun `--time-limit` without bound; in a child it cannot (docs/model.md §14.1).
#include <optional>
#include <vector>

#include "policies/solver/remat_milp.h"

namespace memsim::planner {

// One solve in a forked child, watched without blocking, so that the planner can search for
// plans meanwhile (on another core when there is one).
class MilpChild {
 public:
  MilpChild() = default;
  MilpChild(const MilpChild&) = delete;
  MilpChild& operator=(const MilpChild&) = delete;
  ~MilpChild() { kill(); }
  // Forks a child running solve_remat_milp(problem, start, seconds, cuts, seed). False when
  // the fork failed (or one is running).
  bool start(const RematProblem& problem, const RematPlan* start, double seconds,
             const std::vector<GuideOverrun>& cuts, int seed);
  bool running() const { return pid_ > 0; }
  // Reads what the child wrote, waiting up to `timeout_ms`; true once it has written all.
  bool poll(int timeout_ms = 0);
  // After poll() returned true: reaps the child and decodes its outcome (nullopt if it failed).
  std::optional<MilpOutcome> finish();
  // Kills and reaps a running child.
  void kill();

 private:
  int pid_ = -1;
  int fd_ = -1;
  bool complete_ = false;
  std::vector<char> bytes_;
};

// solve_remat_milp(problem, start, seconds, cuts, seed) in a forked child; nullopt when the
// child was killed at `kill_after_seconds` (wall clock from the call) or failed.
std::optional<MilpOutcome> solve_remat_milp_in_child(const RematProblem& problem,
                                                     const RematPlan* start, double seconds,
                                                     double kill_after_seconds,
                                                     const std::vector<GuideOverrun>& cuts,
                                                     int seed);

}  // namespace memsim::planner
