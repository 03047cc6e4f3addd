// Transformer blocks, expanded into layers as PyTorch's eager modules run them (GPT-2's and
// BERT's, Hugging Face transformers), each matrix product and element-wise step its own layer
// so that each saves for backward what autograd saves for that operation:
//
//   attention (heads, dim = the input's features, causal, dropout, bias), on dim x seq:
//     q, k, v   linear dim -> dim each (bias), reading the block's input
//     scores    attention_scores [q, k] -> heads x seq x seq (scaled; masked when causal)
//     softmax   over the last axis
//     dropout   on the probabilities (only when dropout > 0)
//     context   attention_context [probabilities, v] -> dim x seq
//     proj      linear dim -> dim (bias), then proj_dropout (dropout > 0)
//
//   transformer_block (heads, causal, norm = "pre" | "post", mlp_ratio = 4, dropout, bias):
//     pre-norm (GPT-2):  ln_1, attn.*, add_1 = x + attn, ln_2, mlp.fc (dim -> ratio * dim),
//                        mlp.gelu, mlp.proj (-> dim), mlp.dropout, add_2 = add_1 + mlp
//     post-norm (BERT):  attn.*, add_1 = x + attn, ln_1, mlp.fc, mlp.gelu, mlp.proj,
//                        mlp.dropout, add_2 = ln_1 + mlp, ln_2
//   (dropout layers only when dropout > 0; bias = true by default, as both models have.)
//
// Parameters of a block: attention 4 (dim^2 + dim), two layer norms 2 * 2 dim, MLP dim * r dim +
// r dim + r dim * dim + dim; for GPT-2 small and BERT-base (dim 768, r = 4) 7,087,872.
#include "policies/models/layer_graph_builder.h"

namespace memsim {
namespace {

LayerParam integer(std::uint64_t v) {
  return LayerParam{static_cast<std::int64_t>(v), {}};
}

BlockBuilder::Params linear(std::uint64_t out, bool bias) {
  return {{"out", integer(out)}, {"bias", LayerParam{bias, {}}}};
}

struct AttentionOptions {
  std::uint64_t heads = 1;
  bool causal = false;
  double dropout = 0;
  bool bias = true;
};

AttentionOptions attention_options(const BlockBuilder& b, LayerId input, const LayerParams& p) {
  const std::uint64_t dim = b.shape(input).c;
  if (p.has("dim") && p.positive("dim") != dim)
    p.fail("dim = " + std::to_string(p.positive("dim")) + " but its input has " +
           std::to_string(dim) + " features");
  AttentionOptions o;
  o.heads = p.positive("heads");
  if (dim % o.heads != 0)
    p.fail("heads = " + std::to_string(o.heads) + " does not divide the " + std::to_string(dim) +
           " features");
  o.causal = p.flag_or("causal", false);
  o.dropout = p.probability_or("dropout", 0);
  o.bias = p.flag_or("bias", true);
  return o;
}

LayerId dropout(BlockBuilder& b, const std::string& local, double rate, LayerId x) {
  if (rate <= 0) return x;
  return b.add("dropout", local, {{"p", LayerParam{rate, {}}}}, {x});
}

// The attention layers, named "<prefix>q" ... "<prefix>proj_dropout".
LayerId add_attention(BlockBuilder& b, const std::string& prefix, LayerId input,
                      const AttentionOptions& o) {
  const std::uint64_t dim = b.shape(input).c;
  const LayerId q = b.add("linear", prefix + "q", linear(dim, o.bias), {input});
  const LayerId k = b.add("linear", prefix + "k", linear(dim, o.bias), {input});
  const LayerId v = b.add("linear", prefix + "v", linear(dim, o.bias), {input});
  LayerId x = b.add("attention_scores", prefix + "scores",
                    {{"heads", integer(o.heads)}, {"causal", LayerParam{o.causal, {}}}}, {q, k});
  x = b.add("softmax", prefix + "softmax", {}, {x});
  x = dropout(b, prefix + "dropout", o.dropout, x);
  x = b.add("attention_context", prefix + "context", {{"heads", integer(o.heads)}}, {x, v});
  x = b.add("linear", prefix + "proj", linear(dim, o.bias), {x});
  return dropout(b, prefix + "proj_dropout", o.dropout, x);
}

}  // namespace

LayerId expand_attention(BlockBuilder& b, LayerId input, const LayerParams& p) {
  return add_attention(b, "", input, attention_options(b, input, p));
}

LayerId expand_transformer_block(BlockBuilder& b, LayerId input, const LayerParams& p) {
  const AttentionOptions o = attention_options(b, input, p);
  const std::uint64_t dim = b.shape(input).c;
  const std::uint64_t hidden = p.product({p.positive_or("mlp_ratio", 4), dim}, "the MLP width");
  bool pre = true;
  if (const auto it = p.spec().params.find("norm"); it != p.spec().params.end()) {
    const auto* s = std::get_if<std::string>(&it->second.value);
    if (!s || (*s != "pre" && *s != "post"))
      throw ScenarioError(it->second.pos,
                          "model.layers.norm: expected \"pre\" (GPT-2: layer norm before "
                          "attention and MLP) or \"post\" (BERT: after each residual add)");
    pre = *s == "pre";
  }
  const auto mlp = [&](LayerId x) {
    x = b.add("linear", "mlp.fc", linear(hidden, o.bias), {x});
    x = b.add("gelu", "mlp.gelu", {}, {x});
    x = b.add("linear", "mlp.proj", linear(dim, o.bias), {x});
    return dropout(b, "mlp.dropout", o.dropout, x);
  };
  if (pre) {
    const LayerId ln1 = b.add("layernorm", "ln_1", {}, {input});
    const LayerId add1 = b.add("add", "add_1", {}, {input, add_attention(b, "attn.", ln1, o)});
    const LayerId ln2 = b.add("layernorm", "ln_2", {}, {add1});
    return b.add("add", "add_2", {}, {add1, mlp(ln2)});
  }
  const LayerId add1 = b.add("add", "add_1", {}, {input, add_attention(b, "attn.", input, o)});
  const LayerId ln1 = b.add("layernorm", "ln_1", {}, {add1});
  const LayerId add2 = b.add("add", "add_2", {}, {ln1, mlp(ln1)});
  return b.add("layernorm", "ln_2", {}, {add2});
}

}  // namespace memsim
