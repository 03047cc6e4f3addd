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

constexpr double kWidth = 760, kLeft = 90, kRight = 200, kPanelHeight = 250, kPanelGap = 70;
constexpr double kTop = 72, kFont = 12;
constexpr const char* kColors[] = {"#4e79a7", "#f28e2b", "#e15759", "#59a14f", "#b07aa1",
                                   "#76b7b2", "#edc948", "#ff9da7", "#9c755f", "#bab0ac"};

}  // namespace

std::string sweep_plot_svg(const SweepGrid& grid, const std::vector<PointOutcome>& outcomes,
                           const std::vector<std::string>& metrics, const std::string& title) {
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
  const double plot_w = kWidth - kLeft - kRight;
  const auto px = [&](std::size_t x) {
    return kLeft + (xs == 1 ? plot_w / 2 : plot_w * static_cast<double>(x) / (xs - 1));
  };
  const double height = kTop + metrics.size() * (kPanelHeight + kPanelGap) + 10;

  std::ostringstream o;
  o << svg_open(kWidth, height, kFont)
    << "<style>\n.tick{fill:#444;font-size:11px}\n.grid{stroke:#e3e3e3}\n"
    << ".series{fill:none;stroke-width:2}\n.axis-title{font-weight:bold}\n</style>\n"
    << "<rect class=\"background\" width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n"
    << "<text x=\"" << svg_num(kLeft) << "\" y=\"26\" font-size=\"16\" font-weight=\"bold\">"
    << xml_escape(title) << "</text>\n";

  for (std::size_t m = 0; m < metrics.size(); ++m) {
    const std::string& metric = metrics[m];
    const double top = kTop + m * (kPanelHeight + kPanelGap);
    const double bottom = top + kPanelHeight;
    // Values by grid index; absent for failed points and points outside this slice.
    std::vector<std::optional<double>> value(grid.size());
    double low = 0, high = 0;
    bool any = false;
    for (const PointOutcome& out : outcomes) {
      if (!out.error.empty() || !out.fields.is_object()) continue;
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
    std::vector<double> ticks = nice_ticks(low, high, 5);
    if (high == low) ticks = {low, low + 1};
    const double y_low = std::min(low, ticks.front());
    const double y_high = std::max({high, ticks.back(), y_low + 1e-300});
    const auto py = [&](double v) {
      return bottom - kPanelHeight * (v - y_low) / (y_high - y_low);
    };

    o << "<g class=\"panel\">\n"
      << "<text class=\"axis-title\" x=\"" << svg_num(kLeft) << "\" y=\"" << svg_num(top - 10)
      << "\">" << xml_escape(metric) << "</text>\n";
    for (double t : ticks)
      o << "<line class=\"grid\" x1=\"" << svg_num(kLeft) << "\" y1=\"" << svg_num(py(t))
        << "\" x2=\"" << svg_num(kLeft + plot_w) << "\" y2=\"" << svg_num(py(t)) << "\"/>\n"
        << "<text class=\"tick\" x=\"" << svg_num(kLeft - 8) << "\" y=\"" << svg_num(py(t) + 4)
        << "\" text-anchor=\"end\">" << xml_escape(format_number(t)) << "</text>\n";
    for (std::size_t x = 0; x < xs; ++x)
      o << "<text class=\"tick\" x=\"" << svg_num(px(x)) << "\" y=\"" << svg_num(bottom + 18)
        << "\" text-anchor=\"middle\">" << xml_escape(params.front().values[x]) << "</text>\n";
    o << "<line x1=\"" << svg_num(kLeft) << "\" y1=\"" << svg_num(bottom) << "\" x2=\""
      << svg_num(kLeft + plot_w) << "\" y2=\"" << svg_num(bottom) << "\" stroke=\"#333\"/>\n"
      << "<line x1=\"" << svg_num(kLeft) << "\" y1=\"" << svg_num(top) << "\" x2=\""
      << svg_num(kLeft) << "\" y2=\"" << svg_num(bottom) << "\" stroke=\"#333\"/>\n"
      << "<text class=\"axis-title\" x=\"" << svg_num(kLeft + plot_w / 2) << "\" y=\""
      << svg_num(bottom + 40) << "\" text-anchor=\"middle\">" << xml_escape(params.front().key)
      << "</text>\n";

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
        const auto& v = value[x * series_count + s];
        if (!v) continue;
        std::string what = params.front().key + " = " + params.front().values[x];
        if (series_count > 1) what += ", " + series_name(s);
        o << "<circle class=\"point\" cx=\"" << svg_num(px(x)) << "\" cy=\"" << svg_num(py(*v))
          << "\" r=\"4\" fill=\"" << color << "\"><title>" << xml_escape(what) << ": "
          << xml_escape(metric) << " = " << xml_escape(format_number(*v)) << "</title></circle>\n";
      }
      if (series_count > 1) {
        const double ly = top + 14 + 20 * static_cast<double>(s);
        o << "<line x1=\"" << svg_num(kLeft + plot_w + 16) << "\" y1=\"" << svg_num(ly - 4)
          << "\" x2=\"" << svg_num(kLeft + plot_w + 36) << "\" y2=\"" << svg_num(ly - 4)
          << "\" stroke=\"" << color << "\" stroke-width=\"2\"/>\n"
          << "<text x=\"" << svg_num(kLeft + plot_w + 42) << "\" y=\"" << svg_num(ly) << "\">"
          << xml_escape(series_name(s)) << "</text>\n";
      }
    }
    o << "</g>\n";
  }
  o << "</svg>\n";
  return o.str();
}

}  // namespace memsim
