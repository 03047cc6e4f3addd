// memsim's operator new (tools/memsim/huge_page_new.cpp): the huge pages it marks, and that a
// large block really is marked for them.
#include <sys/mman.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "sim/core/pod_array.h"
#include "tools/memsim/huge_pages.h"

namespace {

using memsim::huge_page_range;
constexpr std::uintptr_t MiB = std::uintptr_t{1} << 20;

}  // namespace

TEST_CASE("huge_page_range: the 2 MiB pages wholly inside a block", "[huge_pages]") {
  // 4 KiB + 6 MiB: the boundaries at 2, 4 and 6 MiB are inside; the last page ends at 6 MiB
  // (the block's end, 6 MiB + 4 KiB, rounded down).
  auto r = huge_page_range(4096, 6 * MiB);
  CHECK(r.begin == 2 * MiB);
  CHECK(r.end == 6 * MiB);
  // Aligned at both ends: exactly the block.
  r = huge_page_range(2 * MiB, 2 * MiB);
  CHECK(r.begin == 2 * MiB);
  CHECK(r.end == 4 * MiB);
  // 16 bytes past a boundary (a malloc header): the first page starts at the next boundary.
  r = huge_page_range(2 * MiB + 16, 4 * MiB);
  CHECK(r.begin == 4 * MiB);
  CHECK(r.end == 6 * MiB);
  // From 1 to 3 MiB: a boundary inside (2 MiB) but no whole page: empty.
  r = huge_page_range(1 * MiB, 2 * MiB);
  CHECK(r.begin == r.end);
  // Smaller than a page, and empty.
  r = huge_page_range(2 * MiB, 2 * MiB - 1);
  CHECK(r.begin == r.end);
  r = huge_page_range(3 * MiB, 0);
  CHECK(r.begin == r.end);
}

TEST_CASE("allocate_on_huge_pages: a large block starts on a huge page", "[huge_pages]") {
  // 3 MiB: malloc would put it 16 bytes past a 4 KiB page (a header before it), leaving up to
  // 2 MiB before its first whole huge page; aligned, that page starts at the block.
  void* large = memsim::allocate_on_huge_pages(3 * MiB);
  REQUIRE(large != nullptr);
  const auto at = reinterpret_cast<std::uintptr_t>(large);
  CHECK(at % (2 * MiB) == 0);
  CHECK(huge_page_range(at, 3 * MiB).begin == at);
  std::memset(large, 7, 3 * MiB);  // usable from end to end, and free() takes it back
  CHECK(static_cast<const char*>(large)[3 * MiB - 1] == 7);
  std::free(large);
  // Smaller blocks are malloc's own, and a block of no bytes is still a distinct block.
  void* small = memsim::allocate_on_huge_pages(100);
  void* empty = memsim::allocate_on_huge_pages(0);
  REQUIRE(small != nullptr);
  REQUIRE(empty != nullptr);
  CHECK(small != empty);
  std::free(small);
  std::free(empty);
}

#ifdef MEMSIM_HUGE_PAGE_NEW
namespace {

// The VmFlags line of the mapping of /proc/self/smaps that holds `address`, or "" if none does.
std::string vm_flags_at(std::uintptr_t address) {
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  bool inside = false;
  while (std::getline(smaps, line)) {
    unsigned long lo = 0, hi = 0;
    char dash = 0;
    std::istringstream head(line);
    if (head >> std::hex >> lo >> dash >> hi && dash == '-' && line.find(':') > line.find(' ')) {
      inside = lo <= address && address < hi;  // a mapping's first line: "lo-hi perms ..."
      continue;
    }
    if (inside && line.rfind("VmFlags:", 0) == 0) return line;
  }
  return "";
}

}  // namespace

TEST_CASE("operator new marks the huge pages of a large block for the kernel", "[huge_pages]") {
  // Does this kernel take the advice at all (built with transparent huge pages)?
  void* probe = mmap(nullptr, 4 * MiB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  REQUIRE(probe != MAP_FAILED);
  const auto at = reinterpret_cast<std::uintptr_t>(probe);
  CHECK(vm_flags_at(at).find(" hg") == std::string::npos);  // not marked until advised
  const bool kernel_takes_advice = madvise(probe, 2 * MiB, MADV_HUGEPAGE) == 0;
  if (kernel_takes_advice) CHECK(vm_flags_at(at).find(" hg") != std::string::npos);
  munmap(probe, 4 * MiB);

  // 8 MiB holds at least three whole huge pages wherever malloc puts it.
  const std::size_t bytes = 8 * MiB;
  std::unique_ptr<char[]> block(new char[bytes]);
  const auto pages = huge_page_range(reinterpret_cast<std::uintptr_t>(block.get()), bytes);
  REQUIRE(pages.end - pages.begin >= 6 * MiB);
  // A small block is left alone: its pages may be shared with other blocks.
  std::unique_ptr<char[]> small(new char[64]);
  std::memset(block.get(), 1, bytes);  // usable from end to end
  CHECK(block[bytes - 1] == 1);
  if (!kernel_takes_advice) {
    WARN("this kernel has no transparent huge pages: operator new's advice is refused");
    return;
  }
  // "hg": the mapping was marked MADV_HUGEPAGE (proc(5), /proc/pid/smaps VmFlags).
  const std::string flags = vm_flags_at(pages.begin);
  INFO(flags);
  CHECK(flags.find(" hg") != std::string::npos);
  CHECK(vm_flags_at(pages.end - 1).find(" hg") != std::string::npos);
}
TEST_CASE("operator new takes medium blocks from the huge-page arena", "[huge_pages]") {
  // 300 KiB: between 64 KiB and 2 MiB, so from tools/memsim/medium_block_arena.h: on a 64 KiB
  // unit of a mapping marked MADV_HUGEPAGE. Freed, its room serves a smaller block next (first
  // fit), which malloc's mmap'd blocks would not promise.
  char* block = new char[300 * 1024];
  const auto at = reinterpret_cast<std::uintptr_t>(block);
  CHECK(at % (64 * 1024) == 0);
  std::memset(block, 3, 300 * 1024);
  CHECK(block[300 * 1024 - 1] == 3);
  if (madvise(reinterpret_cast<void*>(at & ~(2 * MiB - 1)), 0, MADV_HUGEPAGE) == 0)
    CHECK(vm_flags_at(at).find(" hg") != std::string::npos);
  delete[] block;
  char* again = new char[100 * 1024];
  CHECK(reinterpret_cast<std::uintptr_t>(again) <= at);
  delete[] again;
  // Below 64 KiB a block is malloc's, in a mapping of other flags (the arena's is MAP_NORESERVE).
  const std::unique_ptr<char[]> small(new char[1000]);
  CHECK(vm_flags_at(reinterpret_cast<std::uintptr_t>(small.get())) != vm_flags_at(at));
}

TEST_CASE("operator new starts a block of 2 MiB or more on a huge page", "[huge_pages]") {
  const std::unique_ptr<char[]> block(new char[5 * MiB]);
  CHECK(reinterpret_cast<std::uintptr_t>(block.get()) % (2 * MiB) == 0);
}

TEST_CASE("the graph's storage comes from operator new, huge pages and all", "[huge_pages]") {
  // PodArray (the graph's arrays) allocates through the global operator new: in this process
  // the one under test, which starts an 8 MiB block on a 2 MiB boundary. malloc or realloc
  // would put it 16 bytes past a 4 KiB page.
  memsim::PodArray<std::uint64_t> values;
  values.reserve(MiB);  // 8 MiB
  CHECK(reinterpret_cast<std::uintptr_t>(values.data()) % (2 * MiB) == 0);
  // Growing past the room moves the values to a new block from the same operator new.
  values.push_back(41);
  values.reserve(2 * MiB);
  CHECK(values[0] == 41);
  CHECK(reinterpret_cast<std::uintptr_t>(values.data()) % (2 * MiB) == 0);
}
#endif
