// FreeSpace: the cache's free space as pieces free from given instants (sim/core/free_space.h,
// docs/model.md §4.2). An allocation takes the pieces that become free earliest and is made at
// the latest instant among those it took.
#include <catch2/catch.hpp>

#include "sim/core/free_space.h"

using namespace memsim;

TEST_CASE("an allocation within the space free now is made now", "[free_space]") {
  FreeSpace space(100);
  space.advance(3.0);
  const FreeSpace::Taken a = space.take(60);
  CHECK(a.at == 3.0);
  CHECK_FALSE(a.after_store);
  // 40 bytes are left; all 40 still come from the space free now.
  const FreeSpace::Taken b = space.take(40);
  CHECK(b.at == 3.0);
  CHECK_FALSE(b.after_store);
  CHECK(space.pending_pieces() == 0);
}

TEST_CASE("an allocation beyond the space free now waits for the pieces freed later",
          "[free_space]") {
  FreeSpace space(100);
  CHECK(space.take(100).at == 0.0);  // the cache is full at t=0
  // Drops decided at t=0: 30 bytes free at t=5 after a store, 50 bytes at t=2, 20 at t=2.
  space.release(5.0, 30, /*after_store=*/true);
  space.release(2.0, 50, false);
  space.release(2.0, 20, false);
  CHECK(space.pending_pieces() == 3);
  // 60 bytes: the 50 free at t=2, then 10 of the 20 free at t=2 (equal instants in the order
  // they were added). Made at t=2, not after a store.
  const FreeSpace::Taken a = space.take(60);
  CHECK(a.at == 2.0);
  CHECK_FALSE(a.after_store);
  // 20 bytes: the 10 left at t=2, then 10 of the 30 free at t=5 after the store: made at t=5.
  const FreeSpace::Taken b = space.take(20);
  CHECK(b.at == 5.0);
  CHECK(b.after_store);
  CHECK(space.pending_pieces() == 1);  // 20 bytes at t=5 remain
  // At t=6 they have merged into the space free now: an allocation is made at t=6.
  space.advance(6.0);
  CHECK(space.pending_pieces() == 0);
  const FreeSpace::Taken c = space.take(20);
  CHECK(c.at == 6.0);
  CHECK_FALSE(c.after_store);
}

TEST_CASE("space free now is used before any piece freed later", "[free_space]") {
  FreeSpace space(100);
  space.take(90);  // 10 bytes stay free now
  space.release(4.0, 50, false);
  // 30 bytes: the 10 free now, then 20 of the piece at t=4: made at t=4.
  const FreeSpace::Taken a = space.take(30);
  CHECK(a.at == 4.0);
  CHECK_FALSE(a.after_store);
  // A drop at or before the current instant frees its bytes now.
  space.release(0.0, 5, true);
  const FreeSpace::Taken b = space.take(5);
  CHECK(b.at == 0.0);
  CHECK_FALSE(b.after_store);
}
