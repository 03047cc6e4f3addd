#pragma once
// Counts live heap bytes through the global operator new/delete, so the benchmark can report
// peak memory per op. Include in exactly one translation unit (the benchmark's main file).
#include <malloc.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "tools/memsim/huge_pages.h"

namespace memsim::bench {
inline std::atomic<std::size_t> g_live{0};
inline std::atomic<std::size_t> g_peak{0};
inline void reset_peak() {
  g_peak = g_live.load();
}
inline std::size_t live_bytes() {
  return g_live.load();
}
inline std::size_t peak_bytes() {
  return g_peak.load();
}
}  // namespace memsim::bench

// Large blocks get the advice memsim's own operator new gives (tools/memsim/huge_page_new.cpp),
// so the in-process benchmarks time the same memory as the memsim process. They are not moved
// to a 2 MiB boundary as there (allocate_on_huge_pages): an aligned block's usable size, which
// this counter counts, includes the alignment's slack, up to 2 MiB a block never touched.
// Not inlined: GCC 12 would otherwise see malloc behind operator new at the call sites, pair it
// with operator delete and warn (-Wmismatched-new-delete), though the pair is consistent.
[[gnu::noinline]] void* operator new(std::size_t size) {
  void* p = std::malloc(size == 0 ? 1 : size);
  if (!p) throw std::bad_alloc();
  memsim::advise_huge_pages(p, size);
  const std::size_t now = memsim::bench::g_live += malloc_usable_size(p);
  std::size_t peak = memsim::bench::g_peak.load();
  while (now > peak && !memsim::bench::g_peak.compare_exchange_weak(peak, now)) {
  }
  return p;
}
// Not inlined either, for the same warning seen from the other side: inlined at a call site,
// its free() would be paired with the operator new that made the block.
[[gnu::noinline]] void operator delete(void* p) noexcept {
  if (!p) return;
  memsim::bench::g_live -= malloc_usable_size(p);
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  operator delete(p);
}
