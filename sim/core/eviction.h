#pragma once
// The eviction interface (one interface per kind of choice, implementations in
// policies/eviction/, registered by name in policies/register_builtin.cpp).
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "sim/core/graph.h"
#include "sim/core/store_ends.h"

namespace memsim {

// What a policy may know when it is created: the graph and the order ops will run in.
struct EvictionContext {
  const Graph& graph;
  std::span<const OpId> order;
};

// The executor's flag bits per tensor. An enum, not std::uint8_t: a store through a character
// type may alias any object, so each flag change made the compiler reload every array pointer
// it had in registers (issue 16).
enum class TensorFlags : std::uint8_t {};

// What the executor asks when it needs space (docs/model.md §4.2, §5).
struct VictimQuery {
  // Pin bits by TensorId; a tensor with (pins[t] & mask) != 0 is in a working set being served
  // and must not be chosen.
  const std::vector<std::uint16_t>& pins;
  std::uint16_t mask;
  // Per tensor: bit kHasDramCopy is set when the tensor has a valid DRAM copy or a store of it
  // has been issued; store_end is when its store ends, while it runs (0 once the decision
  // point has reached its end: a store that has ended reads as none).
  const std::vector<TensorFlags>& state;
  const StoreEnds& store_end;
  // The decision point: the time the choice is made.
  double now;
  // Position in `order` of the op now current.
  std::uint32_t position;
  static constexpr std::uint8_t kHasDramCopy = 2;
  bool pinned(TensorId t) const { return (pins[t] & mask) != 0; }
  // Clean means written back (docs/model.md §3): a valid DRAM copy and no store still running.
  bool dirty(TensorId t) const {
    return (static_cast<std::uint8_t>(state[t]) & kHasDramCopy) == 0 || store_end[t] > now;
  }
};

class EvictionPolicy {
 public:
  virtual ~EvictionPolicy() = default;
  // t arrived: its load was issued or its space allocated as an output, at the decision point
  // of the op at `position` (docs/model.md §5: a touch for LRU, the arrival for FIFO).
  virtual void on_insert(TensorId t, std::uint32_t position) = 0;
  // The op at `position` is current and has t in its working set (a touch, §4.1 step 3).
  virtual void on_access(TensorId t, std::uint32_t position) = 0;
  // The op at `position` touches its whole working set, in operand order: on_access for each
  // tensor in turn. One call per op instead of one per tensor (issue 16); a policy may do it
  // faster, with the same effect.
  virtual void on_access_all(std::span<const TensorId> working_set, std::uint32_t position) {
    for (TensorId t : working_set) on_access(t, position);
  }
  // t left the cache (evicted or freed because it died).
  virtual void on_remove(TensorId t) = 0;
  // A resident tensor that is not pinned, or Graph::kNoTensor if every resident one is pinned.
  virtual TensorId choose_victim(const VictimQuery& query) = 0;
};

using EvictionFactory = std::unique_ptr<EvictionPolicy> (*)(const EvictionContext&);

}  // namespace memsim
