// The recompute planner (policies/solver/remat_*): hand-derived optimal recompute costs, the
// lower bound never above the cost, plans the verifier accepts, and an independent exhaustive
// search (Dijkstra over every plan) agreeing with every answer proved optimal.
#include <catch2/catch.hpp>
#include <random>

#include "policies/solver/remat_builder.h"
#include "policies/solver/remat_closure_bound.h"
#include "policies/solver/remat_knapsack.h"
#include "policies/solver/remat_moments_bound.h"
#include "policies/solver/remat_plan.h"
#include "policies/solver/remat_planner.h"
#include "policies/solver/remat_problem.h"
#include "policies/solver/remat_window.h"
#include "sim/core/verifier.h"
#include "support/least_cost_plan.h"
#include "support/remat_net.h"

using namespace memsim;
using namespace memsim::planner;

namespace {

using test::Net;

// The plan's memsim steps replayed by the verifier within the budget; returns its reruns.
std::uint64_t verified_reruns(const Graph& g, const RematProblem& p, const RematPlan& plan) {
  const MoveCounts c = verify(g, p.budget, plan_steps(g, p, plan), VerifierOptions{true});
  CHECK(c.loads == 0);
  CHECK(c.stores == 0);
  CHECK(c.peak_cache_bytes <= p.budget);
  return c.computes - g.op_count();
}

// Exhaustive search, written apart from the planner: Dijkstra over (next first computation,
// values in memory); a step drops a value, or computes a node that is the next in order or
// already computed once (then it costs its cost), if its inputs are in memory and it fits.
double optimal_by_search(const RematProblem& p) {
  const auto n = static_cast<std::uint32_t>(p.size());
  return test::least_cost_plan(n, [&](std::uint32_t next, std::uint32_t mask, auto&& step) {
    std::uint64_t used = 0;
    for (std::uint32_t v = 0; v < n; ++v)
      if (mask >> v & 1u) used += p.nodes[v].bytes;
    for (std::uint32_t v = 0; v < n; ++v) {
      if (mask >> v & 1u) {
        step(next, mask & ~(1u << v), 0.0);
        continue;
      }
      if (v > next) continue;
      bool ready = true;
      for (std::uint32_t u : p.nodes[v].preds) ready = ready && (mask >> u & 1u);
      if (!ready || used + p.nodes[v].bytes > p.budget) continue;
      step(v == next ? next + 1 : next, mask | (1u << v), v == next ? 0.0 : p.nodes[v].cost);
    }
  });
}

}  // namespace

TEST_CASE("recompute: a value dropped for room comes back by a cascade of two reruns",
          "[planner][recompute]") {
  // f1 -> x1 (1 B, 2 FLOP); f2(x1) -> x2 (1 B, 3 FLOP); g(x2) -> y (2 B); h(y) -> w (1 B);
  // k(x2, w) -> z (1 B). Budget 3 B.
  // Without recompute, at h: x2 (k reads it later), y and w = 4 B > 3: the given order's peak
  // is 4. h's working set {y, w} is 3 B, the whole budget, so x2 cannot be in memory while h
  // runs and must be computed again after h, for k. That needs x1 in memory, and x1 cannot be
  // in memory at h either, so it is computed again too: at least 2 + 3 = 5 FLOP. And 5 is
  // reached: after h drop y, compute f1 ({w, x1}: 2 B), f2 ({w, x1, x2}: 3 B), drop x1, k
  // ({w, x2, z}: 3 B).
  Net net;
  const Graph g = test::cascade_graph(net);
  const RematProblem p = make_remat_problem(g, net.order, 3);
  CHECK(peak_without_recompute(p) == 4);
  const RematPlannerResult r = plan_recompute(p, {30});
  REQUIRE(r.found);
  CHECK(r.cost == 5);
  CHECK(r.reruns == 2);
  CHECK(r.lower_bound == 5);
  CHECK(r.optimal);
  CHECK(verified_reruns(g, p, r.plan) == 2);
  // The stage bound alone sees only x2's rerun at h (3 FLOP), not the cascade.
  CHECK(stage_lower_bound(p) == 3);
  // The closure bound sees it: at h (node 3) memory holds h's working set y, w (3 B, the whole
  // budget), so x2 (read by k later) is not in memory and comes back after h, and so does its
  // input x1, not in memory either: 3 + 2 = 5, the optimum. No other stage has a value read
  // later that does not fit.
  CHECK(stage_closure_bound(p, 3, 10, true) == Approx(5));
  bool solved = false;
  std::vector<std::uint32_t> recomputed;
  CHECK(stage_closure_bound(p, 3, 10, false, &solved, &recomputed) == 5);
  CHECK(solved);
  CHECK(recomputed == std::vector<std::uint32_t>{0, 1});
  const ClosureBound closure = closure_bound(p, 10);
  CHECK(closure.bound == 5);
  CHECK(closure.stage == 3);
  CHECK(closure.solved);
  CHECK(stage_closure_bound(p, 2, 10, false) == 0);
  CHECK(optimal_by_search(p) == 5);
}

TEST_CASE("recompute: the cheaper of two values to drop, and a budget that needs none",
          "[planner][recompute]") {
  // Sources a -> A (2 B, 10 FLOP) and b -> B (2 B, 4 FLOP); c(A) -> C, d(B) -> D,
  // e(C, D) -> E, f(A) -> F, g(B) -> G, each 1 B and 1 FLOP.
  // Without recompute, in memory at each op: a: A = 2; b: A B = 4; c: A B C = 5; d: A B C D = 6;
  // e: A B C D E = 7 (A waits for f, B for g); f: A B F = 5; g: B G = 3. Peak 7.
  // Budget 6: e's own working set C D E is 3 B, so A and B cannot both be in memory at e: one is
  // computed again after e, A for 10 or B for 4. The optimum is 4: drop B after d (e: A C D E =
  // 5), run f, drop A and F, compute b again (B = 2), run g (B G = 3).
  Net net;
  net.op("a", 2, 10);
  net.op("b", 2, 4);
  net.op("c", 1, 1, {"a"});
  net.op("d", 1, 1, {"b"});
  net.op("e", 1, 1, {"c", "d"});
  net.op("f", 1, 1, {"a"});
  net.op("g", 1, 1, {"b"});
  const Graph g = std::move(net.b).build();
  RematProblem p = make_remat_problem(g, net.order, 6);
  CHECK(peak_without_recompute(p) == 7);
  RematPlannerResult r = plan_recompute(p, {30});
  REQUIRE(r.found);
  CHECK(r.cost == 4);
  CHECK(r.optimal);
  CHECK(verified_reruns(g, p, r.plan) == 1);
  CHECK(optimal_by_search(p) == 4);

  p.budget = 7;  // the peak: nothing to recompute
  r = plan_recompute(p, {30});
  REQUIRE(r.found);
  CHECK(r.cost == 0);
  CHECK(r.optimal);
  CHECK(r.method == "no recompute");

  p.budget = 2;  // c reads A (2 B) and writes C (1 B): 3 B at once, the first node that can't fit
  r = plan_recompute(p, {30});
  CHECK_FALSE(r.found);
  CHECK(r.infeasible);
  CHECK(r.why ==
        "node 2 needs 3 bytes in memory at once (its inputs and itself), over the "
        "budget of 2");
}

TEST_CASE("recompute: random graphs against exhaustive search, the bound never exceeds it",
          "[planner][recompute]") {
  // With the planner's own exact search every answer is proved; without it (the integer
  // program and the builders alone, as on large graphs) the bound and the plan still bracket
  // the truth, and every answer called optimal is.
  const bool exact_search = GENERATE(true, false);
  std::mt19937 rng(15);
  int proven = 0, feasible = 0;
  for (int trial = 0; trial < 80; ++trial) {
    Net net;
    const Graph g = test::random_net(net, 6 + trial % 7, rng);
    RematProblem p = make_remat_problem(g, net.order, 0);
    const std::uint64_t peak = peak_without_recompute(p);
    p.budget = test::tight_budget(p, 7);
    const double truth = optimal_by_search(p);
    const RematPlannerResult r = plan_recompute(p, {20, exact_search});
    INFO("trial " << trial << ", budget " << p.budget << ", peak " << peak);
    if (truth < 0) {  // no plan exists: proved (the backward search exhausts small graphs)
      CHECK_FALSE(r.found);
      CHECK(r.infeasible);
      continue;
    }
    ++feasible;
    CHECK(r.found);  // a plan always, when one exists
    // The stage knapsacks' bound (whole knapsacks here: the costs are whole) on its own.
    CHECK(stage_lower_bound(p) <= truth + 1e-9);
    CHECK(closure_bound(p, 10).bound <= truth + 1e-9);
    CHECK(moments_bound(p, 10, 0) <= truth + 1e-9);
    if (!r.found) continue;
    CHECK(r.lower_bound <= truth + 1e-9);
    CHECK(r.cost >= truth - 1e-9);
    CHECK(check_plan(p, r.plan).ok);
    CHECK(verified_reruns(g, p, r.plan) == r.reruns);
    if (r.optimal) {
      ++proven;
      CHECK(r.cost == truth);
    }
  }
  if (exact_search) CHECK(proven == feasible);
}

TEST_CASE("recompute: plans are checked against every rule", "[planner][recompute]") {
  Net net;
  net.op("a", 1, 1);
  net.op("b", 1, 2, {"a"});
  const Graph g = std::move(net.b).build();
  const RematProblem p = make_remat_problem(g, net.order, 2);
  using A = RematAction;
  CHECK(check_plan(p, {{A::compute, 1}}).error ==
        "action 1 (node 1): computed before the nodes before it in the order");
  CHECK(check_plan(p, {{A::compute, 0}, {A::drop, 0}, {A::compute, 1}}).error ==
        "action 3 (node 1): input node 0 is not in memory");
  CHECK(check_plan(p, {{A::compute, 0}, {A::compute, 0}}).error ==
        "action 2 (node 0): computed while its value is in memory");
  CHECK(check_plan(p, {{A::compute, 0}}).error == "the plan ends before node 1 was computed");
  const PlanCheck ok =
      check_plan(p, {{A::compute, 0}, {A::drop, 0}, {A::compute, 0}, {A::compute, 1}});
  CHECK(ok.ok);
  CHECK(ok.recompute_cost == 1);
  CHECK(ok.peak_bytes == 2);
  const RematProblem tight = make_remat_problem(g, net.order, 1);
  CHECK(check_plan(tight, {{A::compute, 0}, {A::compute, 1}}).error ==
        "action 2 (node 1): memory 2 exceeds the budget 1");
}

TEST_CASE("recompute: tensors from DRAM are free loads", "[planner][recompute]") {
  GraphBuilder b;
  const TensorId w = b.add_tensor("W", 3, TensorKind::weight, true);
  const TensorId x = b.add_tensor("X", 1, TensorKind::activation, false);
  const TensorId y = b.add_tensor("Y", 1, TensorKind::activation, false);
  const TensorId in1[] = {w}, out1[] = {x}, in2[] = {x, w}, out2[] = {y};
  const OpId f = b.add_op("f", in1, out1, {}, 5, OpPhase::forward);
  const OpId h = b.add_op("h", in2, out2, {}, 5, OpPhase::forward);
  b.mark_required_output(y);
  const Graph g = std::move(b).build();
  const RematProblem p = make_remat_problem(g, {f, h}, 5);
  // Nodes: W (loaded), f, h.
  REQUIRE(p.size() == 3);
  CHECK(p.nodes[0].source == w);
  CHECK(p.nodes[0].cost == 0);
  CHECK(p.nodes[2].preds == std::vector<std::uint32_t>{1, 0});
  // Peak: at h, W X Y = 5 B.
  CHECK(peak_without_recompute(p) == 5);
  const RematPlannerResult r = plan_recompute(p);
  REQUIRE(r.found);
  // The steps load W, store the required output Y at the end, and the verifier accepts them.
  const auto steps = plan_steps(g, p, r.plan);
  const MoveCounts c = verify(g, p.budget, steps, VerifierOptions{true});
  CHECK(c.loads == 1);
  CHECK(c.stores == 1);

  // A tensor updated in place must start somewhere (test_remat_updates.cpp plans updates).
  GraphBuilder u;
  const TensorId m = u.add_tensor("M", 1, TensorKind::weight, false);
  const TensorId upd[] = {m};
  const OpId step = u.add_op("step", {}, {}, upd, 1, OpPhase::update);
  const Graph ug = std::move(u).build();
  CHECK_THROWS_WITH(make_remat_problem(ug, {step}, 4),
                    "op 'step' updates 'M', which starts nowhere and no op produces");
}

namespace {

// Sources a (2 B, a_cost FLOP), b (2 B, 3), c (3 B, 5), then x (4 B, 1, reads nothing), then
// ra(a), rb(b), rc(c) of 1 B and 1 FLOP each: nodes 0..6 (the knapsack tests below).
Graph knapsack_graph(test::Net& net, double a_cost) {
  net.op("a", 2, a_cost);
  net.op("b", 2, 3);
  net.op("c", 3, 5);
  net.op("x", 4, 1);
  net.op("ra", 1, 1, {"a"});
  net.op("rb", 1, 1, {"b"});
  net.op("rc", 1, 1, {"c"});
  return std::move(net.b).build();
}

}  // namespace

TEST_CASE("recompute: the whole knapsack of a stage beats its fractional bound, and seeds the plan",
          "[planner][recompute][knapsack]") {
  // Sources a (2 B, 3 FLOP), b (2 B, 3), c (3 B, 5), then x (4 B, 1, reads nothing), then ra(a),
  // rb(b), rc(c) of 1 B and 1 FLOP each: nodes 0..6. Budget 8 B.
  // Stage x (node 3): x's working set is 4 B; a, b and c are read later and not by x: 7 B more,
  // 11 in all, a deficit of 3 B. Fractional: a at 1.5 FLOP/B (2 B, 3), then 1 B of b at 1.5:
  // 4.5. Whole values: {c} frees 3 B for 5, {a, b} 4 B for 6, any other cover more: 5. The
  // other stages have no deficit (ra: a, ra and the later b, c = 8 B; rb: b, rb, c = 6 B; a, b,
  // c and the readers: at most 7 B). So the stage bound is 5, c left out at x.
  // A plan of 5: a, b, c (7 B), drop c, x (a b x = 8 B), drop x; ra, drop a and ra; rb, drop b
  // and rb; c again (5 FLOP), rc. It is optimal, as the bound says.
  Net net;
  const Graph g = knapsack_graph(net, 3);
  const RematProblem p = make_remat_problem(g, net.order, 8);
  CHECK(peak_without_recompute(p) == 11);
  const std::vector<StageKnapsack> stages = stage_knapsacks(p);
  REQUIRE(stages.size() == 1);
  CHECK(stages[0].stage == 3);
  CHECK(stages[0].whole);
  CHECK(stages[0].bound == 5);
  CHECK(stages[0].dropped == std::vector<std::uint32_t>{2});
  CHECK(stage_lower_bound(p) == 5);
  CHECK(optimal_by_search(p) == 5);
  // The closure program at x is this knapsack (no value left out has an input): its linear
  // relaxation is the fractional 4.5, its integer optimum 5.
  CHECK(stage_closure_bound(p, 3, 10, true) == Approx(4.5));
  CHECK(stage_closure_bound(p, 3, 10, false) == 5);
  RematPlannerOptions options;
  options.exact_search = false;
  options.time_limit_seconds = 30;
  const RematPlannerResult r = plan_recompute(p, options);
  REQUIRE(r.found);
  CHECK(r.cost == 5);
  CHECK(r.lower_bound == 5);
  CHECK(r.optimal);
  CHECK(r.bound_method == "stage bound");
  CHECK(verified_reruns(g, p, r.plan) == 1);
}

TEST_CASE("recompute: fractional costs get a scaled knapsack a hair under the whole one",
          "[planner][recompute][knapsack]") {
  // The graph above with a's cost 3.5 instead of 3: not every cost is whole. Per byte: b 1.5,
  // c 5/3 = 1.67, a 1.75. Fractional at x: b's 2 B (3) and 1 B of c (5/3): 14/3. The greedy
  // cover (whole values by cost per byte until 3 B are freed) is {b, c}, 8. The table then has
  // q = 8 / min(3,999,999, 40,000,000 / 3 - 1) = 8 / 3,999,999 per unit and counts each cost as
  // floor(cost / q) units: c alone frees the 3 B for floor(5 / q) = 2,499,999 units, i.e.
  // 2,499,999 x 8 / 3,999,999 = 4.9999987..., under the whole knapsack's 5 by less than q.
  Net net;
  const Graph g = knapsack_graph(net, 3.5);
  const RematProblem p = make_remat_problem(g, net.order, 8);
  const std::vector<StageKnapsack> stages = stage_knapsacks(p);
  REQUIRE(stages.size() == 1);
  CHECK_FALSE(stages[0].whole);
  CHECK(stages[0].bound == Approx(2'499'999.0 * 8.0 / 3'999'999.0).epsilon(1e-12));
  CHECK(stages[0].bound < 5);
  CHECK(stages[0].bound > 14.0 / 3.0);
  CHECK(stages[0].dropped == std::vector<std::uint32_t>{2});
}

TEST_CASE("recompute: a training chain's knapsack plan drops the cheap input and meets the bound",
          "[planner][recompute][knapsack]") {
  // Checkmate's shape: forward f0..f3 (10 B each; 2, 5, 3, 7 FLOP), loss(f3) (1 B, 1), and
  // backward g3(loss, f3, f2), g2(g3, f2, f1), g1(g2, f1, f0) (10 B, 1 FLOP each): nodes 0..7.
  // Without recompute: f0..f3 40 B, loss 41, g3 51 (then f3, loss go), g2 f0 f1 f2 g3 g2 = 50,
  // g1 f0 f1 g2 g1 = 40: peak 51. Budget 41.
  // Stage g3: working set loss f3 f2 g3 = 31 B; f0 (read by g1) and f1 (by g2, g1) 20 B more:
  // deficit 10 B, one of them whole: f0 for 2 (f1 costs 5). Stage g2: g3 f2 f1 g2 = 40 B and
  // f0 10 B more: deficit 9, f0 for 2. No other stage is over (loss: f0..f3 loss = 41). Bound 2.
  // A plan of 2: drop f0 after loss, g3 (41 B), drop f3 and loss, g2 (40), drop f2 and g3,
  // f0 again (f1 g2 f0 = 30), g1 (40).
  Net net;
  net.op("f0", 10, 2);
  net.op("f1", 10, 5, {"f0"});
  net.op("f2", 10, 3, {"f1"});
  net.op("f3", 10, 7, {"f2"});
  net.op("loss", 1, 1, {"f3"});
  net.op("g3", 10, 1, {"loss", "f3", "f2"});
  net.op("g2", 10, 1, {"g3", "f2", "f1"});
  net.op("g1", 10, 1, {"g2", "f1", "f0"});
  const Graph g = std::move(net.b).build();
  const RematProblem p = make_remat_problem(g, net.order, 41);
  CHECK(peak_without_recompute(p) == 51);
  const std::vector<StageKnapsack> stages = stage_knapsacks(p);
  REQUIRE_FALSE(stages.empty());
  CHECK(stages[0].bound == 2);
  CHECK(stages[0].dropped == std::vector<std::uint32_t>{0});
  CHECK(optimal_by_search(p) == 2);
  RematPlannerOptions options;
  options.exact_search = false;
  const RematPlannerResult r = plan_recompute(p, options);
  REQUIRE(r.found);
  CHECK(r.cost == 2);
  CHECK(r.optimal);
  CHECK(verified_reruns(g, p, r.plan) == 1);
}

namespace {

// b (1 B, 6 FLOP); v1..v6 (4 B, 1 each); rb(b) (1 B, 1); a (1 B, 5); w1 (4 B, 1); r1(a)
// (1 B, 1); w2 (4 B, 1); r2(a) (1 B, 1): nodes 0..12, for the moments tests at 4 B, where each v
// and w fills the budget alone.
Graph two_walls_graph(Net& net) {
  net.op("b", 1, 6);
  for (int i = 1; i <= 6; ++i) net.op("v" + std::to_string(i), 4, 1);
  net.op("rb", 1, 1, {"b"});
  net.op("a", 1, 5);
  net.op("w1", 4, 1);
  net.op("r1", 1, 1, {"a"});
  net.op("w2", 4, 1);
  net.op("r2", 1, 1, {"a"});
  return std::move(net.b).build();
}

}  // namespace

TEST_CASE("recompute: the moments bound's spread sets reach over-budget regions far apart",
          "[planner][recompute][moments]") {
  // b (1 B, 6 FLOP); v1..v6 (4 B, 1 each); rb(b) (1 B, 1); a (1 B, 5); w1 (4 B, 1); r1(a)
  // (1 B, 1); w2 (4 B, 1); r2(a) (1 B, 1): nodes 0..12 at 4 B. Each v and w fills the budget
  // alone. b is out of memory at each v's first computation and rb reads it after them: one
  // rerun of b at least; a is out at w1 and at w2, read after each: two reruns. 6 + 5 + 5 = 16
  // FLOP, and the plan with exactly those reruns fits (each value dropped before the next wall).
  // The stages with a positive closure relaxation, in node order: v1..v6 (b left out: 6 each),
  // w1, w2 (a left out: 5 each). The highest 2, 3, 4 and 6 are all v's, where b comes back only
  // once, after v6: 6 each. Spread sets (runs of the 8 stages): 3 runs, [v1 v2] [v3 v4 v5]
  // [v6 w1 w2]: v1, v3, v6 (the earliest of equal ones): 6; 4 runs [v1 v2] [v3 v4] [v5 v6]
  // [w1 w2]: v1, v3, v5, w1: b comes back in v5's interval (rb), a in w1's (r1 and r2, one
  // interval): 6 + 5 = 11; 6 runs (starts 0, 1, 2, 4, 5, 6): v1, v2, v3, v5, v6, w1: 11.
  Net net;
  const Graph g = two_walls_graph(net);
  const RematProblem p = make_remat_problem(g, net.order, 4);
  CHECK(optimal_by_search(p) == 16);
  CHECK(closure_bound(p, 10).bound == 6);
  CHECK(moments_program(p, {1, 2, 3, 4, 5, 6}, 10) == 6);  // the highest six
  CHECK(moments_program(p, {1, 3, 6}, 10) == 6);
  CHECK(moments_program(p, {1, 3, 5, 9}, 10) == 11);
  CHECK(moments_program(p, {1, 2, 3, 5, 6, 9}, 10) == 11);
  // With w2 as a moment too, both reruns of a count: the optimum.
  CHECK(moments_program(p, {6, 9, 11}, 10) == 16);
  // moments_bound itself reaches it through its peak sets (the next test).
  CHECK(moments_bound(p, 10, 0) == 16);
}

TEST_CASE("recompute: the moments bound's peak sets skip a plateau for the next hills",
          "[planner][recompute][moments]") {
  // The graph of the test before: b (1 B, 6 FLOP), v1..v6 (4 B, 1), rb(b), a (1 B, 5), w1
  // (4 B), r1(a), w2 (4 B), r2(a), nodes 0..12, budget 4 B; optimum 16 (b once, a twice).
  // Closure relaxations by stage: v1..v6 (1..6) leave b out, 6 each; rb (7) reads b and a (8)
  // comes after every reader of b: 0; w1 (9) and w2 (11) leave a out, 5 each; r1 (10) and r2
  // (12) read a: 0. Peaks (above the stage just before, at least the stage just after, 0 where
  // not positive): v1 (6 > 0, 6 >= 6), w1 (5 > 0, 5 >= 0), w2 (5 > 0, 5 >= 0); v2..v6 are not
  // above the stage before them. Highest first (the earliest of equal ones): v1, w1, w2. The
  // two highest {1, 9}: b back once after v1 (rb), a back once after w1 (r1 and r2 in one
  // interval): 6 + 5 = 11. The three highest {1, 9, 11}: a is out at w1 and at w2 and read in
  // each interval: 6 + 5 + 5 = 16, the optimum. Before the peak sets, the highest stages were
  // v's (6) and the spread sets reached 11 (the test before), so moments_bound gave 11.
  Net net;
  const Graph g = two_walls_graph(net);
  const RematProblem p = make_remat_problem(g, net.order, 4);
  const double relaxation[] = {0, 6, 6, 6, 6, 6, 6, 0, 0, 5, 0, 5, 0};
  for (std::uint32_t t = 1; t < p.size(); ++t)
    CHECK(stage_closure_bound(p, t, 10, true) == Approx(relaxation[t]).margin(1e-6));
  CHECK(moments_program(p, {1, 9}, 10) == 11);
  CHECK(moments_program(p, {1, 9, 11}, 10) == 16);
  std::vector<OpenMoments> open;
  CHECK(moments_bound(p, 10, 0, &open) == 16);
  CHECK(open.empty());  // every program solved within its share
  // The planner without its exact search proves the optimum.
  const RematPlannerResult r = plan_recompute(p, {10, false});
  REQUIRE(r.found);
  CHECK(r.cost == 16);
  CHECK(r.lower_bound == 16);
  CHECK(verified_reruns(g, p, r.plan) == 3);
}

TEST_CASE("recompute: the moments bound pays for a value left out at two stages twice",
          "[planner][recompute][moments]") {
  // a (1 B, 5 FLOP); w1 (4 B, 1); r1(a) (1 B, 1); w2 (4 B, 1); r2(a) (1 B, 1): nodes 0..4 at
  // 4 B. w1 and w2 each fill the budget alone, so a is out of memory when each is first computed
  // (P_1, P_3), and r1 and r2 read it after each: every plan computes a again twice, and
  // computing it three times (first and two reruns) with everything else once is a plan:
  //   a | drop a, w1 | drop w1, a, r1 | drop a r1, w2 | drop w2, a, r2: 10 FLOP, the optimum.
  // The closure program at one stage (1 or 3) sees one rerun of a: 5. With both moments:
  // interval 1 (P_1 to P_3) has r1 reading a, with x[1][a] = 0 (no room beside w1): z[1][a] = 1;
  // interval 3 (after P_3) has r2 reading a, x[3][a] = 0: z[3][a] = 1; 5 + 5 = 10.
  Net net;
  net.op("a", 1, 5);
  net.op("w1", 4, 1);
  net.op("r1", 1, 1, {"a"});
  net.op("w2", 4, 1);
  net.op("r2", 1, 1, {"a"});
  const Graph g = std::move(net.b).build();
  const RematProblem p = make_remat_problem(g, net.order, 4);
  CHECK(optimal_by_search(p) == 10);
  CHECK(stage_closure_bound(p, 1, 10, false) == 5);
  CHECK(stage_closure_bound(p, 3, 10, false) == 5);
  CHECK(closure_bound(p, 10).bound == 5);
  CHECK(moments_program(p, {1}, 10) == 5);
  CHECK(moments_program(p, {1, 3}, 10) == 10);
  CHECK(moments_bound(p, 10, 0) == 10);
  // Moments out of order, or past the last node, claim nothing.
  CHECK(moments_program(p, {3, 1}, 10) == 0);
  CHECK(moments_program(p, {1, 5}, 10) == 0);
  // The planner without its exact search proves the optimum with it.
  const RematPlannerResult r = plan_recompute(p, {10, false});
  REQUIRE(r.found);
  CHECK(r.cost == 10);
  CHECK(r.lower_bound == 10);
  CHECK(r.optimal);
  CHECK(r.bound_method == "moments bound");
  CHECK(verified_reruns(g, p, r.plan) == 2);
}

TEST_CASE("recompute: window re-planning keeps a value the plan computed again for nothing",
          "[planner][recompute][window]") {
  // a (10 B, 5 FLOP); b(a) (10 B, 7); c(b) (10 B, 1); d(c, a) (10 B, 1): nodes 0..3 at 30 B.
  // The given plan drops a after b and computes it again for d (5 FLOP):
  //   a, b, drop a, c, drop b, a, d.
  // Holding a all along fits: at c's first computation a, b, c = 30 B; at d's, after dropping
  // b, a, c, d = 30 B. So stages 1..3 planned again cost 0: a, b, c, drop b, d (stage 3's
  // program must leave b out of Z: a, b, c beside d would be 40 B).
  Net net;
  net.op("a", 10, 5);
  net.op("b", 10, 7, {"a"});
  net.op("c", 10, 1, {"b"});
  net.op("d", 10, 1, {"c", "a"});
  const Graph g = std::move(net.b).build();
  const RematProblem p = make_remat_problem(g, net.order, 30);
  using A = RematAction;
  const RematPlan given = {{A::compute, 0}, {A::compute, 1}, {A::drop, 0},   {A::compute, 2},
                           {A::drop, 1},    {A::compute, 0}, {A::compute, 3}};
  REQUIRE(check_plan(p, given).ok);
  REQUIRE(check_plan(p, given).recompute_cost == 5);
  const WindowOutcome all = replan_window(p, given, 1, 3, 10);
  CHECK(all.before == 5);
  CHECK(all.after == 0);
  CHECK(all.optimal);
  REQUIRE(all.plan);
  CHECK(
      *all.plan ==
      RematPlan{{A::compute, 0}, {A::compute, 1}, {A::compute, 2}, {A::drop, 1}, {A::compute, 3}});
  CHECK(check_plan(p, *all.plan).recompute_cost == 0);
  CHECK(verified_reruns(g, p, *all.plan) == 0);
  // Stages 1..2 cost nothing in the given plan: nothing to save, no plan.
  const WindowOutcome early = replan_window(p, given, 1, 2, 10);
  CHECK(early.before == 0);
  CHECK_FALSE(early.plan);
  // Stage 3 alone must end with a in memory (as the given plan does at P_3) and starts without
  // it (the plan's memory at P_2 is b, c): a is computed again, 5 FLOP, no cheaper: no plan.
  const WindowOutcome late = replan_window(p, given, 3, 3, 10);
  CHECK(late.before == 5);
  CHECK_FALSE(late.plan);
  // Windows out of range give nothing.
  CHECK_FALSE(replan_window(p, given, 0, 3, 10).plan);
  CHECK_FALSE(replan_window(p, given, 2, 4, 10).plan);
}

TEST_CASE("recompute: window re-planning of greedy plans on random graphs stays valid",
          "[planner][recompute][window]") {
  // Every plan it returns is valid, costs what the window program says (the window is the
  // whole plan but node 0's stage, which computes nothing again), less than the plan it came
  // from, and at least the optimum by exhaustive search.
  std::mt19937 rng(7);
  int improved = 0;
  for (int trial = 0; trial < 40; ++trial) {
    Net net;
    const Graph g = test::random_net(net, 7 + trial % 5, rng);
    RematProblem p = make_remat_problem(g, net.order, 0);
    p.budget = test::tight_budget(p, 7);
    const double truth = optimal_by_search(p);
    const auto greedy = build_plan(p, EvictionRule::largest);
    if (truth < 0 || !greedy) continue;
    const double greedy_cost = check_plan(p, *greedy).recompute_cost;
    const WindowOutcome w =
        replan_window(p, *greedy, 1, static_cast<std::uint32_t>(p.size() - 1), 10);
    INFO("trial " << trial);
    CHECK(w.before == greedy_cost);
    if (!w.plan) continue;
    ++improved;
    const PlanCheck c = check_plan(p, *w.plan);
    REQUIRE(c.ok);
    CHECK(c.recompute_cost == w.after);
    CHECK(w.after < w.before);
    CHECK(w.after >= truth);
    CHECK(verified_reruns(g, p, *w.plan) == c.reruns);
  }
  CHECK(improved > 0);
}
