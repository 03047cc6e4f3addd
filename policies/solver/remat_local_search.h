#pragma once
// Local search over the closure builder's weights (docs/model.md §14.1, "Local search"): the
// builder (remat_closure_builder.h) turns one weight per node into a plan; the search changes
// the weights of one to six nodes at a time (scaled by a random factor, made kept, or made
// ordinary again; half of the time a node the current plan computes again or an input of
// one, or one its stuck stage missed) and keeps a change when the plan it gives is no worse.
// A build that gets stuck counts
// by how far it got (its stuck stage), so the search also looks for a first plan. Seeded: the
// same number of steps gives the same plans.
#include <chrono>
#include <functional>
#include <optional>
#include <vector>

#include "policies/solver/remat_builder.h"
#include "policies/solver/remat_plan.h"
#include "policies/solver/remat_problem.h"

namespace memsim::planner {

struct LocalSearchResult {
  std::optional<RematPlan> plan;  // the cheapest valid plan found
  double cost = 0;                // its recompute cost (check_plan's)
  std::uint64_t steps = 0;        // builds tried
  std::vector<double> weights;    // where the search ended: to go on from
  bool stalled = false;           // it stopped for lack of progress (not time, steps or `stop`)
};

// The search stops after this many builds in a row, or 50 per node if more, found nothing
// better.
inline constexpr std::uint64_t kStallSteps = 3000;

// Searches from `weights` (one per node; all 1 when empty) with `rule` and `supports` (see
// try_closure_plan) until `deadline` or
// `max_steps` builds, when it stalls (kStallSteps), or when `stop` (if given, asked before
// each build) says so. `fallback`: the builds plan stuck stages by the backward search.
LocalSearchResult local_search(const RematProblem& problem, EvictionRule rule, bool supports,
                               std::vector<double> weights,
                               std::chrono::steady_clock::time_point deadline,
                               std::uint64_t max_steps, std::uint32_t seed = 1,
                               const std::function<bool()>& stop = {}, bool fallback = false);

}  // namespace memsim::planner
