#include "policies/generators/optimal_checkpoints.h"

#include <algorithm>
#include <queue>
#include <string>

#include "sim/core/liveness.h"

namespace memsim {
namespace {

struct Measured {
  std::uint64_t peak = 0;
  double recompute_flops = 0;
};

Measured measure(const LayerGraph& model, TrainingOptions options, bool uniform,
                 std::vector<std::uint8_t> kept) {
  options.kept = std::move(kept);
  const GeneratedSchedule s = generate_training_graph(model, options, uniform);
  Measured m;
  m.peak = analyze_liveness(s.graph, s.order).peak_live_bytes;
  for (OpId o = 0; o < s.graph.op_count(); ++o)
    if (s.graph.op(o).phase == OpPhase::recompute) m.recompute_flops += s.graph.op(o).flops;
  return m;
}

// A dropped set in the enumeration: candidates (indices into the sorted candidate list) in
// increasing order, and the sum of their bound weights.
struct Dropped {
  double bound = 0;
  std::vector<std::uint32_t> members;
};
struct LowerBoundFirst {
  bool operator()(const Dropped& a, const Dropped& b) const {
    if (a.bound != b.bound) return a.bound > b.bound;
    return a.members > b.members;  // a fixed order among ties: reproducible
  }
};

}  // namespace

OptimalCheckpoints optimal_checkpoints(const LayerGraph& model, const TrainingOptions& options,
                                       bool uniform, std::uint64_t dram_capacity,
                                       std::uint64_t max_schedules) {
  const std::size_t n = model.size();
  OptimalCheckpoints best;
  const std::vector<std::uint8_t> all(n + 1, 1);
  const Measured keep_all = measure(model, options, uniform, all);
  best.kept = all;
  best.peak_live_bytes = keep_all.peak;
  best.schedules_measured = 1;
  if (keep_all.peak <= dram_capacity || n < 2) {
    best.fits = keep_all.peak <= dram_capacity;
    best.proven = best.fits;  // nothing is recomputed: no set does better
    return best;
  }
  // X_j (j = 1..n-1) may be dropped. Its bound weight: the forward FLOPs of layer j when a
  // backward op reads X_j itself in the schedule that keeps everything (dropped, it is then
  // recomputed at least once), else 0.
  std::vector<double> weight(n + 1, 0.0);
  {
    TrainingOptions keep = options;
    keep.kept = all;
    const GeneratedSchedule s = generate_training_graph(model, keep, uniform);
    // X_j is the output of the j-th forward op (the generator runs them in layer order).
    std::vector<TensorId> activation(n + 1, Graph::kNoTensor);
    std::uint32_t j = 0;
    for (OpId o : s.order)
      if (s.graph.op(o).phase == OpPhase::forward && j < n && !s.graph.outputs(o).empty())
        activation[++j] = s.graph.outputs(o)[0];
    for (OpId o = 0; o < s.graph.op_count(); ++o) {
      if (s.graph.op(o).phase != OpPhase::backward) continue;
      for (TensorId t : s.graph.inputs(o))
        for (std::uint32_t k = 1; k < n; ++k)
          if (activation[k] == t) weight[k] = model.layer(k - 1).flops_forward;
    }
  }
  std::vector<std::uint32_t> candidates;
  for (std::uint32_t j = 1; j < n; ++j) candidates.push_back(j);
  std::stable_sort(candidates.begin(), candidates.end(),
                   [&](std::uint32_t a, std::uint32_t b) { return weight[a] < weight[b]; });

  // First sets that fit: the regular ones (every k-th activation kept, k = 2..n) and a greedy
  // pass from keeping everything (drop the activation whose loss lowers the peak most, cheapest
  // first among ties, while the peak falls); then a local search from the best (keep a dropped
  // one again, or swap it for another) while that lowers the cost and still fits.
  double best_cost = 0;
  bool found = false;
  const auto consider = [&](const std::vector<std::uint8_t>& kept, const Measured& m) {
    const bool fits = m.peak <= dram_capacity;
    if (fits && (!found || m.recompute_flops < best_cost)) {
      found = true;
      best_cost = m.recompute_flops;
      best.kept = kept;
      best.fits = true;
      best.recompute_flops = m.recompute_flops;
      best.peak_live_bytes = m.peak;
    } else if (!found && m.peak < best.peak_live_bytes) {
      best.kept = kept;
      best.recompute_flops = m.recompute_flops;
      best.peak_live_bytes = m.peak;
    }
    return fits;
  };
  const auto evaluate = [&](const std::vector<std::uint8_t>& kept) {
    ++best.schedules_measured;
    return measure(model, options, uniform, kept);
  };
  {
    for (std::size_t k = 2; k <= n; ++k) {
      std::vector<std::uint8_t> kept(n + 1, 0);
      for (std::size_t j = k; j <= n; j += k) kept[j] = 1;
      kept[0] = kept[n] = 1;
      consider(kept, evaluate(kept));
    }
    std::vector<std::uint8_t> kept = all;
    Measured now = keep_all;
    while (now.peak > dram_capacity && best.schedules_measured < max_schedules) {
      std::uint32_t pick = 0;
      Measured pick_m;
      for (std::uint32_t j = 1; j < n; ++j) {
        if (!kept[j]) continue;
        kept[j] = 0;
        const Measured m = evaluate(kept);
        kept[j] = 1;
        if (pick == 0 || m.peak < pick_m.peak ||
            (m.peak == pick_m.peak && m.recompute_flops < pick_m.recompute_flops)) {
          pick = j;
          pick_m = m;
        }
      }
      if (pick == 0 || pick_m.peak >= now.peak) break;  // no single drop lowers the peak
      kept[pick] = 0;
      now = pick_m;
      consider(kept, now);
    }
    if (found) {
      bool better = true;
      while (better && best.schedules_measured < max_schedules) {
        better = false;
        std::vector<std::uint8_t> trial = best.kept;
        for (std::uint32_t j = 1; j < n && !better; ++j) {
          if (trial[j]) continue;
          trial[j] = 1;  // keep it again
          if (consider(trial, evaluate(trial)) && best.kept == trial) better = true;
          for (std::uint32_t k = 1; k < n && !better; ++k) {
            if (k == j || !trial[k]) continue;
            trial[k] = 0;  // ... and drop another instead
            if (consider(trial, evaluate(trial)) && best.kept == trial) better = true;
            trial[k] = 1;
          }
          trial[j] = 0;
        }
      }
    }
  }

  // Every subset of the candidates, in nondecreasing bound: from {.., k} come {.., k, k+1} and
  // {.., k+1} (k replaced), which reaches each subset exactly once.
  std::priority_queue<Dropped, std::vector<Dropped>, LowerBoundFirst> open;
  open.push({weight[candidates[0]], {0}});
  while (!open.empty()) {
    const Dropped d = open.top();
    if (found && d.bound >= best_cost) {
      best.proven = true;  // every set left recomputes at least its bound
      break;
    }
    if (best.schedules_measured >= max_schedules) break;
    open.pop();
    const std::uint32_t last = d.members.back();
    if (last + 1 < candidates.size()) {
      Dropped extend = d;
      extend.members.push_back(last + 1);
      extend.bound += weight[candidates[last + 1]];
      open.push(std::move(extend));
      Dropped replace = d;
      replace.members.back() = last + 1;
      replace.bound += weight[candidates[last + 1]] - weight[candidates[last]];
      open.push(std::move(replace));
    }
    std::vector<std::uint8_t> kept = all;
    for (std::uint32_t k : d.members) kept[candidates[k]] = 0;
    consider(kept, evaluate(kept));
  }
  if (open.empty() && found) best.proven = true;
  return best;
}

}  // namespace memsim
