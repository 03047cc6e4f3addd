// Polishing a recompute plan (policies/solver/remat_plan_polish): holding a value instead of
// dropping it and computing it again where memory allows, and removing reruns nothing reads;
// plans derived by hand, and on random graphs valid plans never dearer than before.
#include <catch2/catch.hpp>
#include <random>

#include "policies/solver/remat_closure_builder.h"
#include "policies/solver/remat_exact.h"
#include "policies/solver/remat_plan.h"
#include "policies/solver/remat_plan_polish.h"
#include "policies/solver/remat_problem.h"
#include "sim/core/verifier.h"
#include "support/remat_net.h"

using namespace memsim;
using namespace memsim::planner;
using A = RematAction;

namespace {

// a (1 B, 5 FLOP); b(a) (B_BYTES, 1); c(b) (1 B, 1); d(a, c) (1 B, 1): nodes 0..3.
Graph chain_graph(test::Net& net, std::uint64_t b_bytes) {
  net.op("a", 1, 5);
  net.op("b", b_bytes, 1, {"a"});
  net.op("c", 1, 1, {"b"});
  net.op("d", 1, 1, {"a", "c"});
  return std::move(net.b).build();
}

}  // namespace

TEST_CASE("polish: a value dropped and computed again is held where memory allows",
          "[planner][recompute][polish]") {
  // b of 1 B, 3 B: c0 c1 d0 c2 d1 c0 c3 costs 5 (a again), memory after each action
  // 1 2 1 2 1 2 3. Holding a from its drop (action 3) to its rerun (action 6) adds 1 B after
  // actions 3..5: 2 3 2, within 3 B. So c0 c1 c2 d1 c3: memory 1 2 3 2 3, cost 0.
  test::Net net;
  const Graph g = chain_graph(net, 1);
  const RematProblem p = make_remat_problem(g, net.order, 3);
  const RematPlan given = {{A::compute, 0}, {A::compute, 1}, {A::drop, 0},   {A::compute, 2},
                           {A::drop, 1},    {A::compute, 0}, {A::compute, 3}};
  REQUIRE(check_plan(p, given).recompute_cost == 5);
  const RematPlan polished = polish_plan(p, given);
  CHECK(
      polished ==
      RematPlan{{A::compute, 0}, {A::compute, 1}, {A::compute, 2}, {A::drop, 1}, {A::compute, 3}});
  const PlanCheck c = check_plan(p, polished);
  REQUIRE(c.ok);
  CHECK(c.recompute_cost == 0);
  const MoveCounts m = verify(g, p.budget, plan_steps(g, p, polished), VerifierOptions{true});
  CHECK(m.computes == 4);
  CHECK(m.peak_cache_bytes == 3);

  // b of 2 B: the same plan, memory 1 3 2 3 1 2 3; holding a would make it 4 after c (action
  // 4): not allowed, and the plan stays (it is optimal: while c is computed b and c fill the
  // 3 B, so a is not in memory then and d needs it again: 5).
  test::Net wide;
  const Graph h = chain_graph(wide, 2);
  const RematProblem q = make_remat_problem(h, wide.order, 3);
  REQUIRE(check_plan(q, given).ok);
  CHECK(polish_plan(q, given) == given);
}

TEST_CASE("polish: drops move to just after the last read, which lets a hold fit",
          "[planner][recompute][polish]") {
  // a (1 B, 5 FLOP); b(a); c(b); e(c); d(a, e), each 1 B and 1 FLOP: nodes 0..4, 3 B.
  // Given c0 c1 d0 c2 c3 d1 d2 c0 c4 (cost 5; b dropped only after e was computed), memory
  // after each action 1 2 1 2 3 2 1 2 3: holding a from its drop (action 3) to its rerun
  // (action 8) would give 4 after c3 (action 5). Early drops: b's last read is c2 (action 4),
  // c's is c3: c0 c1 d0 c2 d1 c3 d2 c0 c4, memory 1 2 1 2 1 2 1 2 3; now holding a adds 1 after
  // actions 3..7, at most 3: c0 c1 c2 d1 c3 d2 c4 (memory 1 2 3 2 3 2 3), cost 0.
  test::Net net;
  net.op("a", 1, 5);
  net.op("b", 1, 1, {"a"});
  net.op("c", 1, 1, {"b"});
  net.op("e", 1, 1, {"c"});
  net.op("d", 1, 1, {"a", "e"});
  const Graph g = std::move(net.b).build();
  const RematProblem p = make_remat_problem(g, net.order, 3);
  const RematPlan given = {{A::compute, 0}, {A::compute, 1}, {A::drop, 0},
                           {A::compute, 2}, {A::compute, 3}, {A::drop, 1},
                           {A::drop, 2},    {A::compute, 0}, {A::compute, 4}};
  REQUIRE(check_plan(p, given).recompute_cost == 5);
  const RematPlan polished = polish_plan(p, given);
  CHECK(polished == RematPlan{{A::compute, 0},
                              {A::compute, 1},
                              {A::compute, 2},
                              {A::drop, 1},
                              {A::compute, 3},
                              {A::drop, 2},
                              {A::compute, 4}});
  const MoveCounts m = verify(g, p.budget, plan_steps(g, p, polished), VerifierOptions{true});
  CHECK(m.computes == 5);
  CHECK(m.peak_cache_bytes == 3);
}

TEST_CASE("polish: a rerun nothing reads is removed, after holds", "[planner][recompute][polish]") {
  // b of 1 B, 3 B: c0 c1 d0 c2 d1 c0 c3 d2 c1 costs 5 + 1 = 6 (a again, then b again, which
  // nothing reads). Memory after each action: 1 2 1 2 1 2 3 2 3.
  //   Hold a (5 FLOP, first): +1 after actions 3..5 (1 2 1): 2 3 2, fits. Memory after actions
  //   5..8 is now 2 2 3 2 (action 6, a's rerun, no longer adds a).
  //   Hold b (drop at action 5, rerun at 9): +1 after actions 5..8, whose most is 3: 4, no.
  //   Unread: b's rerun (action 9) is read by nothing before the plan ends: removed.
  // Result c0 c1 c2 d1 c3 d2, cost 0.
  test::Net net;
  const Graph g = chain_graph(net, 1);
  const RematProblem p = make_remat_problem(g, net.order, 3);
  const RematPlan given = {{A::compute, 0}, {A::compute, 1}, {A::drop, 0},
                           {A::compute, 2}, {A::drop, 1},    {A::compute, 0},
                           {A::compute, 3}, {A::drop, 2},    {A::compute, 1}};
  REQUIRE(check_plan(p, given).recompute_cost == 6);
  const RematPlan polished = polish_plan(p, given);
  CHECK(polished == RematPlan{{A::compute, 0},
                              {A::compute, 1},
                              {A::compute, 2},
                              {A::drop, 1},
                              {A::compute, 3},
                              {A::drop, 2}});
  CHECK(check_plan(p, polished).ok);

  // A rerun dropped before anything reads it goes with its drop: c0 c1 d0 c0 d0 c2 d1 c0 c3
  // (a computed twice again, 10 FLOP): the hold rule takes both pairs first (memory after the
  // actions between each drop and rerun: 1, then 1 2 1, each + 1 within 3 B): cost 0.
  const RematPlan twice = {{A::compute, 0}, {A::compute, 1}, {A::drop, 0},
                           {A::compute, 0}, {A::drop, 0},    {A::compute, 2},
                           {A::drop, 1},    {A::compute, 0}, {A::compute, 3}};
  REQUIRE(check_plan(p, twice).recompute_cost == 10);
  CHECK(check_plan(p, polish_plan(p, twice)).recompute_cost == 0);
}

TEST_CASE("polish: random graphs, valid plans never dearer and never below the optimum",
          "[planner][recompute][polish]") {
  std::mt19937 rng(5);
  int cheaper = 0, plans = 0;
  for (int trial = 0; trial < 120; ++trial) {
    test::Net net;
    const Graph g = test::random_net(net, 6 + trial % 8, rng);
    RematProblem p = make_remat_problem(g, net.order, 0);
    p.budget = test::tight_budget(p, 7);
    const ExactOutcome exact = exact_recompute(p, 30, 10'000'000);
    REQUIRE(exact.finished);
    if (!exact.plan) continue;
    const double optimum = check_plan(p, *exact.plan).recompute_cost;
    INFO("trial " << trial << ", budget " << p.budget);
    for (EvictionRule rule : {EvictionRule::worth, EvictionRule::farthest, EvictionRule::largest}) {
      const ClosureAttempt built = try_closure_plan(p, rule, true, nullptr, true);
      if (!built.plan) continue;
      const PlanCheck before = check_plan(p, *built.plan);
      REQUIRE(before.ok);
      const RematPlan polished = polish_plan(p, *built.plan);
      const PlanCheck after = check_plan(p, polished);
      REQUIRE(after.ok);
      CHECK(after.recompute_cost <= before.recompute_cost);
      CHECK(after.recompute_cost >= optimum);
      const MoveCounts m = verify(g, p.budget, plan_steps(g, p, polished), VerifierOptions{true});
      CHECK(m.computes - g.op_count() == after.reruns);
      CHECK(m.peak_cache_bytes <= p.budget);
      ++plans;
      if (after.recompute_cost < before.recompute_cost) ++cheaper;
    }
  }
  CHECK(plans > 100);
  CHECK(cheaper > 0);
}
