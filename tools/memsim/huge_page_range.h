#pragma once
// The part of a block that can be backed by transparent huge pages: the 2 MiB-aligned pages
// lying wholly inside it (tools/memsim/huge_page_new.cpp).
#include <cstddef>
#include <cstdint>

namespace memsim::cli {

inline constexpr std::uintptr_t kHugePageBytes = std::uintptr_t{2} << 20;

struct AddressRange {
  std::uintptr_t begin = 0, end = 0;  // [begin, end); empty when begin == end
};

// The huge pages wholly inside [at, at + bytes): from the first 2 MiB boundary at or after
// `at` to the last one at or before its end; empty when no whole huge page fits.
constexpr AddressRange huge_page_range(std::uintptr_t at, std::size_t bytes) {
  const std::uintptr_t begin = (at + kHugePageBytes - 1) & ~(kHugePageBytes - 1);
  const std::uintptr_t end = (at + bytes) & ~(kHugePageBytes - 1);
  return begin < end ? AddressRange{begin, end} : AddressRange{begin, begin};
}

}  // namespace memsim::cli
