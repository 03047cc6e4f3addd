#pragma once
// Peak live memory (sim/core/liveness.h's rule) counted while the verifier replays a schedule,
// one op at a time, instead of in passes over the whole order afterwards (issue 16: those
// passes built two arrays per tensor and two per position). The verifier tells it when a
// tensor is born and when it dies; the peak and its split by kind are kept as they go.
#include <array>
#include <cstdint>

#include "sim/core/graph.h"
#include "sim/core/liveness.h"

namespace memsim {

class LivePeak {
 public:
  // A tensor becomes live (at t=0 for one that starts in DRAM, else at its producer's position).
  void born(const Tensor& t) { change(t, static_cast<std::int64_t>(t.bytes)); }
  // Live at position 0 only: a tensor that starts in DRAM and no op uses (liveness.h: its live
  // interval is [0, 0]).
  void live_at_first_only(const Tensor& t) {
    born(t);
    first_only_[static_cast<int>(t.kind)] += static_cast<std::int64_t>(t.bytes);
  }
  // Every birth of the op at `position` (running `o`) is counted: this is its live figure. The
  // first position with the largest figure is the peak.
  void at_position(std::uint32_t position, OpId o) {
    if (position == 0) report_.peak_op = o;  // the peak's op while nothing is live
    if (running_ > report_.peak_live_bytes) {
      report_.peak_live_bytes = running_;
      report_.peak_op = o;
      for (int k = 0; k < kTensorKindCount; ++k)
        report_.peak_by_kind[k] = static_cast<std::uint64_t>(by_kind_[k]);
    }
    if (position == 0)
      for (int k = 0; k < kTensorKindCount; ++k) {
        by_kind_[k] -= first_only_[k];
        running_ -= static_cast<std::uint64_t>(first_only_[k]);
      }
  }
  // The op that last used it has run (after at_position for that op).
  void died(const Tensor& t) { change(t, -static_cast<std::int64_t>(t.bytes)); }
  const LivenessReport& report() const { return report_; }

 private:
  void change(const Tensor& t, std::int64_t bytes) {
    running_ += static_cast<std::uint64_t>(bytes);
    by_kind_[static_cast<int>(t.kind)] += bytes;
  }
  std::uint64_t running_ = 0;
  std::array<std::int64_t, kTensorKindCount> by_kind_{};
  std::array<std::int64_t, kTensorKindCount> first_only_{};
  LivenessReport report_;
};

}  // namespace memsim
