#pragma once
// Runs a simulation with the per-layer recorder attached and builds its per-layer report, and
// finds one (layer, phase) row of it: what the per-layer and tiled-training tests both check.
#include <catch2/catch.hpp>
#include <stdexcept>
#include <string>

#include "sim/core/simulation.h"
#include "sim/report/per_layer.h"

namespace memsim::test {

struct Accounted {
  RunResult result;
  PerLayerReport report;
};

inline Accounted account(const Simulation& sim) {
  PerLayerRecorder recorder(sim.graph, sim.machine);
  Accounted a;
  a.result = run_simulation(sim, &recorder);
  recorder.finish();
  a.report = per_layer_report(sim, a.result, recorder);
  return a;
}

// The row of `layer` in `phase`; fails the test when there is none.
inline const LayerPhaseRow& row(const Simulation& sim, const PerLayerReport& report,
                                const std::string& layer, OpPhase phase) {
  for (const LayerPhaseRow& r : report.rows)
    if (sim.graph.layer_name(r.layer) == layer && r.phase == phase) return r;
  FAIL("no row " << layer << " " << to_string(phase));
  throw std::logic_error("unreachable");
}

}  // namespace memsim::test
