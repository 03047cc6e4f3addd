// Inference: one forward op per layer, in layer order. Op "<layer>.forward" reads
// "<layer>.weight" (when the layer has parameters; a tied layer reads the weight of the layer
// it is tied to) and its inputs' outputs ("input" for the
// model's input), and writes "<layer>.out"; the activation is fused. The input and the weights
// start in DRAM; the last layer's output is the required output.
#include "policies/generators/inference.h"

#include <string>

#include "policies/models/layer_graph_builder.h"
#include "policies/tiling/nest_recorder.h"
#include "policies/tiling/tile_schedule.h"
#include "sim/model/generator.h"

namespace memsim {

namespace {

// nests_out: where the loop nests go, or nullptr to record none.
GeneratedSchedule build_inference(const LayerGraph& lg, bool uniform, Workload* nests_out) {
  const std::size_t n = lg.size();
  const auto size = [&](std::uint64_t bytes) -> std::uint64_t { return uniform ? 1 : bytes; };
  GraphBuilder b;
  // Names are not reserved: a repeat's numbered names are one run, whatever its length.
  b.reserve(2 * n + 1, n, 3 * n, 0, 0);
  const TensorId x0 = b.add_tensor(b.add_layer("input"), TensorRole::none, size(lg.input_bytes()),
                                   TensorKind::input, true);
  NestRecorder nests(lg, nests_out && !uniform);  // loop nests, for tiling
  nests.activation(x0, kModelInput);
  // Weights by layer only when some layer is tied to another's (Layer::tied; asked once per
  // record, which a repeat's copies share): fewer fresh bytes per layer otherwise.
  bool tied = false;
  for (std::size_t k = 0; k < lg.record_count() && !tied; ++k) tied = lg.record(k).tied != kNotTied;
  std::vector<TensorId> activation(n), weight(tied ? n : 0, Graph::kNoTensor);
  std::vector<OpId> order;
  order.reserve(n);
  std::vector<TensorId> reads;
  std::vector<NestRecorder::Use> uses;
  // The model's layers' names, copied by runs: layer i is graph layer first + i.
  const LayerIndex first = b.add_layers(lg.names());
  for (LayerId i = 0; i < n; ++i) {
    const Layer& layer = lg.layer(i);
    const LayerIndex named = first + i;
    reads.clear();
    uses.clear();
    TensorId w = Graph::kNoTensor;
    if (layer.params > 0) {
      w = b.add_tensor(named, TensorRole::weight, size(lg.weight_bytes(layer)), TensorKind::weight,
                       true);
      if (tied) weight[i] = w;
      nests.weight(w, i);
    }
    // A tied layer reads the weight of the earlier layer it names (Layer::weight_owner); it has
    // no parameters of its own. Without tied layers every layer owns its weight: w already.
    if (tied) w = weight.at(layer.weight_owner(i));
    if (w != Graph::kNoTensor) {
      reads.push_back(w);
      if (nests.enabled()) uses.push_back({w, NestSlot::Kind::weight});
    }
    const std::span<const LayerId> inputs = lg.inputs(i);
    for (std::uint32_t j = 0; j < inputs.size(); ++j) {
      const LayerId from = inputs[j];
      reads.push_back(from == kModelInput ? x0 : activation[from]);
      if (nests.enabled()) uses.push_back({reads.back(), NestSlot::Kind::input, j});
    }
    activation[i] = b.add_tensor(named, TensorRole::out, size(lg.activation_bytes(layer)),
                                 TensorKind::activation, false);
    nests.activation(activation[i], i);
    if (nests.enabled()) uses.push_back({activation[i], NestSlot::Kind::output});
    const TensorId writes[] = {activation[i]};
    order.push_back(b.add_op(named, OpRole::forward, reads, writes, {}, layer.flops_forward));
    nests.layer_op(order.back(), i, NestRole::forward, uses);
  }
  b.mark_required_output(activation.back());
  if (nests_out) *nests_out = std::move(nests).take();
  return {std::move(b).build(), std::move(order), nullptr};
}

}  // namespace

GeneratedSchedule generate_inference_graph(const LayerGraph& lg, bool uniform) {
  return build_inference(lg, uniform, nullptr);
}

GeneratedSchedule generate_inference_graph(const LayerGraph& lg, bool uniform,
                                           Workload& nests_out) {
  return build_inference(lg, uniform, &nests_out);
}

GeneratedSchedule generate_inference(const GeneratorInput& in) {
  return generate_inference(in, {});
}

GeneratedSchedule generate_inference(const GeneratorInput& in, const TilingBounds& bounds) {
  const LayerGraph lg = build_layer_graph(in.model, !in.uniform);
  const TilingInput tiling{lg, in.schedule, in.cache_capacity, in.uniform, bounds};
  // The loop nests cost more than the graph (vectors per op and tensor): they are recorded, in
  // a second build, only when some op may be tiled.
  GeneratedSchedule schedule = generate_inference_graph(lg, in.uniform);
  if (!tiling_may_apply(schedule.graph, schedule.order, tiling)) return schedule;
  Workload nests;
  schedule = generate_inference_graph(lg, in.uniform, nests);
  return tile_schedule(std::move(schedule), nests, tiling);
}

}  // namespace memsim
