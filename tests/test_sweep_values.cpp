// memsim sweep --values LIST: comma lists, integer ranges with units, geometric ranges, and the
// exact error for each kind of bad list.
#include <catch2/catch.hpp>

#include "sim/core/errors.h"
#include "sim/study/sweep_values.h"

using memsim::parse_sweep_values;
using Values = std::vector<std::string>;

TEST_CASE("a comma list gives its items, trimmed, in order", "[sweep][values]") {
  CHECK(parse_sweep_values("lru,fifo,belady") == Values{"lru", "fifo", "belady"});
  CHECK(parse_sweep_values("4 tensors, 5 tensors") == Values{"4 tensors", "5 tensors"});
  CHECK(parse_sweep_values("double-buffer") == Values{"double-buffer"});
}

TEST_CASE("an integer range counts up by one and keeps its unit", "[sweep][values]") {
  // 3..8 is the six numbers 3, 4, 5, 6, 7, 8.
  CHECK(parse_sweep_values("3..8 tensors") ==
        Values{"3 tensors", "4 tensors", "5 tensors", "6 tensors", "7 tensors", "8 tensors"});
  CHECK(parse_sweep_values("1..4") == Values{"1", "2", "3", "4"});
  CHECK(parse_sweep_values("7..7") == Values{"7"});
  // A unit on both ends, or only on the start, is the same range.
  CHECK(parse_sweep_values("2 tensors..3 tensors") == Values{"2 tensors", "3 tensors"});
  CHECK(parse_sweep_values("2MiB..3") == Values{"2 MiB", "3 MiB"});
}

TEST_CASE("a geometric range multiplies by its factor up to its end", "[sweep][values]") {
  // 1, 2, 4, 8, 16, 32, 64: seven powers of two.
  CHECK(parse_sweep_values("1MiB..64MiB*2") ==
        Values{"1 MiB", "2 MiB", "4 MiB", "8 MiB", "16 MiB", "32 MiB", "64 MiB"});
  CHECK(parse_sweep_values("3..27 * 3") == Values{"3", "9", "27"});
  CHECK(parse_sweep_values("100 GB/s..800 GB/s*2") ==
        Values{"100 GB/s", "200 GB/s", "400 GB/s", "800 GB/s"});
}

TEST_CASE("items mix: ranges and single values in one list", "[sweep][values]") {
  CHECK(parse_sweep_values("1..3,8,16") == Values{"1", "2", "3", "8", "16"});
}

TEST_CASE("a bad list is an input error with an exact message", "[sweep][values]") {
  const auto error = [](const std::string& list) {
    try {
      parse_sweep_values(list);
    } catch (const memsim::ScenarioError& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  CHECK(error("") ==
        "--values is empty; give a comma list (lru,fifo), a range (3..8 tensors) or a geometric "
        "range (1MiB..64MiB*2)");
  CHECK(error("lru,,fifo") ==
        "--values 'lru,,fifo': item 2 is empty (two commas in a row, or a comma at an end?)");
  CHECK(error("lru,") ==
        "--values 'lru,': item 2 is empty (two commas in a row, or a comma at an end?)");
  CHECK(error("3..x") ==
        "--values '3..x': the range end 'x' is not a whole number (ranges take whole numbers, "
        "e.g. 3..8 tensors)");
  CHECK(error("1.5..4") ==
        "--values '1.5..4': the range start '1.5' is not a whole number (ranges take whole "
        "numbers, e.g. 3..8 tensors)");
  CHECK(error("..4") == "--values '..4': the range has no start (write e.g. 3..8)");
  CHECK(error("3..") == "--values '3..': the range has no end (write e.g. 3..8)");
  CHECK(error("8..3") == "--values '8..3': the range end 3 is below its start 8");
  CHECK(error("1MiB..4GiB*2") ==
        "--values '1MiB..4GiB*2': the range's ends have different units 'MiB' and 'GiB'; write "
        "both in the same unit");
  CHECK(error("1..64*1") ==
        "--values '1..64*1': the factor after '*' must be a whole number of at least 2, not '1'");
  CHECK(error("1..64*") ==
        "--values '1..64*': the factor after '*' must be a whole number of at least 2, not ''");
  // 1, 2, 4, ..., 32, 64: 48 is not on the way, the last value below it is 32.
  CHECK(error("1..48*2") ==
        "--values '1..48*2': 48 is not 1 times a power of 2 (the range would stop at 32)");
  CHECK(error("0..8*2") == "--values '0..8*2': a geometric range must start at 1 or more, not 0");
  CHECK(error("lru,fifo,lru") == "--values 'lru,fifo,lru': the value 'lru' appears twice");
  CHECK(error("1..4,3") == "--values '1..4,3': the value '3' appears twice");
  CHECK(error("1..1000000") == "--values '1..1000000': the range has more than 100000 values");
  CHECK(error("1..9999999999999999") ==
        "--values '1..9999999999999999': the range end '9999999999999999' is too large");
}
