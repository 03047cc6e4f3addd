#include "sim/liveness.h"

#include <vector>

namespace memsim {
namespace {
bool stays_live(const Tensor& t) {
  return t.kind == TensorKind::weight || t.kind == TensorKind::optimizer_state ||
         t.required_output;
}
}  // namespace

LivenessReport analyze_liveness(const Graph& graph, std::span<const OpId> order) {
  const std::size_t n = order.size();
  // Live interval of each tensor in positions of `order`: [birth, death], inclusive.
  constexpr std::uint32_t kUnset = 0xffffffffu;
  std::vector<std::uint32_t> birth(graph.tensor_count(), kUnset);
  std::vector<std::uint32_t> death(graph.tensor_count(), 0);
  for (TensorId t = 0; t < graph.tensor_count(); ++t)
    if (graph.tensor(t).initial_in_dram) birth[t] = 0;
  for (std::uint32_t pos = 0; pos < n; ++pos) {
    const OpId o = order[pos];
    for (TensorId t : graph.working_set(o)) {
      if (birth[t] == kUnset) birth[t] = pos;
      death[t] = pos;
    }
  }
  // Live bytes at each position via a difference array: +bytes at birth, -bytes after death.
  std::vector<std::int64_t> delta(n + 1, 0);
  for (TensorId t = 0; t < graph.tensor_count(); ++t) {
    if (birth[t] == kUnset || n == 0) continue;
    const auto bytes = static_cast<std::int64_t>(graph.tensor(t).bytes);
    const std::uint32_t last = stays_live(graph.tensor(t)) ? static_cast<std::uint32_t>(n - 1)
                                                           : death[t];
    delta[birth[t]] += bytes;
    delta[last + 1] -= bytes;
  }
  LivenessReport report;
  std::int64_t live = 0;
  std::uint32_t peak_pos = 0;
  for (std::uint32_t pos = 0; pos < n; ++pos) {
    live += delta[pos];
    if (static_cast<std::uint64_t>(live) > report.peak_live_bytes) {
      report.peak_live_bytes = static_cast<std::uint64_t>(live);
      peak_pos = pos;
    }
  }
  if (n == 0) return report;
  report.peak_op = order[peak_pos];
  for (TensorId t = 0; t < graph.tensor_count(); ++t) {
    if (birth[t] == kUnset) continue;
    const std::uint32_t last = stays_live(graph.tensor(t)) ? static_cast<std::uint32_t>(n - 1)
                                                           : death[t];
    if (birth[t] <= peak_pos && peak_pos <= last)
      report.peak_by_kind[static_cast<int>(graph.tensor(t).kind)] += graph.tensor(t).bytes;
  }
  return report;
}

}  // namespace memsim
