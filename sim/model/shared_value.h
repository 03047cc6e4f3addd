#pragma once
// Shared<T>: a read-only T that copies share (a pointer and a count), with an empty T when
// none was given. A repeat of 10^6 layers copies one layer record 10^6 times; its loop nest,
// explicit tiling and source position are the same in every copy, so each copy holds a pointer
// to one value instead of its own (docs: issue 16, whole-run speed).
#include <cstddef>
#include <memory>

namespace memsim {

template <class T>
class Shared {
 public:
  Shared() = default;
  Shared(T value) : p_(std::make_shared<T>(std::move(value))) {}  // NOLINT: implicit on purpose
  Shared& operator=(T value) {
    p_ = std::make_shared<T>(std::move(value));
    return *this;
  }
  const T& get() const { return p_ ? *p_ : none(); }
  operator const T&() const { return get(); }  // NOLINT: reads like a T
  const T* operator->() const { return &get(); }
  const T& operator*() const { return get(); }
  // The value to change in place; copies that share it keep the old one.
  T& edit() {
    if (!p_ || p_.use_count() > 1) p_ = std::make_shared<T>(get());
    return *p_;
  }
  void reset() { p_.reset(); }
  // For a shared container: read it as the container (instantiated only when used).
  auto begin() const { return get().begin(); }
  auto end() const { return get().end(); }
  auto size() const { return get().size(); }
  bool empty() const { return get().empty(); }
  decltype(auto) operator[](std::size_t i) const { return get()[i]; }
  friend bool operator==(const Shared& a, const Shared& b) { return a.get() == b.get(); }
  friend bool operator==(const Shared& a, const T& b) { return a.get() == b; }

 private:
  static const T& none() {
    static const T value{};
    return value;
  }
  std::shared_ptr<T> p_;
};

}  // namespace memsim
