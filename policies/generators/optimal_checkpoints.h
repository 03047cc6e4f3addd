#pragma once
// `[schedule] checkpoint = "optimal"` (docs/model.md, "Planning memory"): the checkpoints that
// make a training schedule fit the DRAM at the least recompute, for the training generator's
// `kept` mechanism (training.h: a non-checkpointed activation is recomputed once, from the
// nearest checkpoints, when the backward pass first needs it).
//
// Among all sets K of kept activations (X_0 and X_n always kept), it finds one whose schedule
// has peak live bytes (sim/core/liveness.h) within the DRAM capacity and the fewest recompute
// FLOPs (so the least recompute time on any machine). A greedy pass (drop the activation that
// lowers the peak most per recompute FLOP until it fits) and a local search (keep one again,
// swap one for another) find a first set; then a best-first search over the dropped sets D in
// increasing order of a bound on their cost - the forward FLOPs of the activations in D that a
// backward op reads (each is recomputed at least once) - measures each schedule, until the
// bound of the next set reaches the best cost found: that one is then proved optimal.
// With no limit on the DRAM, or when keeping everything fits, every activation is kept.
#include <cstdint>
#include <vector>

#include "policies/generators/training.h"
#include "sim/model/layer_graph.h"

namespace memsim {

struct OptimalCheckpoints {
  std::vector<std::uint8_t> kept;  // for TrainingOptions::kept
  bool fits = false;               // the schedule's peak live bytes are within the capacity
  bool proven = false;             // no other set that fits recomputes fewer FLOPs
  double recompute_flops = 0;
  std::uint64_t peak_live_bytes = 0;
  std::uint64_t schedules_measured = 0;
};

// `options.kept` is ignored. Stops after `max_schedules` measured schedules (then `proven` is
// false); when no set fits, returns the one with the lowest peak among those measured.
OptimalCheckpoints optimal_checkpoints(const LayerGraph& model, const TrainingOptions& options,
                                       bool uniform, std::uint64_t dram_capacity,
                                       std::uint64_t max_schedules = 20000);

}  // namespace memsim
