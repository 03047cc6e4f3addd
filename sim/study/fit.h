#pragma once
// `memsim fit`: the largest value of an integer scenario key (model.batch by default) whose
// peak live bytes fit the DRAM less hardware.dram.reserved. On a machine with more levels
// (docs/model.md §15.5) the peak is of the tensors homed at the DRAM, and each deeper level
// with a capacity must also hold the peak of its own tensors.
//
// Each probe parses the scenario with `key=value` added to the overrides, builds the schedule
// without the cache working-set check (the question is about DRAM, not the cache) and takes
// peak live from the liveness analysis (sim/core/liveness.h) of the op order; nothing is
// executed. The search assumes that peak live does not shrink as the value grows (true of
// batch and sequence length): it doubles from 1 until a value does not fit, then bisects
// between the last fitting value and the first that does not: 2 * ceil(log2(answer + 1)) probes
// (at most 82 for answers up to kFitLimit), and never a value above kFitLimit.
#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sim/core/liveness.h"
#include "sim/core/registry.h"

namespace memsim {

inline constexpr std::int64_t kFitLimit = std::int64_t{1} << 40;

struct FitProbe {
  std::int64_t value = 0;
  LivenessReport liveness;
  std::string peak_op;  // the op at the peak ("" when the schedule has no ops)
  bool fits = false;
};

struct FitResult {
  std::string key;
  std::uint64_t dram_capacity = 0;
  std::uint64_t dram_reserved = 0;
  std::optional<FitProbe> largest;  // absent when even 1 does not fit
  std::optional<FitProbe> next;     // the value after it (absent when kFitLimit fits)
  int probes = 0;
  // The tensor kind whose bytes at the peak grow most from `largest` to `next` (the largest
  // kind at `next`'s peak when none grows, or when nothing fits); -1 without `next`.
  int overflowing_kind = -1;
};

// Probes one value; used by find_largest_fit and by tests with a made-up peak.
using FitProbeFunction = std::function<FitProbe(std::int64_t value)>;

// The search itself, over any probe (tests give one whose answer they know).
FitResult find_largest_fit(const FitProbeFunction& probe);

// The search over a scenario file's text: probes parse `text` (named `path` in errors) with
// `overrides` and `key=value`. Throws ScenarioError for a bad scenario, a key that is not an
// integer key, or a machine without hardware.dram.capacity (or a uniform cache).
FitResult fit_scenario(const std::string& path, const std::string& text,
                       const std::vector<std::string>& overrides, const std::string& key,
                       const Registry& registry);

}  // namespace memsim
