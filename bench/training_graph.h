#pragma once
// Training graphs in the manner of Checkmate's (Jain et al., MLSys 2020): a forward chain, a
// loss, and a mirrored backward pass, with the skip connections of a ResNet or a U-Net. For m
// forward nodes f_0 (the input) .. f_{m-1} there are m - 1 backward nodes g_{m-1} .. g_1, so
// n = 2m nodes in all, in the order f_0 .. f_{m-1}, loss, g_{m-1} .. g_1:
//
//   f_i reads f_{i-1} and, for a skip connection s -> i, f_s;
//   loss reads f_{m-1};
//   g_i reads the gradient from above (g_{i+1}, or the loss for i = m-1), its forward twin f_i
//     and the twin's input f_{i-1} (the weight gradient needs it), and g_j for every skip
//     connection i -> j (the gradient that flowed back through the skip).
//
// ResNet: a residual block of 2 or 3 nodes adds its input to its output (a skip from the
// block's input to its last node); activations halve in size every quarter of the chain, each
// node's FLOPs drawn around the same mean. U-Net: the encoder's first half shrinks the
// activations by half every 1/8 of the chain, the decoder grows them back, and every third
// encoder node feeds its mirror image in the decoder (a skip across the whole middle). Backward
// nodes cost twice their twin; gradients are their twin's size. Sizes and costs are jittered by
// up to +-25%, seeded, so the benchmark's graphs are the same on every run.
#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "bench/layered_graph.h"
#include "sim/core/graph.h"

namespace memsim::bench {

enum class TrainingShape { resnet, unet };

// The skip connections of a chain of m nodes of that shape: s in skips[i] when node i also
// reads node s. A ResNet's block lengths are drawn from rng (nothing else is).
inline std::vector<std::vector<std::size_t>> chain_skips(TrainingShape shape, std::size_t m,
                                                         std::mt19937& rng) {
  std::vector<std::vector<std::size_t>> skips_into(m);
  if (shape == TrainingShape::resnet) {
    for (std::size_t s = 1; s + 2 < m;) {
      const std::size_t len = std::uniform_int_distribution<std::size_t>(2, 3)(rng);
      if (s + len >= m) break;
      skips_into[s + len].push_back(s);
      s += len;
    }
  } else {
    const std::size_t half = m / 2;
    for (std::size_t i = 1; i < half; i += 3)
      if (m - 1 - i > half) skips_into[m - 1 - i].push_back(i);
  }
  return skips_into;
}

// Node i's activation size before its jitter: 64,000 bytes, halved every quarter of a ResNet
// chain, or every 1/8 of the way into a U-Net from its nearer end.
inline double chain_node_bytes(TrainingShape shape, std::size_t i, std::size_t m) {
  if (shape == TrainingShape::resnet)
    return 64'000.0 / static_cast<double>(1u << std::min<std::size_t>(3, 4 * i / m));
  const std::size_t half = m / 2;
  const std::size_t depth = i < half ? i : m - 1 - i;  // distance from the nearer end
  return 64'000.0 / static_cast<double>(1u << std::min<std::size_t>(4, 8 * depth / m));
}

inline LayeredGraph training_graph(TrainingShape shape, std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  const auto jitter = [&](double x) {
    return x * std::uniform_real_distribution<double>(0.75, 1.25)(rng);
  };
  const std::size_t m = std::max<std::size_t>(n / 2, 3);
  const auto skips_into = chain_skips(shape, m, rng);  // f_s -> f_i: s in skips_into[i]
  std::vector<double> bytes(m), flops(m);
  for (std::size_t i = 0; i < m; ++i) {
    bytes[i] = jitter(chain_node_bytes(shape, i, m));
    flops[i] = i == 0 ? 0 : std::round(jitter(1000));
  }
  GraphBuilder b;
  LayeredGraph g;
  std::vector<TensorId> f(m), grad(m);
  const auto add = [&](const std::string& name, double size, double cost,
                       const std::vector<TensorId>& in) {
    const TensorId t = b.add_tensor(name, static_cast<std::uint64_t>(size) / 8 * 8 + 8,
                                    TensorKind::activation, false);
    const TensorId o[] = {t};
    g.order.push_back(b.add_op(name, in, o, {}, cost, OpPhase::forward));
    return t;
  };
  for (std::size_t i = 0; i < m; ++i) {
    std::vector<TensorId> in;
    if (i > 0) in.push_back(f[i - 1]);
    for (std::size_t s : skips_into[i]) in.push_back(f[s]);
    f[i] = add("f" + std::to_string(i), bytes[i], flops[i], in);
  }
  const TensorId loss = add("loss", 8, 10, {f[m - 1]});
  for (std::size_t i = m - 1; i >= 1; --i) {
    std::vector<TensorId> in{i + 1 < m ? grad[i + 1] : loss, f[i], f[i - 1]};
    for (std::size_t j = i + 1; j < m; ++j)
      if (std::find(skips_into[j].begin(), skips_into[j].end(), i) != skips_into[j].end())
        in.push_back(grad[j]);
    grad[i] = add("g" + std::to_string(i), bytes[i], 2 * flops[i], in);
  }
  g.graph = std::move(b).build();
  return g;
}

}  // namespace memsim::bench
