// The benchmark's MOCCASIN-style random layered graphs (bench/layered_graph.h): the rules its
// comment states, checked on the graphs themselves. The one that matters most for the
// benchmark: every value but the last layer's is read by a node of the next layer, so the target
// reads only the last layer (as in MOCCASIN's published graphs) and does not hold most of the
// peak.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <set>
#include <utility>
#include <vector>

#include "bench/layered_graph.h"
#include "policies/solver/remat_exact.h"
#include "policies/solver/remat_plan.h"
#include "policies/solver/remat_planner.h"
#include "policies/solver/remat_problem.h"
#include "support/planner_brackets.h"

using namespace memsim;

TEST_CASE("layered graph: layers, readers, skips, the target and a topological order",
          "[planner][layered]") {
  for (const std::uint32_t seed : {1u, 2u, 3u}) {
    const bench::LayeredGraph g = bench::random_layered_graph(250, seed);
    const Graph& graph = g.graph;
    const std::size_t n = graph.op_count();
    REQUIRE(n == 250);
    // Each node is op v writing tensor v (one output each).
    std::vector<std::vector<std::size_t>> preds(n), succs(n);
    for (OpId v = 0; v < n; ++v) {
      REQUIRE(graph.outputs(v).size() == 1);
      for (TensorId t : graph.inputs(v)) {
        preds[v].push_back(graph.producer(t));
        succs[graph.producer(t)].push_back(v);
      }
    }
    // The layer of a node is its longest path from the source: every node of layer l >= 1
    // reads one of layer l - 1, and the others it reads are further back.
    std::vector<std::size_t> layer(n, 0);
    for (OpId v = 1; v < n; ++v) {
      CHECK(!preds[v].empty());
      for (std::size_t u : preds[v]) {
        CHECK(u < v);  // built layer by layer
        layer[v] = std::max(layer[v], layer[u] + 1);
      }
    }
    CHECK(preds[0].empty());
    CHECK(graph.op(0).flops == 0);
    CHECK(graph.op(n - 1).flops == 0);
    const std::size_t last = layer[n - 2];  // the last inner layer
    // The target reads exactly the last inner layer; every other node is read by some node of
    // the layer after it (not only by skips or the target).
    std::size_t target_reads = 0;
    for (OpId u = 0; u + 1 < n; ++u) {
      bool next = false;
      for (std::size_t v : succs[u]) next = next || layer[v] == layer[u] + 1;
      CHECK(next);
      if (layer[u] == last) {
        ++target_reads;
        CHECK(succs[u] == std::vector<std::size_t>{n - 1});
      }
    }
    CHECK(preds[n - 1].size() == target_reads);
    // Layer 1 reads only the source, and nothing else reads it; a skip (an input more than
    // one layer back) comes from layer 1 or later, one at most per node.
    for (OpId v = 1; v + 1 < n; ++v) {
      std::size_t skips = 0;
      for (std::size_t u : preds[v]) {
        if (layer[v] == 1) CHECK(u == 0);
        if (u == 0) CHECK(layer[v] == 1);
        if (layer[u] + 1 < layer[v]) ++skips;
      }
      CHECK(skips <= 1);
      CHECK(graph.op(v).flops >= 1);
      CHECK(graph.op(v).flops <= 1000);
    }
    // Sizes: whole tens, at least 20 bytes.
    for (OpId v = 0; v < n; ++v) {
      const std::uint64_t bytes = graph.tensor(graph.outputs(v)[0]).bytes;
      CHECK(bytes % 10 == 0);
      CHECK(bytes >= 20);
    }
    // The order is a permutation and topological.
    REQUIRE(g.order.size() == n);
    std::vector<std::size_t> position(n, n);
    for (std::size_t i = 0; i < n; ++i) position[g.order[i]] = i;
    CHECK(std::set<OpId>(g.order.begin(), g.order.end()).size() == n);
    for (OpId v = 0; v < n; ++v)
      for (std::size_t u : preds[v]) CHECK(position[u] < position[v]);
    // Same seed, same graph.
    const bench::LayeredGraph again = bench::random_layered_graph(250, seed);
    CHECK(again.order == g.order);
  }
}

TEST_CASE("layered graph: the planner's plan and bound bracket the exact optimum",
          "[planner][layered]") {
  // 24 nodes, small enough for the exact search; the planner without it must return a valid
  // plan costing at least the optimum and a bound at most it. Seeds 2 to 4: at 0.8x seed 1's
  // graph has no plan at all (the exact search proves it), which would bracket nothing.
  for (const std::uint32_t seed : {2u, 3u, 4u}) {
    const bench::LayeredGraph g = bench::random_layered_graph(24, seed);
    planner::RematProblem p = planner::make_remat_problem(g.graph, g.order, 0);
    REQUIRE(p.size() == 24);
    INFO("seed " << seed);
    test::check_planner_brackets_optimum(std::move(p));
  }
}
