#pragma once
// A run's time line as an SVG picture, drawn the way the lecture draws it: a "Memory" row of
// loads and stores (one row per DRAM channel) and a "Compute" row of ops over a time axis,
// stalls shaded on the compute row, labels where they fit, and the cache occupancy curve
// beneath. Every event is one <rect> whose class is its kind (load, store, op, stall) and
// whose <title> is a tooltip with its times and size.
#include <string>

#include "sim/core/simulation.h"
#include "sim/report/timeline.h"

namespace memsim {

// `recorder` holds the steps and stalls of run_simulation(sim, &recorder).
std::string timeline_svg(const Simulation& sim, const TimelineRecorder& recorder);

}  // namespace memsim
