#include "policies/solver/solve_point_runner.h"

#include "policies/solver/solve_report.h"
#include "policies/solver/solve_simulation.h"
#include "policies/solver/solver.h"
#include "sim/core/errors.h"
#include "sim/core/simulation.h"
#include "sim/scenario/build_simulation.h"
#include "sim/scenario/scenario_parse.h"

namespace memsim {

SweepRunner make_solve_point_runner(std::string path, std::string text,
                                    std::vector<std::string> base_overrides,
                                    const Registry& registry, SolveOptions options, bool timings,
                                    std::uint64_t memory_limit) {
  SweepRunner runner;
  // The keys and order of `memsim solve --format json` (tools/memsim/cmd_solve.cpp).
  runner.fields = solve_report_fields(timings);
  runner.numeric_fields = solve_report_numeric_fields(timings);
  runner.run = [path = std::move(path), text = std::move(text), base = std::move(base_overrides),
                &registry, options, timings, memory_limit](const std::vector<std::string>& point) {
    std::vector<std::string> overrides = base;
    overrides.insert(overrides.end(), point.begin(), point.end());
    ScenarioSpec spec = parse_scenario_text(text, path, overrides);
    if (spec.model) spec.model->memory_limit = memory_limit;
    const Simulation sim = build_simulation(spec, registry);
    const SolveResult r = solve_simulation(sim, options);
    return solve_report_json(sim.graph, r, timings);
  };
  return runner;
}

}  // namespace memsim
