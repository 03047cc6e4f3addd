#include "sim/core/graph.h"

#include <algorithm>
#include <array>
#include <limits>
#include <stdexcept>

#include "sim/core/background_prefault.h"

namespace memsim {
namespace {
constexpr std::array<std::string_view, kTensorKindCount> kKindNames{
    "weight", "activation", "input", "label", "gradient", "optimizer-state", "other"};
constexpr std::array<std::string_view, 4> kPhaseNames{"forward", "backward", "update", "recompute"};
constexpr std::array<std::string_view, kOpRoleCount> kOpRoleNames{
    "", "forward", "dX", "dW", "update", "recompute", "epilogue"};
constexpr std::array<std::string_view, kTensorRoleCount> kTensorRoleNames{"",
                                                                          "weight",
                                                                          "weight.grad",
                                                                          "weight.m",
                                                                          "weight.v",
                                                                          "out",
                                                                          "out.grad",
                                                                          "out.recomputed",
                                                                          "saved",
                                                                          "indices",
                                                                          "mean",
                                                                          "invstd",
                                                                          "mask",
                                                                          "indices.recomputed",
                                                                          "mean.recomputed",
                                                                          "invstd.recomputed",
                                                                          "mask.recomputed",
                                                                          "weight.master",
                                                                          "out.partial",
                                                                          "weight.grad.partial"};
constexpr std::string_view kTileWord = ".tile";
}  // namespace

std::string_view to_string(OpRole role) {
  return kOpRoleNames[static_cast<int>(role)];
}

std::string_view to_string(TensorRole role) {
  return kTensorRoleNames[static_cast<int>(role)];
}

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

const TileEntry* Graph::tile_entry(LayerIndex l) const {
  if (tiles_.empty() || l < tiles_.front().layer) return nullptr;  // the common case: no tiles
  const auto it = std::lower_bound(tiles_.begin(), tiles_.end(), l,
                                   [](const TileEntry& e, LayerIndex v) { return e.layer < v; });
  return it != tiles_.end() && it->layer == l ? &*it : nullptr;
}

std::string Graph::layer_name(LayerIndex l) const {
  if (const TileEntry* t = tile_entry(l))
    return layer_name(t->of) + std::string(kTileWord) + std::to_string(t->tile);
  return names_.name(l);
}

std::string Graph::tensor_name(TensorId t) const {
  std::string name = layer_name(tensors_[t].layer);
  const std::string_view suffix = to_string(tensors_[t].role);
  if (!suffix.empty()) (name += '.') += suffix;
  return name;
}

std::string Graph::op_name(OpId o) const {
  std::string name = layer_name(ops_[o].layer);
  const std::string_view suffix = to_string(ops_[o].role);
  if (!suffix.empty()) (name += '.') += suffix;
  return name;
}

bool Graph::name_is(LayerIndex l, std::string_view suffix, std::string_view name) const {
  if (!suffix.empty()) {
    if (name.size() <= suffix.size() || !name.ends_with(suffix) ||
        name[name.size() - suffix.size() - 1] != '.')
      return false;
    name.remove_suffix(suffix.size() + 1);
  }
  const TileEntry* t = tile_entry(l);
  if (!t) return names_.equals(l, name);
  const std::string tile = std::string(kTileWord) + std::to_string(t->tile);
  return name.ends_with(tile) && name_is(t->of, {}, name.substr(0, name.size() - tile.size()));
}

TensorId Graph::find_tensor(std::string_view name) const {
  for (TensorId t = 0; t < tensors_.size(); ++t)
    if (name_is(tensors_[t].layer, to_string(tensors_[t].role), name)) return t;
  return kNoTensor;
}

OpId Graph::find_op(std::string_view name) const {
  for (OpId o = 0; o < ops_.size(); ++o)
    if (name_is(ops_[o].layer, to_string(ops_[o].role), name)) return o;
  return kNoOp;
}

std::size_t Graph::memory_bytes() const {
  return names_.memory_bytes() + tiles_.capacity() * sizeof(TileEntry) +
         tensors_.capacity() * sizeof(Tensor) + ops_.capacity() * sizeof(Op) +
         operands_.capacity() * sizeof(TensorId) + producers_.capacity() * sizeof(OpId);
}

GraphBuilder::GraphBuilder() = default;
GraphBuilder::GraphBuilder(const GraphBuilder& other) : graph_(other.graph_) {}
GraphBuilder::GraphBuilder(GraphBuilder&&) noexcept = default;
GraphBuilder& GraphBuilder::operator=(const GraphBuilder& other) {
  if (this != &other) {
    prefault_.reset();  // before its blocks go
    graph_ = other.graph_;
  }
  return *this;
}
GraphBuilder& GraphBuilder::operator=(GraphBuilder&&) noexcept = default;
GraphBuilder::~GraphBuilder() = default;

void GraphBuilder::reserve(std::size_t tensors, std::size_t ops, std::size_t operands,
                           std::size_t name_bytes, std::size_t layers) {
  graph_.tensors_.reserve(tensors);
  graph_.producers_.reserve(tensors);
  graph_.ops_.reserve(ops);
  graph_.operands_.reserve(operands);
  graph_.names_.reserve(layers, name_bytes);
  const Graph& g = graph_;
  const BackgroundPrefault::Block room[] = {
      {graph_.tensors_.data(), g.tensors_.capacity() * sizeof(Tensor)},
      {graph_.producers_.data(), g.producers_.capacity() * sizeof(OpId)},
      {graph_.ops_.data(), g.ops_.capacity() * sizeof(Op)},
      {graph_.operands_.data(), g.operands_.capacity() * sizeof(TensorId)}};
  prefault_.reset();  // a second reserve: the first's blocks may be gone
  prefault_ = std::make_unique<BackgroundPrefault>(room);
}

LayerIndex GraphBuilder::add_layer(std::string_view name) {
  const auto [text, number] = NameRuns::split(name);
  return add_layer(text, number);
}

LayerIndex GraphBuilder::add_layers(const NameRuns& names) {
  const std::uint32_t count = names.entry_end();
  for (std::size_t k = 0; k < names.run_count(); ++k)
    if (names.run_text(k).size() > std::numeric_limits<std::uint16_t>::max()) throw_name_too_long();
  if (std::uint64_t{graph_.layer_count_} + count > kNoLayer) throw_too_many_layers();
  const LayerIndex first = graph_.layer_count_;
  graph_.names_.append(names, first);
  graph_.layer_count_ += count;
  return first;
}

LayerIndex GraphBuilder::add_tile(LayerIndex layer, std::uint32_t tile) {
  check_layer(layer);
  if (tile == kNoTile) throw std::out_of_range("tile index too large");
  if (graph_.layer_count_ >= kNoLayer) throw std::length_error("more than 2^32 - 1 layers");
  const LayerIndex id = graph_.layer_count_++;
  graph_.tiles_.push_back({id, graph_.layer_root(layer), tile});  // a tile of a tile: of the layer
  return id;
}

void GraphBuilder::throw_not_a_layer() {
  throw std::out_of_range("not a layer index");
}
void GraphBuilder::throw_not_a_tensor() {
  throw std::out_of_range("op operand is not a tensor id");
}
void GraphBuilder::throw_not_a_required_output() {
  throw std::out_of_range("required output is not a tensor id");
}
void GraphBuilder::throw_too_many_operands() {
  throw std::length_error("an op has more than 65535 inputs, outputs or updates");
}
void GraphBuilder::throw_name_too_long() {
  throw std::length_error("name longer than 65535 characters");
}
void GraphBuilder::throw_too_many_layers() {
  throw std::length_error("more than 2^32 - 1 layers");
}

TensorId GraphBuilder::add_tensor(std::string_view name, std::uint64_t bytes, TensorKind kind,
                                  bool initial_in_dram) {
  return add_tensor(add_layer(name), TensorRole::none, bytes, kind, initial_in_dram);
}

OpId GraphBuilder::add_op(std::string_view name, std::span<const TensorId> inputs,
                          std::span<const TensorId> outputs, std::span<const TensorId> updates,
                          double flops, OpPhase phase) {
  return add_op(add_layer(name), OpRole::none, inputs, outputs, updates, flops, phase);
}

Graph GraphBuilder::build() && {
  const bool populated = prefault_ && prefault_->started();
  prefault_.reset();  // stops it: the pages it has not reached, the builder has written
  if (populated) {
    // Room reserved but not used was faulted in (first, by the end-first order): back to the
    // kernel, before the run's own state makes the process's peak.
    const auto unused = [](auto& a) {
      release_whole_pages(a.data() + a.size(), (a.capacity() - a.size()) * sizeof(*a.data()));
    };
    unused(graph_.tensors_);
    unused(graph_.producers_);
    unused(graph_.ops_);
    unused(graph_.operands_);
  }
  return std::move(graph_);
}

}  // namespace memsim
