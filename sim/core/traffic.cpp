#include "sim/core/traffic.h"

namespace memsim {

TrafficCounter::TrafficCounter(const Graph& graph, const Machine& machine) : graph_(graph) {
  traffic_.links.resize(machine.link_count());
  traffic_.levels.resize(machine.level_count());
}

void TrafficCounter::add_transfer(const TimedStep& step) {
  const std::uint64_t bytes = graph_.tensor(step.step.id).bytes;
  const std::uint32_t k = step.link;  // joins level k and level k + 1
  LinkTraffic& link = traffic_.links[k - 1];
  const bool up = step.step.kind == StepKind::load;
  (up ? link.up : link.down) += 1;
  (up ? link.up_bytes : link.down_bytes) += bytes;
  traffic_.levels[up ? k : k - 1].read_bytes += bytes;
  traffic_.levels[up ? k - 1 : k].write_bytes += bytes;
}

}  // namespace memsim
