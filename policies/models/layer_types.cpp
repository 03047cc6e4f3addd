// The tables of layer types and blocks a [model] may use. Adding one: a new file with its
// builder, a declaration and a line here.
#include "policies/models/layer_graph_builder.h"

namespace memsim {

Layer build_dense(const LayerContext&, const LayerParams&);
Layer build_conv2d(const LayerContext&, const LayerParams&);
Layer build_depthwise(const LayerContext&, const LayerParams&);
Layer build_pointwise(const LayerContext&, const LayerParams&);
Layer build_batchnorm(const LayerContext&, const LayerParams&);
Layer build_activation(const LayerContext&, const LayerParams&);
Layer build_maxpool(const LayerContext&, const LayerParams&);
Layer build_avgpool(const LayerContext&, const LayerParams&);
Layer build_global_avgpool(const LayerContext&, const LayerParams&);
Layer build_adaptive_avgpool(const LayerContext&, const LayerParams&);
Layer build_flatten(const LayerContext&, const LayerParams&);
Layer build_add(const LayerContext&, const LayerParams&);
Layer build_concat(const LayerContext&, const LayerParams&);
Layer build_dropout(const LayerContext&, const LayerParams&);
Layer build_linear(const LayerContext&, const LayerParams&);
Layer build_embedding(const LayerContext&, const LayerParams&);
Layer build_layernorm(const LayerContext&, const LayerParams&);
Layer build_softmax(const LayerContext&, const LayerParams&);
Layer build_attention_scores(const LayerContext&, const LayerParams&);
Layer build_attention_context(const LayerContext&, const LayerParams&);
Layer build_select_token(const LayerContext&, const LayerParams&);

LayerId expand_basic_block(BlockBuilder&, LayerId, const LayerParams&);
LayerId expand_bottleneck(BlockBuilder&, LayerId, const LayerParams&);
LayerId expand_inverted_residual(BlockBuilder&, LayerId, const LayerParams&);
LayerId expand_attention(BlockBuilder&, LayerId, const LayerParams&);
LayerId expand_transformer_block(BlockBuilder&, LayerId, const LayerParams&);

const std::vector<LayerType>& layer_types() {
  static const std::vector<LayerType> types{
      {"dense", {"out", "bias"}, &build_dense},
      {"conv2d",
       {"out", "kernel", "stride", "padding", "dilation", "groups", "bias"},
       &build_conv2d},
      {"depthwise",
       {"kernel", "stride", "padding", "dilation", "multiplier", "bias"},
       &build_depthwise},
      {"pointwise", {"out", "stride", "bias"}, &build_pointwise},
      {"batchnorm", {}, &build_batchnorm},
      {"relu", {"inplace"}, &build_activation},
      {"relu6", {"inplace"}, &build_activation},
      {"sigmoid", {}, &build_activation},
      {"tanh", {}, &build_activation},
      {"gelu", {}, &build_activation},
      {"silu", {}, &build_activation},
      {"maxpool", {"kernel", "stride", "padding"}, &build_maxpool},
      {"avgpool", {"kernel", "stride", "padding"}, &build_avgpool},
      {"global_avgpool", {}, &build_global_avgpool},
      {"adaptive_avgpool", {"size"}, &build_adaptive_avgpool},
      {"flatten", {}, &build_flatten},
      {"add", {}, &build_add, 0},
      {"concat", {}, &build_concat, 0},
      {"dropout", {"p"}, &build_dropout},
      {"linear", {"out", "bias", "tied"}, &build_linear},
      {"embedding", {"vocab", "dim", "ids"}, &build_embedding},
      {"layernorm", {}, &build_layernorm},
      {"softmax", {}, &build_softmax},
      {"attention_scores", {"heads", "causal"}, &build_attention_scores, 2},
      {"attention_context", {"heads"}, &build_attention_context, 2},
      {"select_token", {"index"}, &build_select_token},
  };
  return types;
}

const std::vector<BlockType>& block_types() {
  static const std::vector<BlockType> blocks{
      {"basic_block", {"out", "stride"}, &expand_basic_block},
      {"bottleneck", {"out", "width", "stride", "groups"}, &expand_bottleneck},
      {"inverted_residual", {"out", "stride", "expansion"}, &expand_inverted_residual},
      {"attention", {"heads", "dim", "causal", "dropout", "bias"}, &expand_attention},
      {"transformer_block",
       {"heads", "dim", "causal", "dropout", "bias", "norm", "mlp_ratio"},
       &expand_transformer_block},
  };
  return blocks;
}

}  // namespace memsim
