#pragma once
// A scenario's [model] (TOML text that includes the [model] header) with a dummy machine, built
// into its layer graph; and the one-line error a bad one gives ("" when it builds).
#include <catch2/catch.hpp>
#include <string>

#include "policies/models/layer_graph_builder.h"
#include "sim/scenario/scenario_parse.h"

namespace memsim::test {

inline LayerGraph graph_of(const std::string& model) {
  const ScenarioSpec spec =
      parse_scenario_text("[hardware.cache]\ncapacity = \"4 tensors\"\n" + model, "m.toml");
  REQUIRE(spec.model);
  return build_layer_graph(*spec.model);
}

inline std::string graph_error(const std::string& model) {
  try {
    graph_of(model);
  } catch (const ScenarioError& e) {
    return e.what();
  }
  return "";
}

}  // namespace memsim::test
