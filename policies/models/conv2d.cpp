// Convolutions: conv2d in general, and its two cases the efficient networks are built from
// (the lecture's side note): depthwise (groups = channels, one k x k filter per channel: c*k^2
// parameters, 2*c*k^2*d^2 FLOPs) and pointwise (1 x 1, mixing channels).
#include "policies/models/conv_geometry.h"

namespace memsim {
namespace {

Window read_window(const LayerParams& p, Pair kernel) {
  Window w;
  w.kernel = kernel;
  w.stride = p.pair_or("stride", {1, 1}, 1);
  w.padding = p.pair_or("padding", {0, 0}, 0);
  w.dilation = p.pair_or("dilation", {1, 1}, 1);
  return w;
}

Pair required_kernel(const LayerParams& p) {
  if (!p.has("kernel")) p.fail("needs 'kernel' (e.g. kernel = 3 or kernel = [3, 3])");
  return p.pair_or("kernel", {1, 1}, 1);
}

}  // namespace

Layer build_conv2d(const LayerContext& ctx, const LayerParams& p) {
  Conv conv;
  conv.out = p.positive("out");
  conv.window = read_window(p, required_kernel(p));
  conv.groups = p.positive_or("groups", 1);
  conv.bias = p.flag_or("bias", false);
  return conv_layer(ctx, p, conv);
}

Layer build_depthwise(const LayerContext& ctx, const LayerParams& p) {
  const std::uint64_t channels = ctx.input_shapes.at(0).c;
  Conv conv;
  conv.window = read_window(p, required_kernel(p));
  conv.groups = channels;
  conv.out = p.product({channels, p.positive_or("multiplier", 1)}, "the output channels");
  conv.bias = p.flag_or("bias", false);
  return conv_layer(ctx, p, conv);
}

Layer build_pointwise(const LayerContext& ctx, const LayerParams& p) {
  Conv conv;
  conv.out = p.positive("out");
  conv.window.stride = p.pair_or("stride", {1, 1}, 1);
  conv.bias = p.flag_or("bias", false);
  return conv_layer(ctx, p, conv);
}

}  // namespace memsim
