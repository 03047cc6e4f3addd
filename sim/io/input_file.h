#pragma once
// Reading an input file (a scenario, a preset, a topology, a schedule, a merge shard) with the
// errors a user can act on: "is a directory", "cannot open: <reason>", and a size limit so that
// a wrong path (a disk image, /dev/zero) cannot exhaust memory.
#include <cstdint>
#include <string>

#include "sim/core/errors.h"

namespace memsim {

// Input files larger than this are refused: memsim's inputs are text written by people or by
// memsim (the largest, a sweep table of 10^6 points, is well below it).
inline constexpr std::uint64_t kMaxInputFileBytes = std::uint64_t{1} << 30;  // 1 GiB

// The whole file; `what` names it in errors ("scenario file"). Throws ScenarioError at `path`
// (no line): "cannot open the WHAT: <strerror>", "is a directory, not a WHAT", "cannot read
// the WHAT: <strerror>", "the WHAT is larger than 1.00 GiB".
std::string read_input_file(const std::string& path, const std::string& what,
                            std::uint64_t max_bytes = kMaxInputFileBytes);

}  // namespace memsim
