// The recompute problem with updates in place (docs/model.md §14.1, "Updates in place"): a
// gradient accumulated into, an optimizer step. The tensor stays in its storage node's value,
// the updater's value is its fresh outputs only, and the computations an update overwrites are
// not made again. Hand-derived problems and optima, plans replayed by the verifier, and an
// exhaustive search over tensors (not over the planner's nodes) agreeing with every optimum.
#include <catch2/catch.hpp>
#include <map>
#include <random>

#include "policies/solver/remat_plan.h"
#include "policies/solver/remat_planner.h"
#include "policies/solver/remat_problem.h"
#include "sim/core/verifier.h"
#include "support/least_cost_plan.h"
#include "support/remat_net.h"

using namespace memsim;
using namespace memsim::planner;

namespace {

constexpr std::uint32_t kAny = RematNode::kAnyStage;

// A small graph in bytes, built op by op in order.
struct UpdateNet {
  GraphBuilder b;
  std::map<std::string, TensorId> t;
  std::vector<OpId> order;
  TensorId tensor(const std::string& name, std::uint64_t bytes, bool in_dram = false) {
    t[name] =
        b.add_tensor(name, bytes, in_dram ? TensorKind::weight : TensorKind::activation, in_dram);
    return t[name];
  }
  // An op reading `in`, updating `upd` in place and writing `out` (each `name:bytes`, new).
  void op(const std::string& name, double flops, std::vector<std::string> in,
          std::vector<std::string> upd = {},
          std::vector<std::pair<std::string, std::uint64_t>> out = {}) {
    std::vector<TensorId> i, u, o;
    for (const auto& n : in) i.push_back(t.at(n));
    for (const auto& n : upd) u.push_back(t.at(n));
    for (const auto& [n, bytes] : out) o.push_back(tensor(n, bytes));
    order.push_back(b.add_op(name, i, o, u, flops, OpPhase::forward));
  }
};

// x -> X (1 B, 5 FLOP); a -> A (1 B, 1); g1(A) -> G (2 B, 1); g2(A) adds into G in place (1);
// h -> H (3 B, 1); k(H) -> K (1 B, 1); r(G, K, X) -> R (1 B, 1). Nodes 0..6, one per op.
Graph accumulation_graph(UpdateNet& net) {
  net.op("x", 5, {}, {}, {{"X", 1}});
  net.op("a", 1, {}, {}, {{"A", 1}});
  net.op("g1", 1, {"A"}, {}, {{"G", 2}});
  net.op("g2", 1, {"A"}, {"G"});
  net.op("h", 1, {}, {}, {{"H", 3}});
  net.op("k", 1, {"H"}, {}, {{"K", 1}});
  net.op("r", 1, {"G", "K", "X"}, {}, {{"R", 1}});
  return std::move(net.b).build();
}

}  // namespace

TEST_CASE("recompute: an accumulated gradient stays in its storage and is not written again",
          "[planner][recompute][updates]") {
  UpdateNet net;
  const Graph g = accumulation_graph(net);
  RematProblem p = make_remat_problem(g, net.order, 0);
  REQUIRE(p.size() == 7);
  CHECK(p.restricted());
  // g2 reads A (node 1) and its storage G (node 2, g1's value); its own value is its fresh
  // outputs: none. r reads G from g1's node.
  CHECK(p.nodes[3].preds == std::vector<std::uint32_t>{1, 2});
  CHECK(p.nodes[3].bytes == 0);
  CHECK(p.nodes[6].preds == std::vector<std::uint32_t>{2, 5, 0});
  // g2 never runs again (it would add twice); g1 not after g2's stage (it would write G's first
  // version over the accumulated one); no other node is restricted.
  CHECK(p.nodes[2].last_stage == 3);
  CHECK(p.nodes[3].last_stage == 3);
  for (std::uint32_t v : {0u, 1u, 4u, 5u, 6u}) CHECK(p.nodes[v].last_stage == kAny);
  // Without recompute, in memory after each op: x: X = 1; a: X A = 2; g1: X A G = 4; g2: G is
  // updated where it is, 4 (then A's last reader has run: X G = 3); h: X G H = 6; k: X G H K = 7
  // (then H goes: X G K = 4); r: X G K R = 5. Peak 7, at k.
  CHECK(peak_without_recompute(p) == 7);

  // Budget 6: at k, H and K take 4 B, so X (1 B) and G (2 B) cannot both stay. Without the
  // update, dropping G and running g1 again after k (1 FLOP, A kept: H K X A = 6 at k) would be
  // cheapest; but g1 would write G's first version over the accumulated one. So X goes and x
  // runs again after k: 5 FLOP, the optimum.
  p.budget = 6;
  using A = RematAction;
  const RematPlan overwrite = {{A::compute, 0}, {A::compute, 1}, {A::compute, 2},
                               {A::compute, 3}, {A::drop, 2},    {A::compute, 4},
                               {A::compute, 5}, {A::drop, 4},    {A::compute, 2}};
  CHECK(check_plan(p, overwrite).error ==
        "action 9 (node 2): computed again in stage 6, after an update in place it may not "
        "follow (its last stage is 3)");
  for (const bool exact : {true, false}) {
    INFO("exact search " << exact);
    const RematPlannerResult r = plan_recompute(p, {20, exact});
    REQUIRE(r.found);
    CHECK(r.cost == 5);
    CHECK(r.reruns == 1);
    CHECK(r.lower_bound <= 5);
    if (exact) CHECK(r.optimal);
    // The verifier replays it: no op twice but x, G updated once, the cache within 6 B.
    const MoveCounts c = verify(g, p.budget, plan_steps(g, p, r.plan), VerifierOptions{true});
    CHECK(c.computes == g.op_count() + 1);
    CHECK(c.peak_cache_bytes <= 6);
  }

  // The stage bound sees it: at k (node 5) G is past its last stage and read later, so it is
  // held (2 B) beside k's working set H K (4 B); of the rest only X is read later, and it must go
  // (6 + 1 - 6 = 1 B to free): 5 FLOP. Without the last stages it would leave out G, 1 FLOP.
  CHECK(held_bytes(p) == std::vector<std::uint64_t>{0, 0, 0, 0, 2, 2, 0});
  CHECK(stage_lower_bound(p) == 5);

  // Budget 5: at k, H and K take 4 B, and G (2 B) cannot be out and come back: no plan, proved
  // before any search.
  p.budget = 5;
  for (const bool exact : {true, false}) {
    const RematPlannerResult none = plan_recompute(p, {20, exact});
    CHECK_FALSE(none.found);
    CHECK(none.infeasible);
    CHECK(none.why ==
          "node 5 needs 4 bytes in memory at once (its inputs and itself) besides 2 bytes of "
          "values that cannot come back (docs/model.md §14.1), over the budget of 5");
  }
}

TEST_CASE("recompute: an optimizer step freezes the weight's load and its readers",
          "[planner][recompute][updates]") {
  // W (2 B) starts in DRAM and is a required output; f(W) -> Y (1 B, 2 FLOP); s(Y) updates W in
  // place (1 FLOP); q(W) -> Q (1 B, 1 FLOP) reads the new W.
  UpdateNet net;
  const TensorId w = net.tensor("W", 2, true);
  net.op("f", 2, {"W"}, {}, {{"Y", 1}});
  net.op("s", 1, {"Y"}, {"W"});
  net.op("q", 1, {"W"}, {}, {{"Q", 1}});
  net.b.mark_required_output(w);
  const Graph g = std::move(net.b).build();
  const RematProblem p = make_remat_problem(g, net.order, 4);
  // Nodes: W's load (0), f (1), s (2), q (3). s reads Y (node 1) and W's storage (node 0).
  REQUIRE(p.size() == 4);
  CHECK(p.nodes[0].source == w);
  CHECK(p.nodes[2].preds == std::vector<std::uint32_t>{1, 0});
  CHECK(p.nodes[3].preds == std::vector<std::uint32_t>{0});
  // After s: W is not loaded again (DRAM holds the old version), f not run again (it read the
  // old W), s not run again; q reads the new version and is free to run again.
  CHECK(p.nodes[0].last_stage == 2);
  CHECK(p.nodes[1].last_stage == 2);
  CHECK(p.nodes[2].last_stage == 2);
  CHECK(p.nodes[3].last_stage == kAny);
  // Without recompute: load W, f, s (then Y's last reader has run), q (then W's and Q's):
  // W is stale after s, so it is stored before it is dropped.
  const std::vector<Step> steps = plan_steps(g, p, plan_without_recompute(p));
  const auto op = [&](const char* name) {
    for (OpId o = 0; o < g.op_count(); ++o)
      if (g.op_name(o) == name) return o;
    return Graph::kNoOp;
  };
  const std::vector<Step> expected = {{StepKind::load, w},          {StepKind::compute, op("f")},
                                      {StepKind::compute, op("s")}, {StepKind::drop, net.t["Y"]},
                                      {StepKind::compute, op("q")}, {StepKind::store, w},
                                      {StepKind::drop, w},          {StepKind::drop, net.t["Q"]}};
  CHECK(steps == expected);
  const MoveCounts c = verify(g, p.budget, steps, VerifierOptions{true});
  CHECK(c.loads == 1);
  CHECK(c.stores == 1);
  // Peak: W Y at s, 3 B; W Q at q, 3 B.
  CHECK(peak_without_recompute(p) == 3);
}

namespace {

// Exhaustive search over tensors, written from docs/model.md §14.1 apart from the planner's
// nodes: Dijkstra over (ops first computed so far, tensors in memory). A step drops a tensor,
// loads a DRAM tensor (free; only before the tensor's first update), or computes an op that is
// the next in order or computed before (then at its cost) when every tensor it reads or updates
// is in memory, none it writes is, and its outputs fit. Rules of updates in place: an updater
// is computed once; a tensor's producer is not computed again once the tensor's first updater
// has run; an op reading a tensor is not computed again once the next updater of that tensor
// after it in the order has run. Every op writes at most one tensor here, so dropping a tensor
// is dropping a node's value.
double optimal_over_tensors(const Graph& g, const std::vector<OpId>& order, std::uint64_t budget) {
  const auto n = static_cast<std::uint32_t>(order.size());
  const std::size_t tensors = g.tensor_count();
  const std::uint32_t never = 0xffffffffu;
  std::vector<std::uint32_t> position(g.op_count());
  for (std::uint32_t i = 0; i < n; ++i) position[order[i]] = i;
  // The op positions after which an op may not run again (never: no such limit).
  std::vector<std::uint32_t> limit(n, never);
  std::vector<std::uint32_t> first_update(tensors, never);
  for (std::uint32_t i = 0; i < n; ++i)
    for (TensorId t : g.updates(order[i])) {
      limit[i] = std::min(limit[i], i);
      if (first_update[t] == never) first_update[t] = i;
      for (std::uint32_t j = 0; j < i; ++j) {
        const auto in = g.inputs(order[j]);
        const bool reads = std::find(in.begin(), in.end(), t) != in.end();
        // Readers of t before i whose version i overwrites: no update of t between them and i.
        bool between = false;
        for (std::uint32_t m = j + 1; m < i; ++m) {
          const auto u = g.updates(order[m]);
          between = between || std::find(u.begin(), u.end(), t) != u.end();
        }
        if (reads && !between) limit[j] = std::min(limit[j], i);
      }
    }
  for (TensorId t = 0; t < tensors; ++t)
    if (first_update[t] != never && g.producer(t) != Graph::kNoOp) {
      const std::uint32_t j = position[g.producer(t)];
      limit[j] = std::min(limit[j], first_update[t]);
    }
  return test::least_cost_plan(n, [&](std::uint32_t next, std::uint32_t mask, auto&& step) {
    std::uint64_t used = 0;
    for (TensorId t = 0; t < tensors; ++t)
      if (mask >> t & 1u) used += g.tensor(t).bytes;
    for (TensorId t = 0; t < tensors; ++t) {
      const std::uint32_t bit = 1u << t;
      if (mask & bit)
        step(next, mask & ~bit, 0.0);
      else if (g.tensor(t).initial_in_dram && used + g.tensor(t).bytes <= budget &&
               (first_update[t] == never || next <= first_update[t]))
        step(next, mask | bit, 0.0);
    }
    for (std::uint32_t i = 0; i <= next && i < n; ++i) {
      const OpId o = order[i];
      // Ops run again only in the stages up to their limit: before op `limit + 1` first ran.
      if (i < next && limit[i] != never && next > limit[i]) continue;
      bool ready = true;
      for (TensorId t : g.inputs(o)) ready = ready && (mask >> t & 1u);
      for (TensorId t : g.updates(o)) ready = ready && (mask >> t & 1u);
      std::uint64_t added = 0;
      std::uint32_t written = 0;
      for (TensorId t : g.outputs(o)) {
        ready = ready && !(mask >> t & 1u);
        added += g.tensor(t).bytes;
        written |= 1u << t;
      }
      if (!ready || used + added > budget) continue;
      step(i == next ? next + 1 : next, mask | written, i == next ? 0.0 : g.op(o).flops);
    }
  });
}

// A random graph of n ops in order, and two weights W0, W1 (1-2 B) in DRAM. Each op is, with
// chance 1/4 when there is a tensor to update, an updater: it updates one earlier tensor (an
// accumulation, or an optimizer step on a weight), reads another with chance 1/2 and writes a
// fresh tensor (1-2 B) with chance 1/2; otherwise it reads each earlier tensor with chance 30 %
// and writes one (1-4 B). Costs 1-9 FLOP.
Graph random_update_net(UpdateNet& net, int n, std::mt19937& rng) {
  const auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  std::vector<std::string> names = {"W0", "W1"};
  net.tensor("W0", static_cast<std::uint64_t>(pick(1, 2)), true);
  net.tensor("W1", static_cast<std::uint64_t>(pick(1, 2)), true);
  for (int v = 0; v < n; ++v) {
    const std::string name = "n" + std::to_string(v);
    const double cost = pick(1, 9);
    if (names.size() > 2 && pick(0, 3) == 0) {
      const std::string target = names[static_cast<std::size_t>(pick(0, int(names.size()) - 1))];
      std::vector<std::string> in;
      const std::string other = names[static_cast<std::size_t>(pick(0, int(names.size()) - 1))];
      if (other != target && pick(0, 1) == 0) in.push_back(other);
      std::vector<std::pair<std::string, std::uint64_t>> out;
      if (pick(0, 1) == 0) out.push_back({name, static_cast<std::uint64_t>(pick(1, 2))});
      net.op(name, cost, in, {target}, out);
      if (!out.empty()) names.push_back(name);
    } else {
      std::vector<std::string> in;
      for (const auto& u : names)
        if (pick(0, 99) < 30) in.push_back(u);
      net.op(name, cost, in, {}, {{name, static_cast<std::uint64_t>(pick(1, 4))}});
      names.push_back(name);
    }
  }
  return std::move(net.b).build();
}

}  // namespace

TEST_CASE("recompute: random graphs with updates in place against a search over tensors",
          "[planner][recompute][updates]") {
  // The exact search proves every answer; without it the bound and the plan bracket the truth.
  const bool exact_search = GENERATE(true, false);
  std::mt19937 rng(16);
  int feasible = 0, proven = 0, found = 0, restricted = 0;
  for (int trial = 0; trial < 60; ++trial) {
    UpdateNet net;
    const Graph g = random_update_net(net, 6 + trial % 6, rng);
    RematProblem p = make_remat_problem(g, net.order, 0);
    p.budget = test::tight_budget(p, 7);
    restricted += p.restricted() ? 1 : 0;
    const double truth = optimal_over_tensors(g, net.order, p.budget);
    const RematPlannerResult r = plan_recompute(p, {20, exact_search});
    INFO("trial " << trial << ", budget " << p.budget);
    if (truth < 0) {
      CHECK_FALSE(r.found);
      if (exact_search) CHECK(r.infeasible);
      continue;
    }
    ++feasible;
    CHECK_FALSE(r.infeasible);
    if (exact_search) CHECK(r.found);
    CHECK(r.lower_bound <= truth + 1e-9);
    if (!r.found) continue;
    ++found;
    CHECK(r.cost >= truth - 1e-9);
    CHECK(check_plan(p, r.plan).ok);
    // The verifier counts an op node's computation as a compute and a DRAM tensor's as a load.
    std::uint64_t computes = 0, loads = 0;
    for (const RematAction& a : r.plan)
      if (a.kind == RematAction::compute) ++(p.nodes[a.node].op == Graph::kNoOp ? loads : computes);
    const MoveCounts c = verify(g, p.budget, plan_steps(g, p, r.plan), VerifierOptions{true});
    CHECK(c.computes == computes);
    CHECK(c.loads == loads);
    CHECK(c.peak_cache_bytes <= p.budget);
    if (r.optimal) {
      ++proven;
      CHECK(r.cost == truth);
    }
  }
  // Most graphs update something, and the search sees both outcomes.
  CHECK(restricted >= 40);
  CHECK(feasible >= 20);
  CHECK(feasible <= 59);
  if (exact_search) CHECK(proven == feasible);
  // Without the exact search the builders still plan nearly every graph that has a plan.
  CHECK(found * 10 >= feasible * 9);
}

TEST_CASE("recompute: a tensor from DRAM loaded once stays until its last reader",
          "[planner][recompute][updates]") {
  // W (2 B) starts in DRAM; f(W) -> X (1 B, 5 FLOP); g -> Y (2 B, 1); k(Y) -> K (1 B, 1);
  // h(X, K, W) -> Z (1 B, 1). Nodes: W's load (0), f, g, k, h (1..4).
  UpdateNet net;
  net.tensor("W", 2, true);
  net.op("f", 5, {"W"}, {}, {{"X", 1}});
  net.op("g", 1, {}, {}, {{"Y", 2}});
  net.op("k", 1, {"Y"}, {}, {{"K", 1}});
  net.op("h", 1, {"X", "K", "W"}, {}, {{"Z", 1}});
  const Graph g = std::move(net.b).build();
  // Without recompute: W 2; f: W X 3; g: W X Y 5; k: W X Y K 6 (then Y goes); h: W X K Z 5.
  RematProblem free_loads = make_remat_problem(g, net.order, 5);
  CHECK(peak_without_recompute(free_loads) == 6);
  CHECK_FALSE(free_loads.restricted());
  // At 5 B, k's working set Y K (3 B) leaves 2 B of W (2) and X (1), both read by h. Loads are
  // free: W goes and is loaded again for h, 0 FLOP.
  RematPlannerResult r = plan_recompute(free_loads, {20});
  REQUIRE(r.found);
  CHECK(r.cost == 0);
  CHECK(r.optimal);

  // Loaded once, W stays from its load to h (held at g and k: 2 B), so X goes and f runs again
  // after k (W K X = 4 B, then h: W K X Z = 5 B): 5 FLOP, and the stage bound at k says so
  // (3 B + 2 B held + X's 1 B is 1 B over: X, 5 FLOP).
  RematProblem once = make_remat_problem(g, net.order, 5, true);
  CHECK(once.restricted());
  CHECK(once.nodes[0].last_stage == 0);
  CHECK(held_bytes(once) == std::vector<std::uint64_t>{0, 0, 2, 2, 0});
  CHECK(stage_lower_bound(once) == 5);
  for (const bool exact : {true, false}) {
    INFO("exact search " << exact);
    r = plan_recompute(once, {20, exact});
    REQUIRE(r.found);
    CHECK(r.cost == 5);
    CHECK(r.optimal);
    const MoveCounts c = verify(g, once.budget, plan_steps(g, once, r.plan), VerifierOptions{true});
    CHECK(c.loads == 1);
    CHECK(c.computes == g.op_count() + 1);
  }
  // At 4 B, k's 3 B and W's 2 B held do not fit: no plan, proved at once.
  once.budget = 4;
  r = plan_recompute(once, {20});
  CHECK_FALSE(r.found);
  CHECK(r.infeasible);
  CHECK(r.why ==
        "node 3 needs 3 bytes in memory at once (its inputs and itself) besides 2 bytes of values "
        "that cannot come back (docs/model.md §14.1), over the budget of 4");
}
