#pragma once
// Random layered graphs in the manner of MOCCASIN's (Bartan et al., ICML 2023; made after
// Gagrani et al. 2022, appendix A; the shared random-layered-n100.json is one, and the MOCCASIN
// repository's data/ folder has 250-, 500- and 1000-node ones). The rules below are fitted to
// those published graphs (README, "The planner benchmark", has the statistics side by side):
//
// - a source node (layer 0), then layers of random width, uniform in 1 .. 2w-1 with
//   w = 0.04 n + 1.5 (the published n100, n250 and n500 graphs have mean widths 5.2, 11.3, 16),
//   then a target node;
// - every node of layer 1 reads the source; a node of a later layer reads each node of the layer
//   before with probability 0.3 (published: 0.42, 0.29, 0.26), at least one of them, and every
//   node is read by at least one node of the layer after it (so no value waits for the target);
// - a node of layer 3 or later reads, with probability 1/2, one node of a layer drawn uniformly
//   from 1 .. its own layer - 2 (a skip connection; published: 0.34, 0.52, 0.66 skips a node,
//   spans spread over the whole depth, none from the source);
// - the target reads the last layer only (published: 2, 1 and 5 nodes);
// - out_cost 10 * max(2, round(X / 10)) bytes with X exponential of mean 2000 (published deciles
//   of the n250 graph: 20, 280, 550, 810, 1090, 1310, 1920, 2880, 3850, 4540, max 8180);
//   durations uniform in 1 .. 1000 FLOPs, 0 for the source and the target (as published);
// - the order is a random topological order (each step takes a node whose inputs are all done,
//   uniformly among them): on the published graphs such orders have peaks within 6 % of the
//   given order's (n250: 133790 to 159730 over 20 orders, the given one 146840).
// Seeded, so the benchmark's graphs are the same on every run.
#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "sim/core/graph.h"

namespace memsim::bench {

struct LayeredGraph {
  Graph graph;
  std::vector<OpId> order;  // the order the planner is given (for random layered graphs, a
                            // random topological order)
};

inline LayeredGraph random_layered_graph(std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  const auto uniform = [&](std::size_t lo, std::size_t hi) {
    return std::uniform_int_distribution<std::size_t>(lo, hi)(rng);
  };
  const auto chance = [&](double p) {
    return std::uniform_real_distribution<double>(0, 1)(rng) < p;
  };
  const auto pick = [&](const std::vector<std::size_t>& from) {
    return from[uniform(0, from.size() - 1)];
  };
  const auto mean_width = static_cast<std::size_t>(0.04 * static_cast<double>(n) + 1.5);
  std::vector<std::vector<std::size_t>> layers{{0}};
  for (std::size_t v = 1; v + 1 < n;) {
    const std::size_t w = std::min(n - 1 - v, uniform(1, 2 * mean_width - 1));
    layers.emplace_back();
    for (std::size_t k = 0; k < w; ++k) layers.back().push_back(v++);
  }
  std::vector<std::vector<std::size_t>> preds(n);
  const auto add_edge = [&](std::size_t u, std::size_t v) {
    if (std::find(preds[v].begin(), preds[v].end(), u) == preds[v].end()) preds[v].push_back(u);
  };
  for (std::size_t l = 1; l < layers.size(); ++l) {
    const auto& prev = layers[l - 1];
    std::vector<char> read(n, 0);
    for (std::size_t v : layers[l]) {
      for (std::size_t u : prev)
        if (l == 1 || chance(0.3)) add_edge(u, v);
      if (preds[v].empty()) add_edge(pick(prev), v);
      for (std::size_t u : preds[v]) read[u] = 1;
    }
    for (std::size_t u : prev)
      if (!read[u]) add_edge(u, pick(layers[l]));
    if (l >= 3)
      for (std::size_t v : layers[l])
        if (chance(0.5)) add_edge(pick(layers[uniform(1, l - 2)]), v);
  }
  for (std::size_t u : layers.back()) add_edge(u, n - 1);
  // Sizes and durations, node by node.
  GraphBuilder b;
  std::vector<TensorId> out(n);
  std::vector<OpId> op(n);
  std::exponential_distribution<double> size(1.0 / 2000);
  for (std::size_t v = 0; v < n; ++v) {
    const auto tens = std::max<std::uint64_t>(2, std::llround(size(rng) / 10));
    const double flops = v == 0 || v + 1 == n ? 0 : static_cast<double>(uniform(1, 1000));
    const std::string name = "n" + std::to_string(v);
    out[v] = b.add_tensor(name, 10 * tens, TensorKind::activation, false);
    std::vector<TensorId> in;
    for (std::size_t u : preds[v]) in.push_back(out[u]);
    const TensorId o[] = {out[v]};
    op[v] = b.add_op(name, in, o, {}, flops, OpPhase::forward);
  }
  // A random topological order.
  std::vector<std::vector<std::size_t>> succs(n);
  std::vector<std::size_t> waiting(n);
  for (std::size_t v = 0; v < n; ++v) {
    waiting[v] = preds[v].size();
    for (std::size_t u : preds[v]) succs[u].push_back(v);
  }
  LayeredGraph g;
  std::vector<std::size_t> ready{0};
  while (!ready.empty()) {
    const std::size_t k = uniform(0, ready.size() - 1);
    const std::size_t v = ready[k];
    ready[k] = ready.back();
    ready.pop_back();
    g.order.push_back(op[v]);
    for (std::size_t s : succs[v])
      if (--waiting[s] == 0) ready.push_back(s);
  }
  g.graph = std::move(b).build();
  return g;
}

}  // namespace memsim::bench
