#pragma once
// The sweep runner of `memsim sweep --solve`: each point builds the scenario with its
// overrides and runs the exact solver (policies/solver/); its fields are those of
// `memsim solve --format json`.
#include <string>
#include <vector>

#include "sim/core/registry.h"
#include "sim/study/sweep.h"

namespace memsim {

SweepRunner make_solve_point_runner(std::string path, std::string text,
                                    std::vector<std::string> base_overrides,
                                    const Registry& registry);

}  // namespace memsim
