#include "sim/report/report.h"

#include <charconv>
#include <sstream>

#include "sim/core/units.h"
#include "sim/report/peak_memory_text.h"

namespace memsim {

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
  return j;
}

std::string run_report_csv(const Simulation& sim, const RunResult& result) {
  const auto j = run_report_json(sim, result);
  std::string header, row;
  for (auto it = j.begin(); it != j.end(); ++it) {
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
  o << "machine    cache " << bytes(static_cast<double>(m.cache_capacity));
  if (u) {
    o << "; transfer " << format_number(m.transfer_time) << " unit, op " << format_number(m.op_time)
      << " unit";
  } else {
    o << "; DRAM " << format_bandwidth(m.dram_bandwidth) << ", latency "
      << format_seconds(m.dram_latency);
    if (m.dram_capacity != std::numeric_limits<std::uint64_t>::max())
      o << ", " << format_bytes(static_cast<double>(m.dram_capacity));
    if (m.dram_reserved > 0)
      o << " (" << format_bytes(static_cast<double>(m.dram_reserved)) << " reserved)";
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
  o << "free drops     " << r.counts.drops << "\n";
  o << "peak cache     " << bytes(static_cast<double>(r.counts.peak_cache_bytes)) << " of "
    << bytes(static_cast<double>(m.cache_capacity)) << "\n";
  o << "peak live      " << bytes(static_cast<double>(r.liveness.peak_live_bytes));
  if (r.liveness.peak_op != Graph::kNoOp)
    o << " at op " << sim.graph.op_name(r.liveness.peak_op) << "  ("
      << peak_breakdown(r.liveness, u) << ")";
  o << "\n";
  if (r.oom)
    o << out_of_memory_verdict(sim.graph, r.liveness, m.dram_capacity, m.dram_reserved) << "\n";
  o << "FLOPs          " << format_flops(r.flops[0]) << " forward, " << format_flops(r.flops[1])
    << " backward, " << format_flops(r.flops[2]) << " update, " << format_flops(r.flops[3])
    << " recompute\n";
  o << "verified       every step replayed by the verifier\n";
  return o.str();
}

}  // namespace memsim
