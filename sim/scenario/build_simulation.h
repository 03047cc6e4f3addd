#pragma once
// Validate -> build: a parsed scenario (ScenarioSpec) becomes a Simulation ready to run.
#include "sim/core/registry.h"
#include "sim/core/simulation.h"
#include "sim/scenario/scenario_spec.h"

namespace memsim {

// Whether build_simulation checks that every op's working set fits the cache. `memsim fit` asks
// only about DRAM (peak live), so it builds without the check, and without tiling.
enum class CacheCheck { working_sets_fit, skip };

// Validates the spec's cross-field facts and builds the graph. Throws ScenarioError with the
// position of the offending value: undefined names, cycles, working sets that do not fit,
// unknown policies and generators.
Simulation build_simulation(const ScenarioSpec& spec, const Registry& registry,
                            CacheCheck cache_check = CacheCheck::working_sets_fit);

}  // namespace memsim
