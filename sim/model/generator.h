#pragma once
// Schedule generators turn a [model] into the graph of ops to run (docs/model.md §11 "Generated
// schedules"). Implementations live in policies/generators/.
#include <cstdint>
#include <memory>
#include <vector>

#include "sim/core/graph.h"

namespace memsim {

struct ModelSpec;
struct ScheduleSpec;

struct GeneratedSchedule {
  Graph graph;
  std::vector<OpId> order;  // the order the ops run in
};

struct GeneratorInput {
  const ModelSpec& model;
  const ScheduleSpec& schedule;
  bool uniform;  // every tensor is one unit
  // The DRAM's size (Machine::dram_capacity), for checkpoint = "optimal".
  std::uint64_t dram_capacity = ~std::uint64_t{0};
};

// Throws ScenarioError (with the layer's position) for a model it cannot build.
using GeneratorFactory = GeneratedSchedule (*)(const GeneratorInput&);

}  // namespace memsim
