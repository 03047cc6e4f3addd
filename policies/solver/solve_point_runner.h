#pragma once
// The sweep runner of `memsim sweep --solve`: each point builds the scenario with its
// overrides and runs the exact solver (policies/solver/) with the sweep's solve options; its
// fields are those of `memsim solve --format json`.
#include <string>
#include <vector>

#include "policies/solver/solver.h"
#include "sim/core/registry.h"
#include "sim/scenario/scenario_spec.h"
#include "sim/study/sweep.h"

namespace memsim {

// `timings` adds the wall-clock columns (seconds, states_per_second), which differ run to run.
SweepRunner make_solve_point_runner(std::string path, std::string text,
                                    std::vector<std::string> base_overrides,
                                    const Registry& registry, SolveOptions options = {},
                                    bool timings = false,
                                    std::uint64_t memory_limit = kDefaultMemoryLimit);

}  // namespace memsim
