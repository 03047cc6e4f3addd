// NameRuns (sim/core/name_runs.h): the numbered-name store both LayerGraph and Graph keep their
// layer names in. What a run is, when a name continues one, and what it refuses.
#include <catch2/catch.hpp>
#include <limits>
#include <stdexcept>
#include <string>

#include "sim/core/name_runs.h"

using namespace memsim;

TEST_CASE("a repeat's numbered names are one run whatever their count", "[names]") {
  // dense1 .. dense1000000 under ids 0 .. 999999: each next name is the run's number (1) plus
  // its offset, so all are one run; the text "dense" is stored once (5 bytes).
  NameRuns runs;
  for (std::uint32_t id = 0; id < 1000000; ++id) runs.add(id, "dense", id + 1);
  CHECK(runs.run_count() == 1);
  CHECK(runs.name(0) == "dense1");
  CHECK(runs.name(999999) == "dense1000000");
  CHECK(runs.parts(41) == std::pair<std::string_view, std::uint64_t>{"dense", 42});
  CHECK(runs.equals(41, "dense42"));
  CHECK_FALSE(runs.equals(41, "dense042"));
  CHECK_FALSE(runs.equals(41, "dense4"));
  CHECK_FALSE(runs.equals(41, "dense420"));
  CHECK_FALSE(runs.equals(41, "dens42"));
}

TEST_CASE("a name starts a new run when text, number or id does not follow on", "[names]") {
  // id 0 "a"1; id 1 "a"2 continues (1 + 1); id 2 "b"3 other text: new run; id 3 "b"5 (3 + 1 =
  // 4, not 5): new run; id 4 "c" alone (number 0): new run; id 5 "c"6: a run after a plain name
  // is new (the plain one has no number to count from); ids 6 and 7 unnamed (tiles); id 8 "c"9
  // continues it (6 + (8 - 5) = 9). Runs: a1, b3, b5, c, c6 = 5.
  NameRuns runs;
  runs.add(0, "a", 1);
  runs.add(1, "a", 2);
  runs.add(2, "b", 3);
  runs.add(3, "b", 5);
  runs.add(4, "c", 0);
  runs.add(5, "c", 6);
  runs.add(8, "c", 9);
  CHECK(runs.run_count() == 5);
  const char* expected[] = {"a1", "a2", "b3", "b5", "c", "c6", "c7", "c8", "c9"};
  for (std::uint32_t id = 0; id < 9; ++id) {
    CAPTURE(id);
    CHECK(runs.name(id) == expected[id]);
    CHECK(runs.equals(id, expected[id]));
  }
  CHECK(runs.parts(4) == std::pair<std::string_view, std::uint64_t>{"c", 0});
  CHECK_FALSE(runs.equals(4, "c0"));
}

TEST_CASE("a number beyond 32 bits is kept in the text", "[names]") {
  // 2^32 = 4294967296 does not fit a run's number: the name is the text "x4294967296" with no
  // number, and the next id's "x" 4294967297 cannot continue it.
  const std::uint64_t big = std::uint64_t{std::numeric_limits<std::uint32_t>::max()} + 1;
  NameRuns runs;
  runs.add(0, "x", big);
  runs.add(1, "x", big + 1);
  CHECK(runs.run_count() == 2);
  CHECK(runs.parts(0) == std::pair<std::string_view, std::uint64_t>{"x4294967296", 0});
  CHECK(runs.name(1) == "x4294967297");
  CHECK(runs.equals(1, "x4294967297"));
}

TEST_CASE("a whole name splits off at most nine trailing digits without a leading zero",
          "[names]") {
  using Parts = std::pair<std::string_view, std::uint64_t>;
  CHECK(NameRuns::split("r17") == Parts{"r", 17});
  CHECK(NameRuns::split("r07") == Parts{"r07", 0});
  CHECK(NameRuns::split("r0") == Parts{"r0", 0});
  CHECK(NameRuns::split("r") == Parts{"r", 0});
  CHECK(NameRuns::split("9") == Parts{"", 9});
  CHECK(NameRuns::split("x123456789") == Parts{"x", 123456789});
  CHECK(NameRuns::split("x1234567890") == Parts{"x1234567890", 0});  // ten digits
  CHECK(NameRuns::split("") == Parts{"", 0});
}

TEST_CASE("names out of order or asked before the first are refused", "[names]") {
  NameRuns runs;
  CHECK_THROWS_AS(runs.parts(0), std::out_of_range);
  runs.add(3, "a", 1);
  CHECK_THROWS_WITH(runs.parts(2), "NameRuns: entry 2 comes before the first name");
  CHECK_THROWS_WITH(runs.add(3, "b", 0), "NameRuns: entry 3 named after entry 3");
  CHECK_THROWS_WITH(runs.add(1, "b", 0), "NameRuns: entry 1 named after entry 3");
  CHECK(runs.run_count() == 1);
}

TEST_CASE("consecutive names are added as the calls one by one would", "[names]") {
  // "a" 1..3 at ids 0..2 by add(); "a" 4..1000003 at ids 3..1000002 continue that run (1 + 3 =
  // 4): still one run. Then "b" 7..9 at ids 1000003..1000005: a second run, named b7, b8, b9.
  NameRuns runs;
  runs.add_consecutive(0, "a", 1, 3);
  runs.add_consecutive(3, "a", 4, 1000000);
  CHECK(runs.run_count() == 1);
  CHECK(runs.name(1000002) == "a1000003");
  runs.add_consecutive(1000003, "b", 7, 3);
  CHECK(runs.run_count() == 2);
  CHECK(runs.name(1000005) == "b9");
  // The next add() continues the last run as after single adds: b10 at id 1000006.
  runs.add(1000006, "b", 10);
  CHECK(runs.run_count() == 2);
  // A first number beyond 32 bits: each name is kept whole, as add() keeps it (two runs).
  const std::uint64_t big = std::uint64_t{std::numeric_limits<std::uint32_t>::max()} + 1;
  runs.add_consecutive(1000007, "x", big, 2);
  CHECK(runs.run_count() == 4);
  CHECK(runs.name(1000008) == "x4294967297");
  // Zero names: nothing; several names without a number: refused.
  runs.add_consecutive(1000009, "y", 1, 0);
  CHECK(runs.run_count() == 4);
  CHECK_THROWS_WITH(runs.add_consecutive(1000009, "y", 0, 2),
                    "NameRuns: consecutive names need a number");
}

TEST_CASE("appending another store's runs names each entry as add() one by one would", "[names]") {
  // from: a1..a3 (ids 0-2), plain "p" (id 3), b5 (id 4), unnamed id 5, b7 (id 6: continues b5,
  // 5 + (6 - 4) = 7): runs a1, p, b5 = 3, last entry 6.
  NameRuns from;
  from.add_consecutive(0, "a", 1, 3);
  from.add(3, "p", 0);
  from.add(4, "b", 5);
  from.add(6, "b", 7);
  REQUIRE(from.run_count() == 3);
  CHECK(from.entry_end() == 7);
  // Appended at offset 1 after "a" 0 (id 0): id 1 "a"1 does not continue the plain "a" (no
  // number to count from), so the runs are a, a1, p, b5 = 4; ids 1..7 are from's 0..6.
  NameRuns runs;
  runs.add(0, "a", 0);
  runs.append(from, 1);
  NameRuns one_by_one;
  one_by_one.add(0, "a", 0);
  for (std::uint32_t id = 0; id < 7; ++id)
    if (id != 5) {
      const auto [text, number] = from.parts(id);
      one_by_one.add(1 + id, text, number);
    }
  CHECK(runs.run_count() == 4);
  CHECK(one_by_one.run_count() == 4);
  CHECK(runs.entry_end() == 8);
  for (std::uint32_t id = 0; id < 8; ++id) {
    CAPTURE(id);
    CHECK(runs.parts(id) == one_by_one.parts(id));
  }
  CHECK(runs.name(7) == "b7");
  // The first appended run continues the last one when its names follow on: "a"1 at id 0, then
  // a2..a1001 appended at ids 1..1000 (1 + (1 - 0) = 2): one run.
  NameRuns counted;
  counted.add(0, "a", 1);
  NameRuns next;
  next.add_consecutive(0, "a", 2, 1000);
  counted.append(next, 1);
  CHECK(counted.run_count() == 1);
  CHECK(counted.name(1000) == "a1001");
  CHECK(counted.entry_end() == 1001);
  // Nothing to append: nothing changes; an offset not after the last entry: refused.
  counted.append(NameRuns{}, 5000);
  CHECK(counted.entry_end() == 1001);
  CHECK_THROWS_WITH(counted.append(next, 1000), "NameRuns: entry 1000 named after entry 1000");
}
