#pragma once
// Schedule generators turn a [model] into the graph of ops to run (docs/model.md §11 "Generated
// schedules"). Implementations live in policies/generators/.
#include <cstdint>
#include <memory>
#include <vector>

#include "sim/core/graph.h"
#include "sim/model/tiling_rollup.h"

namespace memsim {

struct ModelSpec;
struct ScheduleSpec;

struct GeneratedSchedule {
  Graph graph;
  std::vector<OpId> order;  // the order the ops run in
  // Set when the generator tiled the schedule (policies/tiling/tile_schedule.h).
  std::shared_ptr<const TilingRollup> tiling;
};

struct GeneratorInput {
  const ModelSpec& model;
  const ScheduleSpec& schedule;
  bool uniform;  // every tensor is one unit
  // The cache's capacity in bytes, for tiling (docs/model.md "Tiled execution"); 0: never tile.
  std::uint64_t cache_capacity = 0;
  // The DRAM's size (Machine::dram_capacity), for checkpoint = "optimal".
  std::uint64_t dram_capacity = ~std::uint64_t{0};
};

// Throws ScenarioError (with the layer's position) for a model it cannot build.
using GeneratorFactory = GeneratedSchedule (*)(const GeneratorInput&);

}  // namespace memsim
