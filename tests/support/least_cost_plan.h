#pragma once
// Dijkstra over the states (next first computation, what is in memory as a bit mask), shared by
// the recompute tests' exhaustive searches (over the planner's nodes, and over tensors), which
// differ only in their steps.
#include <cstdint>
#include <functional>
#include <map>
#include <queue>
#include <utility>
#include <vector>

namespace memsim::test {

// The least cost from (0, nothing in memory) to a state whose next first computation is `n`, or
// -1 when none is reachable. `expand(next, mask, step)` calls step(next', mask', cost of the
// step) for every step out of (next, mask).
template <class Expand>
double least_cost_plan(std::uint32_t n, Expand&& expand) {
  using State = std::pair<std::uint32_t, std::uint32_t>;  // (next, resident mask)
  std::map<State, double> best;
  using Entry = std::pair<double, State>;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> open;
  open.push({0.0, {0u, 0u}});
  best[{0u, 0u}] = 0;
  while (!open.empty()) {
    const auto [cost, s] = open.top();
    open.pop();
    if (cost > best[s]) continue;
    if (s.first == n) return cost;
    expand(s.first, s.second, [&](std::uint32_t next, std::uint32_t mask, double step) {
      const State to{next, mask};
      const double c = cost + step;
      auto it = best.find(to);
      if (it == best.end() || c < it->second) {
        best[to] = c;
        open.push({c, to});
      }
    });
  }
  return -1;  // no plan
}

}  // namespace memsim::test
