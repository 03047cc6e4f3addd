#include "sim/report/peak_memory_text.h"

#include <cmath>
#include <cstdio>

#include "sim/core/units.h"

namespace memsim {

std::string peak_breakdown(const LivenessReport& report, bool uniform) {
  struct Part {
    TensorKind kind;
    const char* label;
  };
  static constexpr Part kParts[] = {
      {TensorKind::weight, "weights"},     {TensorKind::optimizer_state, "optimizer"},
      {TensorKind::gradient, "gradients"}, {TensorKind::activation, "activations"},
      {TensorKind::input, "inputs"},       {TensorKind::label, "labels"},
      {TensorKind::other, "other"}};
  // The power of 1024 format_bytes uses for the total, so parts read in the same unit.
  double scale = 1;
  for (double v = static_cast<double>(report.peak_live_bytes);
       !uniform && v >= 1024 && scale < 0x1p60; v /= 1024)
    scale *= 1024;
  std::string out;
  for (const Part& p : kParts) {
    const std::uint64_t bytes = report.peak_by_kind[static_cast<int>(p.kind)];
    if (bytes == 0) continue;
    char value[64];
    if (uniform || scale == 1)
      std::snprintf(value, sizeof value, "%llu", static_cast<unsigned long long>(bytes));
    else if (static_cast<double>(bytes) / scale < 0.005)
      std::snprintf(value, sizeof value, "<0.01");  // present, but would print as 0.00
    else
      std::snprintf(value, sizeof value, "%.2f", static_cast<double>(bytes) / scale);
    out += (out.empty() ? "" : ", ") + std::string(p.label) + " " + value;
  }
  return out;
}

std::string out_of_memory_verdict(const Graph& graph, const LivenessReport& report,
                                  std::uint64_t dram_capacity, std::uint64_t dram_reserved,
                                  const std::string& level_name, std::uint64_t staging) {
  std::string out =
      "out of memory: needs " + format_bytes(static_cast<double>(report.peak_live_bytes));
  if (staging > 0) out += " (+ " + format_bytes(static_cast<double>(staging)) + " staging)";
  if (report.peak_op != Graph::kNoOp) out += " at op " + std::string(graph.op_name(report.peak_op));
  out += ", " + level_name + " holds " + format_bytes(static_cast<double>(dram_capacity));
  if (dram_reserved > 0)
    out += " less " + format_bytes(static_cast<double>(dram_reserved)) + " reserved";
  return out + " (" + peak_breakdown(report, false) + ")";
}

}  // namespace memsim
