#pragma once
// A first-in first-out queue in one vector: the front taken off is cut away once it is at
// least half of the vector (and whenever the queue empties), so it holds at most twice the
// entries still queued, with no allocation per block of entries as std::deque makes. The
// timed verifier's open changes and the executor's running stores queue in it.
#include <cstddef>
#include <vector>

namespace memsim {

template <typename T>
class FifoQueue {
 public:
  bool empty() const { return head_ == items_.size(); }
  const T& front() const { return items_[head_]; }
  const T& back() const { return items_.back(); }
  void push_back(const T& item) { items_.push_back(item); }
  void pop_front() {
    if (++head_ == items_.size()) {
      items_.clear();
      head_ = 0;
    } else if (head_ >= 1024 && 2 * head_ >= items_.size()) {
      items_.erase(items_.begin(), items_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
  }

 private:
  std::vector<T> items_;
  std::size_t head_ = 0;
};

}  // namespace memsim
