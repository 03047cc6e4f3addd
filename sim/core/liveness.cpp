#include "sim/core/liveness.h"

#include <algorithm>
#include <vector>

namespace memsim {
namespace {

bool stays_live(const Tensor& t) {
  return t.kind == TensorKind::weight || t.kind == TensorKind::optimizer_state || t.required_output;
}

constexpr std::uint32_t kNeverLive = 0xffffffffu;

// Each tensor's live interval in positions of `order`, inclusive: [birth, last].
struct LiveIntervals {
  std::vector<std::uint32_t> birth;  // kNeverLive: neither starts in DRAM nor is used
  std::vector<std::uint32_t> last;
};

LiveIntervals live_intervals(const Graph& graph, std::span<const OpId> order) {
  const std::size_t n = order.size();
  LiveIntervals iv{std::vector<std::uint32_t>(graph.tensor_count(), kNeverLive),
                   std::vector<std::uint32_t>(graph.tensor_count(), 0)};
  for (TensorId t = 0; t < graph.tensor_count(); ++t)
    if (graph.tensor(t).initial_in_dram) iv.birth[t] = 0;
  for (std::uint32_t pos = 0; pos < n; ++pos)
    for (TensorId t : graph.working_set(order[pos])) {
      if (iv.birth[t] == kNeverLive) iv.birth[t] = pos;
      iv.last[t] = pos;
    }
  for (TensorId t = 0; t < graph.tensor_count(); ++t)
    if (n > 0 && stays_live(graph.tensor(t))) iv.last[t] = static_cast<std::uint32_t>(n - 1);
  return iv;
}

// Whether tensor t counts: every tensor (home 0), or those homed at one level (§15.5).
bool counted(const Graph& graph, TensorId t, std::uint8_t home) {
  return home == 0 || graph.tensor(t).home == home;
}

// Live bytes at each position, via a difference array: +bytes at birth, -bytes after last.
std::vector<std::uint64_t> running_live(const Graph& graph, const LiveIntervals& iv, std::size_t n,
                                        std::uint8_t home = 0) {
  std::vector<std::int64_t> delta(n + 1, 0);
  for (TensorId t = 0; t < graph.tensor_count() && n > 0; ++t) {
    if (iv.birth[t] == kNeverLive || !counted(graph, t, home)) continue;
    const auto bytes = static_cast<std::int64_t>(graph.tensor(t).bytes);
    delta[iv.birth[t]] += bytes;
    delta[iv.last[t] + 1] -= bytes;
  }
  std::vector<std::uint64_t> live(n);
  std::int64_t running = 0;
  for (std::size_t pos = 0; pos < n; ++pos)
    live[pos] = static_cast<std::uint64_t>(running += delta[pos]);
  return live;
}

// The peak of running_live over `order` (the first position at the largest value) and the
// bytes by kind of the counted tensors live there.
LivenessReport report_at_peak(const Graph& graph, const LiveIntervals& iv,
                              std::span<const OpId> order, std::uint8_t home) {
  LivenessReport report;
  const std::vector<std::uint64_t> live = running_live(graph, iv, order.size(), home);
  std::uint32_t peak_pos = 0;
  for (std::uint32_t pos = 0; pos < live.size(); ++pos)
    if (live[pos] > report.peak_live_bytes) {
      report.peak_live_bytes = live[pos];
      peak_pos = pos;
    }
  report.peak_op = order[peak_pos];
  for (TensorId t = 0; t < graph.tensor_count(); ++t)
    if (iv.birth[t] != kNeverLive && iv.birth[t] <= peak_pos && peak_pos <= iv.last[t] &&
        counted(graph, t, home))
      report.peak_by_kind[static_cast<int>(graph.tensor(t).kind)] += graph.tensor(t).bytes;
  return report;
}

}  // namespace

LivenessReport analyze_liveness(const Graph& graph, std::span<const OpId> order) {
  return analyze_liveness(graph, order, 0);
}

LivenessReport analyze_liveness(const Graph& graph, std::span<const OpId> order,
                                std::uint8_t home_level) {
  const std::uint8_t homes[] = {home_level};
  return analyze_liveness(graph, order, homes).front();
}

std::vector<LivenessReport> analyze_liveness(const Graph& graph, std::span<const OpId> order,
                                             std::span<const std::uint8_t> home_levels) {
  std::vector<LivenessReport> reports(home_levels.size());
  if (order.empty()) return reports;
  const LiveIntervals iv = live_intervals(graph, order);
  for (std::size_t i = 0; i < home_levels.size(); ++i)
    reports[i] = report_at_peak(graph, iv, order, home_levels[i]);
  return reports;
}

std::vector<std::uint64_t> live_bytes_by_position(const Graph& graph, std::span<const OpId> order,
                                                  std::uint8_t home_level) {
  return running_live(graph, live_intervals(graph, order), order.size(), home_level);
}

std::vector<std::array<std::uint64_t, kTensorKindCount>> live_bytes_by_kind_at(
    const Graph& graph, std::span<const OpId> order, std::span<const std::uint32_t> positions,
    std::uint8_t home_level) {
  using Row = std::array<std::int64_t, kTensorKindCount>;
  // A difference array over the asked positions: a tensor live over [birth, last] adds its bytes
  // to the asked positions in that range, found by binary search.
  std::vector<Row> delta(positions.size() + 1, Row{});
  const LiveIntervals iv = live_intervals(graph, order);
  for (TensorId t = 0; t < graph.tensor_count(); ++t) {
    if (iv.birth[t] == kNeverLive || !counted(graph, t, home_level)) continue;
    const auto first = std::lower_bound(positions.begin(), positions.end(), iv.birth[t]);
    const auto past = std::upper_bound(positions.begin(), positions.end(), iv.last[t]);
    if (first >= past) continue;
    const auto bytes = static_cast<std::int64_t>(graph.tensor(t).bytes);
    const int kind = static_cast<int>(graph.tensor(t).kind);
    delta[static_cast<std::size_t>(first - positions.begin())][kind] += bytes;
    delta[static_cast<std::size_t>(past - positions.begin())][kind] -= bytes;
  }
  std::vector<std::array<std::uint64_t, kTensorKindCount>> out(positions.size());
  Row running{};
  for (std::size_t i = 0; i < positions.size(); ++i)
    for (int k = 0; k < kTensorKindCount; ++k)
      out[i][k] = static_cast<std::uint64_t>(running[k] += delta[i][k]);
  return out;
}

}  // namespace memsim
