#include "policies/tiling/nest_problem.h"

namespace memsim {

std::uint64_t element_bytes(const Graph& graph, const Workload& workload, TensorId t) {
  if (t >= workload.tensors.size() || workload.tensors[t].empty()) return 0;
  const std::uint64_t elements = workload.tensors[t].elements();
  const std::uint64_t bytes = graph.tensor(t).bytes;
  if (elements == 0 || bytes % elements != 0) return 0;
  return bytes / elements;
}

NestProblem nest_problem(const Graph& graph, const Workload& workload, OpId op) {
  NestProblem p;
  if (op >= workload.ops.size() || workload.ops[op].empty()) return p;
  const OpNest& nest = workload.ops[op];
  const auto add = [&](std::span<const TensorId> list, Access access) {
    for (TensorId t : list) {
      const OperandMap* map = nest.find(t);
      const std::uint64_t element = element_bytes(graph, workload, t);
      if (!map || element == 0 || map->axes.size() != workload.tensors[t].extents.size())
        return false;
      OperandInfo x;
      x.maps = map->axes;
      x.extents = workload.tensors[t].extents;
      x.element_bytes = element;
      x.access = access;
      x.required_output = graph.tensor(t).required_output;
      p.operands.push_back(std::move(x));
    }
    return true;
  };
  if (!add(graph.inputs(op), Access::read) || !add(graph.outputs(op), Access::write) ||
      !add(graph.updates(op), Access::update))
    return {};
  p.dims = nest.dims;
  return p;
}

}  // namespace memsim
