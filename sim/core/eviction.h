#pragma once
// The eviction interface (DESIGN.md: one interface per kind of choice, implementations in
// policies/eviction/, registered by name in policies/register_builtin.cpp).
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "sim/core/graph.h"

namespace memsim {

// What a policy may know when it is created: the graph and the order ops will run in.
struct EvictionContext {
  const Graph& graph;
  std::span<const OpId> order;
};

// What the executor asks when it needs space.
struct VictimQuery {
  // Pin bits by TensorId; a tensor with (pins[t] & mask) != 0 is in a working set being served
  // and must not be chosen.
  const std::vector<std::uint16_t>& pins;
  std::uint16_t mask;
  // Whether a tensor's cache copy differs from DRAM; evicting it costs a store.
  const std::vector<std::uint8_t>& dirty;
  // Position in `order` of the op now current.
  std::uint32_t position;
  bool pinned(TensorId t) const { return (pins[t] & mask) != 0; }
};

class EvictionPolicy {
 public:
  virtual ~EvictionPolicy() = default;
  // t became resident (a load was issued or an op produced it) while op `position` is current.
  virtual void on_insert(TensorId t, std::uint32_t position) = 0;
  // The op at `position` in the order is about to use resident tensor t.
  virtual void on_access(TensorId t, std::uint32_t position) = 0;
  // t left the cache (evicted or freed because it died).
  virtual void on_remove(TensorId t) = 0;
  // A resident tensor that is not pinned, or Graph::kNoTensor if every resident one is pinned.
  virtual TensorId choose_victim(const VictimQuery& query) = 0;
};

using EvictionFactory = std::unique_ptr<EvictionPolicy> (*)(const EvictionContext&);

}  // namespace memsim
