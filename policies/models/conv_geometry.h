#pragma once
// Sliding-window arithmetic shared by convolutions and pooling (PyTorch's conventions).
#include <array>
#include <cstdint>
#include <string>

#include "policies/models/layer_graph_builder.h"

namespace memsim {

using Pair = std::array<std::uint64_t, 2>;  // {height, width}

struct Window {
  Pair kernel{1, 1}, stride{1, 1}, padding{0, 0}, dilation{1, 1};
};

// Output height and width of a window slid over `in`:
// floor((in + 2p - d(k - 1) - 1) / s) + 1. Fails (naming the layer and both shapes) when the
// dilated kernel is larger than the padded input.
Pair window_output(const LayerParams& p, const Shape& in, const Window& w);

// "3x3"
std::string pair_text(const Pair& p);

struct Conv {
  Window window;
  std::uint64_t out = 1;     // output channels
  std::uint64_t groups = 1;  // input and output channels split into this many groups
  bool bias = false;
};

// A 2-D convolution: parameters out * (c / groups) * kh * kw (+ out for the bias); forward
// 2 * batch * out * oh * ow * (c / groups) * kh * kw FLOPs, the same for dL/dX and for dL/dW.
Layer conv_layer(const LayerContext& ctx, const LayerParams& p, const Conv& conv);

}  // namespace memsim
