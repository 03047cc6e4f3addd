#include "policies/solver/solver_problem.h"

namespace memsim::solver {

Problem::Problem(const Graph& graph, std::uint64_t capacity, const SolveOptions& options)
    : graph_(graph),
      capacity_(capacity),
      recompute_(options.allow_recompute),
      ops_(graph.op_count()),
      readers_(graph.tensor_count(), 0),
      bytes_(graph.tensor_count()),
      cost_(graph.tensor_count()) {
  unit_bytes_ = true;
  for (TensorId t = 0; t < graph.tensor_count(); ++t) {
    const Tensor& tensor = graph.tensor(t);
    bytes_[t] = tensor.bytes;
    unit_bytes_ = unit_bytes_ && tensor.bytes == 1;
    cost_[t] = options.objective == SolveObjective::bytes ? tensor.bytes : 1;
    if (tensor.required_output) required_.set(t);
    if (graph.producer(t) == Graph::kNoOp) sources_.set(t);
  }
  uniform_cost_ = options.objective == SolveObjective::moves || unit_bytes_;
  for (OpId o = 0; o < graph.op_count(); ++o) {
    OpInfo& info = ops_[o];
    for (TensorId t : graph.inputs(o)) info.reads.set(t), readers_[t] |= op_bit(o);
    for (TensorId t : graph.updates(o)) {
      info.reads.set(t), info.updates.set(t), readers_[t] |= op_bit(o);
    }
    for (TensorId t : graph.outputs(o)) info.outputs.set(t);
    info.working_set = info.reads | info.outputs;
    info.has_updates = !graph.updates(o).empty();
    all_ops_ |= op_bit(o);
  }
}

std::uint64_t Problem::bytes_of(const TensorSet& s) const {
  if (unit_bytes_) return static_cast<std::uint64_t>(s.count());
  std::uint64_t sum = 0;
  s.for_each([&](TensorId t) { sum += bytes_[t]; });
  return sum;
}

std::uint64_t Problem::cost_of(const TensorSet& s) const {
  if (uniform_cost_) return static_cast<std::uint64_t>(s.count());
  std::uint64_t sum = 0;
  s.for_each([&](TensorId t) { sum += cost_[t]; });
  return sum;
}

TensorSet Problem::live(OpSet computed) const {
  TensorSet out = required_;
  for (TensorId t = 0; t < readers_.size(); ++t)
    if (readers_[t] & ~computed) out.set(t);
  return out;
}

State Problem::initial_state() const {
  State s;
  for (TensorId t = 0; t < graph_.tensor_count(); ++t)
    if (graph_.tensor(t).initial_in_dram) s.in_dram.set(t);
  if (!recompute_) s.in_dram = s.in_dram & live(0);
  return s;
}

}  // namespace memsim::solver
