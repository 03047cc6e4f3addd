#pragma once
// Peak live memory: every live tensor wherever it is (the "CUDA out of memory" number).
// A tensor is live from its creation (t=0 for tensors that start in DRAM, its producer
// otherwise) to its last use; weights, optimizer state and required outputs stay live to the end.
#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "sim/core/graph.h"

namespace memsim {

struct LivenessReport {
  std::uint64_t peak_live_bytes = 0;
  OpId peak_op = Graph::kNoOp;  // the op during which the peak occurs
  std::array<std::uint64_t, kTensorKindCount> peak_by_kind{};  // bytes per TensorKind at the peak
};

// `order` is the order ops first run; every op appears once.
LivenessReport analyze_liveness(const Graph& graph, std::span<const OpId> order);
// The same, counting only the tensors whose home is `home_level` (docs/model.md §15.5: a
// memory level's peak live); 0 counts every tensor. When no tensor is live at all, peak_op is
// the first op.
LivenessReport analyze_liveness(const Graph& graph, std::span<const OpId> order,
                                std::uint8_t home_level);
// analyze_liveness(graph, order, home) for each home of `home_levels`, in that order, from one
// walk of the order (the walk is most of the cost; a machine with a host level asks for three).
std::vector<LivenessReport> analyze_liveness(const Graph& graph, std::span<const OpId> order,
                                             std::span<const std::uint8_t> home_levels);

// Live bytes while the op at each position of `order` runs, by the same rule; the largest
// entry is analyze_liveness(graph, order).peak_live_bytes (for time lines and traces). A
// home_level other than 0 counts only the tensors homed there (§15.5).
std::vector<std::uint64_t> live_bytes_by_position(const Graph& graph, std::span<const OpId> order,
                                                  std::uint8_t home_level = 0);

// Live bytes by TensorKind at each of the given positions of `order` (increasing), by the same
// rule: entry i sums to live_bytes_by_position(graph, order)[positions[i]]. Costs memory for the
// positions asked only (pictures ask about one position per pixel column).
std::vector<std::array<std::uint64_t, kTensorKindCount>> live_bytes_by_kind_at(
    const Graph& graph, std::span<const OpId> order, std::span<const std::uint32_t> positions,
    std::uint8_t home_level = 0);

}  // namespace memsim
