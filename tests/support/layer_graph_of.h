#pragma once
// A scenario's [model] (TOML text that includes the [model] header) with a dummy machine, built
// into its layer graph; and the one-line error a bad one gives ("" when it builds).
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "policies/models/layer_graph_builder.h"
#include "sim/scenario/scenario_parse.h"

namespace memsim::test {

inline LayerGraph graph_of(const std::string& model) {
  const ScenarioSpec spec =
      parse_scenario_text("[hardware.cache]\ncapacity = \"4 tensors\"\n" + model, "m.toml");
  REQUIRE(spec.model);
  return build_layer_graph(*spec.model);
}

// Layer i's inputs as a vector, to compare with a list written by hand.
inline std::vector<LayerId> inputs_of(const LayerGraph& g, LayerId i) {
  const std::span<const LayerId> in = g.inputs(i);
  return {in.begin(), in.end()};
}

// The layer named `name` (the test fails when there is none).
inline LayerId id_of(const LayerGraph& g, const std::string& name) {
  for (LayerId i = 0; i < g.size(); ++i)
    if (g.name(i) == name) return i;
  FAIL("no layer " << name);
  return 0;
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
