#pragma once
// The tensor/op graph: docs/model.md §1. Stored compactly (a layer table, a name pool and
// one operand array) because generated chains reach 10^6 ops and the budget is 150 bytes per op.
//
// Names. Every op and tensor belongs to a *layer*, an entry of the graph's layer table, and has
// a *role* in it; its name is composed when printed (never stored per op):
//   role none   -> the layer's name itself        ("input", "label", a raw [graph]'s "fwd1")
//   otherwise   -> "<layer>.<role>"                ("layer4.1.conv1.forward", "fc.weight.grad")
// A generated model has one layer per model layer (plus "input", "label" and "loss"); a raw
// [graph] has one entry per op and per tensor, named as the scenario names them. A tile of a
// tiled layer is an entry of its own whose name is "<layer>.tile<k>", so its ops read
// "conv1.tile3.forward"; per-layer roll-ups group a tile with its layer (layer_root).
#include <cstdint>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sim/core/name_runs.h"
#include "sim/core/pod_array.h"

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

// An index into the graph's layer table.
using LayerIndex = std::uint32_t;
inline constexpr LayerIndex kNoLayer = 0xffffffffu;
inline constexpr std::uint32_t kNoTile = 0xffffffffu;

// What an op does for its layer; the name suffix is the text of to_string.
enum class OpRole : std::uint8_t {
  none,       // the op's name is its layer's (raw [graph] ops)
  forward,    // "forward": the layer's output from its inputs
  dX,         // "dX": dL/d(inputs) (for the loss: dL/dy^ from the prediction and the label)
  dW,         // "dW": dL/dW
  update,     // "update": the optimizer step on the layer's weight
  recompute,  // "recompute": the forward op again, for the backward pass (checkpointing)
  epilogue,   // "epilogue": a tiled op's write-back of a required output block from its
              // partial sums (docs/model.md "Tiled execution"); 0 FLOPs
};
inline constexpr int kOpRoleCount = 7;
std::string_view to_string(OpRole role);
// The FLOP bucket of a generated op's role: forward, backward (dX, dW), update, recompute.
// Inline: the generators ask it for every op they add.
constexpr OpPhase phase_of(OpRole role) {
  switch (role) {
    case OpRole::dX:
    case OpRole::dW:
      return OpPhase::backward;
    case OpRole::update:
      return OpPhase::update;
    case OpRole::recompute:
      return OpPhase::recompute;
    case OpRole::none:
    case OpRole::forward:
    case OpRole::epilogue:  // the tiling pass gives it the phase of the op it completes
      break;
  }
  return OpPhase::forward;
}

// What a tensor is to its layer; the name suffix is the text of to_string.
enum class TensorRole : std::uint8_t {
  none,            // the tensor's name is its layer's ("input", "label", raw [graph] tensors)
  weight,          // "weight": the layer's parameters (weights, bias, batch-norm gamma/beta)
  weight_grad,     // "weight.grad": dL/dW
  weight_m,        // "weight.m": first optimizer moment (momentum, Adam)
  weight_v,        // "weight.v": second moment (Adam)
  out,             // "out": the layer's output activation
  out_grad,        // "out.grad": dL/d(out), the gradient flowing back into the layer
  out_recomputed,  // "out.recomputed": the output recomputed for the backward pass
  saved,           // "saved": what autograd keeps from forward for the layer's backward
  // Extra tensors a forward op writes for its layer's backward (Layer::extras), and the same
  // written by the layer's recompute:
  indices,              // "indices": max-pool's int64 argmax per output element
  mean,                 // "mean": batch-norm's per-channel batch mean (layer-norm: per row)
  invstd,               // "invstd": batch-norm's inverse standard deviation (layer-norm: rstd)
  mask,                 // "mask": dropout's mask, one byte per element
  indices_recomputed,   // "indices.recomputed"
  mean_recomputed,      // "mean.recomputed"
  invstd_recomputed,    // "invstd.recomputed"
  mask_recomputed,      // "mask.recomputed"
  weight_master,        // "weight.master": the master copy the optimizer updates
  out_partial,          // "out.partial": partial sums of a tiled op's required output
  weight_grad_partial,  // "weight.grad.partial": the same for a required weight gradient
};
inline constexpr int kTensorRoleCount = 20;
std::string_view to_string(TensorRole role);

// 16 bytes: a 10^6-op chain has 2 * 10^6 of these.
struct Tensor {
  std::uint64_t bytes = 0;
  LayerIndex layer = 0;
  TensorRole role = TensorRole::none;
  TensorKind kind = TensorKind::other;
  bool initial_in_dram : 1 = false;  // starts with a valid copy in DRAM (inputs, weights, ...)
  bool required_output : 1 = false;  // must be in DRAM when the schedule ends
  // The memory level it lives in at rest (docs/model.md §15.1): 2 (the DRAM) unless placed
  // deeper. "DRAM" above reads "its home level" on a machine with more levels.
  std::uint8_t home = 2;
};
static_assert(sizeof(Tensor) == 16);

struct Op {
  double flops = 0;
  std::uint32_t first_operand = 0;  // inputs, then outputs, then updates, in operands_
  LayerIndex layer = 0;
  // 16 bits each: a tile op of a finely cut tensor lists hundreds of blocks (the Op stays 24
  // bytes either way: 8 + 4 + 4 + 3 * 2 + 2).
  std::uint16_t input_count = 0;
  std::uint16_t output_count = 0;
  std::uint16_t update_count = 0;
  OpPhase phase = OpPhase::forward;
  OpRole role = OpRole::none;
};
static_assert(sizeof(Op) == 24);

// A tile of a tiled layer: which layer, which tile (kept apart: tiles are rare).
struct TileEntry {
  LayerIndex layer = 0;  // the tile's own entry
  LayerIndex of = 0;     // the tiled layer
  std::uint32_t tile = 0;
};

// Immutable once built (GraphBuilder::build). Ids are dense indices.
class Graph {
 public:
  std::size_t tensor_count() const { return tensors_.size(); }
  std::size_t op_count() const { return ops_.size(); }
  const Tensor& tensor(TensorId t) const { return tensors_[t]; }
  const Op& op(OpId o) const { return ops_[o]; }
  // Names composed from the layer table: see the comment at the top of this file.
  std::string tensor_name(TensorId t) const;
  std::string op_name(OpId o) const;
  std::size_t layer_count() const { return layer_count_; }
  std::string layer_name(LayerIndex l) const;
  // The layer a tile belongs to (itself for a layer that is not a tile): per-layer roll-ups
  // group by it.
  LayerIndex layer_root(LayerIndex l) const {
    const TileEntry* t = tile_entry(l);
    return t ? t->of : l;
  }
  // k for tile k of a tiled layer, kNoTile otherwise.
  std::uint32_t layer_tile(LayerIndex l) const {
    const TileEntry* t = tile_entry(l);
    return t ? t->tile : kNoTile;
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
  std::uint64_t working_set_bytes(OpId o) const {
    std::uint64_t sum = 0;
    for (TensorId t : working_set(o)) sum += tensors_[t].bytes;
    return sum;
  }
  // The largest working_set_bytes of any op (0 without ops), summed as the ops were added: a
  // check that every op fits the cache is one comparison unless some op does not.
  std::uint64_t max_working_set_bytes() const { return max_working_set_; }
  // The tensors' sizes add up to more than 2^64 - 1 bytes (summed as they were added).
  bool total_bytes_overflow() const { return total_bytes_overflow_; }
  // Their sum, when it does not overflow (mod 2^64 otherwise).
  std::uint64_t total_bytes() const { return total_bytes_; }
  // The op that writes tensor t as an output, or kNoOp for tensors that start in DRAM.
  OpId producer(TensorId t) const { return producers_[t]; }
  // Every tensor some op outputs has exactly one such op (producer()) and does not start in
  // DRAM: then a tensor's value is made once, by its producer. The verifier counts liveness as
  // it replays under this condition (sim/core/verifier.h).
  bool outputs_have_one_producer() const { return one_producer_; }
  // Some op updates a tensor in place.
  bool has_updates() const { return has_updates_; }
  static constexpr OpId kNoOp = 0xffffffffu;
  // Linear lookups for tests, schedule files and error messages (no allocation per entry);
  // kNoTensor / kNoOp when absent.
  static constexpr TensorId kNoTensor = 0xffffffffu;
  TensorId find_tensor(std::string_view name) const;
  OpId find_op(std::string_view name) const;
  std::size_t memory_bytes() const;  // heap bytes held, for the benchmark
  // Placement (docs/model.md §15.1): the one change made to a built graph, by
  // build_simulation, before anything runs on it.
  void set_home(TensorId t, std::uint8_t level) { tensors_[t].home = level; }

 private:
  friend class GraphBuilder;
  // Whether "<layer l>[.<suffix>]" (no dot when suffix is empty) equals `name`.
  bool name_is(LayerIndex l, std::string_view suffix, std::string_view name) const;
  const TileEntry* tile_entry(LayerIndex l) const;
  // Layer names by runs (sim/core/name_runs.h); a tile has none: it is named after its layer.
  NameRuns names_;
  std::uint32_t layer_count_ = 0;
  std::vector<TileEntry> tiles_;  // by increasing layer
  // PodArray, not std::vector: appended without a zero fill or a check per value.
  PodArray<Tensor> tensors_;
  PodArray<Op> ops_;
  PodArray<TensorId> operands_;
  PodArray<OpId> producers_;
  std::uint64_t max_working_set_ = 0;
  std::uint64_t total_bytes_ = 0;  // mod 2^64
  bool total_bytes_overflow_ = false;
  bool one_producer_ = true;
  bool has_updates_ = false;
};

class BackgroundPrefault;

// Builds a Graph. Checks only what the storage needs (ids in range, counts that fit); the
// scenario validator checks the model's rules with source positions first.
class GraphBuilder {
 public:
  // Out of line: the prefault's type is complete only there. A copy copies the graph so far,
  // not the prefault of the original's room.
  GraphBuilder();
  GraphBuilder(const GraphBuilder& other);
  GraphBuilder(GraphBuilder&&) noexcept;
  GraphBuilder& operator=(const GraphBuilder& other);
  GraphBuilder& operator=(GraphBuilder&&) noexcept;
  ~GraphBuilder();
  // Room for the counts given (upper bounds will do), so that the arrays never grow by copying.
  // Large rooms are faulted in on a second thread while the builder fills them
  // (sim/core/background_prefault.h); build() gives the room left over back to the kernel.
  void reserve(std::size_t tensors, std::size_t ops, std::size_t operands, std::size_t name_bytes,
               std::size_t layers = 0);
  // A layer named `name` (its ops and tensors are named "<name>.<role>").
  LayerIndex add_layer(std::string_view name);
  // A layer named `text` followed by the decimal `number` (>= 1): "dense" and 7 is "dense7". A
  // layer that continues the numbered run before it (same text, the next number) costs no
  // name of its own. add_layer(name) splits a name's trailing number off the same way ("r17"
  // is "r" and 17; "r07" and "r0" are kept whole: no leading zero, no number 0).
  LayerIndex add_layer(std::string_view text, std::uint64_t number) {
    if (text.size() > std::numeric_limits<std::uint16_t>::max()) throw_name_too_long();
    if (graph_.layer_count_ >= kNoLayer) throw_too_many_layers();
    graph_.names_.add(graph_.layer_count_, text, number);
    return graph_.layer_count_++;
  }
  // One layer per entry of `names` (a LayerGraph's layers, LayerGraph::names()), named as
  // there: layer first + i is named as entry i, the runs copied whole rather than a name per
  // layer. Returns first. The same as add_layer(text, number) for each entry in order, but that
  // a name too long for the storage is refused before any of them is added.
  LayerIndex add_layers(const NameRuns& names);
  // Tile `tile` of layer `layer`, named "<layer>.tile<tile>" (for tiled layers).
  LayerIndex add_tile(LayerIndex layer, std::uint32_t tile);
  // A tensor with a role in a layer; `role` none names it as the layer.
  TensorId add_tensor(LayerIndex layer, TensorRole role, std::uint64_t bytes, TensorKind kind,
                      bool initial_in_dram) {
    check_layer(layer);
    Tensor t;
    t.bytes = bytes;
    t.layer = layer;
    t.role = role;
    t.kind = kind;
    t.initial_in_dram = initial_in_dram;
    graph_.tensors_.push_back(t);
    graph_.producers_.push_back(Graph::kNoOp);
    graph_.total_bytes_overflow_ |=
        __builtin_add_overflow(graph_.total_bytes_, bytes, &graph_.total_bytes_);
    return static_cast<TensorId>(graph_.tensors_.size() - 1);
  }
  // An op with a role in a layer; its phase is phase_of(role).
  OpId add_op(LayerIndex layer, OpRole role, std::span<const TensorId> inputs,
              std::span<const TensorId> outputs, std::span<const TensorId> updates, double flops) {
    return add_op(layer, role, inputs, outputs, updates, flops, phase_of(role));
  }
  // A tensor or op named as given (a layer of its own, role none): raw [graph]s and tests.
  TensorId add_tensor(std::string_view name, std::uint64_t bytes, TensorKind kind,
                      bool initial_in_dram);
  OpId add_op(std::string_view name, std::span<const TensorId> inputs,
              std::span<const TensorId> outputs, std::span<const TensorId> updates, double flops,
              OpPhase phase);
  // An op with a role in a layer and a phase of its own: a tiled op's epilogue takes the phase
  // of the op it completes (docs/model.md "Tiled execution").
  // Inline, as add_tensor and add_layer are: the generators add every op of a million-layer
  // model through here (issue 16).
  OpId add_op(LayerIndex layer, OpRole role, std::span<const TensorId> inputs,
              std::span<const TensorId> outputs, std::span<const TensorId> updates, double flops,
              OpPhase phase) {
    check_layer(layer);
    constexpr std::size_t kMax = std::numeric_limits<std::uint16_t>::max();
    if (inputs.size() > kMax || outputs.size() > kMax || updates.size() > kMax)
      throw_too_many_operands();
    // Locals, not the arrays' own fields: every store into an array would make the compiler
    // read the others' fields again (pointers may alias).
    const Tensor* tensors = graph_.tensors_.data();
    const std::size_t tensor_count = graph_.tensors_.size();
    const auto id = static_cast<OpId>(graph_.ops_.size());
    const std::size_t first = graph_.operands_.size();
    // Room for every operand at once; the working set is summed as the ids are copied.
    TensorId* to = graph_.operands_.append(inputs.size() + outputs.size() + updates.size());
    std::uint64_t need = 0;
    if (!copy_operands(inputs, to, tensors, tensor_count, need) ||
        !copy_operands(outputs, to, tensors, tensor_count, need) ||
        !copy_operands(updates, to, tensors, tensor_count, need)) {
      graph_.operands_.truncate(first);
      throw_not_a_tensor();
    }
    if (need > graph_.max_working_set_) graph_.max_working_set_ = need;
    if (!updates.empty()) graph_.has_updates_ = true;
    bool one_producer = graph_.one_producer_;
    OpId* producers = graph_.producers_.data();
    for (TensorId t : outputs) {
      // A second op writing t (the same op listing it twice is still one producer).
      const OpId before = producers[t];
      one_producer =
          one_producer && (before == Graph::kNoOp || before == id) && !tensors[t].initial_in_dram;
      producers[t] = id;
    }
    graph_.one_producer_ = one_producer;
    Op op;
    op.flops = flops;
    op.layer = layer;
    op.role = role;
    op.first_operand = static_cast<std::uint32_t>(first);
    op.input_count = static_cast<std::uint16_t>(inputs.size());
    op.output_count = static_cast<std::uint16_t>(outputs.size());
    op.update_count = static_cast<std::uint16_t>(updates.size());
    op.phase = phase;
    graph_.ops_.push_back(op);
    return id;
  }
  // Inline: a training model marks a tensor or more per layer.
  void mark_required_output(TensorId t) {
    if (t >= graph_.tensors_.size()) throw_not_a_required_output();
    graph_.tensors_[t].required_output = true;
  }
  std::size_t tensor_count() const { return graph_.tensors_.size(); }
  Graph build() &&;

 private:
  // Copies `list` to `to` (advancing it) and adds its tensors' bytes to `need`; false when
  // some id is not a tensor.
  static bool copy_operands(std::span<const TensorId> list, TensorId*& to, const Tensor* tensors,
                            std::size_t tensor_count, std::uint64_t& need) {
    for (TensorId t : list) {
      if (t >= tensor_count) return false;
      need += tensors[t].bytes;
      *to++ = t;
    }
    return true;
  }
  void check_layer(LayerIndex layer) const {
    if (layer >= graph_.layer_count_) throw_not_a_layer();
  }
  // The errors, out of line so that the inline paths stay short.
  [[noreturn]] static void throw_not_a_layer();
  [[noreturn]] static void throw_not_a_tensor();
  [[noreturn]] static void throw_not_a_required_output();
  [[noreturn]] static void throw_too_many_operands();
  [[noreturn]] static void throw_name_too_long();
  [[noreturn]] static void throw_too_many_layers();
  Graph graph_;
  std::unique_ptr<BackgroundPrefault> prefault_;  // reserve()'s; stopped by build()
};

}  // namespace memsim
