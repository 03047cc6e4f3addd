#pragma once
// First-come first-served DRAM channels, shared by the executor and the schedule replay.
// Every transfer's times are fixed when it is issued: a later transfer never starts before an
// earlier one, so nothing issued afterwards can move it.
#include <algorithm>
#include <cstdint>
#include <vector>

namespace memsim {

class DramChannels {
 public:
  explicit DramChannels(std::uint32_t channels)
      : free_at_(std::max<std::uint32_t>(1, channels), 0.0) {}

  struct Slot {
    double start, end;
    std::uint16_t channel;
  };

  // A transfer that may start at `ready` and takes `duration`, on the channel free first.
  Slot issue(double ready, double duration) {
    std::size_t best = 0;
    for (std::size_t c = 1; c < free_at_.size(); ++c)
      if (free_at_[c] < free_at_[best]) best = c;
    const double start = std::max({ready, last_start_, free_at_[best]});
    const double end = start + duration;
    free_at_[best] = end;
    last_start_ = start;
    // Starts never decrease, so the union of busy intervals grows at its right end only: a
    // transfer that starts after the current stretch ends closes it (docs/model.md §7 sums
    // the stretches' lengths, end - start, in time order).
    if (start > busy_until_) {
      closed_busy_ += busy_until_ - stretch_start_;
      stretch_start_ = start;
    }
    busy_until_ = std::max(busy_until_, end);
    return {start, end, static_cast<std::uint16_t>(best)};
  }
  // Time at least one channel was transferring.
  double busy() const { return closed_busy_ + (busy_until_ - stretch_start_); }
  // When the last transfer ends.
  double last_end() const { return busy_until_; }

 private:
  std::vector<double> free_at_;
  double last_start_ = 0;
  double busy_until_ = 0;
  double stretch_start_ = 0;  // where the stretch of busy time ending at busy_until_ began
  double closed_busy_ = 0;    // the stretches before it
};

}  // namespace memsim
