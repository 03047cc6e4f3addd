#pragma once
// Transparent huge pages for large heap blocks (tools/memsim/huge_page_new.cpp says why): the
// 2 MiB-aligned pages lying wholly inside a block, and the advice that marks them.
#include <sys/mman.h>

#include <cstddef>
#include <cstdint>

namespace memsim {

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

// Marks the huge pages wholly inside a new block of `bytes` bytes at `block` MADV_HUGEPAGE,
// before anything touches them. Only those pages: the rest may be shared with other blocks.
// Advice only: a kernel without transparent huge pages refuses it, and nothing changes.
inline void advise_huge_pages(void* block, std::size_t bytes) {
  if (bytes < kHugePageBytes) return;
  const AddressRange pages = huge_page_range(reinterpret_cast<std::uintptr_t>(block), bytes);
  if (pages.begin != pages.end)
    madvise(reinterpret_cast<void*>(pages.begin), pages.end - pages.begin, MADV_HUGEPAGE);
}

}  // namespace memsim
