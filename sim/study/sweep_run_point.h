#pragma once
// The sweep runner of `memsim sweep` without --solve: each point parses the scenario text
// with the base overrides and the point's own, builds the simulation and runs it; its fields
// are those of `memsim run --format json` (run_report_json).
#include <string>
#include <vector>

#include "sim/core/registry.h"
#include "sim/scenario/scenario_spec.h"
#include "sim/study/sweep.h"

namespace memsim {

// `text` is the scenario file's content and `path` its name in error messages. `registry`
// must outlive the runner; it is only read, so points may run in parallel.
// `memory_limit` is --memory-limit, applied to each point's [model].
SweepRunner make_run_point_runner(std::string path, std::string text,
                                  std::vector<std::string> base_overrides, const Registry& registry,
                                  std::uint64_t memory_limit = kDefaultMemoryLimit);

}  // namespace memsim
