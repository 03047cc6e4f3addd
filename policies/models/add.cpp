// Residual add: the element-wise sum of two (or more) inputs of the same shape. No parameters;
// (n - 1) FLOPs per element forward; backward passes dL/dY unchanged to every input (0 FLOPs),
// so in training the gradient fans out to both branches.
#include "policies/models/layer_graph_builder.h"
#include "policies/models/layer_nests.h"

namespace memsim {

Layer build_add(const LayerContext& ctx, const LayerParams& p) {
  const std::vector<Shape>& in = ctx.input_shapes;
  for (std::size_t i = 1; i < in.size(); ++i)
    if (!(in[i] == in[0]))
      p.fail("input shapes differ: '" + ctx.input_names.at(0) + "' gives " + to_string(in[0]) +
             " but '" + ctx.input_names.at(i) + "' gives " + to_string(in[i]) +
             "; an add needs equal shapes");
  const double elements = static_cast<double>(ctx.batch) * static_cast<double>(in[0].elements());
  Layer l;
  l.shape = in[0];
  l.flops_forward = static_cast<double>(in.size() - 1) * elements;
  l.nest = elementwise_nest(ctx.batch, in[0], static_cast<std::uint32_t>(in.size()));
  return l;
}

}  // namespace memsim
