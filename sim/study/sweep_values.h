#pragma once
// The value lists of `memsim sweep --values`: a comma list ("lru,fifo,belady"), an integer
// range with an optional unit ("3..8 tensors", "1..4") or a geometric range
// ("1MiB..64MiB*2"). Items may be mixed: "1..4,8,16". Each value comes back as the text that
// `--set KEY=VALUE` would take, e.g. "3 tensors" or "2 MiB".
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace memsim {

// More values than this in one list is a typo (a range like 1..1000000000), not a sweep.
inline constexpr std::size_t kMaxSweepValues = 100000;

// Throws ScenarioError (no source position; the message quotes the list) for an empty list
// or item, a malformed range, an end below its start, differing units, a factor below 2, a
// geometric range that misses its end, a repeated value, or too many values.
std::vector<std::string> parse_sweep_values(std::string_view list);

}  // namespace memsim
