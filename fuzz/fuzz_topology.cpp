// libFuzzer target: the SCALE-Sim topology reader on arbitrary bytes. Bad input must end in a
// ScenarioError; anything else is a bug. Seeded from fuzz/seeds/topology/.
#include <cstdint>
#include <string>

#include "policies/models/scalesim_topology.h"
#include "sim/core/errors.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  memsim::ModelSpec model;
  model.topology = "fuzz.csv";
  model.memory_limit = std::uint64_t{64} << 20;
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    memsim::read_scalesim_topology_text(model, text);
  } catch (const memsim::ScenarioError&) {
  }
  return 0;
}
