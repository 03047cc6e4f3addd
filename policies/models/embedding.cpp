// Embedding (nn.Embedding): looks up a row of a vocab x dim table for every id. Its input is
// the model's input X0 with model.seq_len set: seq_len token ids per sample, int64 (8 bytes
// each). Output dim x seq_len per sample. Parameters vocab * dim. Forward is a gather (0 FLOPs);
// dL/dW scatters dY into the table's rows, one addition per output element (batch * seq * dim
// FLOPs); there is no dL/dX (ids are not differentiable). Saved: the ids, as
// embedding_dense_backward needs them.
//
// `ids = "input"` (default) looks up the model's input; `ids = "shared"` looks up one row of
// seq_len int64 ids shared by the whole batch (an arange or a registered buffer: GPT-2's and
// BERT's position_ids, BERT's default token_type_ids of zeros), which the layer writes as its
// extra tensor (role indices) and saves. Its
// output still counts per sample (memsim has no broadcast tensors), though PyTorch keeps one
// 1 x seq x dim row and broadcasts it in the add that follows; nothing saves it either way.
#include <variant>

#include "policies/models/layer_graph_builder.h"
#include "policies/models/layer_nests.h"

namespace memsim {

Layer build_embedding(const LayerContext& ctx, const LayerParams& p) {
  const std::uint64_t vocab = p.positive("vocab");
  const std::uint64_t dim = p.positive("dim");
  std::string ids = "input";
  if (const auto it = p.spec().params.find("ids"); it != p.spec().params.end()) {
    const auto* s = std::get_if<std::string>(&it->second.value);
    if (!s || (*s != "input" && *s != "shared"))
      throw ScenarioError(it->second.pos,
                          "model.layers.ids: expected \"input\" (the model's token ids) or "
                          "\"shared\" (one row of seq_len ids for the whole batch: positions)");
    ids = *s;
  }
  if (ctx.input_names.at(0) != "input" || ctx.input_element_bytes != 8)
    p.fail("reads token ids: its input must be the model's input with model.seq_len set, not '" +
           ctx.input_names.at(0) + "'");
  const Shape& in = ctx.input_shapes.at(0);
  const std::uint64_t seq = in.h;
  Layer l;
  l.shape = {dim, seq, 1};
  l.params = p.product({vocab, dim}, "the weights");
  l.flops_backward_weight =
      static_cast<double>(ctx.batch) * static_cast<double>(seq) * static_cast<double>(dim);
  l.nest = embedding_nest(ctx.batch, seq, vocab, dim, ids == "shared");
  if (ids == "shared") {
    l.extras = {{TensorRole::indices, seq, 8}};
    l.backward_weight_reads = {{SavedRef::Of::extra, 0}};
  } else {
    l.backward_weight_reads = {{SavedRef::Of::input, 0}};
  }
  return l;
}

}  // namespace memsim
