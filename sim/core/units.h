#pragma once
// Quantities with units, as written in scenarios: "6 MiB", "768 GB/s", "400 ns", "38.7 TFLOP/s".
// Parsers throw UnitError (message only); callers attach the source position.
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace memsim {

class UnitError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A cache capacity: bytes, or a count of tensors in uniform mode ("5 tensors").
struct Capacity {
  std::uint64_t amount = 0;
  bool uniform = false;  // true: amount counts tensors, not bytes
};

// "512 B", "48 KB" (10^3), "6 MiB" (2^20), "1.5 GiB", a bare integer is bytes.
// Rejects negatives, fractions of a byte and values beyond 2^64 - 1.
std::uint64_t parse_size(std::string_view text);
// parse_size, or "N tensor(s)".
Capacity parse_capacity(std::string_view text);
// "768 GB/s", "1.5 TiB/s", "100 MB/s" -> bytes per second (> 0).
double parse_bandwidth(std::string_view text);
// "400 ns", "1.5 us", "2 ms", "0.1 s" -> seconds (>= 0).
double parse_duration(std::string_view text);
// "38.7 TFLOP/s", "312 TFLOPS" -> FLOP per second (> 0).
double parse_throughput(std::string_view text);
// "2 GFLOP", "1.5e9", "3 MFLOP" -> FLOPs (>= 0).
double parse_flops(std::string_view text);
// Energy figures (docs/model.md §15.6), in joules: "12.5 pJ/B" or "7.5 pJ/bit" (x 8) -> joules
// per byte; "2.3 pJ/FLOP" -> joules per FLOP; "25 W" -> watts. Prefixes f, p, n, u, m (and k
// for watts). Each is >= 0.
double parse_energy_per_byte(std::string_view text);
double parse_energy_per_flop(std::string_view text);
double parse_power(std::string_view text);

// Human-readable output: "6.00 MiB", "1.25 ms", "1.2 TFLOP".
std::string format_bytes(double bytes);
std::string format_seconds(double seconds);
std::string format_flops(double flops);
// A plain count in decimal units: "512", "469.76 M", "15.47 G".
std::string format_count(double count);
// Bandwidth in decimal units, as vendors quote it: "768.00 GB/s".
std::string format_bandwidth(double bytes_per_second);
// Energy: "1.234 J", "12.345 mJ", "3.000 uJ", "0 J".
std::string format_joules(double joules);

}  // namespace memsim
