// libFuzzer target: the scenario loader (parse, validate, build) on arbitrary bytes. Bad input
// must end in a ScenarioError (exit 2); any other exception, a crash or a sanitizer report is
// a bug. Seeded from scenarios/.
#include <cstdint>
#include <string_view>

#include "policies/generators/inference.h"
#include "policies/generators/training.h"
#include "policies/register_builtin.h"
#include "policies/tiling/tile_schedule.h"
#include "sim/core/errors.h"
#include "sim/scenario/build_simulation.h"
#include "sim/scenario/scenario_parse.h"

namespace {

// Small tiled models only, as small models only (memory_limit below; docs/model.md §16.7
// "Bounds on the work"): under the sanitizers a tile shape the auto tiler tries costs about
// 50 us, and scenarios/tiling/gemm4096.toml's 89,118 shapes took 7.9 s, so that in 25 s the
// fuzzer ran 303 inputs. 2,000 shapes (0.1 s) let dense-tiles.toml (1,808) and ResNet-18's zoo
// scenario (1,624) through. A tile op costs about 100 us (explicit `tiles = { m = 1 }` over a
// batch of 32,768 took 3.5 s): 2,000 tile ops, 0.2 s.
constexpr memsim::TilingBounds kBounds{2000, 2000};

memsim::GeneratedSchedule bounded_inference(const memsim::GeneratorInput& in) {
  return memsim::generate_inference(in, kBounds);
}
memsim::GeneratedSchedule bounded_training(const memsim::GeneratorInput& in) {
  return memsim::generate_training(in, kBounds);
}

// The built-in registry with the inference and training generators held to kBounds.
memsim::Registry bounded_registry() {
  const memsim::Registry builtin = memsim::builtin_registry();
  memsim::Registry r;
  for (const auto& e : builtin.evictions()) r.add_eviction(e.name, e.description, e.factory);
  for (const auto& e : builtin.generators()) {
    memsim::GeneratorFactory factory = e.factory;
    if (e.name == "inference") factory = &bounded_inference;
    if (e.name == "training") factory = &bounded_training;
    r.add_generator(e.name, e.description, factory);
  }
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const memsim::Registry registry = bounded_registry();
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
