// libFuzzer target: the schedule-file reader (memsim run --schedule) on arbitrary bytes, and the
// replay of what it reads on the brain-teaser's DAG with a 4-tensor cache. A bad line must be a
// ScenarioError, a bad schedule a ScheduleError; anything else is a bug. Seeded from
// fuzz/seeds/schedule/.
#include <cstdint>
#include <string_view>

#include "policies/register_builtin.h"
#include "sim/core/errors.h"
#include "sim/core/schedule_replay.h"
#include "sim/scenario/build_simulation.h"
#include "sim/scenario/scenario_parse.h"
#include "sim/scenario/schedule_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const memsim::Registry registry = memsim::builtin_registry();
  static const memsim::Simulation sim = memsim::build_simulation(
      memsim::parse_scenario_file(MEMSIM_SOURCE_DIR "/scenarios/lecture/brain-teaser.toml"),
      registry);
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const auto steps = memsim::parse_schedule_text(sim.graph, text, "fuzz.steps");
    memsim::run_schedule(sim, steps);
  } catch (const memsim::ScenarioError&) {
  } catch (const memsim::ScheduleError&) {
  }
  return 0;
}
