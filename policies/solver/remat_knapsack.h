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
  bool whole = false;  // the whole-value knapsack was solved exactly
  // A cheapest choice of values left out of memory at the stage (of the scaled knapsack when
  // not exact; for a fractional bound: the values by cost per byte until the deficit is met).
  std::vector<std::uint32_t> dropped;
};

// The knapsack of each stage that could hold the largest bound, highest bound first. Stages are
// taken by their fractional bound, highest first, skipping those whose greedy cover costs at
// most the best bound found so far (the whole knapsack costs at most its cover). Each is solved by
// dynamic programming over the cost, up to the cost of the greedy cover (values by cost per byte
// until the deficit is met, whole): where every cost is a whole number and the table (units of the
// costs' gcd) has at most kKnapsackUnits columns and kKnapsackCells cells, exactly; otherwise
// in units q = cover / min(kKnapsackUnits - 1, kKnapsackCells / values - 1), each cost counted
// as floor(cost / q) units (never more than it is: the result times q is still a lower bound).
// The bound is the larger of that and the fractional one. Empty when no stage has a deficit.
inline constexpr std::uint64_t kKnapsackCells = 40'000'000;
inline constexpr std::uint64_t kKnapsackUnits = 4'000'000;
std::vector<StageKnapsack> stage_knapsacks(const RematProblem& problem);

}  // namespace memsim::planner
