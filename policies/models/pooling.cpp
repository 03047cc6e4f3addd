// Pooling: max and average over a k x k window (stride defaults to the kernel, PyTorch's
// convention), global average pooling (h x w -> 1 x 1) and adaptive average pooling to a given
// output size. No parameters. FLOPs: the window's area per output element and sample, forward
// and again for dL/dX (comparisons or additions; routing or spreading the gradient back).
// Saved for backward: the input (every pooling, as autograd keeps it), and max-pool's int64
// indices.
#include "policies/models/conv_geometry.h"
#include "policies/models/layer_nests.h"

namespace memsim {
namespace {

Layer pool(const LayerContext& ctx, const LayerParams& p) {
  if (!p.has("kernel")) p.fail("needs 'kernel' (e.g. kernel = 2 or kernel = [3, 3])");
  const Shape& in = ctx.input_shapes.at(0);
  Window w;
  w.kernel = p.pair_or("kernel", {1, 1}, 1);
  w.stride = p.pair_or("stride", w.kernel, 1);
  w.padding = p.pair_or("padding", {0, 0}, 0);
  for (int axis = 0; axis < 2; ++axis)
    if (2 * w.padding[axis] > w.kernel[axis])
      p.fail("padding " + pair_text(w.padding) + " must be at most half the kernel " +
             pair_text(w.kernel));
  const Pair o = window_output(p, in, w);
  const double flops = static_cast<double>(ctx.batch) * static_cast<double>(in.c * o[0] * o[1]) *
                       static_cast<double>(w.kernel[0] * w.kernel[1]);
  Layer l;
  l.shape = {in.c, o[0], o[1]};
  l.flops_forward = flops;
  l.flops_backward_data = flops;
  l.backward_data_reads = {{SavedRef::Of::input, 0}};
  l.nest = pool_nest(ctx.batch, in, w, o);
  return l;
}

// Sum of the window lengths of adaptive pooling along one axis: window i covers
// [floor(i * in / out), ceil((i + 1) * in / out)).
std::uint64_t adaptive_cover(std::uint64_t in, std::uint64_t out) {
  std::uint64_t total = 0;
  for (std::uint64_t i = 0; i < out; ++i) total += ((i + 1) * in + out - 1) / out - (i * in) / out;
  return total;
}

}  // namespace

// max_pool2d_with_indices saves its input and the int64 index of each output's maximum.
Layer build_maxpool(const LayerContext& ctx, const LayerParams& p) {
  Layer l = pool(ctx, p);
  l.extras = {{TensorRole::indices, ctx.batch * l.shape.elements(), 8}};
  add_output_shaped_extra(l.nest.edit(), l.shape, ctx.batch);
  l.backward_data_reads = {{SavedRef::Of::input, 0}, {SavedRef::Of::extra, 0}};
  return l;
}
Layer build_avgpool(const LayerContext& ctx, const LayerParams& p) {
  return pool(ctx, p);
}

Layer build_global_avgpool(const LayerContext& ctx, const LayerParams&) {
  const Shape& in = ctx.input_shapes.at(0);
  const double flops = static_cast<double>(ctx.batch) * static_cast<double>(in.elements());
  Layer l;
  l.shape = {in.c, 1, 1};
  l.flops_forward = flops;
  l.flops_backward_data = flops;
  l.backward_data_reads = {{SavedRef::Of::input, 0}};  // adaptive_avg_pool2d saves its input
  l.nest = global_pool_nest(ctx.batch, in);
  return l;
}

Layer build_adaptive_avgpool(const LayerContext& ctx, const LayerParams& p) {
  if (!p.has("size")) p.fail("needs 'size' (the output height and width, e.g. size = 7)");
  const Pair size = p.pair_or("size", {1, 1}, 1);
  if (size[0] > 65536 || size[1] > 65536) p.fail("size " + pair_text(size) + " is too large");
  const Shape& in = ctx.input_shapes.at(0);
  const double flops = static_cast<double>(ctx.batch) * static_cast<double>(in.c) *
                       static_cast<double>(adaptive_cover(in.h, size[0])) *
                       static_cast<double>(adaptive_cover(in.w, size[1]));
  Layer l;
  l.shape = {in.c, size[0], size[1]};
  l.flops_forward = flops;
  l.flops_backward_data = flops;
  l.backward_data_reads = {{SavedRef::Of::input, 0}};
  l.nest = adaptive_pool_nest(ctx.batch, in, size);
  return l;
}

}  // namespace memsim
