#pragma once
// A doubly linked list threaded through arrays indexed by TensorId: O(1) push, move and unlink
// with 8 bytes per tensor and no allocation per operation. Shared by LRU and FIFO.
#include <cstdint>
#include <vector>

#include "sim/core/eviction.h"
#include "sim/core/graph.h"

namespace memsim {

class IntrusiveList {
 public:
  explicit IntrusiveList(std::size_t size) : prev_(size, kNil), next_(size, kNil), in_(size, 0) {}
  void push_back(TensorId t) {
    if (in_[t]) unlink(t);
    prev_[t] = tail_;
    next_[t] = kNil;
    if (tail_ != kNil)
      next_[tail_] = t;
    else
      head_ = t;
    tail_ = t;
    in_[t] = 1;
  }
  void unlink(TensorId t) {
    if (!in_[t]) return;
    if (prev_[t] != kNil)
      next_[prev_[t]] = next_[t];
    else
      head_ = next_[t];
    if (next_[t] != kNil)
      prev_[next_[t]] = prev_[t];
    else
      tail_ = prev_[t];
    in_[t] = 0;
  }
  bool contains(TensorId t) const { return in_[t] != 0; }
  // The first element from the front that is not pinned, or kNoTensor.
  TensorId first_unpinned(const VictimQuery& q) const {
    for (TensorId t = head_; t != kNil; t = next_[t])
      if (!q.pinned(t)) return t;
    return Graph::kNoTensor;
  }

 private:
  static constexpr TensorId kNil = Graph::kNoTensor;
  std::vector<TensorId> prev_, next_;
  std::vector<std::uint8_t> in_;
  TensorId head_ = kNil, tail_ = kNil;
};

}  // namespace memsim
