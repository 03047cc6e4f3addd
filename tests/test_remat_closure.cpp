// The closure builder, its repair, the local search over its weights and the integer program in
// a killable child (policies/solver/remat_closure_builder, remat_local_search,
// remat_milp_child): plans derived by hand, stuck stages named, bounds never above costs.
#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <random>

#include "policies/solver/remat_closure_builder.h"
#include "policies/solver/remat_local_search.h"
#include "policies/solver/remat_milp_child.h"
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

TEST_CASE("closure builder: the missing inputs come back in node order, the spent ones go first",
          "[planner][closure]") {
  // Stages 0-3 at 3 B: f1 (x1); f2 (x1 x2: 2 B); g needs room for y (2 B): x2 is g's input, so
  // x1, the only other value, goes (x2 y: 3 B); h needs room for w: y is h's input, so x2 goes
  // (y w: 3 B). Stage 4 (k) misses x2, whose input x1 is gone too: the closure is {x1, x2},
  // computed in node order. Room for x1: w is k's input (read later in the stage), so y goes
  // (w x1). Then x2: w x1 x2 = 3 B. Then k: x1 goes, the only value that k does not read
  // (w x2 z). Reruns f1 and f2: 5 FLOP, the optimum.
  Net net;
  const Graph g = test::cascade_graph(net);
  const RematProblem p = make_remat_problem(g, net.order, 3);
  const auto plan = build_closure_plan(p, EvictionRule::worth);
  REQUIRE(plan);
  const RematPlan expected = {{A::compute, 0}, {A::compute, 1}, {A::drop, 0},   {A::compute, 2},
                              {A::drop, 1},    {A::compute, 3}, {A::drop, 2},   {A::compute, 0},
                              {A::compute, 1}, {A::drop, 0},    {A::compute, 4}};
  CHECK(*plan == expected);
  const PlanCheck check = check_plan(p, *plan);
  CHECK(check.ok);
  CHECK(check.recompute_cost == 5);
  const MoveCounts c = verify(g, p.budget, plan_steps(g, p, *plan), VerifierOptions{true});
  CHECK(c.computes == 7);
  CHECK(c.peak_cache_bytes == 3);
}

TEST_CASE("closure builder: a stuck stage is named with its missing inputs, and kept after",
          "[planner][closure]") {
  Net net;
  const Graph g = test::no_plan_graph(net);
  const RematProblem p = make_remat_problem(g, net.order, 3);
  // a; a x (3 B); b needs 2 B: a and x are both tier 1 (a supports x, which z reads), and a's
  // worth is the lower (cost 1 / (2 B x 3 stages to z) against 1 / (1 B x 3)): a goes (x b);
  // y needs 1 B: its input b stays, x is the only other value and goes (b y). Stage 4 (z)
  // misses x; its closure is {a, x}: room for a (2 B): y is z's input, b goes (y a); room for
  // x: a is x's input, so y, which z reads, goes as a last resort (a x); bringing y back (b,
  // then y) drops a and then x again, and so on: after three attempts stage 4 is stuck, missing
  // x.
  const ClosureAttempt attempt = try_closure_plan(p, EvictionRule::worth, true, nullptr);
  CHECK_FALSE(attempt.plan);
  CHECK(attempt.failed_stage == 4);
  CHECK(attempt.missing == std::vector<std::uint32_t>{1});
  // The repair makes x kept and builds again: x is still the only value y can displace, so the
  // same stage is stuck with x kept already: no plan.
  std::vector<double> weights(p.size(), 1.0);
  CHECK_FALSE(build_closure_plan(p, EvictionRule::worth, true, &weights));
  CHECK(weights == std::vector<double>{1, kKeptWeight, 1, 1, 1});
}

TEST_CASE("closure builder: a kept value still goes when nothing else can", "[planner][closure]") {
  // s (1 B, 1 FLOP) -> c1 (2 B, 1) -> c2 (2 B, 1) -> c3 (2 B, 1) -> t (1 B, 1) reads s and c3.
  // Budget 4 B. Peak without recompute: at c2, s c1 c2 = 5 B.
  // With all weights 1, at c2 (room for 2 B beside s and c1): s (next read by t, 4 stages
  // away, worth 1/(1 x 4)) and c1 (c2's input: never) -> s goes. Stage t then misses s: its
  // closure is {s} and s has no inputs: c3 (2 B) s (1 B) t (1 B) = 4 B fits: rerun 1 FLOP.
  // That plan is valid; keeping s instead (weight kKeptWeight) drops nothing needed: at c2,
  // s c1 c2 = 5 B does not fit, and c1, c2's input, cannot go: s goes anyway, as a last resort.
  Net net;
  net.op("s", 1, 1);
  net.op("c1", 2, 1, {"s"});
  net.op("c2", 2, 1, {"c1"});
  net.op("c3", 2, 1, {"c2"});
  net.op("t", 1, 1, {"s", "c3"});
  const Graph g = std::move(net.b).build();
  const RematProblem p = make_remat_problem(g, net.order, 4);
  CHECK(peak_without_recompute(p) == 5);
  const auto plan = build_closure_plan(p, EvictionRule::worth);
  REQUIRE(plan);
  CHECK(check_plan(p, *plan).recompute_cost == 1);
  std::vector<double> kept(p.size(), 1.0);
  kept[0] = kKeptWeight;
  const ClosureAttempt a = try_closure_plan(p, EvictionRule::worth, true, &kept);
  REQUIRE(a.plan);
  CHECK(check_plan(p, *a.plan).recompute_cost == 1);
}

TEST_CASE("local search: plans valid, never below the optimum, repeatable by steps",
          "[planner][closure]") {
  Net net;
  const Graph g = test::cascade_graph(net);
  const RematProblem p = make_remat_problem(g, net.order, 3);
  const auto far = std::chrono::steady_clock::now() + std::chrono::hours(1);
  const LocalSearchResult a = local_search(p, EvictionRule::worth, true, {}, far, 200, 7);
  const LocalSearchResult b = local_search(p, EvictionRule::worth, true, {}, far, 200, 7);
  REQUIRE(a.plan);
  CHECK(a.cost == 5);  // the optimum, and no plan is cheaper
  CHECK(*a.plan == *b.plan);
  CHECK(a.steps == b.steps);
  CHECK(a.steps <= 200);
  CHECK(check_plan(p, *a.plan).recompute_cost == 5);

  Net none;
  const Graph ng = test::no_plan_graph(none);
  const RematProblem np = make_remat_problem(ng, none.order, 3);
  CHECK_FALSE(local_search(np, EvictionRule::worth, true, {}, far, 300, 7).plan);
}

TEST_CASE("integer program in a child: the same answer, and nothing when killed",
          "[planner][closure]") {
  Net net;
  const Graph g = test::cascade_graph(net);
  const RematProblem p = make_remat_problem(g, net.order, 3);
  // The program's optimum on the cascade is the plan's optimum, 5: at stage 4 x2 must come
  // back (3) with its input x1 (2), as in test_remat_planner.cpp's derivation.
  const auto solved = solve_remat_milp_in_child(p, nullptr, 30, 60, {}, 0);
  REQUIRE(solved);
  CHECK(solved->solved);
  CHECK(solved->optimal);
  CHECK(solved->lower_bound == 5);
  REQUIRE(solved->solution);
  const MilpOutcome here = solve_remat_milp(p, nullptr, 30, {}, 0);
  CHECK(solved->solution->keep == here.solution->keep);
  CHECK(solved->solution->recompute == here.solution->recompute);
  // Killed at once: no outcome.
  CHECK_FALSE(solve_remat_milp_in_child(p, nullptr, 30, 0, {}, 0));
}

TEST_CASE("recompute planner: generated layered graphs, every plan valid and above the bound",
          "[planner][closure]") {
  // Random layered graphs of 40 nodes, too large for the exact search: whatever the planner
  // returns within a short limit is a plan the rules accept, costing at least its bound.
  std::mt19937 rng(3);
  int found = 0;
  for (int trial = 0; trial < 6; ++trial) {
    Net net;
    std::vector<std::vector<std::string>> layers{{"n0"}};
    net.op("n0", 10, 0);
    int v = 1;
    while (v < 40) {
      std::vector<std::string> layer;
      const int width = std::uniform_int_distribution<int>(1, 4)(rng);
      for (int k = 0; k < width && v < 40; ++k, ++v) {
        std::vector<std::string> in;
        for (const auto& u : layers.back())
          if (std::uniform_int_distribution<int>(0, 1)(rng)) in.push_back(u);
        if (in.empty()) in.push_back(layers.back().front());
        if (layers.size() > 2 && std::uniform_int_distribution<int>(0, 3)(rng) == 0)
          in.push_back(layers[layers.size() - 3].back());
        const std::string name = "n" + std::to_string(v);
        net.op(name, std::uniform_int_distribution<int>(1, 9)(rng) * 10,
               std::uniform_int_distribution<int>(1, 100)(rng), in);
        layer.push_back(name);
      }
      layers.push_back(layer);
    }
    const Graph g = std::move(net.b).build();
    RematProblem p = make_remat_problem(g, net.order, 0);
    p.budget = test::tight_budget(p, 8);
    RematPlannerOptions options;
    options.time_limit_seconds = 2;
    options.local_search_steps = 500;
    const RematPlannerResult r = plan_recompute(p, options);
    INFO("trial " << trial);
    if (!r.found) continue;
    ++found;
    CHECK(check_plan(p, r.plan).ok);
    CHECK(r.lower_bound <= r.cost + 1e-9);
    const MoveCounts c = verify(g, p.budget, plan_steps(g, p, r.plan), VerifierOptions{true});
    CHECK(c.computes - g.op_count() == r.reruns);
  }
  CHECK(found > 0);
}

TEST_CASE("closure builder: a weight above 1 keeps a value longer under the rule largest",
          "[planner][closure]") {
  // a (2 B), b (1 B), c (1 B) read nothing; d(a), e(b), 1 B each; every cost 1. Budget 3 B.
  // At c (room for 1 B beside a and b, both read later, tier 1) the rule largest drops the
  // largest first: a (size 2 against 1). d then misses a: room for it drops c (tier 0), and
  // room for d drops b (a is d's input); e misses b: room drops a (tier 0, larger than d): b
  // and a are computed again, 2 FLOP. With weight 4 on a its size counts as 2/4 = 0.5 < 1: b
  // goes at c instead; d finds a there (room: c goes), and e misses only b: 1 FLOP.
  Net net;
  net.op("a", 2, 1);
  net.op("b", 1, 1);
  net.op("c", 1, 1);
  net.op("d", 1, 1, {"a"});
  net.op("e", 1, 1, {"b"});
  const Graph g = std::move(net.b).build();
  const RematProblem p = make_remat_problem(g, net.order, 3);
  const std::vector<double> ones(p.size(), 1.0);
  const ClosureAttempt plain = try_closure_plan(p, EvictionRule::largest, true, &ones);
  REQUIRE(plain.plan);
  CHECK(check_plan(p, *plain.plan).recompute_cost == 2);
  std::vector<double> weighted = ones;
  weighted[0] = 4;
  const ClosureAttempt kept = try_closure_plan(p, EvictionRule::largest, true, &weighted);
  REQUIRE(kept.plan);
  CHECK(check_plan(p, *kept.plan).recompute_cost == 1);
  CHECK(check_plan(p, *kept.plan).reruns == 1);
}

TEST_CASE("closure builder: with supports an input of a needed node is not spent",
          "[planner][closure]") {
  // a (1 B, 5 FLOP); b(a) (1 B, 1); c (2 B, 1); d(b) (1 B, 1). Budget 3 B.
  // At c (room for 2 B beside a and b): b is read by d later (tier 1, worth 1 / (1 B x 2
  // stages) = 0.5). Without supports a is spent (no later first computation reads it): tier 0,
  // it goes; c: b c; d: c goes (tier 0), b d: no rerun. With supports a supports b (b is
  // computed and d reads it later): tier 1 too, worth 5 / (1 B x 2) = 2.5, so b goes instead;
  // d misses b: room for it drops c (tier 0), a b; d: a b d = 3 B. One rerun of b: 1 FLOP.
  Net net;
  net.op("a", 1, 5);
  net.op("b", 1, 1, {"a"});
  net.op("c", 2, 1);
  net.op("d", 1, 1, {"b"});
  const Graph g = std::move(net.b).build();
  const RematProblem p = make_remat_problem(g, net.order, 3);
  const std::vector<double> ones(p.size(), 1.0);
  const ClosureAttempt without = try_closure_plan(p, EvictionRule::worth, false, &ones);
  REQUIRE(without.plan);
  CHECK(check_plan(p, *without.plan).recompute_cost == 0);
  const ClosureAttempt with = try_closure_plan(p, EvictionRule::worth, true, &ones);
  REQUIRE(with.plan);
  CHECK(check_plan(p, *with.plan).recompute_cost == 1);
  CHECK(check_plan(p, *with.plan).reruns == 1);
}
