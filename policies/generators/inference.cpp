// Inference: one forward op per layer, in layer order. Op fwd<i> reads W<i> (when the layer
// has parameters) and its inputs' activations, and writes X<i>; the activation is fused.
// X0 and the weights start in DRAM; the last layer's output is the required output.
#include <string>

#include "policies/models/layer_graph_builder.h"
#include "sim/model/generator.h"

namespace memsim {

GeneratedSchedule generate_inference(const GeneratorInput& in) {
  const LayerGraph lg = build_layer_graph(in.model);
  const std::size_t n = lg.layers.size();
  const auto size = [&](std::uint64_t bytes) -> std::uint64_t { return in.uniform ? 1 : bytes; };
  GraphBuilder b;
  // Names are "W<i>", "X<i>", "fwd<i>": 5 letters and three copies of the index per layer.
  const std::size_t digits = std::to_string(n).size();
  b.reserve(2 * n + 1, n, 3 * n, (5 + 3 * digits) * n + 2);
  const TensorId x0 = b.add_tensor("X0", size(lg.input_bytes()), TensorKind::input, true);
  std::vector<TensorId> activation(n);
  std::vector<OpId> order;
  order.reserve(n);
  std::vector<TensorId> reads;
  for (std::size_t i = 0; i < n; ++i) {
    const Layer& layer = lg.layers[i];
    const std::string index = std::to_string(i + 1);
    reads.clear();
    if (layer.params > 0)
      reads.push_back(
          b.add_tensor("W" + index, size(lg.weight_bytes(layer)), TensorKind::weight, true));
    for (LayerId from : layer.inputs) reads.push_back(from == kModelInput ? x0 : activation[from]);
    activation[i] =
        b.add_tensor("X" + index, size(lg.activation_bytes(layer)), TensorKind::activation, false);
    const TensorId writes[] = {activation[i]};
    order.push_back(
        b.add_op("fwd" + index, reads, writes, {}, layer.flops_forward, OpPhase::forward));
  }
  b.mark_required_output(activation.back());
  return {std::move(b).build(), std::move(order)};
}

}  // namespace memsim
