// Dropout (training mode): y = x * mask / (1 - p). No parameters, the shape unchanged; 1 FLOP
// per element forward (the scaled mask multiply) and 1 for dL/dX = dY * mask / (1 - p). The
// forward op writes the mask, one byte per element (bool, as CUDA's native_dropout saves it;
// PyTorch's CPU path saves a mask in the data's dtype instead), and backward reads only it.
// `p` (default 0.5, PyTorch's) is checked but changes no count.
#include "policies/models/layer_graph_builder.h"
#include "policies/models/layer_nests.h"

namespace memsim {

Layer build_dropout(const LayerContext& ctx, const LayerParams& p) {
  p.probability_or("p", 0.5);
  const Shape& in = ctx.input_shapes.at(0);
  const double elements = static_cast<double>(ctx.batch) * static_cast<double>(in.elements());
  Layer l;
  l.shape = in;
  l.flops_forward = elements;
  l.flops_backward_data = elements;
  l.nest = elementwise_nest(ctx.batch, in, 1);
  add_output_shaped_extra(l.nest.edit(), in, ctx.batch);
  l.extras = {{TensorRole::mask, ctx.batch * in.elements(), 1}};
  l.backward_data_reads = {{SavedRef::Of::extra, 0}};
  return l;
}

}  // namespace memsim
