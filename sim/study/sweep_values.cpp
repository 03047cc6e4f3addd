#include "sim/study/sweep_values.h"

#include <cctype>
#include <cstdint>
#include <set>

#include "sim/core/errors.h"

namespace memsim {
namespace {

constexpr const char* kForms =
    "give a comma list (lru,fifo), a range (3..8 tensors) or a geometric range (1MiB..64MiB*2)";

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

[[noreturn]] void fail(std::string_view list, const std::string& what) {
  throw ScenarioError(SourcePos{}, "--values '" + std::string(list) + "': " + what);
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

// One end of a range: a whole number and the unit written after it ("64MiB", "8 tensors").
struct Bound {
  std::uint64_t number = 0;
  std::string unit;
};

Bound parse_bound(std::string_view text, std::string_view list, const char* which) {
  std::size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  // A unit is a word ("tensors", "MiB", "GB/s"): "1.5" is a fraction, not 1 in unit ".5".
  const std::string_view unit = trim(text.substr(digits));
  if (digits == 0 || (!unit.empty() && !std::isalpha(static_cast<unsigned char>(unit.front()))))
    fail(list, std::string("the range ") + which + " '" + std::string(text) +
                   "' is not a whole number (ranges take whole numbers, e.g. 3..8 tensors)");
  // 15 digits keep every product below 2^64 and are far beyond any sensible sweep.
  if (digits > 15)
    fail(list, std::string("the range ") + which + " '" + std::string(text) + "' is too large");
  Bound b;
  b.number = std::stoull(std::string(text.substr(0, digits)));
  b.unit = std::string(unit);
  return b;
}

std::string with_unit(std::uint64_t n, const std::string& unit) {
  return std::to_string(n) + (unit.empty() ? "" : " " + unit);
}

// Expands "A..B unit" or "A..B unit*F" into `out`.
void expand_range(std::string_view item, std::size_t dots, std::string_view list,
                  std::vector<std::string>& out) {
  std::string_view left = trim(item.substr(0, dots));
  std::string_view right = trim(item.substr(dots + 2));
  std::uint64_t factor = 0;  // 0: an arithmetic range with step 1
  if (const std::size_t star = right.rfind('*'); star != std::string_view::npos) {
    const std::string_view f = trim(right.substr(star + 1));
    if (!all_digits(f) || f.size() > 6 || std::stoull(std::string(f)) < 2)
      fail(list, "the factor after '*' must be a whole number of at least 2, not '" +
                     std::string(f) + "'");
    factor = std::stoull(std::string(f));
    right = trim(right.substr(0, star));
  }
  if (left.empty()) fail(list, "the range has no start (write e.g. 3..8)");
  if (right.empty()) fail(list, "the range has no end (write e.g. 3..8)");
  Bound start = parse_bound(left, list, "start");
  Bound end = parse_bound(right, list, "end");
  // A unit written once applies to both ends: "3..8 tensors" is "3 tensors..8 tensors".
  if (start.unit.empty()) start.unit = end.unit;
  if (end.unit.empty()) end.unit = start.unit;
  if (start.unit != end.unit)
    fail(list, "the range's ends have different units '" + start.unit + "' and '" + end.unit +
                   "'; write both in the same unit");
  if (end.number < start.number)
    fail(list, "the range end " + std::to_string(end.number) + " is below its start " +
                   std::to_string(start.number));
  if (factor == 0) {
    if (end.number - start.number >= kMaxSweepValues)
      fail(list, "the range has more than " + std::to_string(kMaxSweepValues) + " values");
    for (std::uint64_t n = start.number; n <= end.number; ++n)
      out.push_back(with_unit(n, start.unit));
    return;
  }
  if (start.number == 0) fail(list, "a geometric range must start at 1 or more, not 0");
  std::uint64_t n = start.number;
  std::uint64_t last = n;
  for (;;) {
    out.push_back(with_unit(n, start.unit));
    last = n;
    if (n > end.number / factor) break;  // the next value would pass the end
    n *= factor;
  }
  if (last != end.number)
    fail(list, std::to_string(end.number) + " is not " + std::to_string(start.number) +
                   " times a power of " + std::to_string(factor) + " (the range would stop at " +
                   std::to_string(last) + ")");
}

}  // namespace

std::vector<std::string> parse_sweep_values(std::string_view list) {
  if (trim(list).empty())
    throw ScenarioError(SourcePos{}, std::string("--values is empty; ") + kForms);
  std::vector<std::string> values;
  std::size_t item_number = 0;
  std::size_t begin = 0;
  while (begin <= list.size()) {
    std::size_t comma = list.find(',', begin);
    if (comma == std::string_view::npos) comma = list.size();
    const std::string_view item = trim(list.substr(begin, comma - begin));
    ++item_number;
    if (item.empty())
      fail(list, "item " + std::to_string(item_number) +
                     " is empty (two commas in a row, or a comma at an end?)");
    if (const std::size_t dots = item.find(".."); dots != std::string_view::npos)
      expand_range(item, dots, list, values);
    else
      values.emplace_back(item);
    if (values.size() > kMaxSweepValues)
      fail(list, "more than " + std::to_string(kMaxSweepValues) + " values");
    begin = comma + 1;
  }
  std::set<std::string> seen;
  for (const std::string& v : values)
    if (!seen.insert(v).second) fail(list, "the value '" + v + "' appears twice");
  return values;
}

}  // namespace memsim
