#pragma once
// The cache's free space as pieces, each some bytes free from a given instant
// (docs/model.md §4.2). Dropping a tensor at time τ adds a piece free from τ; an allocation
// takes bytes from the pieces that become free earliest (pieces free at the same instant in
// the order they were added) and is made at the latest instant among the pieces it took.
// Shared by the executor and the schedule replay, which follow the same rule.
#include <algorithm>
#include <cstdint>
#include <queue>
#include <vector>

namespace memsim {

class FreeSpace {
 public:
  explicit FreeSpace(std::uint64_t capacity) : free_now_(capacity) {}

  // Space of `bytes` becomes free at `at`; `after_store` when that instant is the end of a
  // store the drop had to wait for.
  void release(double at, std::uint64_t bytes, bool after_store) {
    if (bytes == 0) return;
    if (at <= now_) {
      free_now_ += bytes;
      return;
    }
    later_.push({at, seq_++, bytes, after_store});
  }

  // Pieces free at or before `now` merge: which of them an allocation takes no longer matters.
  void advance(double now) {
    now_ = std::max(now_, now);
    if (later_.empty()) return;  // the common case, inline; a heap's top is a call away
    while (!later_.empty() && later_.top().at <= now_) {
      free_now_ += later_.top().bytes;
      later_.pop();
    }
  }

  struct Taken {
    double at = 0;             // the allocation time: the latest instant among the pieces taken
    bool after_store = false;  // a piece taken at that instant was freed by a store's end
  };
  // Takes `bytes` (the caller has made sure they exist) at the current instant or later.
  Taken take(std::uint64_t bytes) {
    // Inline for the common case, space free now (issue 16: 37 instructions a call before).
    if (bytes <= free_now_) {
      free_now_ -= bytes;
      return {now_, false};
    }
    return take_later(bytes);
  }

  std::size_t pending_pieces() const { return later_.size(); }

 private:
  // take() when the space free now does not suffice: the rest from the pieces freed later.
  [[gnu::noinline]] Taken take_later(std::uint64_t bytes) {
    Taken t{now_, false};
    const std::uint64_t from_now = std::min(bytes, free_now_);
    free_now_ -= from_now;
    bytes -= from_now;
    while (bytes > 0 && !later_.empty()) {
      Piece p = later_.top();
      later_.pop();
      if (p.at > t.at) t = {p.at, false};
      t.after_store = t.after_store || p.after_store;
      const std::uint64_t used = std::min(bytes, p.bytes);
      bytes -= used;
      if (p.bytes > used) {
        p.bytes -= used;
        later_.push(p);  // keeps its instant and its place among equal instants
      }
    }
    return t;
  }

  struct Piece {
    double at;
    std::uint64_t seq;
    std::uint64_t bytes;
    bool after_store;
    // Earliest first; equal instants in the order they were added.
    bool operator>(const Piece& o) const { return at != o.at ? at > o.at : seq > o.seq; }
  };
  std::uint64_t free_now_;
  double now_ = 0;
  std::uint64_t seq_ = 0;
  std::priority_queue<Piece, std::vector<Piece>, std::greater<>> later_;
};

}  // namespace memsim
