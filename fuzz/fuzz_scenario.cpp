// libFuzzer target: the scenario loader (parse, validate, build) on arbitrary bytes. Bad input
// must end in a ScenarioError (exit 2); any other exception, a crash or a sanitizer report is
// a bug. Seeded from scenarios/.
#include <cstdint>
#include <string_view>

#include "policies/register_builtin.h"
#include "sim/core/errors.h"
#include "sim/scenario/build_simulation.h"
#include "sim/scenario/scenario_parse.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const memsim::Registry registry = memsim::builtin_registry();
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    memsim::ScenarioSpec spec = memsim::parse_scenario_text(text, "fuzz.toml");
    // Small models only: the fuzzer should spend its time on many inputs, not on one big one.
    if (spec.model) spec.model->memory_limit = std::uint64_t{64} << 20;
    memsim::build_simulation(spec, registry);
  } catch (const memsim::ScenarioError&) {
  }
  return 0;
}
