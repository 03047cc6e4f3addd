// Dense (fully connected) layer: Y = W X (+ b). The input is flattened to f = c*h*w features.
// Parameters f*out (+ out with bias); forward 2*batch*f*out FLOPs; backward the same again for
// dL/dX and for dL/dW (the lecture's table).
#include "policies/models/layer_graph_builder.h"
#include "policies/models/layer_nests.h"

namespace memsim {

Layer build_dense(const LayerContext& ctx, const LayerParams& p) {
  const std::uint64_t out = p.positive("out");
  const bool bias = p.flag_or("bias", false);
  const double f = static_cast<double>(ctx.input_shapes.at(0).elements());
  const double macs = static_cast<double>(ctx.batch) * f * static_cast<double>(out);
  Layer l;
  l.shape = {out, 1, 1};
  const Shape& in = ctx.input_shapes.at(0);
  l.params = p.product({in.c, in.h, in.w, out}, "the weights") + (bias ? out : 0);
  if (l.params < out) p.fail("too large for 64 bits: the parameters");
  l.macs = macs;
  l.flops_forward = 2 * macs;
  l.flops_backward_data = 2 * macs;
  l.flops_backward_weight = 2 * macs;
  // addmm / mm save the input and the weight: dL/dX = dY W, dL/dW = dY^T X.
  l.backward_data_reads = {{SavedRef::Of::weight, 0}};
  l.backward_weight_reads = {{SavedRef::Of::input, 0}};
  l.nest = dense_nest(ctx.batch, ctx.input_shapes.at(0), out, bias);
  return l;
}

}  // namespace memsim
