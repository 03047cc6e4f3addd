#pragma once
// Large-neighbourhood search for the recompute planner (docs/model.md §14.1, "Window
// re-planning"): keep a plan as it is outside a window of stages a..b and plan the window again
// with a 0/1 program (CBC) whose every solution is a valid plan there.
//
// Stage t is the actions after node t-1's first computation up to and including node t's, P_t
// the moment of that first computation. With M_{a-1} the values the plan holds at P_{a-1} and
// M_b those it holds at P_b, for t = a..b and k < t:
//
//   X[t][k]  k is in memory at P_t          (X[b] = M_b fixed; X[a-1] = M_{a-1}; t's inputs 1)
//   R[t][k]  k is computed again in stage t
//   Z[t][k]  k is in memory at some time in stage t after the stage's first drops
//   X[t][k] <= X[t-1][k] + R[t][k]
//   R[t][i] <= X[t-1][j] + R[t][j]          for each input j of i
//   Z[t][k] >= X[t][k],  Z[t][k] >= R[t][k],  Z[t][j] >= R[t][i] for each input j of i
//   sum_k bytes_k Z[t][k] + bytes_t <= budget
//   minimise sum cost_k R[t][k].
//
// A solution is a plan for the window: in stage t drop every value held with Z = 0, compute
// the values with R = 1 that are not in memory in increasing node order (an input j < i of
// each is there: held with Z = 1 or computed before it), drop every value not in X[t], compute
// node t. Memory never holds more than the Z values and t. Before P_{a-1} and after P_b the
// plan's own actions run unchanged (memory at P_b is M_b again). The program is a restriction
// (memory counted as if every value the stage touches were held all through it), so its
// optimum need not be the window's best plan, but each solution is valid.
#include <cstdint>
#include <optional>

#include "policies/solver/remat_plan.h"
#include "policies/solver/remat_problem.h"

namespace memsim::planner {

struct WindowOutcome {
  std::optional<RematPlan> plan;  // the plan with its window re-planned, when cheaper
  double before = 0;              // the recompute cost of the window's stages in the given plan
  double after = 0;               // and in the new plan (when there is one)
  bool optimal = false;           // CBC proved the window program's optimum
};

// Re-plans stages a..b (1 <= a <= b < n) of `plan` (valid: check_plan accepts it) within
// `seconds`. No plan when CBC finds none cheaper than the window's cost in `plan`.
WindowOutcome replan_window(const RematProblem& problem, const RematPlan& plan, std::uint32_t a,
                            std::uint32_t b, double seconds);

}  // namespace memsim::planner
