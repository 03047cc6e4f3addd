// The arena of medium heap blocks (tools/memsim/medium_block_arena.h): sizes, first fit,
// reuse of freed room, the top, exhaustion, and blocks that never overlap, on two threads too.
#include <catch2/catch.hpp>
#include <cstdint>
#include <cstring>
#include <random>
#include <thread>
#include <vector>

#include "tools/memsim/medium_block_arena.h"

namespace {

using memsim::MediumBlockArena;
constexpr std::size_t KiB = 1024, MiB = 1024 * KiB, Unit = MediumBlockArena::kUnitBytes;

// The unit index of a block in the arena whose first block is `first`.
std::size_t unit_of(const void* block, const void* first) {
  return (reinterpret_cast<std::uintptr_t>(block) - reinterpret_cast<std::uintptr_t>(first)) / Unit;
}

}  // namespace

TEST_CASE("medium block arena: only medium sizes, in whole 64 KiB units", "[huge_pages]") {
  MediumBlockArena arena(4 * MiB);  // 64 units
  // Below 64 KiB and from 2 MiB on: not the arena's (the caller asks malloc).
  CHECK(arena.allocate(64 * KiB - 1) == nullptr);
  CHECK(arena.allocate(2 * MiB) == nullptr);
  // 64 KiB is one unit at the region's start, which is a 2 MiB boundary; 64 KiB + 1 is two.
  void* a = arena.allocate(64 * KiB);
  REQUIRE(a != nullptr);
  CHECK(reinterpret_cast<std::uintptr_t>(a) % (2 * MiB) == 0);
  CHECK(arena.top_units() == 1);
  void* b = arena.allocate(64 * KiB + 1);
  CHECK(unit_of(b, a) == 1);
  CHECK(arena.top_units() == 3);
  // 2 MiB - 1 is 32 units, the largest block.
  void* c = arena.allocate(2 * MiB - 1);
  CHECK(unit_of(c, a) == 3);
  CHECK(arena.top_units() == 35);
  CHECK(arena.owns(a));
  CHECK(arena.owns(static_cast<char*>(c) + 2 * MiB - 2));
  int local = 0;
  CHECK_FALSE(arena.owns(&local));
  CHECK_FALSE(arena.owns(nullptr));
  CHECK_FALSE(arena.owns(static_cast<char*>(a) + 4 * MiB));  // just past the region
  // A pointer from elsewhere is not taken back (operator delete then frees it).
  CHECK_FALSE(arena.deallocate(&local));
  CHECK(arena.top_units() == 35);
  CHECK(arena.deallocate(c));
  CHECK(arena.top_units() == 3);
}

TEST_CASE("medium block arena: freed room serves the next block that fits, first fit",
          "[huge_pages]") {
  MediumBlockArena arena(4 * MiB);
  // Units: a [0], b [1, 3), c [3], d [4, 8).
  void* a = arena.allocate(Unit);
  void* b = arena.allocate(2 * Unit);
  void* c = arena.allocate(Unit);
  void* d = arena.allocate(4 * Unit);
  CHECK(unit_of(d, a) == 4);
  CHECK(arena.top_units() == 8);
  // Free b: a hole of 2 units at 1. One unit goes there (the first fit), not to the top.
  arena.deallocate(b);
  void* e = arena.allocate(Unit);
  CHECK(unit_of(e, a) == 1);
  // Two units do not fit the one left at 2: they go to the top, [8, 10).
  void* f = arena.allocate(2 * Unit);
  CHECK(unit_of(f, a) == 8);
  // Free a and e: units 0, 1 and 2 are free together, a hole of 3 for a block of 3 bytes
  // more than two units (three units).
  arena.deallocate(a);
  arena.deallocate(e);
  void* g = arena.allocate(2 * Unit + 3);
  CHECK(g == a);
  CHECK(arena.top_units() == 10);
  (void)c;
}

TEST_CASE("medium block arena: freeing the last blocks lowers the top past free room",
          "[huge_pages]") {
  MediumBlockArena arena(4 * MiB);
  void* a = arena.allocate(3 * Unit);  // [0, 3)
  void* b = arena.allocate(Unit);      // [3]
  void* c = arena.allocate(2 * Unit);  // [4, 6)
  arena.deallocate(b);
  CHECK(arena.top_units() == 6);  // c is still in use above the hole
  arena.deallocate(c);
  CHECK(arena.top_units() == 3);  // down past b's free unit to a's end
  // A block of 32 units (the longest: 2 MiB - 1 bytes) ending just below the top keeps the top
  // there.
  void* d = arena.allocate(32 * Unit - 1);  // [3, 35)
  REQUIRE(d != nullptr);
  void* e = arena.allocate(Unit);  // [35]
  arena.deallocate(e);
  CHECK(arena.top_units() == 35);
  arena.deallocate(d);
  arena.deallocate(a);
  CHECK(arena.top_units() == 0);
  // And the region's start serves again.
  CHECK(arena.allocate(Unit) == a);
}

TEST_CASE("medium block arena: a full region refuses, and a region too small is none",
          "[huge_pages]") {
  MediumBlockArena arena(2 * MiB);  // 32 units
  void* a = arena.allocate(31 * Unit);
  REQUIRE(a != nullptr);
  CHECK(arena.allocate(2 * Unit) == nullptr);  // one unit left
  CHECK(arena.allocate(Unit) != nullptr);
  CHECK(arena.allocate(Unit) == nullptr);
  // Less than one huge page: no region; every request goes to malloc, and nothing is owned.
  MediumBlockArena none(2 * MiB - 1);
  CHECK(none.allocate(Unit) == nullptr);
  CHECK_FALSE(none.owns(a));
}

TEST_CASE("medium block arena: blocks never overlap, on two threads at once", "[huge_pages]") {
  // Each thread allocates and frees blocks of random sizes, fills each with its own byte and
  // checks the byte before freeing it: a block handed out twice at once would be overwritten.
  MediumBlockArena arena(256 * MiB);
  const auto work = [&arena](unsigned seed, bool& ok) {
    std::mt19937 random(seed);
    std::vector<std::pair<unsigned char*, std::size_t>> held;
    for (int i = 0; i < 2000; ++i) {
      if (held.size() < 40 && (held.empty() || random() % 3 != 0)) {
        const std::size_t bytes = 64 * KiB + random() % (2 * MiB - 64 * KiB);
        auto* block = static_cast<unsigned char*>(arena.allocate(bytes));
        if (!block) continue;
        std::memset(block, static_cast<int>(i & 0xff), bytes);
        held.emplace_back(block, bytes);
      } else {
        const std::size_t k = random() % held.size();
        const auto [block, bytes] = held[k];
        ok = ok && block[0] == block[bytes - 1] && block[bytes / 2] == block[0];
        arena.deallocate(block);
        held.erase(held.begin() + static_cast<std::ptrdiff_t>(k));
      }
    }
    for (const auto& [block, bytes] : held) arena.deallocate(block);
  };
  bool ok1 = true, ok2 = true;
  std::thread other(work, 1u, std::ref(ok1));
  work(2u, ok2);
  other.join();
  CHECK(ok1);
  CHECK(ok2);
  CHECK(arena.top_units() == 0);  // everything freed
}
