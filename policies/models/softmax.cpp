// Softmax over the last axis (nn.Softmax(dim=-1)): no parameters, the shape unchanged. 1 FLOP
// per element forward and 1 for dL/dX, the activations' convention. Saved: its output
// (_softmax_backward_data reads the output, not the input).
#include "policies/models/layer_graph_builder.h"
#include "policies/models/layer_nests.h"

namespace memsim {

Layer build_softmax(const LayerContext& ctx, const LayerParams&) {
  const Shape& in = ctx.input_shapes.at(0);
  const double elements = static_cast<double>(ctx.batch) * static_cast<double>(in.elements());
  Layer l;
  l.shape = in;
  l.nest = softmax_nest(ctx.batch, in);
  l.flops_forward = elements;
  l.flops_backward_data = elements;
  l.backward_data_reads = {{SavedRef::Of::output, 0}};
  return l;
}

}  // namespace memsim
