#pragma once
// Random layered graphs in the manner of MOCCASIN's (Bartan et al., ICML 2023; the shared
// random-layered-n100.json is one): a source node, layers of random width, each node reading
// nodes of the layer before it and now and then one further back (a skip connection), and a
// target node reading every node nothing else reads. Sizes and durations are drawn to look like
// the published graphs': out_cost 20..6020 bytes in steps of 10, most of them small; durations
// 1..1000 FLOPs (the source's 0). Seeded, so the benchmark's graphs are the same on every run.
#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "sim/core/graph.h"

namespace memsim::bench {

struct LayeredGraph {
  Graph graph;
  std::vector<OpId> order;  // node order: layer by layer
};

inline LayeredGraph random_layered_graph(std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  const auto uniform = [&](int lo, int hi) {
    return std::uniform_int_distribution<int>(lo, hi)(rng);
  };
  const auto chance = [&](double p) {
    return std::uniform_real_distribution<double>(0, 1)(rng) < p;
  };
  // Layers between the source and the target, of mean width 0.04 n + 1.5 (the published n100
  // and n250 graphs have 4.8 and 10.4).
  const int mean_width = static_cast<int>(0.04 * static_cast<double>(n) + 1.5);
  std::vector<std::vector<std::size_t>> layers{{0}};
  for (std::size_t v = 1; v + 1 < n;) {
    const std::size_t w = std::min<std::size_t>(n - 1 - v, uniform(1, 2 * mean_width - 1));
    layers.emplace_back();
    for (std::size_t k = 0; k < w; ++k) layers.back().push_back(v++);
  }
  std::vector<std::vector<std::size_t>> preds(n);
  std::vector<char> read(n, 0);
  for (std::size_t l = 1; l < layers.size(); ++l)
    for (std::size_t v : layers[l]) {
      const auto& prev = layers[l - 1];
      // About 2.5 inputs from the layer before: each with probability 2.5 / its width, one
      // at least.
      const double p = std::min(1.0, 2.5 / static_cast<double>(prev.size()));
      for (std::size_t u : prev)
        if (chance(p)) preds[v].push_back(u);
      if (preds[v].empty())
        preds[v].push_back(
            prev[static_cast<std::size_t>(uniform(0, static_cast<int>(prev.size()) - 1))]);
      // A skip connection for one node in four, 2 to 20 layers back.
      if (l >= 2 && chance(0.25)) {
        const auto back =
            static_cast<std::size_t>(uniform(2, static_cast<int>(std::min<std::size_t>(l, 20))));
        const auto& from = layers[l - back];
        const std::size_t u =
            from[static_cast<std::size_t>(uniform(0, static_cast<int>(from.size()) - 1))];
        if (std::find(preds[v].begin(), preds[v].end(), u) == preds[v].end()) preds[v].push_back(u);
      }
      for (std::size_t u : preds[v]) read[u] = 1;
    }
  for (std::size_t u = 0; u + 1 < n; ++u)
    if (!read[u]) preds[n - 1].push_back(u);
  GraphBuilder b;
  std::vector<TensorId> out(n);
  LayeredGraph g;
  for (std::size_t v = 0; v < n; ++v) {
    const double u01 = std::uniform_real_distribution<double>(0, 1)(rng);
    const auto bytes = static_cast<std::uint64_t>(20 + 10 * static_cast<int>(600 * u01 * u01));
    const double flops = v == 0 ? 0 : uniform(1, 1000);
    const std::string name = "n" + std::to_string(v);
    out[v] = b.add_tensor(name, bytes, TensorKind::activation, false);
    std::vector<TensorId> in;
    for (std::size_t u : preds[v]) in.push_back(out[u]);
    const TensorId o[] = {out[v]};
    g.order.push_back(b.add_op(name, in, o, {}, flops, OpPhase::forward));
  }
  g.graph = std::move(b).build();
  return g;
}

}  // namespace memsim::bench
