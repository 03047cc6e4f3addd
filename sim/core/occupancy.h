#pragma once
// The cache occupancy of a timed schedule over time (docs/model.md §3): a load's tensor
// occupies its bytes from the load's issue, an op's new output from the op's start, until the
// tensor's drop. Time lines, traces and pictures draw this curve.
#include <cstdint>
#include <span>
#include <vector>

#include "sim/core/graph.h"
#include "sim/core/schedule.h"

namespace memsim {

struct OccupancySample {
  double t;
  std::uint64_t bytes;  // occupied from t until the next sample
};

// One sample per instant at which occupancy changes, in time order, starting with {0, 0}.
// `steps` in list order, as the executor or the replay emitted them.
std::vector<OccupancySample> occupancy_curve(const Graph& graph, std::span<const TimedStep> steps);

// The bytes occupied at instant t (after every change at t).
std::uint64_t occupancy_at(const std::vector<OccupancySample>& curve, double t);

}  // namespace memsim
