#pragma once
// Medium heap blocks, 64 KiB up to 2 MiB, on transparent huge pages (issue 16).
//
// Why: a run of 10^5 ops allocates its per-tensor and per-op arrays (the executor's, the
// verifiers', the reports') as blocks of a few hundred KiB each. Blocks of 2 MiB or more go on
// huge pages (huge_pages.h), but these were malloc's, on 4 KiB pages: a page fault per 4 KiB.
// In this project's virtual machine a 4 KiB fault costs about 2.8 us, a 2 MiB one about 145 us
// (0.28 us per 4 KiB), and a 10^5-layer chain took some 3,400 faults, most of the small kind.
//
// The arena reserves one region of address space (nothing is resident until touched), marks it
// MADV_HUGEPAGE and hands out blocks in whole 64 KiB units (a request rounded up: at most 64 KiB
// more), each at the lowest run of free units long enough (first fit), so that the room a freed
// block leaves serves the next request of any size, as malloc's would. Memory is never given
// back to the kernel: a run frees its arrays at its end and the next run of a sweep takes them
// again. Thread-safe (a mutex: medium blocks are a few hundred a run); the search walks the
// units in use, a few hundred. It never calls operator new: it backs memsim's own
// (huge_page_new.cpp).
#include <sys/mman.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <mutex>

#include "tools/memsim/huge_pages.h"

namespace memsim {

class MediumBlockArena {
 public:
  static constexpr std::size_t kMinBytes = std::size_t{64} << 10;  // below: malloc's
  static constexpr std::size_t kMaxBytes = kHugePageBytes;         // from here: huge_pages.h
  static constexpr std::size_t kUnitBytes = kMinBytes;
  static constexpr std::size_t kMaxRegionBytes = std::size_t{1} << 30;
  // The longest block in units (a request below kMaxBytes, rounded up): 32.
  static constexpr std::size_t kMaxUnits = (kMaxBytes - 1) / kUnitBytes + 1;
  static_assert(kMaxUnits <= 255, "a block's length in units is kept in a byte (length_)");

  // Reserves `region_bytes` (at most kMaxRegionBytes, whole 2 MiB pages) of address space on a
  // 2 MiB boundary. Without it (mmap refused) every allocate returns nullptr.
  explicit MediumBlockArena(std::size_t region_bytes) {
    const std::size_t bytes =
        (region_bytes < kMaxRegionBytes ? region_bytes : kMaxRegionBytes) & ~(kMaxBytes - 1);
    if (bytes == 0) return;
    void* m = mmap(nullptr, bytes + kMaxBytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (m == MAP_FAILED) return;
    mapping_ = m;
    mapping_bytes_ = bytes + kMaxBytes;
    // The region: the mapping's first `bytes` from its first huge page on, all of it advised
    // (without transparent huge pages the blocks are on 4 KiB pages, as malloc's).
    base_ = huge_page_range(reinterpret_cast<std::uintptr_t>(m), mapping_bytes_).begin;
    units_ = bytes / kUnitBytes;
    advise_huge_pages(reinterpret_cast<void*>(base_), bytes);
  }
  ~MediumBlockArena() {
    if (mapping_) munmap(mapping_, mapping_bytes_);
  }
  MediumBlockArena(const MediumBlockArena&) = delete;
  MediumBlockArena& operator=(const MediumBlockArena&) = delete;

  // A block of at least `bytes` bytes for kMinBytes <= bytes < kMaxBytes; nullptr for other
  // sizes or when no run of free units is long enough (the caller then asks malloc).
  void* allocate(std::size_t bytes) {
    if (bytes < kMinBytes || bytes >= kMaxBytes) return nullptr;
    const std::size_t need = (bytes + kUnitBytes - 1) / kUnitBytes;
    const std::lock_guard<std::mutex> lock(mutex_);
    // The first run of `need` free units: below top_ among freed blocks, else from top_ on.
    std::size_t start = 0, run = 0;
    for (std::size_t u = 0; u < top_ && run < need; ++u) {
      if (length_[u] != 0) {  // a block in use: skip it
        u += length_[u] - 1;
        start = u + 1;
        run = 0;
      } else {
        ++run;
      }
    }
    if (run < need) {  // the free units just below top_ (if any) and those from top_ on
      if (units_ - start < need) return nullptr;
      top_ = start + need;
    }
    length_[start] = static_cast<std::uint8_t>(need);
    return reinterpret_cast<void*>(base_ + start * kUnitBytes);
  }
  // Whether p is a block of this arena (a pointer from anywhere else is not).
  bool owns(const void* p) const {
    const auto at = reinterpret_cast<std::uintptr_t>(p);
    return at >= base_ && at < base_ + units_ * kUnitBytes;
  }
  // Takes back a block that allocate returned: its units are free for any later block. False,
  // and nothing done, for a pointer the arena does not own (the caller frees it elsewhere).
  bool deallocate(void* block) {
    if (!owns(block)) return false;
    const std::size_t u = (reinterpret_cast<std::uintptr_t>(block) - base_) / kUnitBytes;
    const std::lock_guard<std::mutex> lock(mutex_);
    const std::size_t end = u + length_[u];
    length_[u] = 0;
    // Free units at the top lower it, so that the search stays among the blocks in use.
    if (end == top_) {
      top_ = u;
      while (top_ > 0 && !in_use_below(top_)) --top_;
    }
    return true;
  }
  // Units from the region's start past the last block in use (for tests).
  std::size_t top_units() const { return top_; }

 private:
  // Whether the unit just below `unit` belongs to a block in use: some block starting at or
  // before it reaches it. Blocks are at most kMaxUnits long, so only that many starts can.
  bool in_use_below(std::size_t unit) const {
    const std::size_t last = unit - 1;
    for (std::size_t s = last + 1; s-- > 0 && last - s < kMaxUnits;)
      if (length_[s] != 0) return s + length_[s] > last;
    return false;
  }

  void* mapping_ = nullptr;
  std::size_t mapping_bytes_ = 0;
  std::uintptr_t base_ = 0;
  std::size_t units_ = 0;  // the region's, kUnitBytes each
  std::size_t top_ = 0;    // units from the start up to the end of the last block in use
  // Per unit: the length in units of the block that starts there, 0 where none starts (free,
  // or inside a block). 16 KiB for 1 GiB.
  std::array<std::uint8_t, kMaxRegionBytes / kUnitBytes> length_{};
  std::mutex mutex_;
};

}  // namespace memsim
