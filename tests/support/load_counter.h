#pragma once
// Loads per tensor name, counted from the verified steps of a run (run_simulation's sink): for
// tests that derive by hand how often LRU brings each block back.
#include <map>
#include <string>

#include "sim/core/simulation.h"

namespace memsim::test {

struct LoadCounter : StepSink {
  const Graph* g = nullptr;
  std::map<std::string, int> loads;
  void on_step(const TimedStep& s) override {
    if (s.step.kind == StepKind::load) ++loads[g->tensor_name(s.step.id)];
  }
};

}  // namespace memsim::test
