// FIFO: evict the resident tensor that arrived first; uses do not refresh it.
#include <memory>
#include <span>

#include "policies/eviction/intrusive_list.h"
#include "sim/core/eviction.h"

namespace memsim {
namespace {

class Fifo final : public EvictionPolicy {
 public:
  explicit Fifo(const EvictionContext& ctx) : arrival_(ctx.graph.tensor_count()) {}
  void on_insert(TensorId t, std::uint32_t) override { arrival_.push_back(t); }
  void on_access(TensorId, std::uint32_t) override {}
  void on_access_all(std::span<const TensorId>, std::uint32_t) override {}
  void on_remove(TensorId t) override { arrival_.unlink(t); }
  TensorId choose_victim(const VictimQuery& q) override { return arrival_.first_unpinned(q); }

 private:
  IntrusiveList arrival_;  // front: earliest arrival
};

}  // namespace

std::unique_ptr<EvictionPolicy> make_fifo(const EvictionContext& ctx) {
  return std::make_unique<Fifo>(ctx);
}

}  // namespace memsim
