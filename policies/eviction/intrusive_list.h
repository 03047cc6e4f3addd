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
  explicit IntrusiveList(std::size_t size) : nodes_(size, Node{kOut, kNil}) {}
  void push_back(TensorId t) {
    if (t == tail_) return;  // already last: touching it again changes nothing
    Node& n = nodes_[t];
    if (n.prev != kOut) unlink(t);
    n.prev = tail_;
    n.next = kNil;
    if (tail_ != kNil)
      nodes_[tail_].next = t;
    else
      head_ = t;
    tail_ = t;
  }
  void unlink(TensorId t) {
    Node& n = nodes_[t];
    if (n.prev == kOut) return;
    if (n.prev != kNil)
      nodes_[n.prev].next = n.next;
    else
      head_ = n.next;
    if (n.next != kNil)
      nodes_[n.next].prev = n.prev;
    else
      tail_ = n.prev;
    n.prev = kOut;
  }
  bool contains(TensorId t) const { return nodes_[t].prev != kOut; }
  // The first element from the front that is not pinned, or kNoTensor.
  TensorId first_unpinned(const VictimQuery& q) const {
    for (TensorId t = head_; t != kNil; t = nodes_[t].next)
      if (!q.pinned(t)) return t;
    return Graph::kNoTensor;
  }

 private:
  static constexpr TensorId kNil = Graph::kNoTensor;
  // prev == kOut: not in the list (tensor ids stay below it: see Graph::kNoTensor).
  static constexpr TensorId kOut = Graph::kNoTensor - 1;
  // A tensor's links side by side: one cache line serves both.
  struct Node {
    TensorId prev, next;
  };
  std::vector<Node> nodes_;
  TensorId head_ = kNil, tail_ = kNil;
};

}  // namespace memsim
