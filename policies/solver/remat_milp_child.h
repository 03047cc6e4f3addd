#pragma once
// The integer program of remat_milp.h, solved in a child process that is killed when its time
// is up. CBC looks at its clock only between branch-and-bound nodes and heuristics, and one
// node of a 350-node program can take many seconds, so a solve in the planner's own process
// could overrun `--time-limit` without bound; in a child it cannot (docs/model.md §14.1).
#include <optional>

#include "policies/solver/remat_milp.h"

namespace memsim::planner {

// solve_remat_milp(problem, start, seconds, cuts, seed) in a forked child; nullopt when the
// child was killed at `kill_after_seconds` (wall clock from the call) or failed.
std::optional<MilpOutcome> solve_remat_milp_in_child(const RematProblem& problem,
                                                     const RematPlan* start, double seconds,
                                                     double kill_after_seconds,
                                                     const std::vector<GuideOverrun>& cuts,
                                                     int seed);

}  // namespace memsim::planner
