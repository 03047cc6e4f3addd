#include "sim/study/fit.h"

#include <limits>

#include "sim/core/errors.h"
#include "sim/core/simulation.h"
#include "sim/scenario/build_simulation.h"
#include "sim/scenario/scenario_parse.h"

namespace memsim {
namespace {

// The kind that grows most from `below` to `above`; the largest kind of `above` when none grows.
int overflowing_kind(const FitProbe* below, const FitProbe& above) {
  int best = -1;
  std::int64_t best_growth = 0;
  for (int k = 0; k < kTensorKindCount && below; ++k) {
    const auto growth = static_cast<std::int64_t>(above.liveness.peak_by_kind[k]) -
                        static_cast<std::int64_t>(below->liveness.peak_by_kind[k]);
    if (growth > best_growth) {
      best_growth = growth;
      best = k;
    }
  }
  if (best >= 0) return best;
  std::uint64_t most = 0;
  for (int k = 0; k < kTensorKindCount; ++k)
    if (above.liveness.peak_by_kind[k] > most) {
      most = above.liveness.peak_by_kind[k];
      best = k;
    }
  return best;
}

}  // namespace

FitResult find_largest_fit(const FitProbeFunction& probe) {
  FitResult result;
  const auto run = [&](std::int64_t value) {
    ++result.probes;
    FitProbe p = probe(value);
    p.value = value;
    return p;
  };
  FitProbe first = run(1);
  if (!first.fits) {
    result.next = std::move(first);
    result.overflowing_kind = overflowing_kind(nullptr, *result.next);
    return result;
  }
  // Doubling: lo fits; stop at the first value that does not.
  FitProbe lo = std::move(first);
  std::optional<FitProbe> hi;
  while (!hi && lo.value < kFitLimit) {
    FitProbe p = run(lo.value * 2);
    if (p.fits)
      lo = std::move(p);
    else
      hi = std::move(p);
  }
  // Bisection: lo fits, hi does not, until they are neighbours.
  while (hi && hi->value - lo.value > 1) {
    FitProbe p = run(lo.value + (hi->value - lo.value) / 2);
    if (p.fits)
      lo = std::move(p);
    else
      hi = std::move(p);
  }
  result.largest = std::move(lo);
  if (hi) {
    result.next = std::move(hi);
    result.overflowing_kind = overflowing_kind(&*result.largest, *result.next);
  }
  return result;
}

FitResult fit_scenario(const std::string& path, const std::string& text,
                       const std::vector<std::string>& overrides, const std::string& key,
                       const Registry& registry) {
  // The machine does not depend on the key's value (a --set of a hardware key applies to every
  // probe alike), so it is checked once, on the scenario as given.
  const ScenarioSpec spec = parse_scenario_text(text, path, overrides);
  const Machine& m = spec.machine;
  if (m.uniform)
    throw ScenarioError(spec.hardware_pos,
                        "memsim fit compares peak live bytes with the DRAM; this scenario's cache "
                        "counts tensors (uniform mode), not bytes");
  if (m.dram_capacity == std::numeric_limits<std::uint64_t>::max())
    throw ScenarioError(spec.hardware_pos,
                        "memsim fit needs hardware.dram.capacity (e.g. \"48 GiB\", or a "
                        "[hardware] preset)");
  FitResult result = find_largest_fit([&](std::int64_t value) {
    std::vector<std::string> with_value = overrides;
    with_value.push_back(key + "=" + std::to_string(value));
    const Simulation sim =
        build_simulation(parse_scenario_text(text, path, with_value), registry, CacheCheck::skip);
    FitProbe p;
    // docs/model.md §15.5: the DRAM (level 2) holds the tensors homed there; each deeper level
    // with a capacity must hold its own (every tensor is homed at level 2 unless placed).
    const Machine& machine = sim.machine;
    p.liveness = analyze_liveness(sim.graph, sim.order, 2);
    if (p.liveness.peak_op != Graph::kNoOp) p.peak_op = sim.graph.op_name(p.liveness.peak_op);
    p.fits = p.liveness.peak_live_bytes <= machine.dram_for_tensors();
    for (std::uint32_t level = 3; level <= machine.level_count() && p.fits; ++level)
      if (machine.level_capacity(level) != std::numeric_limits<std::uint64_t>::max())
        p.fits = analyze_liveness(sim.graph, sim.order, static_cast<std::uint8_t>(level))
                     .peak_live_bytes <= machine.level_for_tensors(level);
    return p;
  });
  result.key = key;
  result.dram_capacity = m.dram_capacity;
  result.dram_reserved = m.dram_reserved;
  return result;
}

}  // namespace memsim
