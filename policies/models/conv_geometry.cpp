#include "policies/models/conv_geometry.h"

#include "policies/models/layer_nests.h"

namespace memsim {

std::string pair_text(const Pair& p) {
  return std::to_string(p[0]) + "x" + std::to_string(p[1]);
}

Pair window_output(const LayerParams& p, const Shape& in, const Window& w) {
  const Pair size{in.h, in.w};
  Pair out{};
  for (int axis = 0; axis < 2; ++axis) {
    const std::uint64_t span = w.dilation[axis] * (w.kernel[axis] - 1) + 1;
    const std::uint64_t padded = size[axis] + 2 * w.padding[axis];
    if (span > padded) {
      const bool dilated = w.dilation != Pair{1, 1};
      const Pair spans{w.dilation[0] * (w.kernel[0] - 1) + 1,
                       w.dilation[1] * (w.kernel[1] - 1) + 1};
      p.fail("kernel " + pair_text(w.kernel) +
             (dilated
                  ? " with dilation " + pair_text(w.dilation) + " (spans " + pair_text(spans) + ")"
                  : "") +
             " does not fit the input " + to_string(in) + " (padded to " +
             pair_text({in.h + 2 * w.padding[0], in.w + 2 * w.padding[1]}) + ")");
    }
    out[axis] = (padded - span) / w.stride[axis] + 1;
  }
  return out;
}

Layer conv_layer(const LayerContext& ctx, const LayerParams& p, const Conv& conv) {
  const Shape& in = ctx.input_shapes.at(0);
  if (in.c % conv.groups != 0 || conv.out % conv.groups != 0)
    p.fail("groups = " + std::to_string(conv.groups) + " must divide the input channels (" +
           std::to_string(in.c) + ", input " + to_string(in) + ") and out (" +
           std::to_string(conv.out) + ")");
  const Pair o = window_output(p, in, conv.window);
  const std::uint64_t per_filter = p.product(
      {in.c / conv.groups, conv.window.kernel[0], conv.window.kernel[1]}, "a filter's weights");
  Layer l;
  l.shape = {conv.out, o[0], o[1]};
  l.params = p.product({conv.out, per_filter}, "the weights") + (conv.bias ? conv.out : 0);
  if (l.params < conv.out) p.fail("too large for 64 bits: the parameters");
  const double macs = static_cast<double>(ctx.batch) * static_cast<double>(conv.out) *
                      static_cast<double>(o[0] * o[1]) * static_cast<double>(per_filter);
  l.macs = macs;
  l.flops_forward = 2 * macs;
  l.flops_backward_data = 2 * macs;
  l.flops_backward_weight = 2 * macs;
  // convolution saves its input and weight: dL/dX = conv_transpose(dY, W), dL/dW = f(X, dY).
  l.backward_data_reads = {{SavedRef::Of::weight, 0}};
  l.backward_weight_reads = {{SavedRef::Of::input, 0}};
  l.nest = conv_nest(ctx.batch, in, conv, o);
  return l;
}

}  // namespace memsim
