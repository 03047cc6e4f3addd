// Guides for the recompute planner's builder (policies/solver/remat_builder): the recomputes
// nothing uses are pruned (docs/model.md §14.1, step 3), derived by hand on small graphs.
#include <catch2/catch.hpp>

#include "policies/solver/remat_builder.h"
#include "policies/solver/remat_plan.h"
#include "policies/solver/remat_problem.h"
#include "support/remat_net.h"

using namespace memsim;
using namespace memsim::planner;

namespace {

using test::Net;

// a (2 B, 0 FLOP) -> b(a) (1 B, 5) -> c(b) (1 B, 1) -> d(c) (1 B, 1); e(b, d) (1 B, 1):
// nodes 0..4.
Graph free_source(Net& net) {
  net.op("a", 2, 0);
  net.op("b", 1, 5, {"a"});
  net.op("c", 1, 1, {"b"});
  net.op("d", 1, 1, {"c"});
  net.op("e", 1, 1, {"b", "d"});
  return std::move(net.b).build();
}

}  // namespace

TEST_CASE(
    "guide pruning: a recompute is kept only when held, read by the node, or read by a kept one",
    "[planner][guide]") {
  Net net;
  const Graph g = free_source(net);
  const RematProblem p = make_remat_problem(g, net.order, 100);
  RematGuide guide;
  guide.keep = {{0}, {0, 1}, {1, 2}, {1, 3}, {3, 4}};
  guide.recompute.assign(5, {});
  // Stage 3 (d reads c): a, b and c again. c is read by d: kept; b is held at the stage's end
  // (keep[3] has 1): kept; a is read by b, a kept recompute: kept. Nothing goes.
  guide.recompute[3] = {0, 1, 2};
  // Stage 4 (e reads b and d): a, b, c again. c: not held (keep[4] = {3, 4}), e does not read
  // it and no later recompute of the stage does: removed. b: e reads it: kept. a: b, kept,
  // reads it: kept. So {a, b}.
  guide.recompute[4] = {0, 1, 2};
  // Stage 2 (c reads b): a alone again. Not held, c does not read it, nothing after it in the
  // stage: removed.
  guide.recompute[2] = {0};
  const RematGuide pruned = prune_guide(p, guide);
  CHECK(pruned.keep == guide.keep);
  CHECK(pruned.recompute[2].empty());
  CHECK(pruned.recompute[3] == std::vector<std::uint32_t>{0, 1, 2});
  CHECK(pruned.recompute[4] == std::vector<std::uint32_t>{0, 1});
}

TEST_CASE(
    "guide pruning: a free recompute the program left in makes a guide overrun, pruned it fits",
    "[planner][guide]") {
  // Budget 3 B. The guide computes every node once, holding b for e, and (as the integer
  // program may, a's cost being 0) computes a again in stage 3 without holding it.
  // To the letter: in stage 3, b (held for e) and c (d's input) are in memory, 2 B; a's 2 B
  // more make 4 B > 3: one overrun, (stage 3, node 0). Then d: b, c, d = 3 B fits; e: b, d,
  // e = 3 B fits. Pruned, a's recompute goes (nothing reads it, keep[3] lacks it) and the
  // guide is a valid plan costing 0.
  Net net;
  const Graph g = free_source(net);
  const RematProblem p = make_remat_problem(g, net.order, 3);
  RematGuide guide;
  guide.keep = {{0}, {0, 1}, {1, 2}, {1, 2, 3}, {1, 3, 4}};
  guide.recompute.assign(5, {});
  guide.recompute[3] = {0};
  const std::vector<GuideOverrun> raw = guide_overruns(p, guide);
  REQUIRE(raw.size() == 1);
  CHECK(raw[0].stage == 3);
  CHECK(raw[0].node == 0);
  RematPlan plan;
  CHECK(guide_overruns(p, prune_guide(p, guide), &plan).empty());
  const PlanCheck check = check_plan(p, plan);
  CHECK(check.ok);
  CHECK(check.recompute_cost == 0);
  CHECK(check.reruns == 0);
  CHECK(check.peak_bytes == 3);
}
