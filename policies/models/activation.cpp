// Element-wise activations (relu, relu6, sigmoid, tanh, gelu, silu): no parameters, the shape
// unchanged; 1 FLOP per element forward and 1 for dL/dX (a convention: their cost is negligible
// next to the convolutions and dense layers around them).
#include "policies/models/layer_graph_builder.h"
#include "policies/models/layer_nests.h"

namespace memsim {

Layer build_activation(const LayerContext& ctx, const LayerParams&) {
  const Shape& in = ctx.input_shapes.at(0);
  const double elements = static_cast<double>(ctx.batch) * static_cast<double>(in.elements());
  Layer l;
  l.shape = in;
  l.flops_forward = elements;
  l.flops_backward_data = elements;
  l.nest = elementwise_nest(ctx.batch, in, 1);
  return l;
}

}  // namespace memsim
