// Belady's MIN (docs/model.md §5): evict the tensor whose next use is farthest in the future
// (never used again first); on ties a clean tensor (written back, no store running), then the
// lowest id. Next uses are precomputed per tensor and
// found with a cursor, and resident tensors are kept ordered by next use, so a choice costs
// O(log n) rather than a scan of the future.
#include <cstdint>
#include <memory>
#include <set>
#include <utility>
#include <vector>

#include "sim/core/eviction.h"

namespace memsim {
namespace {

constexpr std::uint32_t kNever = 0xffffffffu;

class Belady final : public EvictionPolicy {
 public:
  explicit Belady(const EvictionContext& ctx)
      : offset_(ctx.graph.tensor_count() + 1, 0), cursor_(ctx.graph.tensor_count(), 0) {
    const Graph& g = ctx.graph;
    // Uses of each tensor, by position in the order (CSR: offset_[t]..offset_[t+1]).
    for (OpId o : ctx.order) {
      for (TensorId t : g.inputs(o)) ++offset_[t + 1];
      for (TensorId t : g.updates(o)) ++offset_[t + 1];
    }
    for (std::size_t t = 0; t < g.tensor_count(); ++t) offset_[t + 1] += offset_[t];
    uses_.resize(offset_.back());
    std::vector<std::uint32_t> fill(offset_.begin(), offset_.end() - 1);
    for (std::uint32_t pos = 0; pos < ctx.order.size(); ++pos) {
      const OpId o = ctx.order[pos];
      for (TensorId t : g.inputs(o)) uses_[fill[t]++] = pos;
      for (TensorId t : g.updates(o)) uses_[fill[t]++] = pos;
    }
    for (std::size_t t = 0; t < g.tensor_count(); ++t) cursor_[t] = offset_[t];
  }

  void on_insert(TensorId t, std::uint32_t position) override { reposition(t, position, false); }
  void on_access(TensorId t, std::uint32_t position) override { reposition(t, position, true); }
  void on_remove(TensorId t) override { by_next_use_.erase({key(t), t}); }

  TensorId choose_victim(const VictimQuery& q) override {
    // Walk from the farthest next use; within a run of equal next uses take the first clean
    // tensor, else the first dirty one.
    for (auto it = by_next_use_.begin(); it != by_next_use_.end();) {
      const std::uint32_t key = it->first;
      TensorId first_dirty = Graph::kNoTensor;
      for (; it != by_next_use_.end() && it->first == key; ++it) {
        const TensorId t = it->second;
        if (q.pinned(t)) continue;
        if (!q.dirty(t)) return t;
        if (first_dirty == Graph::kNoTensor) first_dirty = t;
      }
      if (first_dirty != Graph::kNoTensor) return first_dirty;
    }
    return Graph::kNoTensor;
  }

 private:
  // Ordered by next use, farthest first; ties by id for determinism.
  struct Farthest {
    bool operator()(const std::pair<std::uint32_t, TensorId>& a,
                    const std::pair<std::uint32_t, TensorId>& b) const {
      return a.first != b.first ? a.first > b.first : a.second < b.second;
    }
  };

  // Moves t's cursor to its next use strictly after `position` when `after`, else at or after.
  void next_use(TensorId t, std::uint32_t position, bool after) {
    std::uint32_t& c = cursor_[t];
    while (c < offset_[t + 1] && (after ? uses_[c] <= position : uses_[c] < position)) ++c;
  }

  // The ordering key of a resident tensor: the use its cursor points at (no separate array, to
  // keep 10^6-op chains within 200 bytes per op).
  std::uint32_t key(TensorId t) const {
    return cursor_[t] < offset_[t + 1] ? uses_[cursor_[t]] : kNever;
  }

  void reposition(TensorId t, std::uint32_t position, bool after) {
    by_next_use_.erase({key(t), t});
    next_use(t, position, after);
    by_next_use_.insert({key(t), t});
  }

  std::vector<std::uint32_t> offset_;
  std::vector<std::uint32_t> uses_;
  std::vector<std::uint32_t> cursor_;
  std::set<std::pair<std::uint32_t, TensorId>, Farthest> by_next_use_;
};

}  // namespace

std::unique_ptr<EvictionPolicy> make_belady(const EvictionContext& ctx) {
  return std::make_unique<Belady>(ctx);
}

}  // namespace memsim
