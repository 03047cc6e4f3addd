#pragma once
// Transparent huge pages for large heap blocks (tools/memsim/huge_page_new.cpp says why): the
// 2 MiB-aligned pages lying wholly inside a block, the advice that marks them, and the
// allocation that starts a large block on a huge page.
#include <sys/mman.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "sim/core/page_range.h"

namespace memsim {

inline constexpr std::uintptr_t kHugePageBytes = std::uintptr_t{2} << 20;

// The huge pages wholly inside [at, at + bytes): from the first 2 MiB boundary at or after
// `at` to the last one at or before its end; empty when no whole huge page fits.
constexpr AddressRange huge_page_range(std::uintptr_t at, std::size_t bytes) {
  return pages_inside(at, bytes, kHugePageBytes);
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

// A block of `bytes` bytes from malloc's family (free() releases it), nullptr when out of
// memory. A block of 2 MiB or more starts on a 2 MiB boundary and is advised from there: malloc
// puts a large block 16 bytes past a 4 KiB page, which leaves the part before the first whole
// huge page (up to 2 MiB, 1 MiB on average) to 4 KiB pages, a page fault each. Aligning the
// start costs address space, not memory: the room skipped before the block is never touched.
// The block's tail past its last whole huge page stays on 4 KiB pages: marking it would make
// the kernel back the whole last huge page, up to 2 MiB more resident memory per block.
inline void* allocate_on_huge_pages(std::size_t bytes) {
  if (bytes < kHugePageBytes) return std::malloc(bytes == 0 ? 1 : bytes);
  void* block = nullptr;
  if (posix_memalign(&block, kHugePageBytes, bytes) != 0) return nullptr;
  advise_huge_pages(block, bytes);
  return block;
}

}  // namespace memsim
