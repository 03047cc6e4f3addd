#include "policies/models/saved_tensors.h"

#include <algorithm>
#include <set>
#include <tuple>

namespace memsim {
namespace {

// A storage: X0, a layer's output, or one of a layer's extra tensors.
using Storage = std::tuple<int, LayerId, std::uint32_t>;  // (0 X0 | 1 output | 2 extra, layer, k)

bool records_backward(const Layer& layer, std::span<const LayerId> inputs) {
  return layer.has_weight() ||
         std::any_of(inputs.begin(), inputs.end(), [](LayerId in) { return in != kModelInput; });
}

}  // namespace

SavedBytes saved_bytes(const LayerGraph& model) {
  SavedBytes out;
  std::set<Storage> all;
  const auto bytes_of = [&](const Storage& s) -> std::uint64_t {
    const auto [what, layer, k] = s;
    if (what == 0) return model.input_bytes();
    if (what == 1) return model.activation_bytes(model.layer(layer));
    return model.layer(layer).extras[k].bytes();
  };
  for (LayerId i = 0; i < model.size(); ++i) {
    const Layer& layer = model.layer(i);
    const std::span<const LayerId> inputs = model.inputs(i);
    std::set<Storage> mine;
    if (records_backward(layer, inputs)) {
      std::vector<SavedRef> refs = layer.backward_data_reads;
      if (layer.has_weight())
        refs.insert(refs.end(), layer.backward_weight_reads.begin(),
                    layer.backward_weight_reads.end());
      for (const SavedRef& r : refs) {
        switch (r.of) {
          case SavedRef::Of::input: {
            const LayerId from = model.input_of(i, r.index);
            mine.insert(from == kModelInput ? Storage{0, 0, 0} : Storage{1, from, 0});
            break;
          }
          case SavedRef::Of::output:
            mine.insert(Storage{1, i, 0});
            break;
          case SavedRef::Of::extra:
            mine.insert(Storage{2, i, r.index});
            break;
          case SavedRef::Of::weight:
            break;  // a parameter, counted with the weights
        }
      }
    }
    std::uint64_t sum = 0;
    for (const Storage& s : mine) sum += bytes_of(s);
    out.per_layer.push_back(sum);
    all.insert(mine.begin(), mine.end());
  }
  for (const Storage& s : all) out.total += bytes_of(s);
  return out;
}

}  // namespace memsim
