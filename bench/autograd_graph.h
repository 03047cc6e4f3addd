#pragma once
// Training graphs with several ops per layer, as autograd keeps them (Checkmate's published
// graphs are of this kind: a layer is a convolution, a normalisation and an activation, and its
// backward pass separate ops for each, with the weight gradient apart from the input gradient).
// For L layers (layer 0 the input, 1..L-1 each three forward ops) the ops are, in order:
//
//   x                                     the input (no inputs)
//   conv_i(a_{i-1}, skips), bn_i(conv_i), relu_i(bn_i) = a_i          for i = 1 .. L-1
//   loss(a_{L-1})
//   for i = L-1 .. 1:
//     relu_grad_i(da_i, a_i)      -> dbn_i    (the activation's output decides where it passes)
//     bn_grad_i(dbn_i, conv_i)    -> dconv_i  (the normalisation needs its input)
//     conv_grad_w_i(dconv_i, a_{i-1}) -> dw_i (the weight gradient needs the layer's input)
//     conv_grad_x_i(dconv_i, skip gradients) -> da_{i-1}
//
// where da_i is relu_grad_i's incoming gradient: conv_grad_x_{i+1}'s output (the loss for
// i = L-1), and a skip connection s -> i (an extra input of conv_i) makes conv_grad_x_s read
// dconv_i as well (the gradient that flowed back through the skip). Skips and sizes follow
// training_graph.h's ResNet (residual blocks of 2 or 3 layers, activations halving every
// quarter) or U-Net (every third encoder layer feeds its mirror image). conv, bn and relu
// outputs of a layer are its activation size; gradients their forward twin's; a weight
// gradient an eighth of the layer's activation. FLOPs: conv about 1000, bn 60, relu 20 (each
// jittered by up to +-25%), backward ops twice their forward op (the weight and the input
// gradient each that of the convolution), the loss 10. Seeded: the same graph on every run.
// 7 (L - 1) + 2 ops in all.
#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "bench/layered_graph.h"
#include "bench/training_graph.h"
#include "sim/core/graph.h"

namespace memsim::bench {

inline LayeredGraph autograd_graph(TrainingShape shape, std::size_t layers, std::uint32_t seed) {
  std::mt19937 rng(seed);
  const auto jitter = [&](double x) {
    return x * std::uniform_real_distribution<double>(0.75, 1.25)(rng);
  };
  const std::size_t m = std::max<std::size_t>(layers, 3);
  const auto skips_into = chain_skips(shape, m, rng);  // a_s -> conv_i: s in skips_into[i]
  std::vector<double> bytes(m);
  for (std::size_t i = 0; i < m; ++i) bytes[i] = jitter(chain_node_bytes(shape, i, m));
  GraphBuilder b;
  LayeredGraph g;
  const auto add = [&](const std::string& name, double size, double cost,
                       const std::vector<TensorId>& in) {
    const TensorId t = b.add_tensor(name, static_cast<std::uint64_t>(size) / 8 * 8 + 8,
                                    TensorKind::activation, false);
    const TensorId o[] = {t};
    g.order.push_back(b.add_op(name, in, o, {}, cost, OpPhase::forward));
    return t;
  };
  std::vector<TensorId> a(m), conv(m), dconv(m), da(m);
  std::vector<double> conv_flops(m, 0), bn_flops(m, 0), relu_flops(m, 0);
  a[0] = add("x", bytes[0], 0, {});
  for (std::size_t i = 1; i < m; ++i) {
    const std::string l = std::to_string(i);
    std::vector<TensorId> in{a[i - 1]};
    for (std::size_t s : skips_into[i]) in.push_back(a[s]);
    conv_flops[i] = std::round(jitter(1000));
    bn_flops[i] = std::round(jitter(60));
    relu_flops[i] = std::round(jitter(20));
    conv[i] = add("conv" + l, bytes[i], conv_flops[i], in);
    const TensorId bn = add("bn" + l, bytes[i], bn_flops[i], {conv[i]});
    a[i] = add("relu" + l, bytes[i], relu_flops[i], {bn});
  }
  TensorId from_above = add("loss", 8, 10, {a[m - 1]});
  for (std::size_t i = m - 1; i >= 1; --i) {
    const std::string l = std::to_string(i);
    const TensorId dbn = add("relu_grad" + l, bytes[i], 2 * relu_flops[i], {from_above, a[i]});
    dconv[i] = add("bn_grad" + l, bytes[i], 2 * bn_flops[i], {dbn, conv[i]});
    add("conv_grad_w" + l, bytes[i] / 8, conv_flops[i], {dconv[i], a[i - 1]});
    std::vector<TensorId> in{dconv[i]};
    for (std::size_t j = i + 1; j < m; ++j)
      if (std::find(skips_into[j].begin(), skips_into[j].end(), i - 1) != skips_into[j].end())
        in.push_back(dconv[j]);
    // The gradient of a_{i-1}: what conv_i passes back, and what every conv reading a_{i-1}
    // through a skip passed back.
    da[i - 1] = add("conv_grad_x" + l, bytes[i - 1], conv_flops[i], in);
    from_above = da[i - 1];
  }
  g.graph = std::move(b).build();
  return g;
}

}  // namespace memsim::bench
