#pragma once
// A sweep as an SVG picture: one panel per chosen metric, the metric against the first swept
// parameter (its values spaced evenly, in sweep order), one line per combination of the
// other parameters' values. Each plotted point is a <circle class="point"> with a tooltip;
// each line a <polyline class="series">. Failed points are left out (the line breaks there).
#include <string>
#include <vector>

#include "sim/study/sweep.h"

namespace memsim {

// `outcomes` are run_sweep's (any slice of the grid); `metrics` name numeric fields of the
// outcomes. Throws ScenarioError if a metric is not a number in some outcome that ran.
std::string sweep_plot_svg(const SweepGrid& grid, const std::vector<PointOutcome>& outcomes,
                           const std::vector<std::string>& metrics, const std::string& title);

}  // namespace memsim
