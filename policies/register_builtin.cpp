// The one table of built-in choices. Adding a policy: one new file under policies/ and one
// declaration plus one line here.
#include "policies/register_builtin.h"

#include <memory>

namespace memsim {

std::unique_ptr<EvictionPolicy> make_lru(const EvictionContext&);
std::unique_ptr<EvictionPolicy> make_fifo(const EvictionContext&);
std::unique_ptr<EvictionPolicy> make_belady(const EvictionContext&);
GeneratedSchedule generate_inference(const GeneratorInput&);
GeneratedSchedule generate_training(const GeneratorInput&);

void register_builtin(Registry& r) {
  r.add_eviction("belady", "evict the tensor used farthest in the future (optimal for loads)",
                 &make_belady);
  r.add_eviction("fifo", "evict the tensor that arrived first", &make_fifo);
  r.add_eviction("lru", "evict the least recently used tensor", &make_lru);
  r.add_generator("inference", "forward ops only, in layer order", &generate_inference);
  r.add_generator("training",
                  "forward, loss gradient, backward, optimizer update, checkpoint recomputes",
                  &generate_training);
}

Registry builtin_registry() {
  Registry r;
  register_builtin(r);
  return r;
}

}  // namespace memsim
