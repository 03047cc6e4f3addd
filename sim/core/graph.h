#pragma once
// The tensor/op graph: docs/model.md §1. Stored compactly (a name pool and one operand
// array) because generated chains reach 10^6 ops and the budget is 200 bytes per op.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace memsim {

using TensorId = std::uint32_t;
using OpId = std::uint32_t;

enum class TensorKind : std::uint8_t {
  weight,
  activation,
  input,
  label,
  gradient,
  optimizer_state,
  other
};
inline constexpr int kTensorKindCount = 7;
std::string_view to_string(TensorKind kind);
// Returns false when `name` is not a kind; `out` is left unchanged then.
bool parse_tensor_kind(std::string_view name, TensorKind& out);
// "weight, activation, input, ..." for error messages.
std::string tensor_kind_names();

// Which FLOP bucket an op's work counts in.
enum class OpPhase : std::uint8_t { forward, backward, update, recompute };
std::string_view to_string(OpPhase phase);
bool parse_op_phase(std::string_view name, OpPhase& out);

// 16 bytes: a 10^6-op chain has 2 * 10^6 of these.
struct Tensor {
  std::uint64_t bytes = 0;
  std::uint32_t name_offset = 0;
  std::uint16_t name_length = 0;
  TensorKind kind = TensorKind::other;
  bool initial_in_dram : 1 = false;  // starts with a valid copy in DRAM (inputs, weights, ...)
  bool required_output : 1 = false;  // must be in DRAM when the schedule ends
};
static_assert(sizeof(Tensor) == 16);

struct Op {
  double flops = 0;
  std::uint32_t name_offset = 0;
  std::uint32_t first_operand = 0;  // inputs, then outputs, then updates, in operands_
  std::uint16_t name_length = 0;
  std::uint8_t input_count = 0;
  std::uint8_t output_count = 0;
  std::uint8_t update_count = 0;
  OpPhase phase = OpPhase::forward;
};

// Immutable once built (GraphBuilder::build). Ids are dense indices.
class Graph {
 public:
  std::size_t tensor_count() const { return tensors_.size(); }
  std::size_t op_count() const { return ops_.size(); }
  const Tensor& tensor(TensorId t) const { return tensors_[t]; }
  const Op& op(OpId o) const { return ops_[o]; }
  std::string_view tensor_name(TensorId t) const {
    return {names_.data() + tensors_[t].name_offset, tensors_[t].name_length};
  }
  std::string_view op_name(OpId o) const {
    return {names_.data() + ops_[o].name_offset, ops_[o].name_length};
  }
  std::span<const TensorId> inputs(OpId o) const {
    const Op& op = ops_[o];
    return {operands_.data() + op.first_operand, op.input_count};
  }
  std::span<const TensorId> outputs(OpId o) const {
    const Op& op = ops_[o];
    return {operands_.data() + op.first_operand + op.input_count, op.output_count};
  }
  std::span<const TensorId> updates(OpId o) const {
    const Op& op = ops_[o];
    return {operands_.data() + op.first_operand + op.input_count + op.output_count,
            op.update_count};
  }
  // Inputs, outputs and updates together: what must be resident while the op runs.
  std::span<const TensorId> working_set(OpId o) const {
    const Op& op = ops_[o];
    return {operands_.data() + op.first_operand,
            std::size_t(op.input_count) + op.output_count + op.update_count};
  }
  std::uint64_t working_set_bytes(OpId o) const;
  // The op that writes tensor t as an output, or kNoOp for tensors that start in DRAM.
  OpId producer(TensorId t) const { return producers_[t]; }
  static constexpr OpId kNoOp = 0xffffffffu;
  // Linear lookups for tests and error messages; kNoTensor / kNoOp when absent.
  static constexpr TensorId kNoTensor = 0xffffffffu;
  TensorId find_tensor(std::string_view name) const;
  OpId find_op(std::string_view name) const;
  std::size_t memory_bytes() const;  // heap bytes held, for the benchmark

 private:
  friend class GraphBuilder;
  std::string names_;
  std::vector<Tensor> tensors_;
  std::vector<Op> ops_;
  std::vector<TensorId> operands_;
  std::vector<OpId> producers_;
};

// Builds a Graph. Checks only what the storage needs (ids in range, counts that fit); the
// scenario validator checks the model's rules with source positions first.
class GraphBuilder {
 public:
  void reserve(std::size_t tensors, std::size_t ops, std::size_t operands, std::size_t name_bytes);
  TensorId add_tensor(std::string_view name, std::uint64_t bytes, TensorKind kind,
                      bool initial_in_dram);
  OpId add_op(std::string_view name, std::span<const TensorId> inputs,
              std::span<const TensorId> outputs, std::span<const TensorId> updates, double flops,
              OpPhase phase);
  void mark_required_output(TensorId t);
  std::size_t tensor_count() const { return graph_.tensors_.size(); }
  Graph build() &&;

 private:
  std::uint32_t add_name(std::string_view name);
  Graph graph_;
};

}  // namespace memsim
