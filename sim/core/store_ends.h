#pragma once
// When each tensor's store ends (docs/model.md §4.3), for the stores still running. The
// executor reads a store's end only against times at or after the current decision point
// (a load's issue time, an eviction's drop time, an op's start, "clean" in §3): once the
// decision point has passed the end it changes nothing, and reads as 0, as for a tensor never
// stored. So only the running stores are kept, in a small hash table, not an array of 8 bytes a
// tensor (issue 16: that array was half the executor's state on an inference chain, where only the
// required output is ever stored).
// The executor keeps its ready times that lie ahead (the loads still running) in a second one,
// by the same argument (sim/core/executor.cpp, ready_ahead_).
#include <bit>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "sim/core/fifo_queue.h"
#include "sim/core/graph.h"

namespace memsim {

class StoreEnds {
 public:
  // The end of t's running store, or 0 (none, or it ended by the last forget_ended).
  double operator[](TensorId t) const {
    if (((present_ >> (t & 63)) & 1) == 0) return 0.0;  // most reads: no entry
    for (std::size_t i = slot(t);; i = (i + 1) & mask_) {
      if (slots_[i].tensor == t) return slots_[i].end;
      if (slots_[i].tensor == kEmpty) return 0.0;
    }
  }

  void set(TensorId t, double end) {
    if (2 * (count_ + 1) > slots_.size()) grow();
    std::size_t i = slot(t);
    while (slots_[i].tensor != t && slots_[i].tensor != kEmpty) i = (i + 1) & mask_;
    if (slots_[i].tensor == kEmpty) {
      ++count_;
      if (bucket_count_[t & 63]++ == 0) present_ |= std::uint64_t{1} << (t & 63);
    }
    slots_[i] = {end, t};
    issued_.push_back({end, t});
  }

  // Forgets the stores that ended at or before `now`, in the order they were issued (one that
  // ends late keeps the ones after it a while: they read the same either way). The test is
  // inline: at most decision points nothing has ended.
  void forget_ended(double now) {
    if (!issued_.empty() && issued_.front().end <= now) forget_ended_from_front(now);
  }

 private:
  // An open-addressing table (linear probing, at most half full): no allocation per store, as a
  // node-based map would make.
  struct Entry {
    double end;
    TensorId tensor;
  };
  static constexpr TensorId kEmpty = Graph::kNoTensor;
  [[gnu::noinline]] void forget_ended_from_front(double now) {
    while (!issued_.empty() && issued_.front().end <= now) {
      erase_if_ended(issued_.front().tensor, now);
      issued_.pop_front();
    }
  }
  std::size_t slot(TensorId t) const {
    return static_cast<std::size_t>((std::uint64_t{t} * 0x9E3779B97F4A7C15ull) >> shift_);
  }
  void grow() {
    std::vector<Entry> old = std::move(slots_);
    const std::size_t size = old.empty() ? 16 : 2 * old.size();
    slots_.assign(size, Entry{0.0, kEmpty});
    mask_ = size - 1;
    shift_ = 64 - static_cast<unsigned>(std::countr_zero(size));
    for (const Entry& e : old)
      if (e.tensor != kEmpty) {
        std::size_t i = slot(e.tensor);
        while (slots_[i].tensor != kEmpty) i = (i + 1) & mask_;
        slots_[i] = e;
      }
  }
  // Removes t's entry if its store has ended by `now` (a later store of t may still run), then
  // shifts the entries after it back so that every probe still finds them.
  void erase_if_ended(TensorId t, double now) {
    std::size_t i = slot(t);
    while (slots_[i].tensor != t) {
      if (slots_[i].tensor == kEmpty) return;
      i = (i + 1) & mask_;
    }
    if (slots_[i].end > now) return;
    --count_;
    if (--bucket_count_[t & 63] == 0) present_ &= ~(std::uint64_t{1} << (t & 63));
    for (std::size_t j = (i + 1) & mask_;; j = (j + 1) & mask_) {
      if (slots_[j].tensor == kEmpty) break;
      const std::size_t home = slot(slots_[j].tensor);
      // Entry j may move to the hole at i unless its home lies cyclically in (i, j].
      const bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
      if (stays) continue;
      slots_[i] = slots_[j];
      i = j;
    }
    slots_[i] = {0.0, kEmpty};
  }

  std::vector<Entry> slots_;
  std::size_t mask_ = 0;
  unsigned shift_ = 64;
  std::size_t count_ = 0;
  // A filter in front of the table: bit k of present_ is set while some entry's tensor id is
  // k modulo 64 (bucket_count_[k] of them), so a read of a tensor without an entry usually
  // answers without hashing and probing.
  std::uint64_t present_ = 0;
  std::uint32_t bucket_count_[64] = {};
  struct Issued {
    double end;
    TensorId tensor;
  };
  FifoQueue<Issued> issued_;  // stores in issue order not yet forgotten
};

}  // namespace memsim
