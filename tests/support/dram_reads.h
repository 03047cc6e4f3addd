#pragma once
// The bytes of every tensor that starts in DRAM and that some op of the schedule reads: a run
// loads at least this much.
#include <cstdint>
#include <vector>

#include "sim/core/simulation.h"

namespace memsim::test {

inline std::uint64_t initial_bytes_read(const Simulation& sim) {
  std::vector<std::uint8_t> read(sim.graph.tensor_count(), 0);
  for (OpId o : sim.order)
    for (TensorId t : sim.graph.inputs(o)) read[t] = 1;
  std::uint64_t bytes = 0;
  for (TensorId t = 0; t < sim.graph.tensor_count(); ++t)
    if (read[t] && sim.graph.tensor(t).initial_in_dram) bytes += sim.graph.tensor(t).bytes;
  return bytes;
}

}  // namespace memsim::test
