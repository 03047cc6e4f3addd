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
//   element-wise     n, c, h, w (activations, batch-norm, add, dropout)
//   linear           b (batch), m (positions h*w, whole rows of w), n (out features),
//                    k (in features)
//   attention_scores b, g (heads), m (query positions), n (key positions), k (head features)
//   attention_context b, g, m (query positions), n (head features), k (key positions)
//   embedding        n (batch), h (positions), c (features; the vocabulary rows stay whole)
//   layernorm        n, c (never tiled: a row is normalized whole), h, w
//   softmax          n, c, h, w (w, the axis it normalizes, never tiled)
// Extras (Layer::extras) take slots too: max-pool's indices the output's, batch-norm's
// statistics the channel's (c), layer-norm's the row's (n h w), dropout's mask the input's.
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
NestTemplate linear_nest(std::uint64_t batch, const Shape& in, std::uint64_t out, bool bias);
NestTemplate attention_scores_nest(std::uint64_t batch, const Shape& q, std::uint64_t heads);
NestTemplate attention_context_nest(std::uint64_t batch, const Shape& v, std::uint64_t heads);
NestTemplate embedding_nest(std::uint64_t batch, std::uint64_t seq, std::uint64_t vocab,
                            std::uint64_t dim, bool shared_ids);
NestTemplate layernorm_nest(std::uint64_t batch, const Shape& s);
NestTemplate softmax_nest(std::uint64_t batch, const Shape& s);
// Adds to `t` (an element-wise or pool nest whose output slot has axes n c h w) an extra slot
// shaped like the output (max-pool's indices, dropout's mask).
void add_output_shaped_extra(NestTemplate& t, const Shape& out, std::uint64_t batch);
// Adds two extra slots of axes "c" (batch-norm's per-channel mean and inverse std).
void add_channel_stats(NestTemplate& t, std::uint64_t channels);
NestTemplate elementwise_nest(std::uint64_t batch, const Shape& s, std::uint32_t inputs,
                              bool channel_weight = false);

}  // namespace memsim
