#pragma once
// The benchmarks' generated workload: a chain of `layers` dense 256 -> 256 layers at batch 1,
// inference, in a uniform 4-tensor cache, evicting by `policy`, with overlap "none" or
// "double-buffer" (lookahead 1).
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

#include "policies/register_builtin.h"
#include "sim/core/simulation.h"
#include "sim/scenario/scenario_spec.h"

namespace memsim::bench {

inline Simulation dense_chain(std::size_t layers, const Registry& registry,
                              const std::string& policy, bool double_buffer) {
  ModelSpec model;
  model.batch = 1;
  model.input.c = 256;
  LayerSpec layer;
  layer.type = "dense";
  layer.params["out"] = {std::int64_t{256}, {}};
  layer.repeat = layers;
  model.layers.push_back(layer);
  ScheduleSpec schedule;
  if (double_buffer) {
    schedule.lookahead = 1;
    schedule.overlap = "double-buffer";
  }
  Simulation sim;
  sim.name = "dense chain";
  sim.machine.uniform = true;
  sim.machine.cache_capacity = 4;
  GeneratedSchedule g = registry.find_generator("inference")->factory({model, schedule, true});
  sim.graph = std::move(g.graph);
  sim.order = std::move(g.order);
  sim.overlap = schedule.overlap;
  sim.lookahead = schedule.lookahead;
  sim.eviction = policy;
  sim.eviction_factory = registry.find_eviction(policy)->factory;
  return sim;
}

}  // namespace memsim::bench
