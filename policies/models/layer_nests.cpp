#include "policies/models/layer_nests.h"

namespace memsim {
namespace {

using Kind = NestSlot::Kind;

NestSlot slot(Kind kind, std::vector<AxisMap> axes, std::uint32_t index = 0) {
  return {kind, index, std::move(axes)};
}

// Axes n c h w mapped one to one onto dimensions n c h w (0..3).
std::vector<AxisMap> identity4() {
  return {AxisMap::of(0), AxisMap::of(1), AxisMap::of(2), AxisMap::of(3)};
}

}  // namespace

TensorAxes activation_axes(const Shape& s, std::uint64_t batch) {
  return {"nchw", {batch, s.c, s.h, s.w}};
}

NestTemplate dense_nest(std::uint64_t batch, const Shape& in, std::uint64_t out, bool bias) {
  // Y[m, n] = sum_k X[m, k] W[k, n]; the input's features k run over its c, h, w (c slowest),
  // so a k tile is whole channels: a multiple of h*w.
  enum : std::uint8_t { m, n, k };
  const std::uint64_t positions = in.h * in.w;
  NestTemplate t;
  t.dims = {{'m', batch}, {'n', out}, {'k', in.elements(), positions}};
  std::vector<AxisMap> x{AxisMap::of(m), AxisMap::of(k), AxisMap::whole(), AxisMap::whole()};
  if (positions > 1) x[1].divided(positions);
  t.slots = {
      slot(Kind::input, std::move(x)),
      // the weight's rows are the k inputs, plus one for the bias (the last k tile's)
      slot(Kind::weight, {AxisMap::of(k), AxisMap::of(n)}),
      slot(Kind::output, {AxisMap::of(m), AxisMap::of(n), AxisMap::whole(), AxisMap::whole()})};
  t.weight_axes = {"io", {in.elements() + (bias ? 1 : 0), out}};
  return t;
}

NestTemplate gemm_nest(std::uint64_t batch, std::uint64_t m_, std::uint64_t n_, std::uint64_t k_) {
  // SCALE-Sim's GEMM row, per sample: input k x m (c = k, h = m), output n x m, weight k x n.
  enum : std::uint8_t { b, m, n, k };
  NestTemplate t;
  t.dims = {{'b', batch}, {'m', m_}, {'n', n_}, {'k', k_}};
  t.slots = {
      slot(Kind::input, {AxisMap::of(b), AxisMap::of(k), AxisMap::of(m), AxisMap::whole()}),
      slot(Kind::weight, {AxisMap::of(k), AxisMap::of(n)}),
      slot(Kind::output, {AxisMap::of(b), AxisMap::of(n), AxisMap::of(m), AxisMap::whole()})};
  t.weight_axes = {"io", {k_, n_}};
  return t;
}

NestTemplate conv_nest(std::uint64_t batch, const Shape& in, const Conv& conv, const Pair& out) {
  // Y[n, k, p, q] = sum_{c, r, s} X[n, group(k) + c, stride p + dilation r - padding, ...]
  //                 * W[k, c, r, s]
  enum : std::uint8_t { n, k, c, p, q, r, s };
  const Window& w = conv.window;
  const std::uint64_t groups = conv.groups;
  const std::uint64_t cg = in.c / groups, kg = conv.out / groups;
  NestTemplate t;
  // A grouped convolution's k tile is whole groups (so its input channels are one range) and
  // its c stays whole.
  t.dims = {{'n', batch},
            {'k', conv.out, groups > 1 ? kg : 1},
            {'c', cg, 1, groups == 1},
            {'p', out[0]},
            {'q', out[1]},
            {'r', w.kernel[0], 1, false},
            {'s', w.kernel[1], 1, false}};
  AxisMap channel = AxisMap::of(c);
  if (groups > 1) channel = AxisMap::of(k, cg).divided(kg).plus(c);
  const auto spatial = [](std::uint8_t out_dim, std::uint8_t kernel_dim, std::uint64_t stride,
                          std::uint64_t dilation, std::uint64_t padding) {
    return AxisMap::of(out_dim, stride, -static_cast<std::int64_t>(padding))
        .plus(kernel_dim, dilation);
  };
  t.slots = {
      slot(Kind::input,
           {AxisMap::of(n), channel, spatial(p, r, w.stride[0], w.dilation[0], w.padding[0]),
            spatial(q, s, w.stride[1], w.dilation[1], w.padding[1])}),
      // a filter's elements: c, r, s (s fastest), then the bias (the last c tile's)
      slot(Kind::weight, {AxisMap::of(k),
                          AxisMap::of(c, w.kernel[0] * w.kernel[1]).plus(r, w.kernel[1]).plus(s)}),
      slot(Kind::output, {AxisMap::of(n), AxisMap::of(k), AxisMap::of(p), AxisMap::of(q)})};
  t.weight_axes = {"ke", {conv.out, cg * w.kernel[0] * w.kernel[1] + (conv.bias ? 1 : 0)}};
  return t;
}

NestTemplate pool_nest(std::uint64_t batch, const Shape& in, const Window& w, const Pair& out) {
  enum : std::uint8_t { n, c, p, q, r, s };
  NestTemplate t;
  t.dims = {{'n', batch},
            {'c', in.c},
            {'p', out[0]},
            {'q', out[1]},
            {'r', w.kernel[0], 1, false},
            {'s', w.kernel[1], 1, false}};
  t.slots = {slot(Kind::input,
                  {AxisMap::of(n), AxisMap::of(c),
                   AxisMap::of(p, w.stride[0], -static_cast<std::int64_t>(w.padding[0])).plus(r),
                   AxisMap::of(q, w.stride[1], -static_cast<std::int64_t>(w.padding[1])).plus(s)}),
             slot(Kind::output, {AxisMap::of(n), AxisMap::of(c), AxisMap::of(p), AxisMap::of(q)})};
  return t;
}

NestTemplate global_pool_nest(std::uint64_t batch, const Shape& in) {
  NestTemplate t;
  t.dims = {{'n', batch}, {'c', in.c}, {'h', in.h}, {'w', in.w}};
  t.slots = {
      slot(Kind::input, identity4()),
      slot(Kind::output, {AxisMap::of(0), AxisMap::of(1), AxisMap::whole(), AxisMap::whole()})};
  return t;
}

NestTemplate adaptive_pool_nest(std::uint64_t batch, const Shape& in, const Pair&) {
  NestTemplate t;
  t.dims = {{'n', batch}, {'c', in.c}};
  const std::vector<AxisMap> axes{AxisMap::of(0), AxisMap::of(1), AxisMap::whole(),
                                  AxisMap::whole()};
  t.slots = {slot(Kind::input, axes), slot(Kind::output, axes)};
  return t;
}

NestTemplate flatten_nest(std::uint64_t batch, const Shape& in) {
  enum : std::uint8_t { n, c, h, w };
  NestTemplate t;
  t.dims = {{'n', batch}, {'c', in.c}, {'h', in.h, 1, false}, {'w', in.w, 1, false}};
  t.slots = {slot(Kind::input, identity4()),
             slot(Kind::output, {AxisMap::of(n), AxisMap::of(c, in.h * in.w).plus(h, in.w).plus(w),
                                 AxisMap::whole(), AxisMap::whole()})};
  return t;
}

NestTemplate linear_nest(std::uint64_t batch, const Shape& in, std::uint64_t out, bool bias) {
  // Y[b, n, pos] = sum_k X[b, k, pos] W[n, k] at every position pos = h * w + w' (nn.Linear's
  // weight is out x in; the bias is one more column, the last k tile's). An m tile is whole
  // rows of w so that it is one range of h.
  enum : std::uint8_t { b, m, n, k };
  NestTemplate t;
  t.dims = {{'b', batch}, {'m', in.h * in.w, in.w}, {'n', out}, {'k', in.c}};
  t.slots = {slot(Kind::input,
                  {AxisMap::of(b), AxisMap::of(k), AxisMap::of(m).divided(in.w), AxisMap::whole()}),
             slot(Kind::weight, {AxisMap::of(n), AxisMap::of(k)}),
             slot(Kind::output, {AxisMap::of(b), AxisMap::of(n), AxisMap::of(m).divided(in.w),
                                 AxisMap::whole()})};
  t.weight_axes = {"oi", {out, in.c + (bias ? 1 : 0)}};
  return t;
}

NestTemplate attention_scores_nest(std::uint64_t batch, const Shape& q, std::uint64_t heads) {
  // S[b, g, m, n] = sum_k Q[b, g*dh + k, m] K[b, g*dh + k, n] (positions along h; w is 1).
  enum : std::uint8_t { b, g, m, n, k };
  const std::uint64_t dh = q.c / heads;
  NestTemplate t;
  t.dims = {{'b', batch}, {'g', heads}, {'m', q.h}, {'n', q.h}, {'k', dh}};
  const AxisMap feature = AxisMap::of(g, dh).plus(k);
  t.slots = {slot(Kind::input, {AxisMap::of(b), feature, AxisMap::of(m), AxisMap::whole()}, 0),
             slot(Kind::input, {AxisMap::of(b), feature, AxisMap::of(n), AxisMap::whole()}, 1),
             slot(Kind::output, {AxisMap::of(b), AxisMap::of(g), AxisMap::of(m), AxisMap::of(n)})};
  return t;
}

NestTemplate attention_context_nest(std::uint64_t batch, const Shape& v, std::uint64_t heads) {
  // O[b, g*dh + n, m] = sum_k P[b, g, m, k] V[b, g*dh + n, k].
  enum : std::uint8_t { b, g, m, n, k };
  const std::uint64_t dh = v.c / heads;
  NestTemplate t;
  t.dims = {{'b', batch}, {'g', heads}, {'m', v.h}, {'n', dh}, {'k', v.h}};
  const AxisMap feature = AxisMap::of(g, dh).plus(n);
  t.slots = {slot(Kind::input, {AxisMap::of(b), AxisMap::of(g), AxisMap::of(m), AxisMap::of(k)}, 0),
             slot(Kind::input, {AxisMap::of(b), feature, AxisMap::of(k), AxisMap::whole()}, 1),
             slot(Kind::output, {AxisMap::of(b), feature, AxisMap::of(m), AxisMap::whole()})};
  return t;
}

NestTemplate embedding_nest(std::uint64_t batch, std::uint64_t seq, std::uint64_t vocab,
                            std::uint64_t dim, bool shared_ids) {
  // Y[n, c, h] = W[id(n, h), c]: the rows a tile gathers depend on the ids, so a tile reads
  // every row of its c columns (memsim reads a weight whole, gathered or not).
  enum : std::uint8_t { n, h, c };
  NestTemplate t;
  t.dims = {{'n', batch}, {'h', seq}, {'c', dim}};
  t.slots = {
      slot(Kind::input, {AxisMap::of(n), AxisMap::whole(), AxisMap::of(h), AxisMap::whole()}),
      slot(Kind::weight, {AxisMap::whole(), AxisMap::of(c)}),
      slot(Kind::output, {AxisMap::of(n), AxisMap::of(c), AxisMap::of(h), AxisMap::whole()})};
  t.weight_axes = {"vd", {vocab, dim}};
  if (shared_ids) {  // the positions' ids, one row for the whole batch
    t.slots.push_back(slot(Kind::extra, {AxisMap::of(h)}, 0));
    t.extra_axes = {{"h", {seq}}};
  }
  return t;
}

NestTemplate layernorm_nest(std::uint64_t batch, const Shape& s) {
  NestTemplate t = elementwise_nest(batch, s, 1, true);
  t.dims[1].tileable = false;  // a row's mean and variance need all of its features
  t.slots.push_back(slot(Kind::extra, {AxisMap::of(0), AxisMap::of(2), AxisMap::of(3)}, 0));
  t.slots.push_back(slot(Kind::extra, {AxisMap::of(0), AxisMap::of(2), AxisMap::of(3)}, 1));
  t.extra_axes = {{"nhw", {batch, s.h, s.w}}, {"nhw", {batch, s.h, s.w}}};
  return t;
}

NestTemplate softmax_nest(std::uint64_t batch, const Shape& s) {
  NestTemplate t = elementwise_nest(batch, s, 1);
  t.dims[3].tileable = false;  // the axis it normalizes
  return t;
}

void add_output_shaped_extra(NestTemplate& t, const Shape& out, std::uint64_t batch) {
  const NestSlot* o = t.slot(Kind::output);
  t.slots.push_back(slot(Kind::extra, o->axes, static_cast<std::uint32_t>(t.extra_axes.size())));
  t.extra_axes.push_back(activation_axes(out, batch));
}

void add_channel_stats(NestTemplate& t, std::uint64_t channels) {
  for (std::uint32_t i = 0; i < 2; ++i) {
    t.slots.push_back(slot(Kind::extra, {AxisMap::of(1)}, i));
    t.extra_axes.push_back({"c", {channels}});
  }
}

NestTemplate elementwise_nest(std::uint64_t batch, const Shape& s, std::uint32_t inputs,
                              bool channel_weight) {
  NestTemplate t;
  t.dims = {{'n', batch}, {'c', s.c}, {'h', s.h}, {'w', s.w}};
  for (std::uint32_t i = 0; i < inputs; ++i) t.slots.push_back(slot(Kind::input, identity4(), i));
  if (channel_weight) {
    t.slots.push_back(slot(Kind::weight, {AxisMap::of(1), AxisMap::whole()}));
    t.weight_axes = {"cg", {s.c, 2}};
  }
  t.slots.push_back(slot(Kind::output, identity4()));
  return t;
}

}  // namespace memsim
