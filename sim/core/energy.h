#pragma once
// The energy of a run (docs/model.md §15.6): the traffic of every level and link and the
// executed FLOPs, priced by the machine's figures, plus each level's static power over the
// run's time. All in joules.
#include <vector>

#include "sim/core/machine.h"
#include "sim/core/traffic.h"

namespace memsim {

struct EnergyReport {
  std::vector<double> level_joules;   // reads and writes at level k, index k - 1
  std::vector<double> link_joules;    // bytes over link k, index k - 1
  std::vector<double> static_joules;  // static power of level k times the run's time
  double compute_joules = 0;
  double memory_joules = 0;  // sum of level_joules, in level order
  double links_joules = 0;   // sum of link_joules, in link order
  double static_total_joules = 0;
  double total_joules = 0;  // memory + links + compute + static, in that order
};

// Uniform mode has no bytes or seconds to price: every figure is 0.
EnergyReport compute_energy(const Machine& machine, const Traffic& traffic, double time);

}  // namespace memsim
