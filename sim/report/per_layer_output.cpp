#include "sim/report/per_layer_output.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "sim/core/units.h"
#include "sim/report/report.h"

namespace memsim {
namespace {

using json = nlohmann::ordered_json;

// A row's values in per_layer_fields() order.
json row_values(const Simulation& sim, const LayerPhaseRow& r, bool total) {
  const double bytes = static_cast<double>(r.bytes_moved());
  json v = json::array();
  v.push_back(total ? std::string("total") : sim.graph.layer_name(r.layer));
  v.push_back(total ? std::string("all") : std::string(to_string(r.phase)));
  v.push_back(r.ops);
  v.push_back(r.tiles);
  v.push_back(r.compute);
  v.push_back(r.stall_load);
  v.push_back(r.stall_store);
  v.push_back(r.stall());
  v.push_back(r.loads);
  v.push_back(r.stores);
  v.push_back(r.load_bytes);
  v.push_back(r.store_bytes);
  v.push_back(r.bytes_moved());
  v.push_back(r.flops);
  v.push_back(bytes > 0 ? json(r.flops / bytes) : json(nullptr));
  v.push_back(r.peak_live_bytes);
  v.push_back(r.prefetch_issued);
  v.push_back(r.prefetch_skipped);
  v.push_back(r.energy);
  return v;
}

json row_object(const Simulation& sim, const LayerPhaseRow& r, bool total) {
  const json values = row_values(sim, r, total);
  json o;
  for (std::size_t i = 0; i < per_layer_fields().size(); ++i)
    o[per_layer_fields()[i].name] = values[i];
  return o;
}

std::string csv_cell(const json& v) {
  if (v.is_null()) return "";
  if (v.is_string()) {
    std::string out = "\"";
    for (char c : v.get<std::string>()) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
  }
  if (v.is_number_float()) return format_number(v.get<double>());
  return v.dump();
}

}  // namespace

const std::vector<ReportField>& per_layer_fields() {
  static const std::vector<ReportField> fields{
      {"layer", "text", "the layer's name (tiles are counted in their layer)"},
      {"phase", "text", "forward, backward, update or recompute"},
      {"ops", "count", "ops of the layer in this phase"},
      {"tiles", "count", "tiles among those ops; 0 for a layer that is not tiled"},
      {"compute_s", "s", "time the compute unit spent on the ops"},
      {"stall_load_s", "s", "compute idle before the ops, waiting for loads"},
      {"stall_store_s", "s", "compute idle before the ops, waiting for stores that free space"},
      {"stall_s", "s", "stall_load_s + stall_store_s"},
      {"loads", "count", "loads issued for the ops (the first op to read the loaded copy)"},
      {"stores", "count", "stores of tensors the ops wrote last"},
      {"load_bytes", "B", "bytes of those loads"},
      {"store_bytes", "B", "bytes of those stores"},
      {"bytes_moved", "B", "load_bytes + store_bytes"},
      {"flops", "FLOP", "the ops' FLOPs"},
      {"flop_per_byte", "FLOP/B",
       "achieved intensity: flops / bytes_moved (empty or null when no bytes moved)"},
      {"peak_live_bytes", "B", "largest live bytes while one of the ops runs"},
      {"prefetch_issued", "count", "loads issued ahead, while an earlier op was current"},
      {"prefetch_skipped", "count",
       "tensors the look-ahead left out for lack of room, loaded only when the op became "
       "current"},
      {"energy_j", "J",
       "dynamic energy of the ops and of the moves counted for them, deeper hops included "
       "(static energy is in no row)"},
  };
  return fields;
}

void write_per_layer_csv(std::ostream& out, const Simulation& sim, const PerLayerReport& report) {
  const auto& fields = per_layer_fields();
  for (std::size_t i = 0; i < fields.size(); ++i) out << (i ? "," : "") << fields[i].name;
  out << "\n";
  for (const LayerPhaseRow& r : report.rows) {
    const json values = row_values(sim, r, false);
    for (std::size_t i = 0; i < values.size(); ++i) out << (i ? "," : "") << csv_cell(values[i]);
    out << "\n";
  }
}

json per_layer_json(const Simulation& sim, const PerLayerReport& report) {
  json j;
  j["scenario"] = sim.name;
  j["units"] = sim.machine.uniform ? "uniform: bytes are tensors, seconds are time units"
                                   : "bytes and seconds";
  j["rows"] = json::array();
  for (const LayerPhaseRow& r : report.rows) j["rows"].push_back(row_object(sim, r, false));
  j["total"] = row_object(sim, report.total, true);
  return j;
}

namespace {

// The first `count` layers by decreasing value, ties in layer order (what a stable sort would
// put first), layers whose value is 0 left out; kept while scanning, no index of every layer
// and no sort. Most layers fall below the last kept value, a single comparison each.
template <class T>
std::vector<std::size_t> top_indices(const std::vector<T>& values, std::size_t count) {
  std::vector<std::size_t> idx;
  if (count == 0) return idx;
  T floor = 0;  // a layer must be above this to enter: 0, then the last kept once full
  for (std::size_t i = 0; i < values.size(); ++i) {
    const T v = values[i];
    if (!(v > floor)) continue;  // an equal value comes later in layer order: it stays out
    // It enters at a place below count: the list is short, or v beats its last.
    const auto at =
        std::find_if(idx.begin(), idx.end(), [&](std::size_t j) { return values[j] < v; });
    idx.insert(at, i);
    if (idx.size() > count) idx.pop_back();
    if (idx.size() == count) floor = values[idx.back()];
  }
  return idx;
}

}  // namespace

std::string top_layers_text(const Simulation& sim, const PerLayerReport& report,
                            std::size_t count) {
  return top_layers_text(sim, layer_sums(sim.graph, report), count);
}

std::string top_layers_text(const Simulation& sim, const TopLayerSums& sums, std::size_t count) {
  const bool u = sim.machine.uniform;
  const auto pct = [](double part, double whole) {
    const double p = whole > 0 ? 100.0 * part / whole : 0.0;
    if (p > 0 && p < 0.05) return std::string("<0.1%");  // present, but would print as 0.0%
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f%%", p);
    return std::string(buf);
  };
  const auto block = [&](const char* title, const char* of, const auto& values, double total,
                         auto show) {
    const std::vector<std::size_t> idx = top_indices(values, count);
    std::vector<std::pair<std::string, std::string>> lines;  // (layer, amount)
    std::vector<std::string> shares;
    std::size_t width = 0, amount_width = 0;
    for (std::size_t i : idx) {
      const double v = static_cast<double>(values[i]);
      std::string who = sim.graph.layer_name(static_cast<LayerIndex>(i));
      width = std::max(width, who.size());
      lines.emplace_back(std::move(who), show(v));
      shares.push_back("  (" + pct(v, total) + " of " + of + ")");
      amount_width = std::max(amount_width, lines.back().second.size());
    }
    std::ostringstream o;
    o << title;
    if (lines.empty()) o << "none\n";
    for (std::size_t i = 0; i < lines.size(); ++i)
      o << (i ? "               " : "") << lines[i].first
        << std::string(width - lines[i].first.size() + 2, ' ')
        << std::string(amount_width - lines[i].second.size(), ' ') << lines[i].second << shares[i]
        << "\n";
    return o.str();
  };
  const auto secs = [u](double s) { return u ? format_number(s) + " units" : format_seconds(s); };
  const auto bytes = [u](double b) {
    return u ? format_number(b) + (b == 1 ? " tensor" : " tensors") : format_bytes(b);
  };
  std::string text = block("top stalls     ", "stall", sums.stall, sums.total.stall, secs) +
                     block("top traffic    ", "bytes moved", sums.bytes_moved,
                           static_cast<double>(sums.total.bytes_moved), bytes);
  // Only a machine with energy figures has energy to rank (uniform mode has none); a recorder
  // that priced nothing hands over no energy array (every layer's is 0).
  if (sim.machine.has_energy() && !u)
    text += block("top energy     ", "dynamic energy", sums.energy, sums.total.energy,
                  [](double j) { return format_joules(j); });
  return text;
}

}  // namespace memsim
