#pragma once
// The verifier's check in time (docs/model.md §8, "In time"). A timed schedule is first
// replayed in list order by the Verifier (which it owns); then every step's times are checked
// against the machine: occupancy never above the capacity at any instant, one copy of a
// tensor at a time, exact durations, one transfer per channel and one op at a time in list
// order, no op before its inputs are ready, no store before its value exists, no drop before
// the tensor's load, uses and stores have ended. `peak cache` is the largest occupancy.
//
// Occupancy is settled in time order. The executor promises at each decision point that no
// later step has an earlier time (settle_before), so the check runs in memory proportional to
// the steps still open, not to the whole run.
#include <cstddef>
#include <cstdint>
#include <queue>
#include <string>
#include <unordered_map>
#include <vector>

#include "sim/core/fifo_queue.h"
#include "sim/core/graph.h"
#include "sim/core/machine.h"
#include "sim/core/schedule.h"
#include "sim/core/verifier.h"

namespace memsim {

class TimedVerifier {
 public:
  TimedVerifier(const Graph& graph, const Machine& machine, VerifierOptions options = {});
  // Checks the next step in list order, then in time; throws ScheduleError naming the step,
  // or, for occupancy, the instant, the tensors and the bytes.
  // Inline, so that a caller that knows the step's kind (the executor, through VerifyingSink)
  // goes straight to that kind's checks (issue 16).
  void apply(const TimedStep& step) {
    switch (step.step.kind) {
      case StepKind::load:
        return apply_load(step);
      case StepKind::store:
        return apply_store(step);
      case StepKind::drop:
        return apply_drop(step);
      case StepKind::compute:
        return apply_compute(step);
    }
  }
  // Every later step has all its times >= `time`: occupancy before it is final.
  void settle_before(double time);
  // Checks the end state and what is left of occupancy; the counts, peak cache in time.
  MoveCounts finish();
  const Verifier& in_list_order() const { return list_; }
  // docs/model.md §15.5: the most bytes of staging copies at one instant at each level, index
  // level - 1 (0 for the cache and for levels that never stage). Valid after finish().
  const std::vector<std::uint64_t>& peak_staging() const { return peak_staging_; }

 private:
  // A tensor's times while it has a copy in the cache (and until that copy's drop is settled).
  struct Copy {
    double ready = 0;         // end of the load or op that gave it its value
    double last_use_end = 0;  // end of the last op that had it in its working set
    double store_end = 0;     // end of its last store
    double dropped_at = 0;    // when the copy left (valid once !resident)
    TensorId tensor = 0;
    std::uint32_t pending = 0;  // changes not yet settled; the copy is freed at 0 once dropped
    bool resident = false;      // in list order
    bool occupying = false;     // in time, as far as settled
    // Dropped at the very instant it arrived: it never occupied anything ([t, t) is empty),
    // and its release, which sorts first at that instant, cancels its arrival.
    bool arrival_cancelled = false;
  };
  struct Change {
    double at;
    // Bit 63 set for an arrival, then the sequence number: at the same instant releases sort
    // first (intervals are half-open), then in the order they were made. One word to compare
    // keeps the queue's entries at 24 bytes (it is sifted once or twice per step).
    std::uint64_t order;
    TensorId tensor;
    bool arrives() const { return (order >> 63) != 0; }
    bool operator>(const Change& o) const { return at != o.at ? at > o.at : order > o.order; }
  };
  static constexpr std::uint64_t kArrival = std::uint64_t{1} << 63;

  void apply_load(const TimedStep& step);
  void apply_store(const TimedStep& step);
  void apply_drop(const TimedStep& step);
  void apply_compute(const TimedStep& step);
  // The checks every step starts with, after the list-order replay: no time before the
  // watermark (`earliest` is the step's earliest time), no end before the start.
  void check_times(const TimedStep& step, double earliest);
  // A load's or store's hops below level 1; true when the step is over a deep link (nothing
  // more to check at level 1).
  bool deep_transfer(const TimedStep& step) {
    if (step.link != 1 || (deep_ && graph_.tensor(step.step.id).home > 2)) check_deep_hop(step);
    return step.link != 1;
  }
  [[noreturn]] void fail(const TimedStep& step, const std::string& why) const;
  // Builds the message only when failing, out of line: the checks' hot paths stay small
  // (issue 16).
  template <typename Why>
  [[noreturn, gnu::cold, gnu::noinline]] void fail_with(const TimedStep& step, Why why) const {
    fail(step, std::string(why()));
  }
  Copy& copy_of(TensorId t) {
    return copy_index_[t] != kNoCopy ? copies_[copy_index_[t]] : new_copy(t);
  }
  Copy* existing_copy(TensorId t) {
    return copy_index_[t] == kNoCopy ? nullptr : &copies_[copy_index_[t]];
  }
  Copy& new_copy(TensorId t);
  void arrive(Copy& c, double at);  // c is the copy of c.tensor
  void check_transfer(const TimedStep& step);
  // docs/model.md §15.7: a hop's copies below level 1 (home copies, staging copies).
  void check_deep_hop(const TimedStep& step);
  struct Staging {
    double start;  // the start of the hop that wrote it
    double valid;  // the end of that hop
  };
  static std::uint64_t staging_key(TensorId t, std::uint32_t level) {
    return (static_cast<std::uint64_t>(t) << 5) | level;
  }
  void check_compute(const TimedStep& step);
  // An op reading t starts no earlier than t's value exists.
  void check_ready(const TimedStep& step, TensorId t, const Copy& c) const;
  void settle(bool everything, double before);
  [[noreturn]] void over_capacity(double at) const;

  const Graph& graph_;
  const Machine machine_;  // a copy: callers may pass a temporary
  Verifier list_;
  static constexpr std::uint32_t kNoCopy = 0xffffffffu;
  std::vector<std::uint32_t> copy_index_;  // per tensor, into copies_
  std::vector<Copy> copies_;
  std::vector<std::uint32_t> free_copies_;
  std::vector<double> channel_end_;
  std::vector<std::vector<double>> deep_channel_end_;   // links 2..K-1
  std::unordered_map<TensorId, double> home_valid_;     // tensors homed below level 2
  std::unordered_map<std::uint64_t, Staging> staging_;  // open staging copies
  struct StagingChange {
    double at;
    std::int64_t bytes;  // + from the writing hop's start, - at the reading hop's end
  };
  std::vector<std::vector<StagingChange>> staging_changes_;  // by level - 1
  std::vector<std::uint64_t> peak_staging_;
  bool deep_ = machine_.level_count() > 2;  // else no tensor is homed below level 2
  double compute_end_ = 0;
  double watermark_ = 0;
  // The open changes, settled in (at, order) order. Most are made in that order already: they
  // go to the back of `in_order_` (sorted); the rest to the heap. Settling takes the smaller
  // of the two fronts, so the sequence is the one a single heap would give, at a fraction of
  // the sifting.
  void push_change(const Change& c) {
    if (in_order_.empty() || !(in_order_.back() > c))
      in_order_.push_back(c);
    else
      changes_.push(c);
  }
  FifoQueue<Change> in_order_;  // sim/core/fifo_queue.h
  std::priority_queue<Change, std::vector<Change>, std::greater<>> changes_;
  std::uint64_t seq_ = 0;
  std::uint64_t occupied_ = 0;
  std::uint64_t peak_ = 0;
  std::uint64_t step_index_ = 0;
};

}  // namespace memsim
