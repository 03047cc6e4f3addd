#include "sim/report/svg_layer_bars.h"

#include <algorithm>
#include <array>
#include <functional>
#include <numeric>
#include <sstream>
#include <tuple>
#include <vector>

#include "sim/core/units.h"
#include "sim/report/report.h"
#include "sim/report/svg_text.h"

namespace memsim {
namespace {

constexpr double kWidth = 1200, kTop = 112, kRow = 15, kRowGap = 3, kFont = 12;
constexpr double kTimeWidth = 520, kBytesWidth = 260, kPanelGap = 50, kRightPad = 40;
constexpr std::array<const char*, 4> kPhaseColors{"#59a14f", "#b07aa1", "#edc948", "#76b7b2"};

// One bar: a layer's phases summed.
struct LayerBar {
  std::string name;
  std::array<double, 4> compute{};  // by phase
  double stall_load = 0, stall_store = 0;
  double load_bytes = 0, store_bytes = 0;
  std::size_t layers = 1;  // > 1 for the row of other layers
  double time() const {
    return std::accumulate(compute.begin(), compute.end(), 0.0) + stall_load + stall_store;
  }
  double stall() const { return stall_load + stall_store; }
  void add(const LayerBar& b) {
    for (int p = 0; p < 4; ++p) compute[p] += b.compute[p];
    stall_load += b.stall_load;
    stall_store += b.stall_store;
    load_bytes += b.load_bytes;
    store_bytes += b.store_bytes;
  }
};

std::vector<LayerBar> bars_of(const Simulation& sim, const PerLayerReport& report) {
  std::vector<LayerBar> bars;
  LayerIndex last = kNoLayer;
  for (const LayerPhaseRow& r : report.rows) {  // rows come by layer, then phase
    if (bars.empty() || r.layer != last) {
      bars.push_back({});
      bars.back().name = sim.graph.layer_name(r.layer);
      last = r.layer;
    }
    LayerBar& b = bars.back();
    b.compute[static_cast<int>(r.phase)] += r.compute;
    b.stall_load += r.stall_load;
    b.stall_store += r.stall_store;
    b.load_bytes += static_cast<double>(r.load_bytes);
    b.store_bytes += static_cast<double>(r.store_bytes);
  }
  if (bars.size() <= kMaxBarLayers) return bars;
  // Too many to read: the kShownLayers with the most time, in model order, then the rest.
  std::vector<std::size_t> by_time(bars.size());
  std::iota(by_time.begin(), by_time.end(), 0);
  std::stable_sort(by_time.begin(), by_time.end(),
                   [&](std::size_t a, std::size_t b) { return bars[a].time() > bars[b].time(); });
  std::vector<std::uint8_t> shown(bars.size(), 0);
  for (std::size_t i = 0; i < kShownLayers; ++i) shown[by_time[i]] = 1;
  std::vector<LayerBar> kept;
  LayerBar others;
  others.layers = 0;
  for (std::size_t i = 0; i < bars.size(); ++i) {
    if (shown[i]) {
      kept.push_back(bars[i]);
    } else {
      others.add(bars[i]);
      ++others.layers;
    }
  }
  others.name = std::to_string(others.layers) + " other layers";
  kept.push_back(others);
  return kept;
}

}  // namespace

std::string layer_bars_svg(const Simulation& sim, const PerLayerReport& report) {
  const bool uniform = sim.machine.uniform;
  const std::vector<LayerBar> bars = bars_of(sim, report);
  double name_width = 60;
  for (const LayerBar& b : bars) name_width = std::max(name_width, text_width(b.name, kFont));
  name_width = std::min(name_width, kWidth - kTimeWidth - kBytesWidth - kPanelGap - kRightPad - 30);
  const double time_left = 20 + name_width + 12;
  const double bytes_left = time_left + kTimeWidth + kPanelGap;
  const double bottom = kTop + static_cast<double>(bars.size()) * (kRow + kRowGap);
  const double height = bottom + 70;

  double max_time = 0, max_bytes = 0, total_stall = 0;
  std::size_t worst = bars.size();
  for (std::size_t i = 0; i < bars.size(); ++i) {
    max_time = std::max(max_time, bars[i].time());
    max_bytes = std::max(max_bytes, bars[i].load_bytes + bars[i].store_bytes);
    total_stall += bars[i].stall();
    if (bars[i].layers == 1 && bars[i].stall() > 0 &&
        (worst == bars.size() || bars[i].stall() > bars[worst].stall()))
      worst = i;
  }
  const AxisUnit tu = time_axis_unit(uniform, max_time);
  const AxisUnit bu = bytes_axis_unit(uniform, max_bytes);
  // Ticks at round values, one more past the largest bar so that every bar ends inside.
  const auto ticks_past = [](double largest, int count) {
    std::vector<double> t = nice_ticks(0, largest > 0 ? largest : 1, count);
    if (t.size() >= 2 && t.back() < largest) t.push_back(t.back() + (t[1] - t[0]));
    return t;
  };
  const std::vector<double> time_ticks = ticks_past(max_time * tu.scale, 5);
  const std::vector<double> byte_ticks = ticks_past(max_bytes * bu.scale, 4);
  // Axes end at the last tick (at least the largest bar).
  const double time_end = std::max(max_time, time_ticks.back() / tu.scale);
  const double bytes_end = std::max(max_bytes, byte_ticks.back() / bu.scale);
  const auto tx = [&](double s) {
    return time_left + kTimeWidth * s / (time_end > 0 ? time_end : 1);
  };
  const auto bx = [&](double b) {
    return bytes_left + kBytesWidth * b / (bytes_end > 0 ? bytes_end : 1);
  };
  const auto secs = [&](double s) {
    return uniform ? format_number(s) + " units" : format_seconds(s);
  };
  const auto size = [&](double b) {
    return uniform ? format_number(b) + (b == 1 ? " tensor" : " tensors") : format_bytes(b);
  };

  std::ostringstream o;
  o << svg_open(kWidth, height, kFont) << "<defs>\n"
    << "<pattern id=\"stall-hatch\" width=\"8\" height=\"8\" patternUnits=\"userSpaceOnUse\" "
       "patternTransform=\"rotate(45)\"><rect width=\"8\" height=\"8\" fill=\"#fbe3e3\"/>"
       "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"8\" stroke=\"#d9534f\" stroke-width=\"3\"/>"
       "</pattern>\n"
    << "<pattern id=\"store-hatch\" width=\"8\" height=\"8\" patternUnits=\"userSpaceOnUse\" "
       "patternTransform=\"rotate(-45)\"><rect width=\"8\" height=\"8\" fill=\"#fdebd3\"/>"
       "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"8\" stroke=\"#e67e22\" stroke-width=\"3\"/>"
       "</pattern>\n"
    << "</defs>\n<style>\n"
    << ".bar-compute{fill:#59a14f}\n.bar-compute[data-phase=backward]{fill:#b07aa1}\n"
    << ".bar-compute[data-phase=update]{fill:#edc948}\n"
    << ".bar-compute[data-phase=recompute]{fill:#76b7b2}\n"
    << ".bar-stall-load{fill:url(#stall-hatch);stroke:#d9534f;stroke-width:0.5}\n"
    << ".bar-stall-store{fill:url(#store-hatch);stroke:#e67e22;stroke-width:0.5}\n"
    << ".bar-load{fill:#4e79a7}\n.bar-store{fill:#f28e2b}\n"
    << ".layer-name{text-anchor:end;fill:#222}\n.layer-name.worst{fill:#8b0000;font-weight:bold}\n"
    << ".tick{fill:#444;text-anchor:middle;font-size:11px}\n.grid{stroke:#e3e3e3}\n"
    << ".panel-title{font-weight:bold}\n.stripe{fill:#f6f6f6}\n"
    << ".callout{fill:#8b0000;font-weight:bold}\n"
    << ".worst-row{fill:none;stroke:#8b0000;stroke-width:1.5}\n"
    << "</style>\n"
    << "<rect class=\"background\" width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n";

  o << "<text x=\"20\" y=\"26\" font-size=\"16\" font-weight=\"bold\">"
    << xml_escape(sim.name + ": time and bytes moved per layer") << "</text>\n"
    << "<text x=\"20\" y=\"46\" fill=\"#555\">"
    << xml_escape(
           "each layer's phases summed; time is compute (coloured by phase) and stall "
           "before its ops; bytes are the loads for and the stores of its ops")
    << "</text>\n";
  if (worst < bars.size()) {
    char share[32];
    std::snprintf(share, sizeof share, "%.1f%%", 100.0 * bars[worst].stall() / total_stall);
    o << "<text class=\"callout\" x=\"20\" y=\"66\">"
      << xml_escape("most stall (outlined): " + bars[worst].name + ", " +
                    secs(bars[worst].stall()) + " (" + share + " of all stall)")
      << "</text>\n";
  }

  // Panels: titles, grid and ticks in units.
  o << "<text class=\"panel-title\" x=\"" << svg_num(time_left) << "\" y=\"" << svg_num(kTop - 26)
    << "\">time (" << xml_escape(tu.name) << ")</text>\n"
    << "<text class=\"panel-title\" x=\"" << svg_num(bytes_left) << "\" y=\"" << svg_num(kTop - 26)
    << "\">bytes moved (" << xml_escape(bu.name) << ")</text>\n";
  for (std::size_t i = 0; i < bars.size(); i += 2)  // stripes guide the eye along a row
    o << "<rect class=\"stripe\" x=\"20\" y=\""
      << svg_num(kTop + static_cast<double>(i) * (kRow + kRowGap) - kRowGap / 2) << "\" width=\""
      << svg_num(bx(bytes_end) - 20) << "\" height=\"" << svg_num(kRow + kRowGap) << "\"/>\n";
  for (const auto& [ticks, scale, to_x] :
       {std::tuple{&time_ticks, tu.scale, std::function<double(double)>(tx)},
        std::tuple{&byte_ticks, bu.scale, std::function<double(double)>(bx)}})
    for (double t : *ticks) {
      const double x = to_x(t / scale);
      o << "<line class=\"grid\" x1=\"" << svg_num(x) << "\" y1=\"" << svg_num(kTop - 8)
        << "\" x2=\"" << svg_num(x) << "\" y2=\"" << svg_num(bottom) << "\"/>\n"
        << "<text class=\"tick\" x=\"" << svg_num(x) << "\" y=\"" << svg_num(kTop - 11) << "\">"
        << xml_escape(format_number(t)) << "</text>\n";
    }

  for (std::size_t i = 0; i < bars.size(); ++i) {
    const LayerBar& b = bars[i];
    const double y = kTop + static_cast<double>(i) * (kRow + kRowGap);
    o << "<text class=\"layer-name" << (i == worst ? " worst" : "") << "\" x=\""
      << svg_num(time_left - 8) << "\" y=\"" << svg_num(y + kRow - 3) << "\">" << xml_escape(b.name)
      << "</text>\n";
    double at = 0;
    const auto bar = [&](const std::string& cls, const std::string& extra, double value,
                         const std::string& what) {
      if (value <= 0) return;
      o << "<rect class=\"" << cls << "\"" << extra << " x=\"" << svg_num(tx(at)) << "\" y=\""
        << svg_num(y) << "\" width=\"" << svg_num(std::max(0.5, tx(at + value) - tx(at)))
        << "\" height=\"" << svg_num(kRow) << "\"><title>" << xml_escape(b.name + ": " + what)
        << "</title></rect>\n";
      at += value;
    };
    for (int p = 0; p < 4; ++p) {
      const std::string phase(to_string(static_cast<OpPhase>(p)));
      bar("bar-compute", " data-phase=\"" + phase + "\"", b.compute[p],
          phase + " compute " + secs(b.compute[p]));
    }
    bar("bar-stall-load", "", b.stall_load, "stall waiting for loads " + secs(b.stall_load));
    bar("bar-stall-store", "", b.stall_store, "stall waiting for stores " + secs(b.stall_store));
    if (i == worst)
      o << "<rect class=\"worst-row\" x=\"20\" y=\"" << svg_num(y - kRowGap / 2) << "\" width=\""
        << svg_num(bx(bytes_end) - 20) << "\" height=\"" << svg_num(kRow + kRowGap) << "\"/>\n";
    double moved = 0;
    for (const auto& [cls, value, what] : {std::tuple{"bar-load", b.load_bytes, "loaded "},
                                           std::tuple{"bar-store", b.store_bytes, "stored "}}) {
      if (value <= 0) continue;
      o << "<rect class=\"" << cls << "\" x=\"" << svg_num(bx(moved)) << "\" y=\"" << svg_num(y)
        << "\" width=\"" << svg_num(std::max(0.5, bx(moved + value) - bx(moved))) << "\" height=\""
        << svg_num(kRow) << "\"><title>" << xml_escape(b.name + ": " + what + size(value))
        << "</title></rect>\n";
      moved += value;
    }
  }

  // Legend.
  std::array<bool, 4> phases{};
  for (const LayerPhaseRow& r : report.rows) phases[static_cast<int>(r.phase)] = true;
  std::vector<std::pair<std::string, std::string>> items;
  for (int p = 0; p < 4; ++p)
    if (phases[p])
      items.emplace_back(kPhaseColors[p],
                         std::string(to_string(static_cast<OpPhase>(p))) + " compute");
  items.emplace_back("url(#stall-hatch)", "stall: waiting for loads");
  items.emplace_back("url(#store-hatch)", "stall: waiting for stores");
  items.emplace_back("#4e79a7", "loaded");
  items.emplace_back("#f28e2b", "stored");
  double lx = 20;
  const double ly = bottom + 36;
  for (const auto& [fill, text] : items) {
    o << "<rect class=\"legend-swatch\" x=\"" << svg_num(lx) << "\" y=\"" << svg_num(ly - 11)
      << "\" width=\"14\" height=\"14\" fill=\"" << fill << "\"/>\n"
      << "<text class=\"legend\" x=\"" << svg_num(lx + 20) << "\" y=\"" << svg_num(ly) << "\">"
      << xml_escape(text) << "</text>\n";
    lx += 40 + text_width(text, kFont);
  }
  o << "</svg>\n";
  return o.str();
}

}  // namespace memsim
