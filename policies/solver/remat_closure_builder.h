#pragma once
// A second plan builder for the recompute problem (docs/model.md §14.1, "closure plans"), made
// for graphs whose values come back through long chains of recomputes (random layered graphs,
// networks with skip connections). Nodes are first computed in order. Before node t, the
// values it reads that are not in memory, and their own missing inputs back to values that are
// (the *closure*), are computed again in node order, each just once; a value is held only
// while a later computation of the stage reads it or while nothing needs its room. When a
// computation does not fit, values are dropped by tier (spent values first; then values that
// can come back from what is in memory; then anchors, the inputs of dropped values that are
// still needed, and values whose inputs are gone; kept values last), then lowest priority
// first, and values the rest of the stage reads only when nothing else is left (such a value
// is computed again when it is next read). Under the rule `worth` a value's priority is its
// weight times its worth (remat_builder.h's rule: cost to compute again over bytes x distance
// to its next use); the other rules divide the distance or the size by the weight.
//
// The weights are what the local search of remat_local_search.h varies; with every weight 1
// it is a greedy heuristic of its own.
#include <optional>
#include <vector>

#include "policies/solver/deadline.h"
#include "policies/solver/remat_builder.h"
#include "policies/solver/remat_plan.h"
#include "policies/solver/remat_problem.h"

namespace memsim::planner {

// A weight at least this makes a value *kept*: dropped only when no value that is not kept
// would do.
inline constexpr double kKeptWeight = 1e6;
inline constexpr int kMaxRepairRounds = 64;

// One build: a valid plan, or where it got stuck (a computation needing more memory than the
// values it may drop free, or a plan over 64 actions per node): the stage, and the inputs of
// that stage's node that were not in memory when the stage began.
struct ClosureAttempt {
  std::optional<RematPlan> plan;
  std::uint32_t failed_stage = 0;
  std::vector<std::uint32_t> missing;
};
// `supports`: the tiers count the inputs of computed, still needed nodes as needed (docs/model.md
// §14.1); without it they are spent once no first computation reads them.
// `fallback`: a stage that gets stuck is planned by the backward search instead (holding the
// values in memory, those still to be read, the soonest read of them up to 3/4, 1/2 and 1/4 of
// the budget, or nothing, the first that finds a path; kBackwardStates sets each), and the
// build is stuck only where that finds nothing. A backward search still running at the
// `deadline` finds nothing.
inline constexpr std::uint64_t kBackwardStates = 4'000;
ClosureAttempt try_closure_plan(const RematProblem& problem, EvictionRule rule, bool supports,
                                const std::vector<double>* weights, bool fallback = false,
                                const Deadline& deadline = {});

// Builds, and where a build gets stuck makes the inputs that stage was missing kept and builds
// again (at most kMaxRepairRounds times): a value dropped early that came back too late, or
// could not come back in the memory left, is then held. `weights` (one per node, 1 when null)
// receive the raises. Nullopt when every input missing at the stuck stage was kept already, or
// when the `deadline` has passed before a build succeeds (no build starts after it).
std::optional<RematPlan> build_closure_plan(const RematProblem& problem, EvictionRule rule,
                                            bool supports = true,
                                            std::vector<double>* weights = nullptr,
                                            bool fallback = false, const Deadline& deadline = {});

}  // namespace memsim::planner
