#pragma once
// What each level and each link of the memory hierarchy moved (docs/model.md §15.5, §15.6),
// counted from the verified steps of a run: every hop, every op's reads and writes in the cache
// and the FLOPs it executed. The energy model prices these counts.
#include <cstddef>
#include <cstdint>
#include <span>
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
  // Inline: the executor reports several steps per op through it (issue 16).
  void add(const TimedStep& step) {
    if (step.step.kind == StepKind::compute)
      add_compute(step.step.id);
    else if (step.step.kind != StepKind::drop)
      add_transfer(step);
  }
  const Traffic& traffic() const { return traffic_; }

 private:
  void add_transfer(const TimedStep& step);
  // One pass over the working set (inputs, then outputs, then updates): the cache reads the
  // inputs and updates, and writes the outputs and updates.
  void add_compute(OpId o) {
    const Op& op = graph_.op(o);
    const std::span<const TensorId> ws = graph_.working_set(o);
    const std::size_t outputs_from = op.input_count, updates_from = outputs_from + op.output_count;
    std::uint64_t in = 0, out = 0, updated = 0;
    for (std::size_t k = 0; k < ws.size(); ++k) {
      const std::uint64_t b = graph_.tensor(ws[k]).bytes;
      (k < outputs_from ? in : k < updates_from ? out : updated) += b;
    }
    LevelTraffic& cache = traffic_.levels[0];
    cache.read_bytes += in + updated;
    cache.write_bytes += out + updated;
    traffic_.flops += op.flops;
  }
  const Graph& graph_;
  Traffic traffic_;
};

}  // namespace memsim
