#pragma once
// The anytime recompute planner (docs/model.md, "Planning memory"): always a valid plan when
// it finds one, a proven lower bound, and the gap between them, within a time limit.
//
//  1. If some node's working set exceeds the budget, no plan exists (proved).
//  2. If the given order fits without recompute, that plan costs 0 and is optimal.
//  2b. On graphs of up to kExactSearchNodes nodes the exact search (remat_exact.h) may finish:
//      its plan is optimal.
//  3. Greedy plans (remat_builder.h and remat_closure_builder.h, each eviction rule) give the
//     first incumbent; the stage bound (below, remat_knapsack.h) is the first lower bound, and
//     the values its knapsacks leave out seed closure plans ("knapsack plans").
//  3a. When none of those finds a plan, the builds again with the backward search
//      (remat_backward_search.h) for their stuck stages, and failing that the backward search
//      for every node alone: a plan, or the proof that none exists.
//  3a'. Every plan found is polished (remat_plan_polish.h) before it is compared with the best.
//  3b. The closure bound (remat_closure_bound.h) raises the bound, and its solution seeds
//     closure plans too.
//  3c. The moments bound (remat_moments_bound.h): the closure program at several stages at once;
//     a set CBC's clock stopped is solved again, with twice the time, after a stalled episode of
//     the local search.
//  4. At the same time until the time limit: rounds of the integer program (remat_milp.h) in a
//     child process (remat_milp_child.h), started from the incumbent, raise the bound to what
//     CBC proves and give solutions that the builder turns into plans (repairing them where
//     the program's relaxation of memory lets them run over); and in this process, episodes of
//     a local search over the closure builder's weights (remat_local_search.h) improve the
//     incumbent.
#include <optional>
#include <string>

#include "policies/solver/deadline.h"
#include "policies/solver/remat_plan.h"
#include "policies/solver/remat_problem.h"

namespace memsim::planner {

// Graphs the planner tries the exact search on first.
inline constexpr std::size_t kExactSearchNodes = 30;

struct RematPlannerOptions {
  double time_limit_seconds = 60;
  // Try the exact search (remat_exact.h) first; off only to test the rest on small graphs.
  bool exact_search = true;
  // Builds each episode of the local search may try (besides its time).
  std::uint64_t local_search_steps = 1'000'000'000;
};

struct RematPlannerResult {
  bool found = false;       // `plan` is a valid plan
  bool infeasible = false;  // proved: no plan exists (`why` says why)
  std::string why;
  RematPlan plan;
  double cost = 0;  // of `plan`: compute cost of its reruns
  std::uint64_t reruns = 0;
  double lower_bound = 0;    // proved: every plan costs at least this much
  bool optimal = false;      // cost == lower_bound
  std::string method;        // what found the plan: "no recompute", "greedy", "integer program"
  std::string bound_method;  // what proved the bound: "stage bound", "integer program", ...
  double seconds = 0;
};

RematPlannerResult plan_recompute(const RematProblem& problem,
                                  const RematPlannerOptions& options = {});

// A lower bound every plan obeys, from each first computation on its own: when node t is
// computed, each earlier value that a later node reads is either in memory or computed again
// after it (costing at least its compute cost once); the cheapest such choice that fits the
// budget: a knapsack. Its fractional relaxation is a bound; where every cost is a whole number
// the whole-value knapsack is solved exactly (dynamic programming over the cost in units of the
// costs' gcd, for the stages whose fractional bound could still raise the result, while its
// table has at most 40 million cells). The largest over t.
double stage_lower_bound(const RematProblem& problem);

// The plan of backward searches (remat_backward_search.h) alone: for each node t in order, from
// empty memory, the search's actions up to t's first computation, then every value dropped.
// `infeasible` (with the stage) when a stage's search exhausted its sets: no plan exists; no
// plan when some stage's search gave up after `max_states` sets or at the `deadline`.
struct BackwardPlan {
  bool infeasible = false;
  std::uint32_t stage = 0;
  std::optional<RematPlan> plan;
};
inline constexpr std::uint64_t kBackwardPlanStates = 200'000;
BackwardPlan backward_plan(const RematProblem& problem, std::uint64_t max_states,
                           const Deadline& deadline = {});

// The plan that computes every node once in order and drops each value after its last reader
// (valid only when peak_without_recompute(problem) <= budget).
RematPlan plan_without_recompute(const RematProblem& problem);

}  // namespace memsim::planner
