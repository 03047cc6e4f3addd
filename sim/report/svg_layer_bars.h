#pragma once
// The per-layer bar chart (`memsim run --per-layer-svg FILE.svg`): one row per layer, in the
// order of the per-layer report, with its time split into compute (coloured by phase) and stall
// (waiting for loads, for stores), and beside it the bytes it moved (loaded, stored). The
// layer that stalled most is marked. Bars are <rect>s of class bar-compute (data-phase),
// bar-stall-load, bar-stall-store, bar-load and bar-store, each with a tooltip of its value;
// every layer's name is a <text class="layer-name">.
//
// A model of more than kMaxBarLayers layers shows the kShownLayers with the most time (compute
// plus stall), in model order, and one last row summing the others.
#include <cstddef>
#include <string>

#include "sim/core/simulation.h"
#include "sim/report/per_layer.h"

namespace memsim {

inline constexpr std::size_t kMaxBarLayers = 80;
inline constexpr std::size_t kShownLayers = 60;

std::string layer_bars_svg(const Simulation& sim, const PerLayerReport& report);

}  // namespace memsim
