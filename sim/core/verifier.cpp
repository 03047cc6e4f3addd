#include "sim/core/verifier.h"

#include <string>

#include "sim/core/errors.h"

namespace memsim {

Verifier::Verifier(const Graph& graph, std::uint64_t capacity, VerifierOptions options)
    : graph_(graph),
      capacity_(capacity),
      options_(options),
      state_(graph.tensor_count(), 0),
      remaining_uses_(graph.tensor_count(), 0),
      computed_(graph.op_count(), 0) {
  order_.reserve(graph.op_count());
  for (TensorId t = 0; t < graph.tensor_count(); ++t)
    set(t, kDramValid, graph.tensor(t).initial_in_dram);
  for (OpId o = 0; o < graph.op_count(); ++o) {
    for (TensorId t : graph.inputs(o)) ++remaining_uses_[t];
    for (TensorId t : graph.updates(o)) ++remaining_uses_[t];
  }
}

void Verifier::fail(const Step& step, const std::string& why) const {
  throw ScheduleError("step " + std::to_string(step_index_) + " (" + describe(graph_, step) +
                      "): " + why);
}

void Verifier::apply(const Step& step) {
  ++step_index_;
  const bool is_op = step.kind == StepKind::compute;
  if (step.id >= (is_op ? graph_.op_count() : graph_.tensor_count())) fail(step, "id out of range");
  switch (step.kind) {
    case StepKind::load: {
      const TensorId t = step.id;
      if (resident(t)) fail(step, "tensor is already in the cache");
      if (!dram_valid(t)) fail(step, "tensor has no valid copy in DRAM to load");
      const std::uint64_t bytes = graph_.tensor(t).bytes;
      if (used_ + bytes > capacity_)
        fail(step, "cache over capacity: " + std::to_string(used_ + bytes) + " > " +
                       std::to_string(capacity_));
      set(t, kResident, true);
      used_ += bytes;
      ++counts_.loads;
      counts_.load_bytes += bytes;
      break;
    }
    case StepKind::store: {
      const TensorId t = step.id;
      if (!resident(t)) fail(step, "tensor is not in the cache");
      set(t, kDramValid, true);
      ++counts_.stores;
      counts_.store_bytes += graph_.tensor(t).bytes;
      break;
    }
    case StepKind::drop: {
      const TensorId t = step.id;
      if (!resident(t)) fail(step, "tensor is not in the cache");
      const bool needed = remaining_uses_[t] > 0 || graph_.tensor(t).required_output;
      if (!dram_valid(t) && needed && !options_.allow_recompute)
        fail(step, "drops a live tensor that has no copy in DRAM (store it first)");
      set(t, kResident, false);
      used_ -= graph_.tensor(t).bytes;
      ++counts_.drops;
      break;
    }
    case StepKind::compute: {
      const OpId o = step.id;
      const bool again = computed_[o] != 0;
      if (again && !options_.allow_recompute) fail(step, "op already ran");
      if (again && !graph_.updates(o).empty())
        fail(step, "op updates a tensor in place and cannot run twice");
      for (TensorId t : graph_.inputs(o))
        if (!resident(t))
          fail(step, "input '" + std::string(graph_.tensor_name(t)) + "' is not in the cache");
      for (TensorId t : graph_.updates(o))
        if (!resident(t))
          fail(step,
               "updated tensor '" + std::string(graph_.tensor_name(t)) + "' is not in the cache");
      for (TensorId t : graph_.outputs(o)) {
        if (resident(t)) continue;  // a recompute overwrites in place
        set(t, kResident, true);
        used_ += graph_.tensor(t).bytes;
      }
      if (used_ > capacity_)
        fail(step, "working set does not fit: cache over capacity: " + std::to_string(used_) +
                       " > " + std::to_string(capacity_));
      for (TensorId t : graph_.outputs(o)) set(t, kDramValid, false);
      for (TensorId t : graph_.updates(o)) set(t, kDramValid, false);
      if (!again) {
        computed_[o] = 1;
        order_.push_back(o);
        for (TensorId t : graph_.inputs(o)) --remaining_uses_[t];
        for (TensorId t : graph_.updates(o)) --remaining_uses_[t];
      }
      ++counts_.computes;
      break;
    }
  }
  if (used_ > counts_.peak_cache_bytes) counts_.peak_cache_bytes = used_;
}

MoveCounts Verifier::finish() const {
  for (OpId o = 0; o < graph_.op_count(); ++o)
    if (!computed_[o])
      throw ScheduleError("schedule ends before op '" + std::string(graph_.op_name(o)) + "' ran");
  for (TensorId t = 0; t < graph_.tensor_count(); ++t)
    if (graph_.tensor(t).required_output && !dram_valid(t))
      throw ScheduleError("schedule ends with required output '" +
                          std::string(graph_.tensor_name(t)) + "' not in DRAM");
  return counts_;
}

MoveCounts verify(const Graph& graph, std::uint64_t capacity, std::span<const Step> steps,
                  VerifierOptions options) {
  Verifier v(graph, capacity, options);
  for (const Step& s : steps) v.apply(s);
  return v.finish();
}

}  // namespace memsim
