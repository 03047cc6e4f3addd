#include "policies/tiling/model_tiling.h"

#include <algorithm>
#include <cmath>

#include "policies/generators/inference.h"
#include "policies/generators/training.h"
#include "policies/models/layer_graph_builder.h"

namespace memsim {

ModelTiling plan_model_tiling(const ScenarioSpec& spec, std::uint64_t shape_limit) {
  if (!spec.model) throw ScenarioError(SourcePos{spec.file, 0, 0}, "tiling applies to a [model]");
  ModelTiling out;
  out.model = build_layer_graph(*spec.model);
  out.capacity = spec.machine.cache_capacity;
  out.lookahead = spec.schedule.lookahead;
  Workload& nests = out.workload;
  GeneratedSchedule schedule =
      spec.schedule.kind == "training"
          ? generate_training_graph(out.model,
                                    training_options(spec.schedule, out.model, spec.machine.uniform,
                                                     spec.machine.dram_capacity),
                                    spec.machine.uniform, nests)
          : generate_inference_graph(out.model, spec.machine.uniform, nests);
  out.graph = std::move(schedule.graph);
  out.order = std::move(schedule.order);
  out.plan =
      plan_tiling(out.graph, out.order, nests,
                  {out.model, spec.schedule, out.capacity, spec.machine.uniform, {shape_limit, 0}});
  return out;
}

std::uint64_t traffic_lower_bound(const LayerGraph& model, const OpTilingDecision& op,
                                  std::uint64_t capacity) {
  const NestProblem& p = op.problem;
  if (p.dims.empty()) return 0;
  const std::uint64_t compulsory = compulsory_bytes(p);
  const bool matrix_product = op.origin.layer < model.size() &&
                              (model.layer(op.origin.layer).type == "dense" ||
                               model.layer(op.origin.layer).type == "gemm") &&
                              op.origin.role != NestRole::update;
  if (!matrix_product || capacity == 0) return compulsory;
  double volume = 1;
  for (const LoopDim& d : p.dims) volume *= static_cast<double>(d.extent);
  std::uint64_t element = 1;
  for (const OperandInfo& x : p.operands) element = std::max(element, x.element_bytes);
  const double cache_elements = static_cast<double>(capacity) / static_cast<double>(element);
  const double hong_kung = 2 * volume / std::sqrt(cache_elements) * static_cast<double>(element);
  return std::max(compulsory, static_cast<std::uint64_t>(hong_kung));
}

}  // namespace memsim
