// select_token (index = 0): the features of one position, dim x seq -> dim (BERT's pooler
// reads the first token, hidden_states[:, 0]). No parameters, no FLOPs; backward scatters dY
// into a zero gradient of the input's shape and saves nothing. memsim writes the selected row
// as a tensor of its own; in PyTorch it is a view, so whatever saves it (the pooler's dense
// layer) keeps the whole input's storage alive: batch * (seq - 1) * dim elements more than
// memsim counts.
#include "policies/models/layer_graph_builder.h"

namespace memsim {

Layer build_select_token(const LayerContext& ctx, const LayerParams& p) {
  const Shape& in = ctx.input_shapes.at(0);
  const std::uint64_t index = p.non_negative_or("index", 0);
  if (index >= in.h * in.w)
    p.fail("index = " + std::to_string(index) + " but the input has " +
           std::to_string(in.h * in.w) + " positions");
  Layer l;
  l.shape = {in.c, 1, 1};
  return l;
}

}  // namespace memsim
