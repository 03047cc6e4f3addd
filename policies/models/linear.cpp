// Linear (nn.Linear on a sequence): Y = X W^T (+ b) applied to every position, the feature
// count c changing to `out` and the positions (h x w, a transformer's seq_len) kept. Unlike
// `dense` it does not flatten. Parameters c*out (+ out with bias); forward 2 * batch * h*w *
// c*out FLOPs, the same again for dL/dX and for dL/dW. Saved: the input (dL/dW) and the
// weight (dL/dX), as addmm/matmul save them.
//
// `tied = "wte"` uses the weight of that earlier embedding or linear layer instead of a weight
// of its own (GPT-2's language-model head reuses the token embedding): it then has no
// parameters, reads that layer's weight, and its dL/dW adds into that layer's gradient.
#include <variant>

#include "policies/models/layer_graph_builder.h"
#include "policies/models/layer_nests.h"

namespace memsim {

Layer build_linear(const LayerContext& ctx, const LayerParams& p) {
  const Shape& in = ctx.input_shapes.at(0);
  const std::uint64_t out = p.positive("out");
  const bool bias = p.flag_or("bias", false);
  const std::uint64_t positions = in.h * in.w;
  Layer l;
  l.shape = {out, in.h, in.w};
  if (const auto it = p.spec().params.find("tied"); it != p.spec().params.end()) {
    const auto* name = std::get_if<std::string>(&it->second.value);
    if (!name) throw ScenarioError(it->second.pos, "model.layers.tied: expected a layer name");
    if (bias) p.fail("a tied linear layer has no bias of its own; remove bias = true");
    const LayerId owner = ctx.find_layer(*name);
    if (owner == kModelInput)
      throw ScenarioError(it->second.pos, "model.layers.tied: '" + *name +
                                              "' is not an earlier layer (tied names the "
                                              "embedding or linear layer whose weight it uses)");
    const Layer& o = ctx.graph.layer(owner);
    if (o.tied != kModelInput || o.params != in.c * out)
      throw ScenarioError(it->second.pos, "model.layers.tied: '" + *name + "' has " +
                                              std::to_string(o.params) + " parameters of its " +
                                              "own, but a " + std::to_string(in.c) + " -> " +
                                              std::to_string(out) + " linear layer needs " +
                                              std::to_string(in.c * out));
    l.tied = owner;
  } else {
    l.params = p.product({in.c, out}, "the weights") + (bias ? out : 0);
  }
  const double macs = static_cast<double>(ctx.batch) * static_cast<double>(positions) *
                      static_cast<double>(in.c) * static_cast<double>(out);
  l.macs = macs;
  l.flops_forward = 2 * macs;
  l.flops_backward_data = 2 * macs;
  l.flops_backward_weight = 2 * macs;
  l.backward_data_reads = {{SavedRef::Of::weight, 0}};
  l.backward_weight_reads = {{SavedRef::Of::input, 0}};
  l.nest = linear_nest(ctx.batch, in, out, bias);
  return l;
}

}  // namespace memsim
