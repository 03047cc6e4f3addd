// Batch normalization over channels: y = gamma * (x - mean) / std + beta. Parameters 2c (gamma
// and beta); the running mean and variance are buffers, not parameters (as torchvision counts).
// FLOPs per output element and sample: 2 forward (one multiply-add once folded), 2 for dL/dX,
// 2 for dL/dgamma and dL/dbeta. Saved for backward: the input, gamma, and the per-channel batch
// mean and inverse standard deviation.
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
  // native_batch_norm saves its input, gamma and the batch statistics save_mean and
  // save_invstd (one per channel; fp32, as CUDA keeps them for fp16/bf16 data too).
  l.extras = {{TensorRole::mean, in.c, 4}, {TensorRole::invstd, in.c, 4}};
  const std::vector<SavedRef> stats{{SavedRef::Of::extra, 0}, {SavedRef::Of::extra, 1}};
  l.backward_data_reads = {{SavedRef::Of::input, 0}, {SavedRef::Of::weight, 0}, stats[0], stats[1]};
  l.backward_weight_reads = {{SavedRef::Of::input, 0}, stats[0], stats[1]};
  l.nest = elementwise_nest(ctx.batch, in, 1, true);
  add_channel_stats(l.nest.edit(), in.c);
  return l;
}

}  // namespace memsim
