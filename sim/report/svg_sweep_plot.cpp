#include "sim/report/svg_sweep_plot.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <sstream>

#include "sim/core/errors.h"
#include "sim/report/report.h"
#include "sim/report/svg_text.h"

namespace memsim {
namespace {

constexpr double kLeft = 90, kPlotWidth = 470, kLegendGap = 16, kPanelHeight = 250;
constexpr double kPanelGap = 80, kTop = 72, kFont = 12, kTickFont = 11;
constexpr const char* kColors[] = {"#4e79a7", "#f28e2b", "#e15759", "#59a14f", "#b07aa1",
                                   "#76b7b2", "#edc948", "#ff9da7", "#9c755f", "#bab0ac"};

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// A tick value in the axis unit: at most 4 significant digits, no exponent for round values.
std::string tick_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

}  // namespace

AxisUnit metric_axis_unit(const std::string& metric, bool uniform, double largest) {
  if (ends_with(metric, "_s")) return time_axis_unit(uniform, largest);
  if (metric.find("bytes") != std::string::npos || metric == "cache_capacity")
    return bytes_axis_unit(uniform, largest);
  if (metric.rfind("flops", 0) == 0) return flops_axis_unit(largest);
  return {1.0, ""};  // a count
}

std::string sweep_plot_svg(const SweepGrid& grid, const std::vector<PointOutcome>& outcomes,
                           const std::vector<std::string>& metrics, const std::string& title,
                           bool uniform) {
  const auto& params = grid.params();
  // Grid index = x * series_count + series: the first parameter is the slowest.
  const std::size_t xs = params.front().values.size();
  const std::size_t series_count = grid.size() / xs;
  const auto series_name = [&](std::size_t s) {
    std::string name;
    const std::vector<std::string> v = grid.values_at(s);  // point s has x = 0
    for (std::size_t p = 1; p < params.size(); ++p)
      name += (p > 1 ? ", " : "") + params[p].key + " = " + v[p];
    return name;
  };
  bool any_failed = false;
  for (const PointOutcome& out : outcomes) any_failed = any_failed || !out.error.empty();
  // The legend is as wide as its longest entry, so nothing is cut off.
  double legend_width = 0;
  if (series_count > 1)
    for (std::size_t s = 0; s < series_count; ++s)
      legend_width = std::max(legend_width, 42 + text_width(series_name(s), kFont));
  if (any_failed) legend_width = std::max(legend_width, 42 + text_width("failed point", kFont));
  const double width =
      std::max(kLeft + kPlotWidth + (legend_width > 0 ? kLegendGap + legend_width : 0) + 20,
               kLeft + text_width(title, 16) + 20);
  const auto px = [&](std::size_t x) {
    return kLeft + (xs == 1 ? kPlotWidth / 2
                            : kPlotWidth * static_cast<double>(x) / static_cast<double>(xs - 1));
  };
  // x labels: slanted when their widths would overlap at this spacing.
  double widest = 0;
  for (const std::string& v : params.front().values)
    widest = std::max(widest, text_width(v, kTickFont));
  const double spacing = xs > 1 ? kPlotWidth / static_cast<double>(xs - 1) : kPlotWidth;
  const bool slant = widest + 8 > spacing;
  const double label_depth = slant ? widest * 0.6 + 16 : 18;
  const double panel_gap = kPanelGap + (slant ? label_depth - 18 : 0);
  const double height = kTop + metrics.size() * (kPanelHeight + panel_gap) + 10;

  std::ostringstream o;
  o << svg_open(width, height, kFont)
    << "<style>\n.tick{fill:#444;font-size:11px}\n.grid{stroke:#e3e3e3}\n"
    << ".series{fill:none;stroke-width:2}\n.axis-title{font-weight:bold}\n"
    << ".failed{stroke-width:2.5;fill:none}\n</style>\n"
    << "<rect class=\"background\" width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n"
    << "<text x=\"" << svg_num(kLeft) << "\" y=\"26\" font-size=\"16\" font-weight=\"bold\">"
    << xml_escape(title) << "</text>\n";

  for (std::size_t m = 0; m < metrics.size(); ++m) {
    const std::string& metric = metrics[m];
    const double top = kTop + m * (kPanelHeight + panel_gap);
    const double bottom = top + kPanelHeight;
    // Values by grid index; absent for failed points and points outside this slice.
    std::vector<std::optional<double>> value(grid.size());
    std::vector<std::string> error(grid.size());
    double low = 0, high = 0;
    bool any = false;
    for (const PointOutcome& out : outcomes) {
      if (!out.error.empty()) {
        error[out.index] = out.error;
        continue;
      }
      if (!out.fields.is_object()) continue;
      const auto it = out.fields.find(metric);
      if (it == out.fields.end() || !(it->is_number() || it->is_boolean()))
        throw ScenarioError(SourcePos{}, "--plot " + metric +
                                             ": not a number field of the "
                                             "sweep's results");
      const double v = it->is_boolean() ? (it->get<bool>() ? 1.0 : 0.0) : it->get<double>();
      value[out.index] = v;
      low = any ? std::min(low, v) : std::min(0.0, v);
      high = any ? std::max(high, v) : std::max(0.0, v);
      any = true;
    }
    // Ticks at round values of the axis unit ("20 us", "4 MiB").
    const AxisUnit unit = metric_axis_unit(metric, uniform, std::max(std::abs(low), high));
    std::vector<double> ticks = nice_ticks(low * unit.scale, high * unit.scale, 5);
    if (high == low) ticks = {low * unit.scale, low * unit.scale + 1};
    // One tick past the largest value, so the top of the axis is labelled too.
    if (ticks.size() >= 2 && ticks.back() < high * unit.scale)
      ticks.push_back(ticks.back() + (ticks[1] - ticks[0]));
    const double y_low = std::min(low * unit.scale, ticks.front());
    const double y_high = std::max({high * unit.scale, ticks.back(), y_low + 1e-300});
    const auto py = [&](double v) {
      return bottom - kPanelHeight * (v * unit.scale - y_low) / (y_high - y_low);
    };

    o << "<g class=\"panel\">\n"
      << "<text class=\"axis-title\" x=\"" << svg_num(kLeft) << "\" y=\"" << svg_num(top - 10)
      << "\">" << xml_escape(metric + (unit.name.empty() ? "" : " (" + unit.name + ")"))
      << "</text>\n";
    for (double t : ticks)
      o << "<line class=\"grid\" x1=\"" << svg_num(kLeft) << "\" y1=\""
        << svg_num(py(t / unit.scale)) << "\" x2=\"" << svg_num(kLeft + kPlotWidth) << "\" y2=\""
        << svg_num(py(t / unit.scale)) << "\"/>\n"
        << "<text class=\"tick\" x=\"" << svg_num(kLeft - 8) << "\" y=\""
        << svg_num(py(t / unit.scale) + 4) << "\" text-anchor=\"end\">" << xml_escape(tick_text(t))
        << "</text>\n";
    for (std::size_t x = 0; x < xs; ++x) {
      if (slant)
        o << "<text class=\"tick x-tick\" x=\"" << svg_num(px(x)) << "\" y=\""
          << svg_num(bottom + 14) << "\" text-anchor=\"end\" transform=\"rotate(-35 "
          << svg_num(px(x)) << " " << svg_num(bottom + 14) << ")\">"
          << xml_escape(params.front().values[x]) << "</text>\n";
      else
        o << "<text class=\"tick x-tick\" x=\"" << svg_num(px(x)) << "\" y=\""
          << svg_num(bottom + 18) << "\" text-anchor=\"middle\">"
          << xml_escape(params.front().values[x]) << "</text>\n";
    }
    o << "<line x1=\"" << svg_num(kLeft) << "\" y1=\"" << svg_num(bottom) << "\" x2=\""
      << svg_num(kLeft + kPlotWidth) << "\" y2=\"" << svg_num(bottom) << "\" stroke=\"#333\"/>\n"
      << "<line x1=\"" << svg_num(kLeft) << "\" y1=\"" << svg_num(top) << "\" x2=\""
      << svg_num(kLeft) << "\" y2=\"" << svg_num(bottom) << "\" stroke=\"#333\"/>\n"
      << "<text class=\"axis-title\" x=\"" << svg_num(kLeft + kPlotWidth / 2) << "\" y=\""
      << svg_num(bottom + label_depth + 22) << "\" text-anchor=\"middle\">"
      << xml_escape(params.front().key) << "</text>\n";

    for (std::size_t s = 0; s < series_count; ++s) {
      const char* color = kColors[s % std::size(kColors)];
      // A line through consecutive points that ran; a failed point breaks it.
      std::vector<std::vector<std::size_t>> runs(1);
      for (std::size_t x = 0; x < xs; ++x) {
        if (value[x * series_count + s])
          runs.back().push_back(x);
        else if (!runs.back().empty())
          runs.emplace_back();
      }
      for (const auto& run : runs) {
        if (run.size() < 2) continue;
        o << "<polyline class=\"series\" stroke=\"" << color << "\" points=\"";
        for (std::size_t i = 0; i < run.size(); ++i)
          o << (i ? " " : "") << svg_num(px(run[i])) << ","
            << svg_num(py(*value[run[i] * series_count + s]));
        o << "\"/>\n";
      }
      for (std::size_t x = 0; x < xs; ++x) {
        const std::size_t index = x * series_count + s;
        std::string what = params.front().key + " = " + params.front().values[x];
        if (series_count > 1) what += ", " + series_name(s);
        if (!error[index].empty()) {
          // A cross on the panel's floor, in the series' colour: this point has no value.
          const double cx = px(x), cy = bottom - 7;
          o << "<path class=\"failed\" stroke=\"" << color << "\" d=\"M" << svg_num(cx - 5) << ","
            << svg_num(cy - 5) << " L" << svg_num(cx + 5) << "," << svg_num(cy + 5) << " M"
            << svg_num(cx - 5) << "," << svg_num(cy + 5) << " L" << svg_num(cx + 5) << ","
            << svg_num(cy - 5) << "\"><title>" << xml_escape(what)
            << ": failed: " << xml_escape(error[index]) << "</title></path>\n";
          continue;
        }
        const auto& v = value[index];
        if (!v) continue;
        o << "<circle class=\"point\" cx=\"" << svg_num(px(x)) << "\" cy=\"" << svg_num(py(*v))
          << "\" r=\"4\" fill=\"" << color << "\"><title>" << xml_escape(what) << ": "
          << xml_escape(metric) << " = " << xml_escape(format_number(*v)) << "</title></circle>\n";
      }
    }
    // Legend: one entry per series, and the failed-point cross when there is one.
    double ly = top + 14;
    const double lx = kLeft + kPlotWidth + kLegendGap;
    if (series_count > 1)
      for (std::size_t s = 0; s < series_count; ++s, ly += 20)
        o << "<line x1=\"" << svg_num(lx) << "\" y1=\"" << svg_num(ly - 4) << "\" x2=\""
          << svg_num(lx + 20) << "\" y2=\"" << svg_num(ly - 4) << "\" stroke=\""
          << kColors[s % std::size(kColors)] << "\" stroke-width=\"2\"/>\n"
          << "<text class=\"legend\" x=\"" << svg_num(lx + 26) << "\" y=\"" << svg_num(ly) << "\">"
          << xml_escape(series_name(s)) << "</text>\n";
    if (any_failed)
      o << "<path class=\"legend-failed\" stroke=\"#555\" stroke-width=\"2.5\" d=\"M"
        << svg_num(lx + 5) << "," << svg_num(ly - 9) << " L" << svg_num(lx + 15) << ","
        << svg_num(ly + 1) << " M" << svg_num(lx + 5) << "," << svg_num(ly + 1) << " L"
        << svg_num(lx + 15) << "," << svg_num(ly - 9) << "\"/>\n"
        << "<text class=\"legend\" x=\"" << svg_num(lx + 26) << "\" y=\"" << svg_num(ly)
        << "\">failed point</text>\n";
    o << "</g>\n";
  }
  o << "</svg>\n";
  return o.str();
}

}  // namespace memsim
