#include "sim/report/report.h"

#include <charconv>
#include <limits>
#include <sstream>

#include "sim/core/units.h"
#include "sim/report/peak_memory_text.h"

namespace memsim {

LinkTimes link_times(const RunResult& r, std::uint32_t link) {
  if (link - 1 < r.times.links.size()) return r.times.links[link - 1];
  // A run whose times were not kept by link: everything is link 1's.
  if (link == 1) return {r.times.dram_busy, r.times.stall_load, r.times.stall_store};
  return {};
}

std::string format_number(double value) {
  char buf[64];
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, value);
  (void)ec;
  return std::string(buf, ptr);
}

nlohmann::ordered_json run_report_json(const Simulation& sim, const RunResult& r) {
  nlohmann::ordered_json j;
  j["scenario"] = sim.name;
  j["eviction"] = sim.eviction;
  j["overlap"] = sim.overlap;
  j["cache_capacity"] = sim.machine.cache_capacity;
  j["time_s"] = r.times.time;
  j["compute_busy_s"] = r.times.compute_busy;
  j["dram_busy_s"] = r.times.dram_busy;
  j["stall_s"] = r.times.stall();
  j["stall_load_s"] = r.times.stall_load;
  j["stall_store_s"] = r.times.stall_store;
  j["loads"] = r.counts.loads;
  j["stores"] = r.counts.stores;
  j["moves"] = r.counts.moves();
  j["load_bytes"] = r.counts.load_bytes;
  j["store_bytes"] = r.counts.store_bytes;
  j["drops"] = r.counts.drops;
  j["peak_cache_bytes"] = r.counts.peak_cache_bytes;
  j["peak_live_bytes"] = r.liveness.peak_live_bytes;
  j["oom"] = r.oom;
  j["flops_forward"] = r.flops[0];
  j["flops_backward"] = r.flops[1];
  j["flops_update"] = r.flops[2];
  j["flops_recompute"] = r.flops[3];
  // docs/model.md §15.5 and §15.6: energy, then every level and every link.
  j["energy_j"] = r.energy.total_joules;
  j["energy_compute_j"] = r.energy.compute_joules;
  j["energy_memory_j"] = r.energy.memory_joules;
  j["energy_links_j"] = r.energy.links_joules;
  j["energy_static_j"] = r.energy.static_total_joules;
  const Machine& m = sim.machine;
  nlohmann::ordered_json levels = nlohmann::ordered_json::array();
  for (std::uint32_t k = 1; k <= m.level_count() && !r.traffic.levels.empty(); ++k) {
    nlohmann::ordered_json l;
    l["level"] = k;
    l["name"] = m.level_name(k);
    if (k == 1)
      l["capacity"] = m.cache_capacity;
    else if (m.level_capacity(k) == std::numeric_limits<std::uint64_t>::max())
      l["capacity"] = nullptr;
    else
      l["capacity"] = m.level_capacity(k);
    l["read_bytes"] = r.traffic.levels[k - 1].read_bytes;
    l["write_bytes"] = r.traffic.levels[k - 1].write_bytes;
    const MemoryLevelResult* mem = k >= 2 ? &r.memory_levels[k - 2] : nullptr;
    l["peak_live_bytes"] = mem ? mem->liveness.peak_live_bytes : 0;
    l["peak_staging_bytes"] = mem ? mem->peak_staging : 0;
    l["peak_bytes"] =
        mem ? mem->liveness.peak_live_bytes + mem->peak_staging : r.counts.peak_cache_bytes;
    l["oom"] = mem ? mem->oom : false;
    l["energy_j"] = r.energy.level_joules[k - 1];
    l["static_energy_j"] = r.energy.static_joules[k - 1];
    levels.push_back(l);
  }
  j["levels"] = levels;
  nlohmann::ordered_json links = nlohmann::ordered_json::array();
  for (std::uint32_t k = 1; k < m.level_count() && !r.traffic.links.empty(); ++k) {
    const LinkTraffic& t = r.traffic.links[k - 1];
    const LinkTimes times = link_times(r, k);
    nlohmann::ordered_json l;
    l["link"] = k;
    l["from"] = m.level_name(k);
    l["to"] = m.level_name(k + 1);
    l["loads"] = t.up;
    l["stores"] = t.down;
    l["load_bytes"] = t.up_bytes;
    l["store_bytes"] = t.down_bytes;
    l["busy_s"] = times.busy;
    l["stall_load_s"] = times.stall_load;
    l["stall_store_s"] = times.stall_store;
    l["energy_j"] = r.energy.link_joules[k - 1];
    links.push_back(l);
  }
  j["links"] = links;
  return j;
}

std::string run_report_csv(const Simulation& sim, const RunResult& result) {
  const auto j = run_report_json(sim, result);
  std::string header, row;
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it->is_array()) continue;  // levels and links: one row cannot hold a list
    // Appended piecewise: GCC 12 warns falsely (-Wrestrict) on `"x" + std::string&&` here.
    if (it != j.begin()) {
      header += ',';
      row += ',';
    }
    header += it.key();
    std::string cell;
    if (it->is_string()) {
      cell = '"';
      cell += it->get<std::string>();
      cell += '"';
    } else if (it->is_number_float()) {
      cell = format_number(it->get<double>());
    } else {
      cell = it->dump();
    }
    row += cell;
  }
  return header + "\n" + row + "\n";
}

std::string run_report_text(const Simulation& sim, const RunResult& r) {
  const Machine& m = sim.machine;
  const bool u = m.uniform;
  const auto bytes = [u](double b) {
    return u ? format_number(b) + (b == 1 ? " tensor" : " tensors") : format_bytes(b);
  };
  const auto secs = [u](double s) { return u ? format_number(s) + " units" : format_seconds(s); };
  const auto pct = [](double part, double whole) {
    std::ostringstream o;
    o.setf(std::ios::fixed);
    o.precision(1);
    o << (whole > 0 ? 100.0 * part / whole : 0.0) << "%";
    return o.str();
  };
  std::ostringstream o;
  o << "scenario   " << sim.name << (sim.file.empty() ? "" : "  (" + sim.file + ")") << "\n";
  if (!sim.description.empty()) o << "           " << sim.description << "\n";
  const std::uint32_t levels = m.level_count();
  o << "machine    " << m.cache_name << " " << bytes(static_cast<double>(m.cache_capacity));
  if (u) {
    o << "; transfer " << format_number(m.transfer_time) << " unit, op " << format_number(m.op_time)
      << " unit";
    for (std::uint32_t k = 3; k <= levels; ++k)
      o << "; " << m.level_name(k) << " transfer " << format_number(m.deep[k - 3].transfer_time)
        << " unit";
  } else {
    // Each memory level with the link that reaches it (docs/model.md §15.1).
    for (std::uint32_t k = 2; k <= levels; ++k) {
      o << "; " << m.level_name(k) << " " << format_bandwidth(m.link_bandwidth(k - 1))
        << ", latency " << format_seconds(m.link_latency(k - 1));
      if (m.level_capacity(k) != std::numeric_limits<std::uint64_t>::max())
        o << ", " << format_bytes(static_cast<double>(m.level_capacity(k)));
      if (m.level_reserved(k) > 0)
        o << " (" << format_bytes(static_cast<double>(m.level_reserved(k))) << " reserved)";
      if (k >= 3 && m.link_channels(k - 1) > 1) o << ", " << m.link_channels(k - 1) << " channels";
    }
    o << "; compute " << format_flops(m.compute_throughput) << "/s";
  }
  o << "; " << m.dram_channels << " DRAM channel" << (m.dram_channels == 1 ? "" : "s") << "\n";
  o << "schedule   " << sim.workload << ", " << sim.graph.op_count() << " ops, overlap "
    << sim.overlap << " (lookahead " << sim.lookahead << "), eviction " << sim.eviction << "\n\n";
  o << "time           " << secs(r.times.time) << "\n";
  o << "compute busy   " << secs(r.times.compute_busy) << "  ("
    << pct(r.times.compute_busy, r.times.time) << ")\n";
  o << "DRAM busy      " << secs(r.times.dram_busy) << "  (" << pct(r.times.dram_busy, r.times.time)
    << ")\n";
  o << "stall          " << secs(r.times.stall()) << "  (waiting for loads "
    << secs(r.times.stall_load) << ", for stores " << secs(r.times.stall_store) << ")\n";
  o << "moves          " << r.counts.moves() << "  (" << r.counts.loads << " loads, "
    << r.counts.stores << " stores)\n";
  o << "bytes moved    " << bytes(static_cast<double>(r.counts.load_bytes)) << " in, "
    << bytes(static_cast<double>(r.counts.store_bytes)) << " out\n";
  // docs/model.md §15.5: on more than two levels, every link's traffic, busy time and stall.
  for (std::uint32_t k = 1; k < levels && levels > 2; ++k) {
    const LinkTraffic& t = r.traffic.links[k - 1];
    const LinkTimes lt = link_times(r, k);
    o << "link " << k << "         " << m.level_name(k) << " <-> " << m.level_name(k + 1) << ": "
      << t.up << " loads, " << t.down << " stores; " << bytes(static_cast<double>(t.up_bytes))
      << " in, " << bytes(static_cast<double>(t.down_bytes)) << " out; busy " << secs(lt.busy)
      << "; stall " << secs(lt.stall_load + lt.stall_store) << " (loads " << secs(lt.stall_load)
      << ", stores " << secs(lt.stall_store) << ")\n";
  }
  o << "free drops     " << r.counts.drops << "\n";
  o << "peak cache     " << bytes(static_cast<double>(r.counts.peak_cache_bytes)) << " of "
    << bytes(static_cast<double>(m.cache_capacity)) << "\n";
  o << "peak live      " << bytes(static_cast<double>(r.liveness.peak_live_bytes));
  if (r.liveness.peak_op != Graph::kNoOp)
    o << " at op " << sim.graph.op_name(r.liveness.peak_op) << "  ("
      << peak_breakdown(r.liveness, u) << ")";
  o << "\n";
  for (std::uint32_t k = 2; k <= levels && levels > 2; ++k) {
    const MemoryLevelResult& l = r.memory_levels[k - 2];
    o << "level " << k << "        " << m.level_name(k) << ": peak live "
      << bytes(static_cast<double>(l.liveness.peak_live_bytes));
    if (m.level_capacity(k) != std::numeric_limits<std::uint64_t>::max())
      o << " of " << bytes(static_cast<double>(m.level_for_tensors(k)));
    if (l.liveness.peak_live_bytes > 0 && l.liveness.peak_op != Graph::kNoOp)
      o << " at op " << sim.graph.op_name(l.liveness.peak_op) << " ("
        << peak_breakdown(l.liveness, u) << ")";
    o << "; staging " << bytes(static_cast<double>(l.peak_staging)) << "\n";
  }
  for (std::uint32_t k = 2; k <= levels; ++k) {
    const MemoryLevelResult& l = r.memory_levels[k - 2];
    if (!l.oom) continue;
    // Two levels: the DRAM's verdict over every tensor, as before levels existed.
    o << out_of_memory_verdict(sim.graph, levels == 2 ? r.liveness : l.liveness,
                               m.level_capacity(k), m.level_reserved(k), m.level_name(k),
                               l.peak_staging)
      << "\n";
  }
  if (m.has_energy() && !u) {
    // docs/model.md §15.6: the total, then compute, each level, the links and static power.
    o << "energy         " << format_joules(r.energy.total_joules) << "  (compute "
      << format_joules(r.energy.compute_joules);
    for (std::uint32_t k = 1; k <= levels; ++k)
      o << ", " << m.level_name(k) << " " << format_joules(r.energy.level_joules[k - 1]);
    o << ", links " << format_joules(r.energy.links_joules) << ", static "
      << format_joules(r.energy.static_total_joules) << ")\n";
  }
  o << "FLOPs          " << format_flops(r.flops[0]) << " forward, " << format_flops(r.flops[1])
    << " backward, " << format_flops(r.flops[2]) << " update, " << format_flops(r.flops[3])
    << " recompute\n";
  o << "verified       every step replayed by the verifier\n";
  return o.str();
}

}  // namespace memsim
