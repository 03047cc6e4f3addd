#pragma once
// The integer program behind the recompute planner's lower bound (docs/model.md, "Planning
// memory"), solved with COIN-OR CBC. Stage t is everything from just after node t-1's first
// computation to node t's first computation, P_t the moment node t is first computed:
//
//   X[t][i] in {0,1}, i <= t:  value i is in memory at P_t     (X[t][t] = 1, X[t][j] = 1 for
//                                                               every input j of node t)
//   R[t][i] in {0,1}, i <  t:  node i is computed again in stage t
//   X[t][i] <= X[t-1][i] + R[t][i]                 (in memory at P_t: it was at P_{t-1}, or it
//                                                   was computed in between)
//   R[t][i] <= X[t-1][j] + R[t][j]  for inputs j of i   (an input is there when i is computed
//                                                   again: kept from P_{t-1} or computed before)
//   sum_i bytes_i X[t][i] <= budget                (memory at P_t)
//   minimise sum cost_i R[t][i].
//
// Every plan gives a solution of this program of equal cost (read X and R off the plan), so
// its optimum, and any bound CBC proves on it, is a lower bound on the cost of every plan. It
// is a relaxation: memory is checked at the moments P_t only, not while a stage computes again,
// so a solution is turned into a plan by the builder (remat_builder.h), which repairs it where
// it runs over.
//
// Cuts tighten it where a solution ran over. For a recompute of node i in stage t:
//   K[t][k] >= X[t-1][k] + X[t][k] - R[t][k] - 1      (k in memory at both ends of the stage and
//                                                      not computed in it: there all through)
//   sum_{k not in S} bytes_k K[t][k] + bytes(S) R[t][i] <= budget,   S = i and its inputs
// which every plan obeys (while i is computed again, S and the values there all through the
// stage are in memory; and with R = 0 the K values alone are in memory at P_t).
#include <limits>
#include <optional>

#include "policies/solver/remat_builder.h"
#include "policies/solver/remat_problem.h"

namespace memsim::planner {

struct MilpOutcome {
  bool solved = false;      // CBC ran (false: the model is too large to build)
  bool infeasible = false;  // proved: no plan at all exists
  bool optimal = false;     // the returned solution is optimal for the program
  double lower_bound = 0;   // proved: every plan costs at least this much
  double objective = std::numeric_limits<double>::infinity();  // of `solution`
  std::optional<RematGuide> solution;  // the best solution found, as a guide
};

// Largest problem the program is built for: it has about n^2 binaries.
inline constexpr std::size_t kMilpMaxNodes = 600;

// Solves the program within `seconds` of wall-clock time, starting from `start` (a valid plan)
// if given, with CBC's random seed `seed` (0: CBC's default). Deterministic when it finishes
// within the time.
MilpOutcome solve_remat_milp(const RematProblem& problem, const RematPlan* start, double seconds,
                             const std::vector<GuideOverrun>& cuts = {}, int seed = 0);

}  // namespace memsim::planner
