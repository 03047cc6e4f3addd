#pragma once
// Validate -> build: a parsed scenario (ScenarioSpec) becomes a Simulation ready to run.
#include "sim/core/registry.h"
#include "sim/core/simulation.h"
#include "sim/scenario/scenario_spec.h"

namespace memsim {

// Validates the spec's cross-field facts and builds the graph. Throws ScenarioError with the
// position of the offending value: undefined names, cycles, working sets that do not fit,
// unknown policies and generators.
Simulation build_simulation(const ScenarioSpec& spec, const Registry& registry);

}  // namespace memsim
