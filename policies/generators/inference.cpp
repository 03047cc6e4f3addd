// Inference: one forward op per layer, in layer order. Op "<layer>.forward" reads
// "<layer>.weight" (when the layer has parameters; a tied layer reads the weight of the layer
// it is tied to) and its inputs' outputs ("input" for the
// model's input), and writes "<layer>.out"; the activation is fused. The input and the weights
// start in DRAM; the last layer's output is the required output.
#include <string>

#include "policies/models/layer_graph_builder.h"
#include "sim/model/generator.h"

namespace memsim {

GeneratedSchedule generate_inference(const GeneratorInput& in) {
  const LayerGraph lg = build_layer_graph(in.model);
  const std::size_t n = lg.layers.size();
  const auto size = [&](std::uint64_t bytes) -> std::uint64_t { return in.uniform ? 1 : bytes; };
  GraphBuilder b;
  std::size_t name_bytes = 5;  // "input"
  for (const Layer& layer : lg.layers) name_bytes += layer.name.size();
  b.reserve(2 * n + 1, n, 3 * n, name_bytes, n + 1);
  const TensorId x0 = b.add_tensor(b.add_layer("input"), TensorRole::none, size(lg.input_bytes()),
                                   TensorKind::input, true);
  std::vector<TensorId> activation(n), weight(n, Graph::kNoTensor);
  std::vector<OpId> order;
  order.reserve(n);
  std::vector<TensorId> reads;
  for (std::size_t i = 0; i < n; ++i) {
    const Layer& layer = lg.layers[i];
    const LayerIndex named = b.add_layer(layer.name);
    reads.clear();
    if (layer.params > 0)
      weight[i] = b.add_tensor(named, TensorRole::weight, size(lg.weight_bytes(layer)),
                               TensorKind::weight, true);
    // A tied layer reads the weight of the earlier layer it names (Layer::tied).
    const TensorId w = layer.tied != kNotTied ? weight.at(layer.tied) : weight[i];
    if (w != Graph::kNoTensor) reads.push_back(w);
    for (LayerId from : layer.inputs) reads.push_back(from == kModelInput ? x0 : activation[from]);
    activation[i] = b.add_tensor(named, TensorRole::out, size(lg.activation_bytes(layer)),
                                 TensorKind::activation, false);
    const TensorId writes[] = {activation[i]};
    order.push_back(b.add_op(named, OpRole::forward, reads, writes, {}, layer.flops_forward));
  }
  b.mark_required_output(activation.back());
  return {std::move(b).build(), std::move(order)};
}

}  // namespace memsim
