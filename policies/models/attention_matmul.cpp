// The two batched matrix products inside multi-head attention, on per-sample activations of
// dim x seq (features x positions) split into `heads` heads of dh = dim / heads features:
//
//   attention_scores  (inputs [Q, K]) -> heads x seq x seq: S = Q K^T / sqrt(dh) per head, and
//                     with causal = true the upper triangle masked (torch.where on a constant
//                     mask buffer). MACs batch * heads * seq * seq * dh = batch * seq^2 * dim;
//                     forward 2 MACs + 1 FLOP per score for the scale (+ 1 for the mask);
//                     dL/dQ = dS K and dL/dK = dS^T Q, 2 MACs each, + 1 FLOP per score for
//                     the scale (+ 1 for the mask). Saved: Q and K (the matmul's operands; the
//                     scale by a constant and the mask save nothing but the persistent buffer).
//   attention_context (inputs [P, V]) -> dim x seq: O = P V per head. MACs batch * seq^2 * dim;
//                     forward 2 MACs; dL/dP = dO V^T and dL/dV = P^T dO, 2 MACs each. Saved: P
//                     and V.
#include "policies/models/layer_graph_builder.h"
#include "policies/models/layer_nests.h"

namespace memsim {
namespace {

std::uint64_t heads_of(const LayerParams& p, std::uint64_t dim) {
  const std::uint64_t heads = p.positive("heads");
  if (dim % heads != 0)
    p.fail("heads = " + std::to_string(heads) + " does not divide the " + std::to_string(dim) +
           " features");
  return heads;
}

}  // namespace

Layer build_attention_scores(const LayerContext& ctx, const LayerParams& p) {
  const Shape& q = ctx.input_shapes.at(0);
  if (!(ctx.input_shapes.at(1) == q))
    p.fail("Q ('" + ctx.input_names.at(0) + "', " + to_string(q) + ") and K ('" +
           ctx.input_names.at(1) + "', " + to_string(ctx.input_shapes.at(1)) +
           ") must have the same shape");
  const std::uint64_t heads = heads_of(p, q.c);
  const bool causal = p.flag_or("causal", false);
  const std::uint64_t seq = q.h * q.w;
  Layer l;
  l.shape = {heads, seq, seq};
  const double macs = static_cast<double>(ctx.batch) * static_cast<double>(seq) *
                      static_cast<double>(seq) * static_cast<double>(q.c);
  const double scores = static_cast<double>(ctx.batch) * static_cast<double>(l.shape.elements());
  const double elementwise = (causal ? 2 : 1) * scores;
  l.macs = macs;
  l.flops_forward = 2 * macs + elementwise;
  l.flops_backward_data = 4 * macs + elementwise;
  l.backward_data_reads = {{SavedRef::Of::input, 0}, {SavedRef::Of::input, 1}};
  if (q.w == 1) l.nest = attention_scores_nest(ctx.batch, q, heads);
  return l;
}

Layer build_attention_context(const LayerContext& ctx, const LayerParams& p) {
  const Shape& probs = ctx.input_shapes.at(0);
  const Shape& v = ctx.input_shapes.at(1);
  const std::uint64_t heads = heads_of(p, v.c);
  const std::uint64_t seq = v.h * v.w;
  if (!(probs == Shape{heads, seq, seq}))
    p.fail("P ('" + ctx.input_names.at(0) + "') is " + to_string(probs) + ", expected heads x " +
           "seq x seq = " + to_string(Shape{heads, seq, seq}) + " for V ('" +
           ctx.input_names.at(1) + "', " + to_string(v) + ")");
  Layer l;
  l.shape = v;
  const double macs = static_cast<double>(ctx.batch) * static_cast<double>(seq) *
                      static_cast<double>(seq) * static_cast<double>(v.c);
  l.macs = macs;
  l.flops_forward = 2 * macs;
  l.flops_backward_data = 4 * macs;
  l.backward_data_reads = {{SavedRef::Of::input, 0}, {SavedRef::Of::input, 1}};
  if (v.w == 1) l.nest = attention_context_nest(ctx.batch, v, heads);
  return l;
}

}  // namespace memsim
