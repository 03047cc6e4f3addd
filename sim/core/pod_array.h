#pragma once
// A growable array of trivially copyable values that appends without zero-filling: the graph's
// storage (sim/core/graph.h). std::vector cannot hand out room it has not constructed, so a
// builder appending an op's operands either pays a capacity check and an end-pointer store per
// id (push_back) or a zero fill before writing them (resize); here append(n) makes room for n
// once and returns where to write them. Storage comes from the global operator new, like every
// container's: in the memsim process that is the one that backs large blocks by huge pages
// (tools/memsim/huge_page_new.cpp), which saves the graph's arrays a page fault per 4 KiB. The
// builders reserve their arrays' final sizes, so growth (doubling, by copy) is rare.
#include <cstddef>
#include <cstring>
#include <new>
#include <type_traits>
#include <utility>

namespace memsim {

template <class T>
class PodArray {
  static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>);
  static_assert(alignof(T) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__);

 public:
  PodArray() = default;
  PodArray(const PodArray& other) { *this = other; }
  PodArray(PodArray&& other) noexcept { swap(other); }
  PodArray& operator=(const PodArray& other) {
    if (this == &other) return *this;
    size_ = 0;
    reserve(other.size_);
    if (other.size_ > 0) std::memcpy(data_, other.data_, other.size_ * sizeof(T));
    size_ = other.size_;
    return *this;
  }
  PodArray& operator=(PodArray&& other) noexcept {
    PodArray gone(std::move(other));
    swap(gone);
    return *this;
  }
  ~PodArray() { ::operator delete(data_); }

  std::size_t size() const { return size_; }
  std::size_t capacity() const { return capacity_; }
  bool empty() const { return size_ == 0; }
  T* data() { return data_; }
  const T* data() const { return data_; }
  T& operator[](std::size_t i) { return data_[i]; }
  const T& operator[](std::size_t i) const { return data_[i]; }
  T* begin() { return data_; }
  T* end() { return data_ + size_; }
  const T* begin() const { return data_; }
  const T* end() const { return data_ + size_; }

  // Room for at least n values in all.
  void reserve(std::size_t n) {
    if (n > capacity_) regrow(n);
  }
  // n more values, not initialised: the caller writes all of them before reading any.
  T* append(std::size_t n) {
    if (capacity_ - size_ < n) regrow(grown(n));
    T* at = data_ + size_;
    size_ += n;
    return at;
  }
  void push_back(const T& value) { *append(1) = value; }
  // Drops the values from n on (n <= size()): undoes an append that turned out invalid.
  void truncate(std::size_t n) { size_ = n; }

 private:
  // Doubling, as std::vector grows: appends cost amortised constant time.
  std::size_t grown(std::size_t more) const {
    const std::size_t need = size_ + more;
    return need > 2 * capacity_ ? need : 2 * capacity_;
  }
  void regrow(std::size_t n) {
    if (n > static_cast<std::size_t>(-1) / sizeof(T)) throw std::bad_alloc();
    T* grown = static_cast<T*>(::operator new(n * sizeof(T)));
    if (size_ > 0) std::memcpy(grown, data_, size_ * sizeof(T));
    ::operator delete(data_);
    data_ = grown;
    capacity_ = n;
  }
  void swap(PodArray& other) noexcept {
    std::swap(data_, other.data_);
    std::swap(size_, other.size_);
    std::swap(capacity_, other.capacity_);
  }
  T* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

}  // namespace memsim
