#include "sim/core/occupancy.h"

#include <algorithm>

namespace memsim {

std::vector<OccupancySample> occupancy_curve(const Graph& graph, std::span<const TimedStep> steps) {
  struct Change {
    double t;
    std::int64_t delta;
  };
  std::vector<Change> changes;
  std::vector<std::uint8_t> resident(graph.tensor_count(), 0);
  for (const TimedStep& s : steps) {
    const TensorId t = s.step.id;
    if (s.link != 1) continue;  // a hop below the cache (docs/model.md §15.2)
    switch (s.step.kind) {
      case StepKind::load:
        resident[t] = 1;
        changes.push_back({s.issued, static_cast<std::int64_t>(graph.tensor(t).bytes)});
        break;
      case StepKind::drop:
        resident[t] = 0;
        changes.push_back({s.start, -static_cast<std::int64_t>(graph.tensor(t).bytes)});
        break;
      case StepKind::compute:
        for (TensorId x : graph.outputs(s.step.id)) {
          if (resident[x]) continue;  // a rerun rewrites its output in place
          resident[x] = 1;
          changes.push_back({s.start, static_cast<std::int64_t>(graph.tensor(x).bytes)});
        }
        break;
      case StepKind::store:
        break;
    }
  }
  std::stable_sort(changes.begin(), changes.end(),
                   [](const Change& a, const Change& b) { return a.t < b.t; });
  std::vector<OccupancySample> curve{{0.0, 0}};
  std::int64_t occupied = 0;
  for (std::size_t i = 0; i < changes.size(); ++i) {
    occupied += changes[i].delta;
    if (i + 1 < changes.size() && changes[i + 1].t == changes[i].t) continue;
    const auto bytes = static_cast<std::uint64_t>(occupied);
    if (curve.back().t == changes[i].t)
      curve.back().bytes = bytes;
    else
      curve.push_back({changes[i].t, bytes});
  }
  return curve;
}

std::uint64_t occupancy_at(const std::vector<OccupancySample>& curve, double t) {
  const auto it = std::upper_bound(curve.begin(), curve.end(), t,
                                   [](double v, const OccupancySample& s) { return v < s.t; });
  return it == curve.begin() ? 0 : std::prev(it)->bytes;
}

}  // namespace memsim
