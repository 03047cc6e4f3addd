#include "sim/study/sweep_run_point.h"

#include "sim/core/errors.h"
#include "sim/core/simulation.h"
#include "sim/report/report.h"
#include "sim/scenario/build_simulation.h"
#include "sim/scenario/scenario_parse.h"

namespace memsim {

SweepRunner make_run_point_runner(std::string path, std::string text,
                                  std::vector<std::string> base_overrides, const Registry& registry,
                                  std::uint64_t memory_limit) {
  SweepRunner runner;
  // The report's keys do not depend on its values, so an empty run names the columns even
  // when every point fails.
  const nlohmann::ordered_json blank = run_report_json(Simulation{}, RunResult{});
  for (const auto& item : blank.items()) {
    if (item.value().is_array()) continue;  // levels and links: a cell cannot hold a list
    runner.fields.push_back(item.key());
    if (item.value().is_number() || item.value().is_boolean())
      runner.numeric_fields.push_back(item.key());
  }
  runner.run = [path = std::move(path), text = std::move(text), base = std::move(base_overrides),
                &registry, memory_limit](const std::vector<std::string>& point) {
    std::vector<std::string> overrides = base;
    overrides.insert(overrides.end(), point.begin(), point.end());
    ScenarioSpec spec = parse_scenario_text(text, path, overrides);
    if (spec.model) spec.model->memory_limit = memory_limit;
    const Simulation sim = build_simulation(spec, registry);
    try {
      // One thread a point: the sweep already runs its points on every core.
      return run_report_json(sim, run_simulation(sim, nullptr, RunOptions{VerifierThread::same}));
    } catch (const ScheduleError& e) {
      throw ScheduleError(std::string("schedule rejected by the verifier: ") + e.what());
    }
  };
  return runner;
}

}  // namespace memsim
