#include "sim/report/svg_timeline.h"

#include <algorithm>
#include <sstream>
#include <vector>

#include "sim/core/occupancy.h"
#include "sim/core/units.h"
#include "sim/report/report.h"
#include "sim/report/svg_text.h"

namespace memsim {
namespace {

constexpr double kWidth = 1200, kLeft = 130, kRight = 40, kTop = 64;
constexpr double kRowHeight = 38, kRowGap = 10, kCacheHeight = 130, kFont = 12;

// How times are written on the axis: byte mode picks the unit that suits the run's length.
struct TimeUnit {
  double per_second;  // axis value = seconds * per_second
  const char* name;
};
TimeUnit pick_unit(bool uniform, double total) {
  if (uniform) return {1.0, "time units"};
  if (total < 1e-6) return {1e9, "ns"};
  if (total < 1e-3) return {1e6, "us"};
  if (total < 1) return {1e3, "ms"};
  return {1.0, "s"};
}

class Canvas {
 public:
  explicit Canvas(const Simulation& sim, double total) : sim_(sim), total_(total > 0 ? total : 1) {}
  double x(double t) const { return kLeft + (kWidth - kLeft - kRight) * t / total_; }
  std::string when(double t) const {
    return sim_.machine.uniform ? format_number(t) : format_seconds(t);
  }
  std::string size(std::uint64_t b) const {
    return sim_.machine.uniform ? std::to_string(b) + (b == 1 ? " tensor" : " tensors")
                                : format_bytes(static_cast<double>(b));
  }
  // One event: a rect of class `kind` on the row at `top`, a tooltip, and the first label
  // of `labels` that fits inside it.
  void event(std::ostringstream& o, const char* kind, double start, double end, double top,
             const std::string& tooltip, std::initializer_list<std::string> labels) const {
    const double x0 = x(start), w = std::max(0.5, x(end) - x(start));
    o << "<rect class=\"" << kind << "\" x=\"" << svg_num(x0) << "\" y=\"" << svg_num(top)
      << "\" width=\"" << svg_num(w) << "\" height=\"" << svg_num(kRowHeight) << "\"><title>"
      << xml_escape(tooltip) << "</title></rect>\n";
    for (const std::string& label : labels)
      if (text_width(label, kFont) + 6 <= w) {
        o << "<text class=\"label\" x=\"" << svg_num(x0 + w / 2) << "\" y=\""
          << svg_num(top + kRowHeight / 2 + kFont * 0.35) << "\">" << xml_escape(label)
          << "</text>\n";
        break;
      }
  }

 private:
  const Simulation& sim_;
  double total_;
};

std::string op_label(const Graph& g, OpId op) {
  // The lecture writes "Compute X_i": a raw [graph]'s op is named by its output when it has
  // exactly one; a model's op by its own name ("dense2.forward"), which says layer and role.
  const auto outs = g.outputs(op);
  return outs.size() == 1 && g.op(op).role == OpRole::none
             ? "Compute " + std::string(g.tensor_name(outs[0]))
             : std::string(g.op_name(op));
}

}  // namespace

std::string timeline_svg(const Simulation& sim, const TimelineRecorder& rec) {
  const Graph& g = sim.graph;
  double total = 0;
  std::size_t loads = 0, stores = 0;
  double stalled = 0;
  for (const TimedStep& s : rec.steps()) {
    total = std::max(total, s.end);
    loads += s.step.kind == StepKind::load;
    stores += s.step.kind == StepKind::store;
  }
  for (const TimelineStall& s : rec.stalls()) {
    total = std::max(total, s.end);
    stalled += s.end - s.start;
  }
  const Canvas c(sim, total);
  const std::uint32_t channels = std::max<std::uint32_t>(1, sim.machine.dram_channels);
  const auto row_top = [](std::uint32_t row) { return kTop + row * (kRowHeight + kRowGap); };
  const double compute_top = row_top(channels);
  const double axis_y = compute_top + kRowHeight + 14;
  const double cache_top = axis_y + 62;
  const double cache_bottom = cache_top + kCacheHeight;
  const double legend_y = cache_bottom + 46;
  const double height = legend_y + 24;

  std::ostringstream o;
  o << svg_open(kWidth, height, kFont) << "<defs>\n"
    << "<pattern id=\"stall-hatch\" width=\"8\" height=\"8\" patternUnits=\"userSpaceOnUse\" "
       "patternTransform=\"rotate(45)\"><rect width=\"8\" height=\"8\" fill=\"#fbe3e3\"/>"
       "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"8\" stroke=\"#d9534f\" stroke-width=\"3\"/>"
       "</pattern>\n"
    << "<marker id=\"arrow\" markerWidth=\"10\" markerHeight=\"8\" refX=\"9\" refY=\"4\" "
       "orient=\"auto\"><path d=\"M0,0 L10,4 L0,8 z\" fill=\"#333\"/></marker>\n"
    << "</defs>\n"
    << "<style>\n"
    << ".load{fill:#4e79a7;stroke:#fff;stroke-width:0.5}\n"
    << ".store{fill:#f28e2b;stroke:#fff;stroke-width:0.5}\n"
    << ".op{fill:#59a14f;stroke:#fff;stroke-width:0.5}\n"
    << ".stall{fill:url(#stall-hatch);stroke:#d9534f;stroke-width:0.5}\n"
    << ".label{fill:#fff;text-anchor:middle;font-weight:bold}\n"
    << ".stall+.label{fill:#8b1a1a}\n"
    << ".row-name{font-size:14px;font-weight:bold;text-anchor:end;fill:#222}\n"
    << ".tick{fill:#444;text-anchor:middle;font-size:11px}\n"
    << ".grid{stroke:#ddd;stroke-width:1}\n"
    << ".cache-curve{fill:#76b7b2;fill-opacity:0.45;stroke:#2f7f79;stroke-width:1.5}\n"
    << "</style>\n"
    << "<rect class=\"background\" width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n";

  std::ostringstream head;
  head << sim.name << ": " << sim.overlap << ", eviction " << sim.eviction;
  std::ostringstream sub;
  sub << "time " << c.when(total) << (sim.machine.uniform ? " units" : "") << ", " << loads
      << (loads == 1 ? " load, " : " loads, ") << stores << (stores == 1 ? " store" : " stores")
      << ", stalled " << c.when(stalled) << (sim.machine.uniform ? " units" : "");
  o << "<text x=\"" << svg_num(kLeft) << "\" y=\"24\" font-size=\"16\" font-weight=\"bold\">"
    << xml_escape(head.str()) << "</text>\n"
    << "<text x=\"" << svg_num(kLeft) << "\" y=\"44\" fill=\"#555\">" << xml_escape(sub.str())
    << "</text>\n";

  // Time grid and axis with round ticks.
  const TimeUnit unit = pick_unit(sim.machine.uniform, total);
  const double shown = (total > 0 ? total : 1) * unit.per_second;
  for (double t : nice_ticks(0, shown, 10)) {
    const double px = c.x(t / unit.per_second);
    o << "<line class=\"grid\" x1=\"" << svg_num(px) << "\" y1=\"" << svg_num(kTop - 4)
      << "\" x2=\"" << svg_num(px) << "\" y2=\"" << svg_num(axis_y) << "\"/>\n"
      << "<line class=\"grid\" x1=\"" << svg_num(px) << "\" y1=\"" << svg_num(cache_top)
      << "\" x2=\"" << svg_num(px) << "\" y2=\"" << svg_num(cache_bottom) << "\"/>\n"
      << "<text class=\"tick\" x=\"" << svg_num(px) << "\" y=\"" << svg_num(axis_y + 16) << "\">"
      << xml_escape(format_number(t)) << "</text>\n";
  }
  o << "<line x1=\"" << svg_num(kLeft) << "\" y1=\"" << svg_num(axis_y) << "\" x2=\""
    << svg_num(kWidth - kRight + 24) << "\" y2=\"" << svg_num(axis_y)
    << "\" stroke=\"#333\" stroke-width=\"1.5\" marker-end=\"url(#arrow)\"/>\n"
    << "<text x=\"" << svg_num(kWidth - kRight) << "\" y=\"" << svg_num(axis_y + 34)
    << "\" text-anchor=\"end\" font-weight=\"bold\">Time (" << unit.name << ")</text>\n";

  // Row names, as on the slide.
  for (std::uint32_t ch = 0; ch < channels; ++ch)
    o << "<text class=\"row-name\" x=\"" << svg_num(kLeft - 12) << "\" y=\""
      << svg_num(row_top(ch) + kRowHeight / 2 + 5) << "\">"
      << (channels == 1 ? std::string("Memory") : "Memory " + std::to_string(ch)) << "</text>\n";
  o << "<text class=\"row-name\" x=\"" << svg_num(kLeft - 12) << "\" y=\""
    << svg_num(compute_top + kRowHeight / 2 + 5) << "\">Compute</text>\n";

  for (const TimedStep& s : rec.steps()) {
    const std::string span = c.when(s.start) + " to " + c.when(s.end);
    switch (s.step.kind) {
      case StepKind::load:
      case StepKind::store: {
        const bool load = s.step.kind == StepKind::load;
        const std::string name(g.tensor_name(s.step.id));
        // Short boxes fall back to the layer alone ("dense2" for dense2.weight).
        c.event(
            o, load ? "load" : "store", s.start, s.end, row_top(s.channel % channels),
            (load ? "load " : "store ") + name + ", " + c.size(g.tensor(s.step.id).bytes) + ", " +
                span,
            {(load ? "Load " : "Store ") + name, name, g.layer_name(g.tensor(s.step.id).layer)});
        break;
      }
      case StepKind::compute: {
        const std::string name(g.op_name(s.step.id));
        c.event(o, "op", s.start, s.end, compute_top,
                "compute " + name + ", " + format_flops(g.op(s.step.id).flops) + ", " + span,
                {op_label(g, s.step.id), name, g.layer_name(g.op(s.step.id).layer)});
        break;
      }
      case StepKind::drop:
        break;  // free: visible in the cache curve only
    }
  }
  for (const TimelineStall& s : rec.stalls())
    c.event(o, "stall", s.start, s.end, compute_top,
            std::string("stall before ") + std::string(g.op_name(s.op)) + ", waiting for a " +
                (s.waiting_for_store ? "store" : "load") + ", " + c.when(s.start) + " to " +
                c.when(s.end),
            {"stall"});

  // Cache occupancy beneath: a step curve of the bytes in use after each step, from 0 to
  // the capacity (dashed).
  const double capacity =
      static_cast<double>(std::max<std::uint64_t>(1, sim.machine.cache_capacity));
  const auto y = [&](double bytes) { return cache_bottom - kCacheHeight * bytes / capacity; };
  struct Sample {
    double t;
    std::uint64_t bytes;
  };
  std::vector<Sample> samples;
  for (const OccupancySample& o : occupancy_curve(g, rec.steps()))
    samples.push_back({o.t, o.bytes});
  o << "<text class=\"row-name\" x=\"" << svg_num(kLeft - 12) << "\" y=\""
    << svg_num(cache_top + kCacheHeight / 2) << "\">Cache</text>\n"
    << "<text class=\"row-name\" x=\"" << svg_num(kLeft - 12) << "\" y=\""
    << svg_num(cache_top + kCacheHeight / 2 + 16) << "\">in use</text>\n"
    << "<text class=\"tick\" x=\"" << svg_num(kWidth - kRight) << "\" y=\""
    << svg_num(y(capacity) - 4) << "\" style=\"text-anchor:end\">capacity "
    << xml_escape(c.size(sim.machine.cache_capacity)) << "</text>\n"
    << "<line x1=\"" << svg_num(kLeft) << "\" y1=\"" << svg_num(y(capacity)) << "\" x2=\""
    << svg_num(kWidth - kRight) << "\" y2=\"" << svg_num(y(capacity))
    << "\" stroke=\"#c0392b\" stroke-dasharray=\"6 4\"/>\n"
    << "<line x1=\"" << svg_num(kLeft) << "\" y1=\"" << svg_num(cache_bottom) << "\" x2=\""
    << svg_num(kWidth - kRight) << "\" y2=\"" << svg_num(cache_bottom) << "\" stroke=\"#333\"/>\n";
  // Round ticks up the capacity, in tensors or bytes (1 MiB steps read better than 10^6 B).
  {
    const double mib = sim.machine.uniform || capacity < 4 * 1048576.0 ? 1.0 : 1048576.0;
    for (double t : nice_ticks(0, capacity / mib, 4)) {
      const double b = t * mib;
      if (b > capacity * 0.92) continue;  // the dashed capacity line is labelled already
      // Inside the panel, above a faint line: the row names own the margin on the left.
      o << "<line class=\"grid\" x1=\"" << svg_num(kLeft) << "\" y1=\"" << svg_num(y(b))
        << "\" x2=\"" << svg_num(kWidth - kRight) << "\" y2=\"" << svg_num(y(b)) << "\"/>\n"
        << "<text class=\"tick\" x=\"" << svg_num(kLeft + 4) << "\" y=\"" << svg_num(y(b) - 3)
        << "\" style=\"text-anchor:start\">"
        << xml_escape(sim.machine.uniform ? format_number(b) : format_bytes(b)) << "</text>\n";
    }
  }
  o << "<polygon class=\"cache-curve\" points=\"" << svg_num(c.x(0)) << ","
    << svg_num(cache_bottom);
  std::uint64_t now = 0;
  for (const Sample& s : samples) {
    o << " " << svg_num(c.x(s.t)) << "," << svg_num(y(static_cast<double>(now))) << " "
      << svg_num(c.x(s.t)) << "," << svg_num(y(static_cast<double>(s.bytes)));
    now = s.bytes;
  }
  o << " " << svg_num(c.x(total)) << "," << svg_num(y(static_cast<double>(now))) << " "
    << svg_num(c.x(total)) << "," << svg_num(cache_bottom) << "\"><title>cache in use, peak "
    << xml_escape(c.size(rec.steps().empty()
                             ? 0
                             : std::max_element(samples.begin(), samples.end(),
                                                [](const Sample& a, const Sample& b) {
                                                  return a.bytes < b.bytes;
                                                })
                                   ->bytes))
    << "</title></polygon>\n";

  // Legend.
  double lx = kLeft;
  for (const auto& [kind, text] :
       std::initializer_list<std::pair<const char*, const char*>>{{"#4e79a7", "load"},
                                                                  {"#f28e2b", "store"},
                                                                  {"#59a14f", "compute"},
                                                                  {"url(#stall-hatch)", "stall"},
                                                                  {"#76b7b2", "cache in use"}}) {
    o << "<rect class=\"legend-swatch\" x=\"" << svg_num(lx) << "\" y=\"" << svg_num(legend_y - 11)
      << "\" width=\"14\" height=\"14\" fill=\"" << kind << "\"/>\n"
      << "<text x=\"" << svg_num(lx + 20) << "\" y=\"" << svg_num(legend_y) << "\">" << text
      << "</text>\n";
    lx += 40 + text_width(text, kFont);
  }
  o << "</svg>\n";
  return o.str();
}

}  // namespace memsim
