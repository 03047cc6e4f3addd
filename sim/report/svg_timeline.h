#pragma once
// A run's time line as an SVG picture a reader can find a whole network in. From the top:
// phase bands (forward, backward, update, recompute); a "Memory" row per DRAM channel of loads
// and stores and a "Compute" row of ops coloured by phase, stalls hatched (the lecture's
// picture); the worst-stalling layer (all its phases) named, its stalls outlined
// (class worst-stall) and marked; "Layers": runs of ops of one part of the model at two depths
// of their dotted names (layer4, layer4.1); the cache occupancy; and the live memory stacked
// by tensor kind (polygon class live-area, data-kind), its peak marked. Every event is one
// <rect> whose class is its kind (load, store, op with data-phase, stall) and whose <title> is
// a tooltip with its times and size.
//
// A run with more events than the time axis has pixels is drawn in pixel columns instead
// (load-bin, store-bin, op-bin, stall-bin: each column's share of time per kind), and the
// cache and live curves keep each column's largest value.
#include <string>

#include "sim/core/simulation.h"
#include "sim/report/timeline.h"

namespace memsim {

// `recorder` holds the steps and stalls of run_simulation(sim, &recorder).
std::string timeline_svg(const Simulation& sim, const TimelineRecorder& recorder);

}  // namespace memsim
