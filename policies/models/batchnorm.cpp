// Batch normalization over channels: y = gamma * (x - mean) / std + beta. Parameters 2c (gamma
// and beta); the running mean and variance are buffers, not parameters (as torchvision counts).
// FLOPs per output element and sample: 2 forward (one multiply-add once folded), 2 for dL/dX,
// 2 for dL/dgamma and dL/dbeta.
#include "policies/models/layer_graph_builder.h"
#include "policies/models/layer_nests.h"

namespace memsim {

Layer build_batchnorm(const LayerContext& ctx, const LayerParams&) {
  const Shape& in = ctx.input_shapes.at(0);
  const double elements = static_cast<double>(ctx.batch) * static_cast<double>(in.elements());
  Layer l;
  l.shape = in;
  l.params = 2 * in.c;
  l.flops_forward = 2 * elements;
  l.flops_backward_data = 2 * elements;
  l.flops_backward_weight = 2 * elements;
  l.nest = elementwise_nest(ctx.batch, in, 1, true);
  return l;
}

}  // namespace memsim
