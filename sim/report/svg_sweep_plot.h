#pragma once
// A sweep as an SVG picture: one panel per chosen metric, the metric against the first swept
// parameter (its values spaced evenly, in sweep order), one line per combination of the
// other parameters' values. Each plotted point is a <circle class="point"> with a tooltip;
// each line a <polyline class="series">. A failed point is a <path class="failed"> cross on
// the panel's floor, its tooltip the error, and breaks its line. The value axis is written in
// the metric's unit (seconds, bytes, FLOPs, by the field's name: *_s, *bytes*, flops_*,
// cache_capacity), the legend is as wide as its longest entry, and x labels that would
// overlap are slanted.
#include <string>
#include <vector>

#include "sim/report/svg_text.h"
#include "sim/study/sweep.h"

namespace memsim {

// `outcomes` are run_sweep's (any slice of the grid); `metrics` name numeric fields of the
// outcomes; `uniform`: the scenario counts tensors and time units, not bytes and seconds.
// Throws ScenarioError if a metric is not a number in some outcome that ran.
std::string sweep_plot_svg(const SweepGrid& grid, const std::vector<PointOutcome>& outcomes,
                           const std::vector<std::string>& metrics, const std::string& title,
                           bool uniform = false);

// The unit a metric's axis is written in, by the field's name, for values up to `largest`.
AxisUnit metric_axis_unit(const std::string& metric, bool uniform, double largest);

}  // namespace memsim
