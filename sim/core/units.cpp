#include "sim/core/units.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <utility>

namespace memsim {
namespace {

struct UnitScale {
  std::string_view unit;
  double scale;
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Splits "12.5 GiB" into the number's text and the unit's text.
std::pair<std::string_view, std::string_view> split_number(std::string_view text) {
  text = trim(text);
  std::size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.' ||
                             text[i] == '-' || text[i] == '+' ||
                             ((text[i] == 'e' || text[i] == 'E') && i > 0 && i + 1 < text.size() &&
                              (std::isdigit(static_cast<unsigned char>(text[i + 1])) ||
                               text[i + 1] == '-' || text[i + 1] == '+'))))
    ++i;
  return {text.substr(0, i), trim(text.substr(i))};
}

bool parse_double(std::string_view s, double& out) {
  if (s.empty()) return false;
  if (s.front() == '+') s.remove_prefix(1);
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size() && std::isfinite(out);
}

std::string quoted(std::string_view s) {
  return "\"" + std::string(s) + "\"";
}

const UnitScale* find_unit(std::string_view unit, const UnitScale* begin, const UnitScale* end) {
  for (auto* u = begin; u != end; ++u)
    if (u->unit == unit) return u;
  return nullptr;
}

constexpr std::array<UnitScale, 13> kSizeUnits{{{"B", 1.0},
                                                {"KB", 1e3},
                                                {"MB", 1e6},
                                                {"GB", 1e9},
                                                {"TB", 1e12},
                                                {"KiB", 1024.0},
                                                {"MiB", 1048576.0},
                                                {"GiB", 1073741824.0},
                                                {"TiB", 1099511627776.0},
                                                {"kB", 1e3},
                                                {"bytes", 1.0},
                                                {"byte", 1.0},
                                                {"", 1.0}}};

// Exact integer arithmetic where the mantissa is an integer, so "16 EiB"-style overflow and
// "18446744073709551616 B" are caught rather than rounded.
std::uint64_t scaled_integer(std::string_view number, double scale, std::string_view text) {
  const std::string overflow = "size " + quoted(text) + " overflows 64 bits (at most 16 EiB)";
  bool integral = !number.empty();
  for (char c : number) integral = integral && std::isdigit(static_cast<unsigned char>(c));
  if (integral && scale == std::floor(scale)) {
    std::uint64_t n = 0;
    auto [ptr, ec] = std::from_chars(number.data(), number.data() + number.size(), n);
    if (ec == std::errc::result_out_of_range) throw UnitError(overflow);
    std::uint64_t result = 0;
    if (__builtin_mul_overflow(n, static_cast<std::uint64_t>(scale), &result))
      throw UnitError(overflow);
    return result;
  }
  double value = 0;
  if (!parse_double(number, value)) throw UnitError("bad number in " + quoted(text));
  if (value < 0) throw UnitError("size " + quoted(text) + " is negative");
  const double bytes = value * scale;
  if (bytes >= 18446744073709551616.0) throw UnitError(overflow);
  if (bytes != std::floor(bytes))
    throw UnitError("size " + quoted(text) + " is not a whole number of bytes");
  return static_cast<std::uint64_t>(bytes);
}

}  // namespace

std::uint64_t parse_size(std::string_view text) {
  auto [number, unit] = split_number(text);
  const UnitScale* u = find_unit(unit, kSizeUnits.data(), kSizeUnits.data() + kSizeUnits.size());
  if (number.empty() || u == nullptr)
    throw UnitError("expected a size such as \"6 MiB\", \"48 KB\" or \"512 B\", got " +
                    quoted(text));
  if (number.front() == '-') throw UnitError("size " + quoted(text) + " is negative");
  return scaled_integer(number, u->scale, text);
}

Capacity parse_capacity(std::string_view text) {
  auto [number, unit] = split_number(text);
  if (unit == "tensors" || unit == "tensor") {
    std::uint64_t n = 0;
    auto [ptr, ec] = std::from_chars(number.data(), number.data() + number.size(), n);
    if (number.empty() || ec != std::errc() || ptr != number.data() + number.size() || n == 0)
      throw UnitError("expected a positive whole number of tensors, got " + quoted(text));
    return {n, true};
  }
  try {
    const std::uint64_t bytes = parse_size(text);
    if (bytes == 0) throw UnitError("cache capacity must be positive, got " + quoted(text));
    return {bytes, false};
  } catch (const UnitError& e) {
    if (std::string_view(e.what()).starts_with("expected a size"))
      throw UnitError(
          "expected a size such as \"6 MiB\", \"48 KB\", \"512 B\" or a count such as "
          "\"4 tensors\", got " +
          quoted(text));
    throw;
  }
}

namespace {
double parse_positive_rate(std::string_view text, const UnitScale* begin, const UnitScale* end,
                           const std::string& what, bool allow_zero) {
  auto [number, unit] = split_number(text);
  const UnitScale* u = find_unit(unit, begin, end);
  double value = 0;
  if (u == nullptr || !parse_double(number, value))
    throw UnitError("expected " + what + ", got " + quoted(text));
  if (value < 0 || (!allow_zero && value == 0))
    throw UnitError("expected " + what + " greater than zero, got " + quoted(text));
  return value * u->scale;
}
}  // namespace

double parse_bandwidth(std::string_view text) {
  static constexpr std::array<UnitScale, 11> units{{{"B/s", 1.0},
                                                    {"KB/s", 1e3},
                                                    {"MB/s", 1e6},
                                                    {"GB/s", 1e9},
                                                    {"TB/s", 1e12},
                                                    {"KiB/s", 1024.0},
                                                    {"MiB/s", 1048576.0},
                                                    {"GiB/s", 1073741824.0},
                                                    {"TiB/s", 1099511627776.0},
                                                    {"kB/s", 1e3},
                                                    {"bytes/s", 1.0}}};
  return parse_positive_rate(text, units.data(), units.data() + units.size(),
                             "a bandwidth such as \"768 GB/s\"", false);
}

double parse_duration(std::string_view text) {
  static constexpr std::array<UnitScale, 5> units{
      {{"s", 1.0}, {"ms", 1e-3}, {"us", 1e-6}, {"ns", 1e-9}, {"ps", 1e-12}}};
  return parse_positive_rate(text, units.data(), units.data() + units.size(),
                             "a duration such as \"400 ns\"", true);
}

double parse_throughput(std::string_view text) {
  static constexpr std::array<UnitScale, 12> units{{{"FLOP/s", 1.0},
                                                    {"KFLOP/s", 1e3},
                                                    {"MFLOP/s", 1e6},
                                                    {"GFLOP/s", 1e9},
                                                    {"TFLOP/s", 1e12},
                                                    {"PFLOP/s", 1e15},
                                                    {"FLOPS", 1.0},
                                                    {"KFLOPS", 1e3},
                                                    {"MFLOPS", 1e6},
                                                    {"GFLOPS", 1e9},
                                                    {"TFLOPS", 1e12},
                                                    {"PFLOPS", 1e15}}};
  return parse_positive_rate(text, units.data(), units.data() + units.size(),
                             "a throughput such as \"38.7 TFLOP/s\"", false);
}

double parse_flops(std::string_view text) {
  static constexpr std::array<UnitScale, 7> units{{{"", 1.0},
                                                   {"FLOP", 1.0},
                                                   {"KFLOP", 1e3},
                                                   {"MFLOP", 1e6},
                                                   {"GFLOP", 1e9},
                                                   {"TFLOP", 1e12},
                                                   {"PFLOP", 1e15}}};
  return parse_positive_rate(text, units.data(), units.data() + units.size(),
                             "a FLOP count such as \"2 GFLOP\"", true);
}

double parse_energy_per_byte(std::string_view text) {
  static constexpr std::array<UnitScale, 12> units{{{"fJ/B", 1e-15},
                                                    {"pJ/B", 1e-12},
                                                    {"nJ/B", 1e-9},
                                                    {"uJ/B", 1e-6},
                                                    {"mJ/B", 1e-3},
                                                    {"J/B", 1.0},
                                                    {"fJ/bit", 8e-15},
                                                    {"pJ/bit", 8e-12},
                                                    {"nJ/bit", 8e-9},
                                                    {"uJ/bit", 8e-6},
                                                    {"mJ/bit", 8e-3},
                                                    {"J/bit", 8.0}}};
  return parse_positive_rate(text, units.data(), units.data() + units.size(),
                             "an energy per byte such as \"12.5 pJ/B\" or \"7.5 pJ/bit\"", true);
}

double parse_energy_per_flop(std::string_view text) {
  static constexpr std::array<UnitScale, 6> units{{{"fJ/FLOP", 1e-15},
                                                   {"pJ/FLOP", 1e-12},
                                                   {"nJ/FLOP", 1e-9},
                                                   {"uJ/FLOP", 1e-6},
                                                   {"mJ/FLOP", 1e-3},
                                                   {"J/FLOP", 1.0}}};
  return parse_positive_rate(text, units.data(), units.data() + units.size(),
                             "an energy per FLOP such as \"2.3 pJ/FLOP\"", true);
}

double parse_power(std::string_view text) {
  static constexpr std::array<UnitScale, 7> units{{{"pW", 1e-12},
                                                   {"nW", 1e-9},
                                                   {"uW", 1e-6},
                                                   {"mW", 1e-3},
                                                   {"W", 1.0},
                                                   {"kW", 1e3},
                                                   {"MW", 1e6}}};
  return parse_positive_rate(text, units.data(), units.data() + units.size(),
                             "a power such as \"25 W\"", true);
}

namespace {
std::string with_scale(double value, const char* const* names, int count, double step) {
  int i = 0;
  double v = value;
  while (i + 1 < count && std::fabs(v) >= step) {
    v /= step;
    ++i;
  }
  char buf[64];
  if (i == 0 && v == std::floor(v))
    std::snprintf(buf, sizeof buf, "%.0f %s", v, names[i]);
  else
    std::snprintf(buf, sizeof buf, "%.2f %s", v, names[i]);
  return buf;
}
}  // namespace

std::string format_bytes(double bytes) {
  static const char* const names[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  return with_scale(bytes, names, 7, 1024.0);
}

std::string format_flops(double flops) {
  static const char* const names[] = {"FLOP", "KFLOP", "MFLOP", "GFLOP", "TFLOP", "PFLOP", "EFLOP"};
  return with_scale(flops, names, 7, 1000.0);
}

std::string format_count(double count) {
  static const char* const names[] = {"", "K", "M", "G", "T", "P", "E"};
  std::string s = with_scale(count, names, 7, 1000.0);
  if (!s.empty() && s.back() == ' ') s.pop_back();  // no unit: no blank before it
  return s;
}

std::string format_bandwidth(double bytes_per_second) {
  static const char* const names[] = {"B/s", "KB/s", "MB/s", "GB/s", "TB/s", "PB/s"};
  return with_scale(bytes_per_second, names, 6, 1000.0);
}

std::string format_joules(double j) {
  char buf[64];
  const double a = std::fabs(j);
  if (a == 0)
    std::snprintf(buf, sizeof buf, "0 J");
  else if (a >= 1)
    std::snprintf(buf, sizeof buf, "%.3f J", j);
  else if (a >= 1e-3)
    std::snprintf(buf, sizeof buf, "%.3f mJ", j * 1e3);
  else if (a >= 1e-6)
    std::snprintf(buf, sizeof buf, "%.3f uJ", j * 1e6);
  else if (a >= 1e-9)
    std::snprintf(buf, sizeof buf, "%.3f nJ", j * 1e9);
  else
    std::snprintf(buf, sizeof buf, "%.3f pJ", j * 1e12);
  return buf;
}

std::string format_seconds(double s) {
  char buf[64];
  const double a = std::fabs(s);
  if (a == 0)
    std::snprintf(buf, sizeof buf, "0 s");
  else if (a >= 1)
    std::snprintf(buf, sizeof buf, "%.3f s", s);
  else if (a >= 1e-3)
    std::snprintf(buf, sizeof buf, "%.3f ms", s * 1e3);
  else if (a >= 1e-6)
    std::snprintf(buf, sizeof buf, "%.3f us", s * 1e6);
  else
    std::snprintf(buf, sizeof buf, "%.3f ns", s * 1e9);
  return buf;
}

}  // namespace memsim
