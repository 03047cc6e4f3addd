#pragma once
// Each layer type's loop nest (sim/model/loop_nest.h), set by its builder in Layer::nest. The
// dimensions, per kind (docs/model.md "Tiled execution" lists the projections):
//   dense            m (batch), n (out features), k (in features)
//   gemm (SCALE-Sim) b (batch), m, n, k
//   conv2d, depthwise, pointwise
//                    n (batch), k (out channels), c (in channels per group), p, q (output rows,
//                    columns), r, s (kernel rows, columns; never tiled)
//   maxpool, avgpool n, c, p, q, r, s
//   global_avgpool   n, c, h, w (h, w summed)
//   adaptive_avgpool n, c (its windows are not affine: the spatial axes stay whole)
//   flatten          n, c, h, w of its input (h, w never tiled)
//   element-wise     n, c, h, w (activations, batch-norm, add)
// Activations have axes n c h w (batch, channels, rows, columns; a feature vector is c x 1 x 1).
#include "policies/models/conv_geometry.h"
#include "sim/model/loop_nest.h"

namespace memsim {

// The axes of an activation of per-sample shape `s`: n c h w.
TensorAxes activation_axes(const Shape& s, std::uint64_t batch);

NestTemplate dense_nest(std::uint64_t batch, const Shape& in, std::uint64_t out, bool bias);
NestTemplate gemm_nest(std::uint64_t batch, std::uint64_t m, std::uint64_t n, std::uint64_t k);
NestTemplate conv_nest(std::uint64_t batch, const Shape& in, const Conv& conv, const Pair& out);
NestTemplate pool_nest(std::uint64_t batch, const Shape& in, const Window& w, const Pair& out);
NestTemplate global_pool_nest(std::uint64_t batch, const Shape& in);
NestTemplate adaptive_pool_nest(std::uint64_t batch, const Shape& in, const Pair& out);
NestTemplate flatten_nest(std::uint64_t batch, const Shape& in);
// `inputs` inputs of shape `s` and an output of the same shape; with `channel_weight`, a
// weight of axes c g (batch-norm's gamma and beta: g = 2).
NestTemplate elementwise_nest(std::uint64_t batch, const Shape& s, std::uint32_t inputs,
                              bool channel_weight = false);

}  // namespace memsim
