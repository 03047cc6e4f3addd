// Layer normalization (nn.LayerNorm over the features c, at every position): y = gamma * (x -
// mean) / std + beta. Parameters 2c (gamma and beta). FLOPs per element and sample as
// batch-norm's: 2 forward, 2 for dL/dX, 2 for dL/dgamma,dbeta. Saved: the input, gamma, and
// per position (batch * h * w of each) the mean and the reciprocal standard deviation, fp32
// (native_layer_norm's mean and rstd; fp32 for fp16/bf16 data too).
#include "policies/models/layer_graph_builder.h"
#include "policies/models/layer_nests.h"

namespace memsim {

Layer build_layernorm(const LayerContext& ctx, const LayerParams&) {
  const Shape& in = ctx.input_shapes.at(0);
  const double elements = static_cast<double>(ctx.batch) * static_cast<double>(in.elements());
  const std::uint64_t rows = ctx.batch * in.h * in.w;
  Layer l;
  l.shape = in;
  l.params = 2 * in.c;
  l.flops_forward = 2 * elements;
  l.flops_backward_data = 2 * elements;
  l.flops_backward_weight = 2 * elements;
  l.nest = layernorm_nest(ctx.batch, in);
  l.extras = {{TensorRole::mean, rows, 4}, {TensorRole::invstd, rows, 4}};
  const std::vector<SavedRef> stats{{SavedRef::Of::extra, 0}, {SavedRef::Of::extra, 1}};
  l.backward_data_reads = {{SavedRef::Of::input, 0}, {SavedRef::Of::weight, 0}, stats[0], stats[1]};
  l.backward_weight_reads = {{SavedRef::Of::input, 0}, stats[0], stats[1]};
  return l;
}

}  // namespace memsim
