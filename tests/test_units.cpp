// Quantities with units, as scenarios write them.
#include <catch2/catch.hpp>

#include "sim/core/units.h"

using namespace memsim;

TEST_CASE("sizes: decimal and binary prefixes", "[units]") {
  CHECK(parse_size("512 B") == 512);
  CHECK(parse_size("48 KB") == 48'000);
  CHECK(parse_size("6 MiB") == 6ull * 1024 * 1024);
  CHECK(parse_size("1.5 GiB") == 1610612736ull);  // 1.5 * 2^30
  CHECK(parse_size("48 GiB") == 48ull << 30);
  CHECK(parse_size("4096") == 4096);  // a bare number is bytes
  CHECK(parse_size("  2 TB ") == 2'000'000'000'000ull);
}

TEST_CASE("sizes: bad units, fractions, negatives and overflow are errors", "[units]") {
  CHECK_THROWS_WITH(parse_size("6 MB/s"),
                    "expected a size such as \"6 MiB\", \"48 KB\" or \"512 B\", got \"6 MB/s\"");
  CHECK_THROWS_WITH(parse_size("0.5 B"), "size \"0.5 B\" is not a whole number of bytes");
  CHECK_THROWS_WITH(parse_size("-1 KiB"), "size \"-1 KiB\" is negative");
  // 2^64 B and 16 EiB-sized products do not fit 64 bits.
  CHECK_THROWS_WITH(parse_size("18446744073709551616 B"),
                    "size \"18446744073709551616 B\" overflows 64 bits (at most 16 EiB)");
  CHECK_THROWS_WITH(parse_size("20000000 TiB"),
                    "size \"20000000 TiB\" overflows 64 bits (at most 16 EiB)");
  CHECK(parse_size("18446744073709551615") == 18446744073709551615ull);  // 2^64 - 1 fits
}

TEST_CASE("cache capacity: bytes or a count of tensors", "[units]") {
  const Capacity bytes = parse_capacity("6 MiB");
  CHECK(bytes.amount == 6291456);
  CHECK_FALSE(bytes.uniform);
  const Capacity tensors = parse_capacity("5 tensors");
  CHECK(tensors.amount == 5);
  CHECK(tensors.uniform);
  CHECK(parse_capacity("1 tensor").amount == 1);
  CHECK_THROWS_WITH(parse_capacity("0 tensors"),
                    "expected a positive whole number of tensors, got \"0 tensors\"");
  CHECK_THROWS_WITH(parse_capacity("2.5 tensors"),
                    "expected a positive whole number of tensors, got \"2.5 tensors\"");
  CHECK_THROWS_WITH(parse_capacity("6 MB/s"),
                    "expected a size such as \"6 MiB\", \"48 KB\", \"512 B\" or a count such as "
                    "\"4 tensors\", got \"6 MB/s\"");
}

TEST_CASE("rates and durations", "[units]") {
  CHECK(parse_bandwidth("768 GB/s") == Approx(768e9));
  CHECK(parse_bandwidth("1 GiB/s") == Approx(1073741824.0));
  CHECK(parse_duration("400 ns") == Approx(400e-9));
  CHECK(parse_duration("1.5 us") == Approx(1.5e-6));
  CHECK(parse_duration("0 s") == 0);
  CHECK(parse_throughput("38.7 TFLOP/s") == Approx(38.7e12));
  CHECK(parse_throughput("312 TFLOPS") == Approx(312e12));
  CHECK(parse_flops("2 GFLOP") == Approx(2e9));
  CHECK(parse_flops("1.5e9") == Approx(1.5e9));
  CHECK_THROWS_WITH(parse_bandwidth("768 GB"),
                    "expected a bandwidth such as \"768 GB/s\", got \"768 GB\"");
  CHECK_THROWS_WITH(parse_bandwidth("0 GB/s"),
                    "expected a bandwidth such as \"768 GB/s\" greater than zero, got \"0 GB/s\"");
  CHECK_THROWS_WITH(parse_duration("400 nm"),
                    "expected a duration such as \"400 ns\", got \"400 nm\"");
  CHECK_THROWS_WITH(parse_throughput("38.7 TB/s"),
                    "expected a throughput such as \"38.7 TFLOP/s\", got \"38.7 TB/s\"");
}

TEST_CASE("human-readable formatting", "[units]") {
  CHECK(format_bytes(512) == "512 B");
  CHECK(format_bytes(6291456) == "6.00 MiB");
  CHECK(format_seconds(1.5e-6) == "1.500 us");
  CHECK(format_flops(805306368) == "805.31 MFLOP");
  CHECK(format_bandwidth(768e9) == "768.00 GB/s");
  // A count has no unit, so no blank after the number; 1000 per step.
  CHECK(format_count(512) == "512");
  CHECK(format_count(18560) == "18.56 K");
  CHECK(format_count(15.47e9) == "15.47 G");
}
