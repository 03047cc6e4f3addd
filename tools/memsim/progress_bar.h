#pragma once
// A one-line progress bar on stderr for long sweeps: points done, elapsed and estimated
// remaining time. Drawn only when stderr is a terminal and the work has taken more than a
// second, so logs, pipes and quick sweeps stay clean.
#include <chrono>
#include <cstddef>

namespace memsim::cli {

class ProgressBar {
 public:
  ProgressBar();
  // Called after each finished item (never concurrently).
  void update(std::size_t done, std::size_t total);
  // Ends the bar's line if one was drawn.
  void finish();

 private:
  using Clock = std::chrono::steady_clock;
  bool terminal_;
  bool drawn_ = false;
  Clock::time_point start_;
  Clock::time_point last_draw_;
};

}  // namespace memsim::cli
