// The memsim process's operator new and delete: blocks of 64 KiB or more are backed by
// transparent huge pages.
//
// Why (issue 16): a run's memory is a few large arrays (the op graph, the executor's and the
// verifiers' per-tensor state), each touched once from start to end. With 4 KiB pages every
// first touch is a page fault: a 10^6-op chain took 45,000 of them, and in this project's
// virtual machine they cost about 3.4 us each, 0.15 s of kernel time on the run's own thread,
// a third of its CPU. Linux gives huge pages to memory marked MADV_HUGEPAGE when
// /sys/kernel/mm/transparent_hugepage/enabled is "madvise" (Debian's default) or "always";
// marking each block of 2 MiB or more at allocation, before it is touched, makes one fault
// per 2 MiB of it. glibc can do the same (GLIBC_TUNABLES=glibc.malloc.hugetlb=1), but only
// when the user sets it before the process starts, and for its whole heap (a 10^6-op run's
// peak resident memory grew by 4.8 MB with it).
//
// Large blocks (2 MiB or more) still come from malloc's family (posix_memalign puts a large
// block's start on a 2 MiB boundary); only the 2 MiB pages wholly inside a block are marked
// (tools/memsim/huge_pages.h), never memory malloc may hand to another block. Medium blocks
// (64 KiB up to 2 MiB, a 10^5-op run's arrays) come from an arena on huge pages
// (tools/memsim/medium_block_arena.h); so operator delete is memsim's too: the arena's blocks
// go back to it, every other block to free(). Smaller blocks are malloc's. A kernel without
// transparent huge pages refuses the advice, which is then ignored. The sanitizer builds leave
// operator new and delete to the sanitizer (CMakeLists.txt), whose own checks need them (the
// arena's tests run there on an arena of their own). The in-process benchmarks count the heap
// with their own operator new, which gives the same advice but keeps malloc's placement
// (bench/heap_counter.h says why).
#include <cstdlib>
#include <new>

#include "tools/memsim/huge_pages.h"
#include "tools/memsim/medium_block_arena.h"

namespace {

// Made on first use (operator new may run before main) and never destroyed: a static object's
// destructor may free a medium block after every other destructor has run.
memsim::MediumBlockArena& medium_blocks() {
  alignas(memsim::MediumBlockArena) static unsigned char storage[sizeof(memsim::MediumBlockArena)];
  static memsim::MediumBlockArena* const arena =
      new (storage) memsim::MediumBlockArena(memsim::MediumBlockArena::kMaxRegionBytes);
  return *arena;
}

}  // namespace

void* operator new(std::size_t bytes) {
  // The arena answers medium sizes only (nullptr for the rest, as when it is full).
  if (void* block = medium_blocks().allocate(bytes)) return block;
  for (;;) {
    if (void* block = memsim::allocate_on_huge_pages(bytes)) return block;
    // [new.delete.single]: call the new-handler until it gives up (throws) or is not set.
    const std::new_handler handler = std::get_new_handler();
    if (!handler) throw std::bad_alloc();
    handler();
  }
}

void operator delete(void* block) noexcept {
  if (!medium_blocks().deallocate(block)) std::free(block);
}

void operator delete(void* block, std::size_t) noexcept {
  operator delete(block);
}
