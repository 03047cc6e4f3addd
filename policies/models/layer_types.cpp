// The table of layer types a [model] may use. Adding one: a new file with its builder, a
// declaration and a line here.
#include "policies/models/layer_graph_builder.h"

namespace memsim {

Layer build_dense(const LayerContext&, const LayerParams&);

const std::vector<LayerType>& layer_types() {
  static const std::vector<LayerType> types{
      {"dense", {"out", "bias"}, &build_dense},
  };
  return types;
}

}  // namespace memsim
