// Concat on the channel axis (torch.cat(dim=1), ONNX Concat axis 1): inputs of equal height and
// width, channels summed. No parameters, no FLOPs (a copy); backward hands each input its slice
// of dL/dY (0 FLOPs) and saves nothing (cat's backward needs only the sizes).
#include "policies/models/layer_graph_builder.h"

namespace memsim {

Layer build_concat(const LayerContext& ctx, const LayerParams& p) {
  const std::vector<Shape>& in = ctx.input_shapes;
  Layer l;
  l.shape = in[0];
  for (std::size_t i = 1; i < in.size(); ++i) {
    if (in[i].h != in[0].h || in[i].w != in[0].w)
      p.fail("input sizes differ: '" + ctx.input_names.at(0) + "' gives " + to_string(in[0]) +
             " but '" + ctx.input_names.at(i) + "' gives " + to_string(in[i]) +
             "; a concat needs equal height and width");
    l.shape.c += in[i].c;
  }
  return l;
}

}  // namespace memsim
