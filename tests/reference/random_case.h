#pragma once
// Seeded random cases for the differential test: a DAG, a machine and a policy for the reference
// executor, and the same case written as a memsim scenario (TOML). Deterministic on every
// standard library: std::mt19937_64 is fully specified, and the distributions are our own.
#include <cstdint>
#include <string>

#include "tests/reference/reference_executor.h"

namespace memsim_reference {

struct Case {
  Graph graph;
  Machine machine;
  Options options;
  std::string overlap;  // as written in the scenario: none, double-buffer, lookahead:N
  std::string summary;  // one line: mode, ops, channels, policy, lookahead, capacity
  // Tensors [0, declared) are listed in the scenario's [graph] tensors; the rest (uniform mode
  // only) are named only by ops and take the next ids in order of first mention (§5).
  std::size_t declared = static_cast<std::size_t>(-1);
};

// The case for `seed`: 3-40 ops, byte or uniform mode, 1-2 channels, latency 0 or not, LRU,
// FIFO or Belady, lookahead 0-3, a capacity from just-fits (the largest working set) to roomy,
// required outputs, in-place updates, inputs and weights starting in DRAM.
Case random_case(std::uint64_t seed);

// The case as a complete memsim scenario (`[graph] order = "as-listed"`), runnable with
// `memsim run`. Tensors are declared in id order, so Belady's last tie-break agrees.
std::string scenario_toml(const Case& c);

// The case with unused tensors removed, tensors nobody produces starting in DRAM, and
// `overlap`/`summary` recomputed: used after shrinking edits a failing case.
Case normalized(Case c);

}  // namespace memsim_reference
