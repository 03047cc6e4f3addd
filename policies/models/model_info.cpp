#include "policies/models/model_info.h"

#include <algorithm>

#include "policies/generators/optimizer_costs.h"
#include "policies/models/layer_graph_builder.h"
#include "policies/models/saved_tensors.h"

namespace memsim {

ModelInfo describe_model(const ScenarioSpec& spec) {
  if (!spec.model)
    throw ScenarioError(spec.graph ? spec.graph->pos : SourcePos{spec.file, 0, 0},
                        "memsim info describes a [model] layer by layer; this scenario has a raw "
                        "[graph] of ops (use `memsim run` to execute it)");
  const LayerGraph lg = build_layer_graph(*spec.model);
  ModelInfo info;
  const Machine& m = spec.machine;
  if (!m.uniform && spec.has_bandwidth && spec.has_throughput)
    info.ridge = m.compute_throughput / (m.dram_bandwidth * std::max(1u, m.dram_channels));
  Optimizer optimizer = Optimizer::none;
  if (spec.schedule.kind == "training") parse_optimizer(spec.schedule.optimizer, optimizer);
  info.optimizer = spec.schedule.kind == "training" ? spec.schedule.optimizer : "none";
  const double update_per_param = optimizer_cost(optimizer).flops_per_param;
  if (spec.schedule.kind == "training") {
    const ScheduleSpec& s = spec.schedule;
    const std::uint32_t dtype = spec.model->dtype_bytes;
    info.per_param.weights = dtype;
    // Without an optimizer the gradients are the step's result; with one they die at the update.
    info.per_param.gradients = s.grad_bytes ? s.grad_bytes : dtype;
    info.per_param.master = optimizer == Optimizer::none ? 0 : s.master_bytes;
    const std::uint32_t state = s.optimizer_bytes ? s.optimizer_bytes
                                : s.master_bytes  ? s.master_bytes
                                                  : dtype;
    info.per_param.optimizer = optimizer_cost(optimizer).state_count * state;
  }

  const SavedBytes saved = saved_bytes(lg);
  info.saved_bytes = saved.total;
  for (LayerId i = 0; i < lg.size(); ++i) {
    const Layer& layer = lg.layer(i);
    const std::span<const LayerId> inputs = lg.inputs(i);
    LayerInfo l;
    l.saved_bytes = saved.per_layer[i];
    l.name = lg.name(i);
    l.type = layer.type;
    l.params = layer.params;
    l.flops_forward = layer.flops_forward;
    l.macs = layer.macs;
    const bool needs_data_gradient =
        std::any_of(inputs.begin(), inputs.end(), [](LayerId in) { return in != kModelInput; });
    l.flops_backward =
        layer.flops_backward_weight + (needs_data_gradient ? layer.flops_backward_data : 0);
    l.weight_bytes = lg.weight_bytes(layer);
    l.activation_bytes = lg.activation_bytes(layer);
    std::vector<LayerId> seen;
    for (LayerId in : inputs) {
      if (std::find(seen.begin(), seen.end(), in) != seen.end()) continue;
      seen.push_back(in);
      l.input_bytes += in == kModelInput ? lg.input_bytes() : lg.activation_bytes(lg.layer(in));
    }
    const double streamed =
        static_cast<double>(l.weight_bytes + l.input_bytes + l.activation_bytes);
    l.intensity = streamed > 0 ? l.flops_forward / streamed : 0;
    l.bound = info.ridge <= 0 ? "n/a" : l.intensity >= info.ridge ? "compute" : "memory";
    info.params += l.params;
    info.flops_forward += l.flops_forward;
    info.flops_backward += l.flops_backward;
    info.macs += l.macs;
    info.flops_update += update_per_param * static_cast<double>(l.params);
    info.weight_bytes += l.weight_bytes;
    info.activation_bytes += l.activation_bytes;
    info.layers.push_back(std::move(l));
  }
  return info;
}

}  // namespace memsim
