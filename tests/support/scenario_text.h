#pragma once
// Parse + validate + build a scenario held in a string, with the built-in registry.
#include <string>
#include <vector>

#include "policies/register_builtin.h"
#include "sim/core/simulation.h"
#include "sim/scenario/build_simulation.h"
#include "sim/scenario/scenario_parse.h"

namespace memsim::test {

inline Simulation load_text(const std::string& toml, const std::vector<std::string>& overrides = {},
                            const std::string& name = "s.toml") {
  const Registry registry = builtin_registry();
  return build_simulation(parse_scenario_text(toml, name, overrides), registry);
}

// The message of the ScenarioError that loading throws ("" if none).
inline std::string load_error(const std::string& toml,
                              const std::vector<std::string>& overrides = {}) {
  try {
    load_text(toml, overrides);
  } catch (const ScenarioError& e) {
    return e.what();
  }
  return "";
}

// A byte-mode machine block (1 GB/s DRAM, 1 GFLOP/s compute) with a cache of `capacity`
// ("1 KiB", "144 B").
inline std::string byte_hardware(const std::string& capacity) {
  return "[hardware.cache]\ncapacity = \"" + capacity +
         "\"\n[hardware.dram]\nbandwidth = \"1 GB/s\"\n[hardware.compute]\nthroughput = \"1 "
         "GFLOP/s\"\n";
}

// A uniform-mode machine block to prepend to raw graphs.
inline std::string uniform_hardware(int tensors) {
  return "[hardware.cache]\ncapacity = \"" + std::to_string(tensors) + " tensors\"\n";
}

}  // namespace memsim::test
