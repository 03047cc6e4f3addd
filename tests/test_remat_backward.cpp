// The backward search of the recompute problem (policies/solver/remat_backward_search): paths
// derived by hand, the proof that no plan exists, the stage-by-stage plan, and the closure
// builder falling back on it where it gets stuck.
#include <catch2/catch.hpp>
#include <random>

#include "policies/solver/remat_backward_search.h"
#include "policies/solver/remat_closure_builder.h"
#include "policies/solver/remat_exact.h"
#include "policies/solver/remat_plan.h"
#include "policies/solver/remat_planner.h"
#include "policies/solver/remat_problem.h"
#include "sim/core/verifier.h"
#include "support/remat_net.h"

using namespace memsim;
using namespace memsim::planner;
using A = RematAction;

namespace {

using test::Net;

}  // namespace

TEST_CASE("backward search: the path from node k back to an empty memory, latest value first",
          "[planner][backward]") {
  // Cascade at 3 B, node 4 (k) from nothing held. Sets, each step over the latest value that
  // fits (memory: the set with the value's inputs):
  //   {4}: step 4 (k reads 1, 3): 1 + 1 + 1 = 3 B        -> {1, 3}
  //   {1, 3}: step 3 (h reads 2): 1 + 1 + 2 = 4 B, no; step 1 (reads 0): 3 B -> {0, 3}
  //   {0, 3}: step 3: 1 + 1 + 2 = 4 B, no; step 0 (no inputs): 2 B          -> {3}
  //   {3}: step 3: 1 + 2 = 3 B -> {2};  {2}: step 2: 2 + 1 -> {1};  {1} -> {0};  {0} -> {}.
  // Forwards, each value computed and then the inputs the set before its step lacks dropped:
  //   c0, c1 d0, c2 d1, c3 d2, c0, c1 d0, c4 (k's inputs stay). Eight sets visited.
  Net net;
  const Graph g = test::cascade_graph(net);
  const RematProblem p = make_remat_problem(g, net.order, 3);
  const BackwardSearch s = backward_search(p, 4, std::vector<char>(5, 0), 1000);
  REQUIRE(s.outcome == BackwardSearch::found);
  const RematPlan expected = {{A::compute, 0}, {A::compute, 1}, {A::drop, 0},   {A::compute, 2},
                              {A::drop, 1},    {A::compute, 3}, {A::drop, 2},   {A::compute, 0},
                              {A::compute, 1}, {A::drop, 0},    {A::compute, 4}};
  CHECK(s.actions == expected);
  CHECK(s.states == 8);

  // Holding w (node 3, 1 B): {4} -> {1} (k's inputs less w: 1 + 1 + 1 = 3 B with w) -> {0}
  // (1 + 1 + 1 with w) -> {}: c0, c1 d0, c4.
  std::vector<char> held(5, 0);
  held[3] = 1;
  const BackwardSearch h = backward_search(p, 4, held, 1000);
  REQUIRE(h.outcome == BackwardSearch::found);
  CHECK(h.actions == RematPlan{{A::compute, 0}, {A::compute, 1}, {A::drop, 0}, {A::compute, 4}});

  // A state limit below the eight sets: unknown.
  CHECK(backward_search(p, 4, std::vector<char>(5, 0), 5).outcome == BackwardSearch::unknown);
}

TEST_CASE("backward search: no path proves that no plan exists", "[planner][backward]") {
  // No-plan graph at 3 B, node 4 (z): {4}: step 4: x + y + z = 3 B -> {1, 3}; then step 3 (y
  // reads b, 2 B): 1 + 1 + 2 = 4 B, no; step 1 (x reads a, 2 B): 4 B, no. Two sets, exhausted.
  Net net;
  const Graph g = test::no_plan_graph(net);
  const RematProblem p = make_remat_problem(g, net.order, 3);
  const BackwardSearch s = backward_search(p, 4, std::vector<char>(5, 0), 1000);
  CHECK(s.outcome == BackwardSearch::none);
  CHECK(s.states == 2);
  const BackwardPlan b = backward_plan(p, 1000);
  CHECK(b.infeasible);
  CHECK(b.stage == 4);
  CHECK_FALSE(b.plan);
  // The planner without its exact search: every working set fits (3 B at most), the builders
  // get stuck, and the backward search proves it.
  const RematPlannerResult r = plan_recompute(p, {10, false});
  CHECK_FALSE(r.found);
  CHECK(r.infeasible);
  CHECK(r.why ==
        "the backward search from node 4 exhausted every set of values without reaching an empty "
        "memory");
}

TEST_CASE("backward search: the stage-by-stage plan computes each stage from an empty memory",
          "[planner][backward]") {
  // Cascade at 3 B, each stage's path as in the first test, then everything dropped:
  //   stage 0: c0 (first).                               reruns: none
  //   stage 1: c0 c1.                                    c0: 2
  //   stage 2: {2} -> {1} -> {0} -> {}: c0 c1 d0 c2.     c0 c1: 2 + 3 = 5
  //   stage 3: c0 c1 d0 c2 d1 c3.                        c0 c1 c2: 2 + 3 + 1 = 6
  //   stage 4: the path of the first test.               c0 c1 c2 c3 c0 c1: 2+3+1+1+2+3 = 12
  // In all 25 FLOP over 1 + 2 + 3 + 6 = 12 reruns.
  Net net;
  const Graph g = test::cascade_graph(net);
  const RematProblem p = make_remat_problem(g, net.order, 3);
  const BackwardPlan b = backward_plan(p, 1000);
  CHECK_FALSE(b.infeasible);
  REQUIRE(b.plan);
  const PlanCheck c = check_plan(p, *b.plan);
  REQUIRE(c.ok);
  CHECK(c.recompute_cost == 25);
  CHECK(c.reruns == 12);
  const MoveCounts m = verify(g, p.budget, plan_steps(g, p, *b.plan), VerifierOptions{true});
  CHECK(m.computes == 5 + 12);
  CHECK(m.peak_cache_bytes == 3);
}

TEST_CASE("backward search: random graphs, a plan whenever the exhaustive search finds one",
          "[planner][backward]") {
  // The backward search is complete: a stage-by-stage plan exists exactly when the exact
  // search finds any plan, and the closure builder with the fallback never gets stuck then.
  std::mt19937 rng(7);
  int infeasible = 0, rescued = 0;
  for (int trial = 0; trial < 150; ++trial) {
    Net net;
    const Graph g = test::random_net(net, 6 + trial % 9, rng);
    RematProblem p = make_remat_problem(g, net.order, 0);
    p.budget = test::tight_budget(p, 6);
    const ExactOutcome exact = exact_recompute(p, 30, 10'000'000);
    REQUIRE(exact.finished);
    const BackwardPlan b = backward_plan(p, 1'000'000);
    INFO("trial " << trial << ", budget " << p.budget);
    CHECK(b.infeasible == !exact.plan);
    CHECK(b.plan.has_value() == exact.plan.has_value());
    if (!exact.plan) {
      ++infeasible;
      continue;
    }
    const double optimum = check_plan(p, *exact.plan).recompute_cost;
    CHECK(check_plan(p, *b.plan).ok);
    CHECK(check_plan(p, *b.plan).recompute_cost >= optimum);
    for (EvictionRule rule : {EvictionRule::worth, EvictionRule::farthest, EvictionRule::largest}) {
      const ClosureAttempt plain = try_closure_plan(p, rule, true, nullptr);
      const ClosureAttempt with = try_closure_plan(p, rule, true, nullptr, true);
      REQUIRE(with.plan);
      const PlanCheck c = check_plan(p, *with.plan);
      CHECK(c.ok);
      CHECK(c.recompute_cost >= optimum);
      if (!plain.plan) ++rescued;
    }
  }
  // Both sides of the claim were exercised.
  CHECK(infeasible > 0);
  CHECK(rescued > 0);
}

TEST_CASE("backward search: past the time limit it gives up, never claiming that no plan exists",
          "[planner][backward]") {
  // docs/model.md §14.1: every step stops at the time limit. A deadline that has passed (its
  // instant is now) makes every search give up at once: "unknown" with no set visited, where
  // the no-plan graph's search would otherwise exhaust its two sets and prove "none" (test
  // above).
  const Deadline passed{Deadline::Clock::now()};
  Net net;
  const Graph g = test::no_plan_graph(net);
  const RematProblem p = make_remat_problem(g, net.order, 3);
  const BackwardSearch s = backward_search(p, 4, std::vector<char>(5, 0), 1000, passed);
  CHECK(s.outcome == BackwardSearch::unknown);
  CHECK(s.states == 0);
  const BackwardPlan b = backward_plan(p, 1000, passed);
  CHECK_FALSE(b.infeasible);
  CHECK_FALSE(b.plan);
  // The planner with a time limit of 0 s: nothing proved, nothing found (exit status 1 in
  // `memsim solve`, "a longer --time-limit may find one"), where 10 s proves infeasibility.
  const RematPlannerResult r = plan_recompute(p, {0, false});
  CHECK_FALSE(r.found);
  CHECK_FALSE(r.infeasible);

  // The closure builder: with the fallback and a passed deadline, a stuck stage's searches find
  // nothing, so the build is the build without the fallback (stuck at the same stage, missing
  // the same inputs); and build_closure_plan starts no build at all.
  Net cascade;
  const Graph cg = test::cascade_graph(cascade);
  const RematProblem cp = make_remat_problem(cg, cascade.order, 3);
  std::mt19937 rng(7);
  int compared = 0;
  for (int trial = 0; trial < 150; ++trial) {
    Net rn;
    const Graph rg = test::random_net(rn, 6 + trial % 9, rng);
    RematProblem rp = make_remat_problem(rg, rn.order, 0);
    rp.budget = test::tight_budget(rp, 6);
    const ClosureAttempt plain = try_closure_plan(rp, EvictionRule::worth, true, nullptr);
    const ClosureAttempt late =
        try_closure_plan(rp, EvictionRule::worth, true, nullptr, true, passed);
    INFO("trial " << trial);
    CHECK(late.plan.has_value() == plain.plan.has_value());
    if (plain.plan) continue;
    CHECK(late.failed_stage == plain.failed_stage);
    CHECK(late.missing == plain.missing);
    ++compared;
  }
  CHECK(compared > 0);  // some plain build got stuck, so the fallback was asked
  CHECK(build_closure_plan(cp, EvictionRule::worth, true, nullptr, false));
  CHECK_FALSE(build_closure_plan(cp, EvictionRule::worth, true, nullptr, false, passed));
}
