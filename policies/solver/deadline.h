#pragma once
// The instant the planner's --time-limit ends (docs/model.md §14.1): a search still running
// then gives up with "unknown", never with "no plan exists". A default Deadline never passes.
#include <chrono>

namespace memsim::planner {

struct Deadline {
  using Clock = std::chrono::steady_clock;
  Clock::time_point at = Clock::time_point::max();
  bool passed() const { return at != Clock::time_point::max() && Clock::now() >= at; }
};

}  // namespace memsim::planner
