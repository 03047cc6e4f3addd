#pragma once
// The stage knapsacks of the recompute problem (docs/model.md §14.1, step 1): a lower bound
// from each first computation on its own, and the choice behind it, which seeds plans.
//
// When node t is first computed, each earlier value that a later node reads (and t does not)
// is either in memory or computed again after t, costing at least its cost once. Memory at t
// holds t's working set and the values kept, at most the budget: the values left out must
// free the *deficit* (t's working set plus every such value, less the budget). The cheapest
// such choice is a knapsack, and its cost a lower bound on every plan.
#include <cstdint>
#include <vector>

#include "policies/solver/remat_problem.h"

namespace memsim::planner {

struct StageKnapsack {
  std::uint32_t stage = 0;
  double bound = 0;    // proved: every plan costs at least this much
  bool whole = false;  // the whole-value knapsack was solved (else: its fractional relaxation)
  // A cheapest choice of values left out of memory at the stage (for a fractional bound: the
  // values by cost per byte until the deficit is met).
  std::vector<std::uint32_t> dropped;
};

// The knapsack of each stage that could hold the largest bound, highest bound first. Stages are
// taken by their fractional bound, highest first, while it exceeds the best bound found so far
// (a whole knapsack's cost is never below its fractional one). Where every cost is a whole
// number, the whole-value knapsack is solved exactly by dynamic programming over the cost in
// units of the costs' gcd, up to the cost of the greedy cover (values by cost per byte until
// the deficit is met), while its table has at most kKnapsackCells cells; otherwise the
// fractional bound stands. Empty when no stage has a deficit.
inline constexpr std::uint64_t kKnapsackCells = 40'000'000;
std::vector<StageKnapsack> stage_knapsacks(const RematProblem& problem);

}  // namespace memsim::planner
