#include "sim/report/svg_timeline.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <sstream>
#include <vector>

#include "sim/core/liveness.h"
#include "sim/core/occupancy.h"
#include "sim/core/units.h"
#include "sim/report/layer_groups.h"
#include "sim/report/report.h"
#include "sim/report/svg_text.h"
#include "sim/report/time_bins.h"

namespace memsim {
namespace {

constexpr double kWidth = 1200, kLeft = 130, kRight = 90, kFont = 12;
constexpr double kPlotWidth = kWidth - kLeft - kRight;
constexpr double kRowHeight = 32, kRowGap = 6, kBandHeight = 18, kLabelRow = 17;
constexpr double kCacheHeight = 80, kLiveHeight = 150;
// A memory level below level 2 that holds tensors gets a panel of its own (docs/model.md
// §15.5): the live bytes of its tensors, the peak at the top of the panel.
constexpr double kLevelHeight = 60, kLevelGap = 30;

constexpr std::array<const char*, 4> kPhaseColors{"#59a14f", "#b07aa1", "#edc948", "#76b7b2"};
// Live memory, stacked bottom to top in this order (the summary's order: persistent first).
struct KindStyle {
  TensorKind kind;
  const char* label;
  const char* color;
};
constexpr std::array<KindStyle, kTensorKindCount> kKinds{{
    {TensorKind::weight, "weights", "#34495e"},
    {TensorKind::optimizer_state, "optimizer state", "#a0522d"},
    {TensorKind::gradient, "gradients", "#c0392b"},
    {TensorKind::activation, "activations", "#48a9a6"},
    {TensorKind::input, "inputs", "#8c6d31"},
    {TensorKind::label, "labels", "#d4a6c8"},
    {TensorKind::other, "other", "#7f7f7f"},
}};

std::string phase_name(OpPhase p) {
  return std::string(to_string(p));
}

class Canvas {
 public:
  Canvas(const Simulation& sim, double total) : sim_(sim), total_(total > 0 ? total : 1) {}
  double x(double t) const { return kLeft + kPlotWidth * t / total_; }
  double total() const { return total_; }
  std::string when(double t) const {
    return sim_.machine.uniform ? format_number(t) : format_seconds(t);
  }
  std::string span(double a, double b) const { return when(a) + " to " + when(b); }
  std::string size(double b) const {
    return sim_.machine.uniform ? format_number(b) + (b == 1 ? " tensor" : " tensors")
                                : format_bytes(b);
  }
  // A rect of class `cls` with extra attributes, a tooltip, and the first label that fits.
  void box(std::ostringstream& o, const std::string& cls, const std::string& extra, double x0,
           double x1, double top, double height, const std::string& tooltip,
           std::initializer_list<std::string> labels, const char* label_class = "label") const {
    const double w = std::max(0.5, x1 - x0);
    o << "<rect class=\"" << cls << "\"" << extra << " x=\"" << svg_num(x0) << "\" y=\""
      << svg_num(top) << "\" width=\"" << svg_num(w) << "\" height=\"" << svg_num(height)
      << "\"><title>" << xml_escape(tooltip) << "</title></rect>\n";
    for (const std::string& label : labels)
      if (!label.empty() && text_width(label, kFont) + 6 <= w) {
        o << "<text class=\"" << label_class << "\" x=\"" << svg_num(x0 + w / 2) << "\" y=\""
          << svg_num(top + height / 2 + kFont * 0.35) << "\">" << xml_escape(label) << "</text>\n";
        break;
      }
  }

 private:
  const Simulation& sim_;
  double total_;
};

void row_name(std::ostringstream& o, double y, const std::string& text) {
  o << "<text class=\"row-name\" x=\"" << svg_num(kLeft - 12) << "\" y=\"" << svg_num(y) << "\">"
    << xml_escape(text) << "</text>\n";
}

// What the picture needs to know about the run, gathered once.
struct RunFacts {
  double total = 0;
  std::size_t loads = 0, stores = 0, events = 0;
  double stalled = 0;
  std::vector<TimedStep> computes;  // first compute of each op, in order
  std::vector<OpId> order;          // the ops in the order they first ran
  std::vector<double> from;         // per position: the end of the op before (0 for the first)
};

RunFacts gather(const Graph& g, const TimelineRecorder& rec) {
  RunFacts f;
  std::vector<std::uint8_t> seen(g.op_count(), 0);
  for (const TimedStep& s : rec.steps()) {
    f.total = std::max(f.total, s.end);
    // The run's loads and stores are link 1's (docs/model.md §15.5).
    f.loads += s.step.kind == StepKind::load && s.link == 1;
    f.stores += s.step.kind == StepKind::store && s.link == 1;
    f.events += s.step.kind != StepKind::drop;
    if (s.step.kind == StepKind::compute && !seen[s.step.id]) {
      seen[s.step.id] = 1;
      f.from.push_back(f.computes.empty() ? 0.0 : f.computes.back().end);
      f.computes.push_back(s);
      f.order.push_back(s.step.id);
    }
  }
  for (const TimelineStall& s : rec.stalls()) {
    f.total = std::max(f.total, s.end);
    f.stalled += s.end - s.start;
  }
  f.events += rec.stalls().size();
  return f;
}

// The layer whose ops waited longest (all phases), and its stalls.
struct WorstStall {
  bool any = false;
  LayerIndex layer = 0;
  double seconds = 0;
  std::vector<TimelineStall> stalls;
};

WorstStall worst_stall(const Graph& g, const TimelineRecorder& rec) {
  std::map<LayerIndex, double> by_layer;
  for (const TimelineStall& s : rec.stalls())
    by_layer[g.layer_root(g.op(s.op).layer)] += s.end - s.start;
  WorstStall w;
  for (const auto& [layer, seconds] : by_layer)
    if (seconds > w.seconds) {  // ties: the first layer in layer order
      w.any = true;
      w.layer = layer;
      w.seconds = seconds;
    }
  if (!w.any) return w;
  for (const TimelineStall& s : rec.stalls())
    if (g.layer_root(g.op(s.op).layer) == w.layer) w.stalls.push_back(s);
  return w;
}

const char* kStyle =
    "<style>\n"
    ".load{fill:#4e79a7;stroke:#fff;stroke-width:0.5}\n"
    ".store{fill:#f28e2b;stroke:#fff;stroke-width:0.5}\n"
    ".op{fill:#59a14f;stroke:#fff;stroke-width:0.5}\n"
    ".op[data-phase=backward],.op-bin[data-phase=backward],.phase-band[data-phase=backward]"
    "{fill:#b07aa1}\n"
    ".op[data-phase=update],.op-bin[data-phase=update],.phase-band[data-phase=update]"
    "{fill:#edc948}\n"
    ".op[data-phase=recompute],.op-bin[data-phase=recompute],"
    ".phase-band[data-phase=recompute]{fill:#76b7b2}\n"
    ".op-bin,.phase-band{fill:#59a14f}\n"
    ".load-bin{fill:#4e79a7}\n.store-bin{fill:#f28e2b}\n.stall-bin{fill:#d9534f}\n"
    ".stall{fill:url(#stall-hatch);stroke:#d9534f;stroke-width:0.5}\n"
    ".worst-stall{fill:none;stroke:#8b0000;stroke-width:2}\n"
    ".worst-mark{fill:#8b0000}\n"
    ".label{fill:#fff;text-anchor:middle;font-weight:bold}\n"
    ".stall+.label{fill:#8b1a1a}\n"
    ".band-label{fill:#222;text-anchor:middle;font-weight:bold}\n"
    ".group-label{fill:#333;text-anchor:middle;font-size:11px}\n"
    ".layer-group{fill:#eeeeee;stroke:#fff;stroke-width:1}\n"
    ".layer-group.alt{fill:#dddddd}\n"
    ".row-name{font-size:13px;font-weight:bold;text-anchor:end;fill:#222}\n"
    ".tick{fill:#444;text-anchor:middle;font-size:11px}\n"
    ".tick.side{text-anchor:start}\n"
    ".legend-title{font-weight:bold;fill:#444}\n"
    ".grid{stroke:#ddd;stroke-width:1}\n"
    ".cache-curve{fill:#bab0ac;fill-opacity:0.6;stroke:#79706e;stroke-width:1}\n"
    ".callout{fill:#8b0000;font-weight:bold}\n"
    ".peak-line{stroke:#222;stroke-width:1;stroke-dasharray:4 3}\n"
    "</style>\n";

}  // namespace

std::string timeline_svg(const Simulation& sim, const TimelineRecorder& rec) {
  const Graph& g = sim.graph;
  const bool uniform = sim.machine.uniform;
  const RunFacts f = gather(g, rec);
  const Canvas c(sim, f.total);
  const WorstStall worst = worst_stall(g, rec);
  // More events than pixels: draw each column's share of every kind of event instead.
  const bool binned = static_cast<double>(f.events) > kPlotWidth;
  const std::size_t columns = static_cast<std::size_t>(kPlotWidth);

  // Live memory by position, and the peak.
  // With tensors homed below level 2 (docs/model.md §15.5) the panel shows level 2's own
  // tensors against level 2's capacity: the others live elsewhere.
  std::uint8_t live_home = 0;
  for (TensorId t = 0; t < g.tensor_count() && live_home == 0; ++t)
    if (g.tensor(t).home > 2) live_home = 2;
  const std::vector<std::uint64_t> live = live_bytes_by_position(g, f.order, live_home);
  std::size_t peak_pos = 0;
  for (std::size_t p = 0; p < live.size(); ++p)
    if (live[p] > live[peak_pos]) peak_pos = p;
  const std::uint64_t peak_live = live.empty() ? 0 : live[peak_pos];

  // Vertical layout.
  // One memory row per channel of each link (docs/model.md §15.1): link 1's first, as on a
  // two-level machine, then each deeper link that carried a hop (a preset's host level that
  // nothing crossed adds no empty row).
  const Machine& m = sim.machine;
  std::vector<std::uint8_t> used(m.level_count() + 1, 0);
  used[1] = 1;
  for (const TimedStep& s : rec.steps())
    if (s.link < used.size()) used[s.link] = 1;
  std::vector<std::uint32_t> first_row{0, 0};  // by link; link 1 starts at row 0
  for (std::uint32_t link = 1; link < m.level_count(); ++link)
    first_row.push_back(first_row.back() +
                        (used[link] ? std::max<std::uint32_t>(1, m.link_channels(link)) : 0));
  const bool one_link = first_row.back() == first_row[2];  // only link 1 is drawn
  const std::uint32_t channels = first_row.back();
  const auto row_of = [&](const TimedStep& s) {
    const std::uint32_t link = std::min<std::uint32_t>(s.link, m.link_count());
    return first_row[link] + s.channel % (first_row[link + 1] - first_row[link]);
  };
  const double band_top = 78;
  const double memory_top = band_top + kBandHeight + kRowGap;
  const auto channel_top = [&](std::uint32_t ch) {
    return memory_top + ch * (kRowHeight + kRowGap);
  };
  const double compute_top = channel_top(channels) + 4;
  bool dotted = false;
  for (const TimedStep& s : f.computes)
    dotted =
        dotted || g.layer_name(g.layer_root(g.op(s.step.id).layer)).find('.') != std::string::npos;
  const int label_rows = dotted ? 2 : 1;
  const double labels_top = compute_top + kRowHeight + 4;
  const double axis_y = labels_top + label_rows * kLabelRow + 6;
  const double cache_top = axis_y + 58;
  const double cache_bottom = cache_top + kCacheHeight;
  const double live_top = cache_bottom + 30;
  const double live_bottom = live_top + kLiveHeight;
  // Each level below 2 that some tensor is homed at: its live bytes by position, beneath.
  std::vector<std::uint32_t> deep_levels;
  {
    std::vector<std::uint8_t> homed(m.level_count() + 1, 0);
    for (TensorId t = 0; t < g.tensor_count(); ++t)
      if (g.tensor(t).home < homed.size()) homed[g.tensor(t).home] = 1;
    for (std::uint32_t level = 3; level <= m.level_count(); ++level)
      if (homed[level]) deep_levels.push_back(level);
  }
  const auto level_top = [&](std::size_t i) {
    return live_bottom + kLevelGap + static_cast<double>(i) * (kLevelHeight + kLevelGap);
  };
  const double panels_bottom =
      deep_levels.empty() ? live_bottom : level_top(deep_levels.size() - 1) + kLevelHeight;
  const double legend_y = panels_bottom + 36;
  const double height = legend_y + 36;

  std::ostringstream o;
  o << svg_open(kWidth, height, kFont) << "<defs>\n"
    << "<pattern id=\"stall-hatch\" width=\"8\" height=\"8\" patternUnits=\"userSpaceOnUse\" "
       "patternTransform=\"rotate(45)\"><rect width=\"8\" height=\"8\" fill=\"#fbe3e3\"/>"
       "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"8\" stroke=\"#d9534f\" stroke-width=\"3\"/>"
       "</pattern>\n"
    << "<marker id=\"arrow\" markerWidth=\"10\" markerHeight=\"8\" refX=\"9\" refY=\"4\" "
       "orient=\"auto\"><path d=\"M0,0 L10,4 L0,8 z\" fill=\"#333\"/></marker>\n"
    << "</defs>\n"
    << kStyle << "<rect class=\"background\" width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n";

  // Title, the run in one line, and where it stalled most.
  const std::string workload = sim.workload.substr(0, sim.workload.find(" ("));
  std::ostringstream head, sub;
  head << sim.name << ": " << workload << ", overlap " << sim.overlap << ", eviction "
       << sim.eviction;
  sub << "time " << c.when(f.total) << (uniform ? " units" : "") << ", " << f.loads
      << (f.loads == 1 ? " load, " : " loads, ") << f.stores
      << (f.stores == 1 ? " store" : " stores") << ", stalled " << c.when(f.stalled)
      << (uniform ? " units" : "");
  if (!live.empty())
    sub << ", peak live " << (live_home ? "in " + sim.machine.dram_name + " " : "")
        << c.size(static_cast<double>(peak_live)) << " at " << g.op_name(f.order[peak_pos]);
  o << "<text x=\"" << svg_num(kLeft) << "\" y=\"24\" font-size=\"16\" font-weight=\"bold\">"
    << xml_escape(head.str()) << "</text>\n"
    << "<text x=\"" << svg_num(kLeft) << "\" y=\"44\" fill=\"#555\">" << xml_escape(sub.str())
    << "</text>\n";
  if (worst.any) {
    char share[32];
    const double pct = 100.0 * worst.seconds / f.stalled;
    std::snprintf(share, sizeof share, pct < 0.05 ? "<0.1%%" : "%.1f%%", pct);
    o << "<text class=\"callout\" x=\"" << svg_num(kLeft) << "\" y=\"64\">"
      << xml_escape("\u25bc worst-stalling layer (outlined): " + g.layer_name(worst.layer) +
                    ", stalled " + c.when(worst.seconds) + (uniform ? " units" : "") + " (" +
                    share + " of all stall)")
      << "</text>\n";
  }

  // Time grid and axis with round ticks.
  const AxisUnit unit = time_axis_unit(uniform, f.total);
  const double shown = c.total() * unit.scale;
  for (double t : nice_ticks(0, shown, 10)) {
    const double px = c.x(t / unit.scale);
    o << "<line class=\"grid\" x1=\"" << svg_num(px) << "\" y1=\"" << svg_num(band_top)
      << "\" x2=\"" << svg_num(px) << "\" y2=\"" << svg_num(axis_y) << "\"/>\n"
      << "<line class=\"grid\" x1=\"" << svg_num(px) << "\" y1=\"" << svg_num(cache_top)
      << "\" x2=\"" << svg_num(px) << "\" y2=\"" << svg_num(panels_bottom) << "\"/>\n"
      << "<text class=\"tick\" x=\"" << svg_num(px) << "\" y=\"" << svg_num(axis_y + 16) << "\">"
      << xml_escape(format_number(t)) << "</text>\n";
  }
  o << "<line x1=\"" << svg_num(kLeft) << "\" y1=\"" << svg_num(axis_y) << "\" x2=\""
    << svg_num(kWidth - kRight + 24) << "\" y2=\"" << svg_num(axis_y)
    << "\" stroke=\"#333\" stroke-width=\"1.5\" marker-end=\"url(#arrow)\"/>\n"
    << "<text x=\"" << svg_num(kWidth - kRight) << "\" y=\"" << svg_num(axis_y + 32)
    << "\" text-anchor=\"end\" font-weight=\"bold\">Time (" << unit.name << ")</text>\n";

  // Phase bands: runs of ops of one phase, from the end of the op before (the stall that
  // delays the first belongs to the phase).
  row_name(o, band_top + kBandHeight / 2 + 5, "Phase");
  for (std::size_t p = 0; p < f.computes.size();) {
    const OpPhase phase = g.op(f.order[p]).phase;
    std::size_t q = p;
    while (q + 1 < f.computes.size() && g.op(f.order[q + 1]).phase == phase) ++q;
    const double from = f.from[p], to = f.computes[q].end;
    c.box(o, "phase-band", " data-phase=\"" + phase_name(phase) + "\"", c.x(from), c.x(to),
          band_top, kBandHeight,
          phase_name(phase) + ": " + std::to_string(q - p + 1) + " ops, " + c.span(from, to),
          {phase_name(phase)}, "band-label");
    p = q + 1;
  }

  // Memory rows and the compute row.
  for (std::uint32_t link = 1; link < m.level_count(); ++link)
    for (std::uint32_t row = first_row[link]; row < first_row[link + 1]; ++row) {
      const std::uint32_t ch = row - first_row[link];
      const bool many = first_row[link + 1] - first_row[link] > 1;
      row_name(o, channel_top(row) + kRowHeight / 2 + 5,
               one_link
                   ? (many ? "Memory " + std::to_string(ch) : "Memory")
                   : "Link " + std::to_string(link) + (many ? " ch " + std::to_string(ch) : ""));
    }
  row_name(o, compute_top + kRowHeight / 2 + 5, "Compute");
  if (!binned) {
    for (const TimedStep& s : rec.steps()) {
      const std::string span = c.span(s.start, s.end);
      if (s.step.kind == StepKind::load || s.step.kind == StepKind::store) {
        const bool load = s.step.kind == StepKind::load;
        const std::string name = g.tensor_name(s.step.id);
        // A hop's levels, on a machine with more than two (docs/model.md §15.2).
        const std::uint32_t k = s.link;
        const std::string hop = one_link ? ""
                                : load
                                    ? " (" + m.level_name(k + 1) + " to " + m.level_name(k) + ")"
                                    : " (" + m.level_name(k) + " to " + m.level_name(k + 1) + ")";
        // Short boxes fall back to the layer alone ("dense2" for dense2.weight).
        c.box(o, load ? "load" : "store", "", c.x(s.start), c.x(s.end), channel_top(row_of(s)),
              kRowHeight,
              (load ? "load " : "store ") + name + hop + ", " +
                  c.size(static_cast<double>(g.tensor(s.step.id).bytes)) + ", " + span,
              {(load ? "Load " : "Store ") + name, name, g.layer_name(g.tensor(s.step.id).layer)});
      } else if (s.step.kind == StepKind::compute) {
        const Op& op = g.op(s.step.id);
        const std::string name = g.op_name(s.step.id);
        const auto outs = g.outputs(s.step.id);
        // The lecture writes "Compute X_i": a raw [graph]'s op is named by its single output.
        const std::string lecture =
            outs.size() == 1 && op.role == OpRole::none ? "Compute " + g.tensor_name(outs[0]) : "";
        c.box(o, "op", " data-phase=\"" + phase_name(op.phase) + "\"", c.x(s.start), c.x(s.end),
              compute_top, kRowHeight,
              "compute " + name + " (" + phase_name(op.phase) + "), " + format_flops(op.flops) +
                  ", " + span,
              {lecture, name, g.layer_name(op.layer)});
      }
    }
    for (const TimelineStall& s : rec.stalls())
      c.box(o, "stall", "", c.x(s.start), c.x(s.end), compute_top, kRowHeight,
            "stall before " + g.op_name(s.op) + ", waiting for a " +
                (s.waiting_for_store ? "store" : "load") + ", " + c.span(s.start, s.end),
            {"stall"});
  } else {
    // Per column: the share of each channel spent loading and storing; of the compute unit,
    // computing in each phase and stalling. Stacked from the bottom of the row.
    TimeBins memory(f.total, columns, 2 * channels);
    TimeBins compute(f.total, columns, 5);
    for (const TimedStep& s : rec.steps()) {
      if (s.step.kind == StepKind::load || s.step.kind == StepKind::store)
        memory.add(s.start, s.end, 2 * row_of(s) + (s.step.kind == StepKind::store));
      else if (s.step.kind == StepKind::compute)
        compute.add(s.start, s.end, static_cast<std::size_t>(g.op(s.step.id).phase));
    }
    for (const TimelineStall& s : rec.stalls()) compute.add(s.start, s.end, 4);
    const double px = kPlotWidth / static_cast<double>(columns);
    const auto stack = [&](double top, double share, double& filled, const std::string& cls,
                           const std::string& extra, std::size_t col, const std::string& what) {
      if (share <= 0) return;
      const double h = kRowHeight * share;
      o << "<rect class=\"" << cls << "\"" << extra << " x=\""
        << svg_num(kLeft + px * static_cast<double>(col)) << "\" y=\""
        << svg_num(top + kRowHeight - filled - h) << "\" width=\"" << svg_num(px) << "\" height=\""
        << svg_num(h) << "\"><title>" << xml_escape(what) << " " << std::lround(100 * share)
        << "% of "
        << xml_escape(c.span(f.total * static_cast<double>(col) / static_cast<double>(columns),
                             f.total * static_cast<double>(col + 1) / static_cast<double>(columns)))
        << "</title></rect>\n";
      filled += h;
    };
    for (std::size_t col = 0; col < columns; ++col) {
      for (std::uint32_t ch = 0; ch < channels; ++ch) {
        double filled = 0;
        stack(channel_top(ch), memory.fraction(col, 2 * ch), filled, "load-bin", "", col,
              "loading");
        stack(channel_top(ch), memory.fraction(col, 2 * ch + 1), filled, "store-bin", "", col,
              "storing");
      }
      double filled = 0;
      for (int p = 0; p < 4; ++p)
        stack(compute_top, compute.fraction(col, p), filled, "op-bin",
              " data-phase=\"" + phase_name(static_cast<OpPhase>(p)) + "\"", col,
              "computing " + phase_name(static_cast<OpPhase>(p)));
      stack(compute_top, compute.fraction(col, 4), filled, "stall-bin", "", col, "stalled");
    }
  }
  // The worst-stalling layer's stalls, outlined, and a marker over the longest.
  if (worst.any) {
    const TimelineStall* longest = &worst.stalls.front();
    for (const TimelineStall& s : worst.stalls) {
      if (s.end - s.start > longest->end - longest->start) longest = &s;
      if (!binned)
        o << "<rect class=\"worst-stall\" x=\"" << svg_num(c.x(s.start)) << "\" y=\""
          << svg_num(compute_top) << "\" width=\""
          << svg_num(std::max(1.0, c.x(s.end) - c.x(s.start))) << "\" height=\""
          << svg_num(kRowHeight) << "\"/>\n";
    }
    const double mx = c.x((longest->start + longest->end) / 2);
    o << "<path class=\"worst-mark\" d=\"M" << svg_num(mx - 6) << "," << svg_num(compute_top - 10)
      << " L" << svg_num(mx + 6) << "," << svg_num(compute_top - 10) << " L" << svg_num(mx) << ","
      << svg_num(compute_top - 1) << " z\"><title>"
      << xml_escape("worst-stalling layer: " + g.layer_name(worst.layer)) << "</title></path>\n";
  }

  // Layer labels beneath: runs of ops of one part of the model ("layer4"), and one level
  // deeper ("layer4.1") when names have parts.
  for (int depth = 1; depth <= label_rows; ++depth) {
    const double top = labels_top + (depth - 1) * kLabelRow;
    row_name(o, top + kLabelRow - 4, depth == 1 ? "Layers" : "");
    bool alt = false;
    for (const OpGroup& grp : group_ops(g, f.computes, depth)) {
      const double x0 = c.x(grp.start), x1 = c.x(grp.end);
      if (x1 - x0 < 2) continue;  // narrower than a label could ever be
      c.box(o, alt ? "layer-group alt" : "layer-group", "", x0, x1, top, kLabelRow - 1,
            grp.name + ": " + std::to_string(grp.ops) + (grp.ops == 1 ? " op, " : " ops, ") +
                c.span(grp.start, grp.end),
            {grp.name}, "group-label");
      alt = !alt;
    }
  }

  // Cache occupancy: a step curve of the bytes occupied, 0 to the capacity (dashed). Binned,
  // each column keeps its largest value, so no peak is lost.
  const double capacity =
      static_cast<double>(std::max<std::uint64_t>(1, sim.machine.cache_capacity));
  const auto cache_y = [&](double b) { return cache_bottom - kCacheHeight * b / capacity; };
  std::vector<OccupancySample> samples = occupancy_curve(g, rec.steps());
  if (samples.size() > 2 * columns) {
    std::vector<OccupancySample> peaks;
    std::uint64_t carried = 0;
    std::size_t i = 0;
    for (std::size_t col = 0; col < columns; ++col) {
      const double end = f.total * static_cast<double>(col + 1) / static_cast<double>(columns);
      std::uint64_t high = carried;
      for (; i < samples.size() && (samples[i].t < end || col + 1 == columns); ++i) {
        high = std::max(high, samples[i].bytes);
        carried = samples[i].bytes;
      }
      peaks.push_back({f.total * static_cast<double>(col) / static_cast<double>(columns), high});
    }
    samples.swap(peaks);
  }
  row_name(o, cache_top + kCacheHeight / 2, "Cache");
  row_name(o, cache_top + kCacheHeight / 2 + 16, "in use");
  o << "<text class=\"tick\" x=\"" << svg_num(kWidth - kRight) << "\" y=\""
    << svg_num(cache_y(capacity) - 4) << "\" style=\"text-anchor:end\">capacity "
    << xml_escape(c.size(capacity)) << "</text>\n"
    << "<line x1=\"" << svg_num(kLeft) << "\" y1=\"" << svg_num(cache_y(capacity)) << "\" x2=\""
    << svg_num(kWidth - kRight) << "\" y2=\"" << svg_num(cache_y(capacity))
    << "\" stroke=\"#c0392b\" stroke-dasharray=\"6 4\"/>\n"
    << "<line x1=\"" << svg_num(kLeft) << "\" y1=\"" << svg_num(cache_bottom) << "\" x2=\""
    << svg_num(kWidth - kRight) << "\" y2=\"" << svg_num(cache_bottom) << "\" stroke=\"#333\"/>\n";
  // Round ticks up the capacity, in tensors or bytes (1 MiB steps read better than 10^6 B).
  std::ostringstream cache_ticks;
  {
    const double mib = uniform || capacity < 4 * 1048576.0 ? 1.0 : 1048576.0;
    for (double t : nice_ticks(0, capacity / mib, 3)) {
      const double b = t * mib;
      if (b > capacity * 0.8) continue;  // the dashed capacity line is labelled already
      o << "<line class=\"grid\" x1=\"" << svg_num(kLeft) << "\" y1=\"" << svg_num(cache_y(b))
        << "\" x2=\"" << svg_num(kWidth - kRight) << "\" y2=\"" << svg_num(cache_y(b)) << "\"/>\n";
      cache_ticks << "<text class=\"tick side\" x=\"" << svg_num(kWidth - kRight + 6) << "\" y=\""
                  << svg_num(cache_y(b) + 4) << "\">"
                  << xml_escape(uniform ? format_number(b) : format_bytes(b)) << "</text>\n";
    }
  }
  std::uint64_t cache_peak = 0;
  o << "<polygon class=\"cache-curve\" points=\"" << svg_num(c.x(0)) << ","
    << svg_num(cache_bottom);
  std::uint64_t now = 0;
  for (const OccupancySample& s : samples) {
    o << " " << svg_num(c.x(s.t)) << "," << svg_num(cache_y(static_cast<double>(now))) << " "
      << svg_num(c.x(s.t)) << "," << svg_num(cache_y(static_cast<double>(s.bytes)));
    now = s.bytes;
    cache_peak = std::max(cache_peak, s.bytes);
  }
  o << " " << svg_num(c.x(f.total)) << "," << svg_num(cache_y(static_cast<double>(now))) << " "
    << svg_num(c.x(f.total)) << "," << svg_num(cache_bottom) << "\"><title>cache in use, peak "
    << xml_escape(c.size(static_cast<double>(cache_peak))) << "</title></polygon>\n";
  o << cache_ticks.str();

  // Live memory, stacked by kind (PyTorch's memory viewer): at each op's position, from the end
  // of the op before to its own end. Binned, one position per column: the one with the most
  // live bytes.
  row_name(o, live_top + kLiveHeight / 2 - 8, "Live");
  row_name(o, live_top + kLiveHeight / 2 + 8, "memory");
  std::vector<std::uint32_t> positions;
  if (live.size() <= 2 * columns) {
    for (std::uint32_t p = 0; p < live.size(); ++p) positions.push_back(p);
  } else {
    std::size_t best = std::string::npos, best_col = 0;
    for (std::uint32_t p = 0; p < live.size(); ++p) {
      const std::size_t col =
          std::min(columns - 1, static_cast<std::size_t>(c.x(f.computes[p].end) - kLeft));
      if (best != std::string::npos && col != best_col) {
        positions.push_back(static_cast<std::uint32_t>(best));
        best = std::string::npos;
      }
      if (best == std::string::npos || live[p] > live[best]) best = p;
      best_col = col;
    }
    if (best != std::string::npos) positions.push_back(static_cast<std::uint32_t>(best));
    if (std::find(positions.begin(), positions.end(), peak_pos) == positions.end()) {
      positions.push_back(static_cast<std::uint32_t>(peak_pos));
      std::sort(positions.begin(), positions.end());
    }
  }
  const auto by_kind = live_bytes_by_kind_at(g, f.order, positions, live_home);
  double top_value = static_cast<double>(std::max<std::uint64_t>(1, peak_live));
  const double dram = static_cast<double>(sim.machine.dram_capacity);
  const bool show_dram = !uniform && dram < 1.3 * top_value;  // near the peak: worth a line
  if (show_dram) top_value = std::max(top_value, dram);
  const auto live_y = [&](double b) { return live_bottom - kLiveHeight * b / (top_value * 1.08); };
  std::array<std::uint64_t, kTensorKindCount> kind_peak{};
  std::ostringstream live_ticks;  // drawn over the areas
  for (const auto& row : by_kind)
    for (int k = 0; k < kTensorKindCount; ++k) kind_peak[k] = std::max(kind_peak[k], row[k]);
  {
    // Ticks in the unit of the peak, inside the panel.
    const double scale =
        uniform
            ? 1.0
            : std::pow(1024.0, std::floor(std::log(std::max(1.0, top_value)) / std::log(1024.0)));
    for (double t : nice_ticks(0, top_value / scale, 4)) {
      const double b = t * scale;
      if (b == 0) continue;
      o << "<line class=\"grid\" x1=\"" << svg_num(kLeft) << "\" y1=\"" << svg_num(live_y(b))
        << "\" x2=\"" << svg_num(kWidth - kRight) << "\" y2=\"" << svg_num(live_y(b)) << "\"/>\n";
      live_ticks << "<text class=\"tick side\" x=\"" << svg_num(kWidth - kRight + 6) << "\" y=\""
                 << svg_num(live_y(b) + 4) << "\">"
                 << xml_escape(uniform ? format_number(b) : format_bytes(b)) << "</text>\n";
    }
  }
  // Position i holds from the end of the op before it until the next drawn position (binned:
  // a column's worth of ops, drawn at their largest), the last one until its op ends.
  const auto live_x0 = [&](std::size_t i) { return c.x(f.from[positions[i]]); };
  const auto live_x1 = [&](std::size_t i) {
    return i + 1 < positions.size() ? c.x(f.from[positions[i + 1]])
                                    : c.x(f.computes[positions[i]].end);
  };
  std::vector<double> below(positions.size(), 0.0);
  for (const KindStyle& kind : kKinds) {
    const int k = static_cast<int>(kind.kind);
    if (kind_peak[k] == 0) continue;
    std::ostringstream upper, lower;
    for (std::size_t i = 0; i < positions.size(); ++i) {
      const double x0 = live_x0(i), x1 = live_x1(i);
      const double top = below[i] + static_cast<double>(by_kind[i][k]);
      upper << " " << svg_num(x0) << "," << svg_num(live_y(top)) << " " << svg_num(x1) << ","
            << svg_num(live_y(top));
      below[i] = top;
    }
    // The lower edge is the layer beneath, walked back.
    for (std::size_t i = positions.size(); i-- > 0;) {
      const double base = below[i] - static_cast<double>(by_kind[i][k]);
      lower << " " << svg_num(live_x1(i)) << "," << svg_num(live_y(base)) << " "
            << svg_num(live_x0(i)) << "," << svg_num(live_y(base));
    }
    o << "<polygon class=\"live-area\" data-kind=\"" << to_string(kind.kind) << "\" fill=\""
      << kind.color << "\" points=\"" << upper.str() << lower.str() << "\"><title>"
      << xml_escape(std::string(kind.label) + ": up to " +
                    c.size(static_cast<double>(kind_peak[k])))
      << "</title></polygon>\n";
  }
  o << live_ticks.str();
  o << "<line x1=\"" << svg_num(kLeft) << "\" y1=\"" << svg_num(live_bottom) << "\" x2=\""
    << svg_num(kWidth - kRight) << "\" y2=\"" << svg_num(live_bottom) << "\" stroke=\"#333\"/>\n";
  if (show_dram)
    o << "<line x1=\"" << svg_num(kLeft) << "\" y1=\"" << svg_num(live_y(dram)) << "\" x2=\""
      << svg_num(kWidth - kRight) << "\" y2=\"" << svg_num(live_y(dram))
      << "\" stroke=\"#c0392b\" stroke-dasharray=\"6 4\"/>\n"
      << "<text class=\"tick\" x=\"" << svg_num(kWidth - kRight) << "\" y=\""
      << svg_num(live_y(dram) - 4) << "\" style=\"text-anchor:end\">"
      << (live_home ? xml_escape(sim.machine.dram_name) : std::string("DRAM")) << " "
      << xml_escape(c.size(dram)) << "</text>\n";
  if (!live.empty()) {
    // The peak: a dashed line at its op, labelled on the side with room.
    const double px = (c.x(f.from[peak_pos]) + c.x(f.computes[peak_pos].end)) / 2;
    const std::string text = "peak " + c.size(static_cast<double>(peak_live)) +
                             (live_home ? " in " + sim.machine.dram_name : "") + " at " +
                             g.op_name(f.order[peak_pos]);
    const bool right = px + 8 + text_width(text, kFont) <= kWidth - kRight;
    o << "<line class=\"peak-line\" x1=\"" << svg_num(px) << "\" y1=\"" << svg_num(live_top - 6)
      << "\" x2=\"" << svg_num(px) << "\" y2=\"" << svg_num(live_bottom) << "\"/>\n"
      << "<text class=\"peak-label\" x=\"" << svg_num(right ? px + 6 : px - 6) << "\" y=\""
      << svg_num(live_top + 6) << "\" font-weight=\"bold\" text-anchor=\""
      << (right ? "start" : "end") << "\">" << xml_escape(text) << "</text>\n";
  }

  // The deeper levels' panels: live bytes of the tensors homed at the level (§1's rule,
  // counting only them), a step line from the baseline: position i holds from the end of the
  // op before it to its own end. More positions than columns: each column at its largest.
  for (std::size_t i = 0; i < deep_levels.size(); ++i) {
    const std::uint32_t level = deep_levels[i];
    const std::vector<std::uint64_t> bytes =
        live_bytes_by_position(g, f.order, static_cast<std::uint8_t>(level));
    const double top = level_top(i), bottom = top + kLevelHeight;
    std::size_t peak_at = 0;
    for (std::size_t p = 0; p < bytes.size(); ++p)
      if (bytes[p] > bytes[peak_at]) peak_at = p;
    const double peak = bytes.empty() ? 0.0 : static_cast<double>(bytes[peak_at]);
    const auto y = [&](double b) { return bottom - (peak > 0 ? kLevelHeight * b / peak : 0.0); };
    row_name(o, top + kLevelHeight / 2 - 3, m.level_name(level));
    row_name(o, top + kLevelHeight / 2 + 13, "live");
    std::ostringstream points;
    points << svg_num(kLeft) << "," << svg_num(bottom);
    const auto step = [&](double x0, double x1, double b) {
      points << " " << svg_num(x0) << "," << svg_num(y(b)) << " " << svg_num(x1) << ","
             << svg_num(y(b));
    };
    double last_x = kLeft;
    if (bytes.size() <= 2 * columns) {
      for (std::size_t p = 0; p < bytes.size(); ++p) {
        last_x = c.x(f.computes[p].end);
        step(c.x(f.from[p]), last_x, static_cast<double>(bytes[p]));
      }
    } else {
      std::size_t col = 0;
      std::uint64_t most = 0;
      bool open = false;
      for (std::size_t p = 0; p < bytes.size(); ++p) {
        const std::size_t here =
            std::min(columns - 1, static_cast<std::size_t>(c.x(f.computes[p].end) - kLeft));
        if (open && here != col) {
          step(kLeft + static_cast<double>(col), kLeft + static_cast<double>(col + 1),
               static_cast<double>(most));
          most = 0;
        }
        col = here;
        most = std::max(most, bytes[p]);
        open = true;
      }
      if (open) {
        last_x = kLeft + static_cast<double>(col + 1);
        step(kLeft + static_cast<double>(col), last_x, static_cast<double>(most));
      }
    }
    points << " " << svg_num(last_x) << "," << svg_num(bottom);
    const std::string peak_text =
        "peak " + c.size(peak) + " in " + m.level_name(level) +
        (bytes.empty() ? std::string() : " at " + std::string(g.op_name(f.order[peak_at])));
    o << "<polygon class=\"level-live\" data-level=\"" << level
      << "\" fill=\"#a0522d\" fill-opacity=\"0.55\" stroke=\"#6b3a1f\" points=\"" << points.str()
      << "\"><title>"
      << xml_escape(m.level_name(level) + " (level " + std::to_string(level) +
                    "): live bytes of its tensors, " + peak_text)
      << "</title></polygon>\n"
      << "<line x1=\"" << svg_num(kLeft) << "\" y1=\"" << svg_num(bottom) << "\" x2=\""
      << svg_num(kWidth - kRight) << "\" y2=\"" << svg_num(bottom) << "\" stroke=\"#333\"/>\n"
      << "<text class=\"tick side\" x=\"" << svg_num(kWidth - kRight + 6) << "\" y=\""
      << svg_num(top + 4) << "\">" << xml_escape(c.size(peak)) << "</text>\n"
      << "<text class=\"peak-label\" x=\"" << svg_num(kLeft + 6) << "\" y=\"" << svg_num(top - 6)
      << "\" font-weight=\"bold\">" << xml_escape(peak_text) << "</text>\n";
  }

  // Legend: what each colour is, only for what the picture shows; the time line's colours on
  // one row, the live memory's on the next.
  std::vector<std::pair<std::string, std::string>> timeline_items{{"#4e79a7", "load"},
                                                                  {"#f28e2b", "store"}};
  std::array<bool, 4> phases{};
  for (OpId op : f.order) phases[static_cast<int>(g.op(op).phase)] = true;
  for (int p = 0; p < 4; ++p)
    if (phases[p])
      timeline_items.emplace_back(kPhaseColors[p], phase_name(static_cast<OpPhase>(p)));
  timeline_items.emplace_back(binned ? "#d9534f" : "url(#stall-hatch)", "stall");
  timeline_items.emplace_back("#bab0ac", "cache in use");
  std::vector<std::pair<std::string, std::string>> live_items;
  for (const KindStyle& kind : kKinds)
    if (kind_peak[static_cast<int>(kind.kind)] > 0) live_items.emplace_back(kind.color, kind.label);
  double ly = legend_y;
  for (const auto* items : {&timeline_items, &live_items}) {
    o << "<text class=\"legend-title\" x=\"" << svg_num(kLeft - 12) << "\" y=\"" << svg_num(ly)
      << "\" text-anchor=\"end\">" << (items == &live_items ? "live memory" : "time line")
      << "</text>\n";
    double lx = kLeft;
    for (const auto& [fill, text] : *items) {
      const double w = 30 + text_width(text, kFont);
      if (lx + w > kWidth - kRight) {
        lx = kLeft;
        ly += 20;
      }
      o << "<rect class=\"legend-swatch\" x=\"" << svg_num(lx) << "\" y=\"" << svg_num(ly - 11)
        << "\" width=\"14\" height=\"14\" fill=\"" << fill << "\"/>\n"
        << "<text class=\"legend\" x=\"" << svg_num(lx + 20) << "\" y=\"" << svg_num(ly) << "\">"
        << xml_escape(text) << "</text>\n";
      lx += w + 10;
    }
    ly += 22;
  }
  o << "</svg>\n";
  std::string out = o.str();
  // The legend may have wrapped below the planned height.
  if (ly > height - 8) {
    const std::string from = svg_open(kWidth, height, kFont), to = svg_open(kWidth, ly, kFont);
    out.replace(0, from.size(), to);
  }
  return out;
}

}  // namespace memsim
