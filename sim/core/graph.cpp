#include "sim/core/graph.h"

#include <array>
#include <limits>
#include <stdexcept>

namespace memsim {
namespace {
constexpr std::array<std::string_view, kTensorKindCount> kKindNames{
    "weight", "activation", "input", "label", "gradient", "optimizer-state", "other"};
constexpr std::array<std::string_view, 4> kPhaseNames{"forward", "backward", "update", "recompute"};
}  // namespace

std::string_view to_string(TensorKind kind) {
  return kKindNames[static_cast<int>(kind)];
}

bool parse_tensor_kind(std::string_view name, TensorKind& out) {
  for (std::size_t i = 0; i < kKindNames.size(); ++i)
    if (kKindNames[i] == name) {
      out = static_cast<TensorKind>(i);
      return true;
    }
  return false;
}

std::string tensor_kind_names() {
  std::string out;
  for (auto n : kKindNames) out += (out.empty() ? "" : ", ") + std::string(n);
  return out;
}

std::string_view to_string(OpPhase phase) {
  return kPhaseNames[static_cast<int>(phase)];
}

bool parse_op_phase(std::string_view name, OpPhase& out) {
  for (std::size_t i = 0; i < kPhaseNames.size(); ++i)
    if (kPhaseNames[i] == name) {
      out = static_cast<OpPhase>(i);
      return true;
    }
  return false;
}

std::uint64_t Graph::working_set_bytes(OpId o) const {
  std::uint64_t sum = 0;
  for (TensorId t : working_set(o)) sum += tensors_[t].bytes;
  return sum;
}

TensorId Graph::find_tensor(std::string_view name) const {
  for (TensorId t = 0; t < tensors_.size(); ++t)
    if (tensor_name(t) == name) return t;
  return kNoTensor;
}

OpId Graph::find_op(std::string_view name) const {
  for (OpId o = 0; o < ops_.size(); ++o)
    if (op_name(o) == name) return o;
  return kNoOp;
}

std::size_t Graph::memory_bytes() const {
  return names_.capacity() + tensors_.capacity() * sizeof(Tensor) + ops_.capacity() * sizeof(Op) +
         operands_.capacity() * sizeof(TensorId) + producers_.capacity() * sizeof(OpId);
}

void GraphBuilder::reserve(std::size_t tensors, std::size_t ops, std::size_t operands,
                           std::size_t name_bytes) {
  graph_.tensors_.reserve(tensors);
  graph_.producers_.reserve(tensors);
  graph_.ops_.reserve(ops);
  graph_.operands_.reserve(operands);
  graph_.names_.reserve(name_bytes);
}

std::uint32_t GraphBuilder::add_name(std::string_view name) {
  if (name.size() > std::numeric_limits<std::uint16_t>::max())
    throw std::length_error("name longer than 65535 characters");
  if (graph_.names_.size() + name.size() > std::numeric_limits<std::uint32_t>::max())
    throw std::length_error("names exceed 4 GiB");
  const auto offset = static_cast<std::uint32_t>(graph_.names_.size());
  graph_.names_.append(name);
  return offset;
}

TensorId GraphBuilder::add_tensor(std::string_view name, std::uint64_t bytes, TensorKind kind,
                                  bool initial_in_dram) {
  Tensor t;
  t.bytes = bytes;
  t.name_offset = add_name(name);
  t.name_length = static_cast<std::uint16_t>(name.size());
  t.kind = kind;
  t.initial_in_dram = initial_in_dram;
  graph_.tensors_.push_back(t);
  graph_.producers_.push_back(Graph::kNoOp);
  return static_cast<TensorId>(graph_.tensors_.size() - 1);
}

OpId GraphBuilder::add_op(std::string_view name, std::span<const TensorId> inputs,
                          std::span<const TensorId> outputs, std::span<const TensorId> updates,
                          double flops, OpPhase phase) {
  constexpr std::size_t kMax = std::numeric_limits<std::uint8_t>::max();
  if (inputs.size() > kMax || outputs.size() > kMax || updates.size() > kMax)
    throw std::length_error("an op has more than 255 inputs, outputs or updates");
  const auto id = static_cast<OpId>(graph_.ops_.size());
  Op op;
  op.flops = flops;
  op.name_offset = add_name(name);
  op.name_length = static_cast<std::uint16_t>(name.size());
  op.first_operand = static_cast<std::uint32_t>(graph_.operands_.size());
  op.input_count = static_cast<std::uint8_t>(inputs.size());
  op.output_count = static_cast<std::uint8_t>(outputs.size());
  op.update_count = static_cast<std::uint8_t>(updates.size());
  op.phase = phase;
  for (auto list : {inputs, outputs, updates})
    for (TensorId t : list) {
      if (t >= graph_.tensors_.size()) throw std::out_of_range("op operand is not a tensor id");
      graph_.operands_.push_back(t);
    }
  for (TensorId t : outputs) graph_.producers_[t] = id;
  graph_.ops_.push_back(op);
  return id;
}

void GraphBuilder::mark_required_output(TensorId t) {
  graph_.tensors_.at(t).required_output = true;
}

Graph GraphBuilder::build() && {
  return std::move(graph_);
}

}  // namespace memsim
