// Dropout (training mode): y = x * mask / (1 - p). No parameters, the shape unchanged; 1 FLOP
// per element forward (the scaled mask multiply) and 1 for dL/dX = dY * mask / (1 - p). The
// forward op writes the mask, one byte per element (bool, as CUDA's native_dropout saves it;
// PyTorch's CPU path saves a mask in the data's dtype instead), and backward reads only it.
// `p` (default 0.5, PyTorch's) is checked but changes no count.
#include <variant>

#include "policies/models/layer_graph_builder.h"

namespace memsim {

Layer build_dropout(const LayerContext& ctx, const LayerParams& p) {
  if (const auto it = p.spec().params.find("p"); it != p.spec().params.end()) {
    const LayerParam& v = it->second;
    double rate = -1;
    if (const auto* d = std::get_if<double>(&v.value)) rate = *d;
    if (const auto* i = std::get_if<std::int64_t>(&v.value)) rate = static_cast<double>(*i);
    if (!(rate >= 0 && rate < 1))
      throw ScenarioError(v.pos, "model.layers.p: expected a probability in [0, 1), e.g. 0.1");
  }
  const Shape& in = ctx.input_shapes.at(0);
  const double elements = static_cast<double>(ctx.batch) * static_cast<double>(in.elements());
  Layer l;
  l.shape = in;
  l.flops_forward = elements;
  l.flops_backward_data = elements;
  l.extras = {{TensorRole::mask, ctx.batch * in.elements(), 1}};
  l.backward_data_reads = {{SavedRef::Of::extra, 0}};
  return l;
}

}  // namespace memsim
