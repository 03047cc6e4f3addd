// Flatten: c x h x w -> c*h*w features, no parameters, no FLOPs (a view of the same data).
#include "policies/models/layer_graph_builder.h"
#include "policies/models/layer_nests.h"

namespace memsim {

Layer build_flatten(const LayerContext& ctx, const LayerParams&) {
  Layer l;
  l.shape = {ctx.input_shapes.at(0).elements(), 1, 1};
  l.nest = flatten_nest(ctx.batch, ctx.input_shapes.at(0));
  return l;
}

}  // namespace memsim
