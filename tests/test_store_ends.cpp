// StoreEnds: the executor's table of running stores (sim/core/store_ends.h). A store's end reads
// back until the decision point passes it; a tensor never stored reads 0.
#include <catch2/catch.hpp>
#include <map>
#include <random>

#include "sim/core/store_ends.h"

using namespace memsim;

TEST_CASE("a running store's end reads back and an ended one is forgotten", "[store_ends]") {
  StoreEnds ends;
  CHECK(ends[7] == 0.0);  // never stored
  ends.set(7, 5.0);
  ends.set(3, 2.0);
  CHECK(ends[7] == 5.0);
  CHECK(ends[3] == 2.0);
  CHECK(ends[4] == 0.0);
  // At t=2 the store of 3 has ended (2 <= 2); 7's runs until 5.
  ends.forget_ended(2.0);
  CHECK(ends[7] == 5.0);
  // 7's first store is still running: the one issued after it waits in the issue order, and
  // reads back its (ended) end, which no read at or after t=2 can tell from 0 (3 stored at 2).
  CHECK((ends[3] == 0.0 || ends[3] == 2.0));
  // A second store of 7 replaces the first; forgetting at 5 keeps it (it ends at 9).
  ends.set(7, 9.0);
  ends.forget_ended(5.0);
  CHECK(ends[7] == 9.0);
  CHECK(ends[3] == 0.0);
  ends.forget_ended(9.0);
  CHECK(ends[7] == 0.0);
}

TEST_CASE("the store table agrees with a plain map over many colliding tensors", "[store_ends]") {
  // Random stores of 2000 tensors, some running long, forgotten as time advances: a running
  // store (end > now) must read its latest end, a tensor never stored 0, and one whose stores
  // have all ended either 0 or its latest end. Enough entries to grow the table several times
  // and to shift entries back after removals.
  std::mt19937 rng(7);
  std::uniform_int_distribution<TensorId> tensor(0, 1999);
  std::uniform_int_distribution<int> length(0, 40), coin(0, 9);
  StoreEnds ends;
  std::map<TensorId, double> latest;
  double now = 0;
  for (int step = 0; step < 20000; ++step) {
    const TensorId t = tensor(rng);
    const double end = now + length(rng) + (coin(rng) == 0 ? 500 : 0);
    ends.set(t, end);
    latest[t] = end;
    if (coin(rng) < 3) {
      now += 1;
      ends.forget_ended(now);
    }
    const TensorId probe = tensor(rng);
    const auto it = latest.find(probe);
    if (it == latest.end())
      REQUIRE(ends[probe] == 0.0);
    else if (it->second > now)
      REQUIRE(ends[probe] == it->second);
    else
      REQUIRE((ends[probe] == 0.0 || ends[probe] == it->second));
  }
  // Past every end, nothing runs.
  ends.forget_ended(now + 1000);
  for (const auto& [t, end] : latest) REQUIRE(ends[t] == 0.0);
}

TEST_CASE("tensors that share the table's filter bit keep their ends", "[store_ends]") {
  // Ids 5, 69 and 133 are equal modulo 64: the filter in front of the table marks them with one
  // bit. Forgetting 5's store must not hide 69's running one, and 133, never stored, reads 0
  // though its bit is set.
  StoreEnds ends;
  ends.set(5, 1.0);
  ends.set(69, 4.0);
  CHECK(ends[133] == 0.0);
  ends.forget_ended(1.0);  // 5's store ended at 1
  CHECK(ends[69] == 4.0);
  CHECK(ends[5] == 0.0);
  ends.forget_ended(4.0);
  CHECK(ends[69] == 0.0);
  // The bit clears with its last entry, and a new store sets it again.
  ends.set(133, 6.0);
  CHECK(ends[133] == 6.0);
  CHECK(ends[5] == 0.0);
}
