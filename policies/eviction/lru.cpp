// LRU: evict the resident tensor whose last use (or arrival) is oldest.
#include <memory>
#include <span>

#include "policies/eviction/intrusive_list.h"
#include "sim/core/eviction.h"

namespace memsim {
namespace {

class Lru final : public EvictionPolicy {
 public:
  explicit Lru(const EvictionContext& ctx) : recency_(ctx.graph.tensor_count()) {}
  void on_insert(TensorId t, std::uint32_t) override { recency_.push_back(t); }
  void on_access(TensorId t, std::uint32_t) override { recency_.push_back(t); }
  void on_access_all(std::span<const TensorId> working_set, std::uint32_t) override {
    for (TensorId t : working_set) recency_.push_back(t);
  }
  void on_remove(TensorId t) override { recency_.unlink(t); }
  TensorId choose_victim(const VictimQuery& q) override { return recency_.first_unpinned(q); }

 private:
  IntrusiveList recency_;  // front: least recently used
};

}  // namespace

std::unique_ptr<EvictionPolicy> make_lru(const EvictionContext& ctx) {
  return std::make_unique<Lru>(ctx);
}

}  // namespace memsim
