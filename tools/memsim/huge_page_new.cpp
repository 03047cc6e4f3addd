// The memsim process's operator new: large blocks are backed by transparent huge pages.
//
// Why (issue 16): a run's memory is a few large arrays (the op graph, the executor's and the
// verifiers' per-tensor state), each touched once from start to end. With 4 KiB pages every
// first touch is a page fault: a 10^6-op chain took 45,000 of them, and in this project's
// virtual machine they cost about 3.4 us each, 0.15 s of kernel time on the run's own thread,
// a third of its CPU. Linux gives huge pages to memory marked MADV_HUGEPAGE when
// /sys/kernel/mm/transparent_hugepage/enabled is "madvise" (Debian's default) or "always";
// marking each block of 2 MiB or more at allocation, before it is touched, makes one fault
// per 2 MiB of it. glibc can do the same (GLIBC_TUNABLES=glibc.malloc.hugetlb=1), but only
// when the user sets it before the process starts.
//
// Only the advice and the start of a large block change: blocks still come from malloc's
// family (posix_memalign puts a large block's start on a 2 MiB boundary) and go back through
// the default operator delete (free), so nothing else changes. Only the 2 MiB pages wholly
// inside a block are marked (tools/memsim/huge_pages.h), never memory malloc may hand to
// another block, and a kernel without transparent huge pages refuses the advice, which is then
// ignored. The sanitizer builds leave operator new to the sanitizer (CMakeLists.txt), whose
// own checks need it. The in-process benchmarks count the heap with their own operator new,
// which gives the same advice but keeps malloc's placement (bench/heap_counter.h says why).
#include <cstdlib>
#include <new>

#include "tools/memsim/huge_pages.h"

void* operator new(std::size_t bytes) {
  for (;;) {
    if (void* block = memsim::allocate_on_huge_pages(bytes)) return block;
    // [new.delete.single]: call the new-handler until it gives up (throws) or is not set.
    const std::new_handler handler = std::get_new_handler();
    if (!handler) throw std::bad_alloc();
    handler();
  }
}
