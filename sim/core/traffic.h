#pragma once
// What each level and each link of the memory hierarchy moved (docs/model.md §15.5, §15.6),
// counted from the verified steps of a run: every hop, every op's reads and writes in the cache
// and the FLOPs it executed. The energy model prices these counts.
#include <cstdint>
#include <vector>

#include "sim/core/graph.h"
#include "sim/core/machine.h"
#include "sim/core/schedule.h"

namespace memsim {

struct LinkTraffic {
  std::uint64_t up = 0, down = 0;              // hops toward the cache (loads), away (stores)
  std::uint64_t up_bytes = 0, down_bytes = 0;  // their bytes
};

struct LevelTraffic {
  std::uint64_t read_bytes = 0;   // bytes read from the level
  std::uint64_t write_bytes = 0;  // bytes written into it
};

struct Traffic {
  std::vector<LinkTraffic> links;    // link k at index k - 1
  std::vector<LevelTraffic> levels;  // level k at index k - 1
  double flops = 0;                  // FLOPs of every compute step, summed in list order
};

// Counts the steps it is shown (after the verifier has accepted them).
class TrafficCounter {
 public:
  TrafficCounter(const Graph& graph, const Machine& machine);
  // A hop on link k (step.link) of b bytes: an up hop reads b at level k + 1 and writes b at
  // level k; a down hop the reverse. A compute reads its inputs' and updates' bytes at level 1
  // and writes its outputs' and updates'. Drops move nothing.
  void add(const TimedStep& step);
  const Traffic& traffic() const { return traffic_; }

 private:
  const Graph& graph_;
  Traffic traffic_;
};

}  // namespace memsim
