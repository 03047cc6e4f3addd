#include "policies/solver/remat_exact.h"

#include <algorithm>
#include <bit>
#include <chrono>
#include <queue>
#include <unordered_map>

namespace memsim::planner {
namespace {

struct Key {
  std::uint64_t mask;
  std::uint32_t next;
  friend bool operator==(const Key&, const Key&) = default;
};
struct KeyHash {
  std::size_t operator()(const Key& k) const {
    return std::hash<std::uint64_t>()(k.mask * 0x9E3779B97F4A7C15ull ^ k.next);
  }
};
struct Record {
  double cost;
  Key parent;
  RematAction action;
  bool settled = false;
};

}  // namespace

ExactOutcome exact_recompute(const RematProblem& p, double seconds, std::uint64_t max_states) {
  ExactOutcome out;
  const std::size_t n = p.size();
  if (n > kExactMaxNodes) return out;
  const auto started = std::chrono::steady_clock::now();
  std::vector<std::uint64_t> preds(n, 0);
  for (std::size_t v = 0; v < n; ++v)
    for (std::uint32_t u : p.nodes[v].preds) preds[v] |= std::uint64_t{1} << u;
  std::unordered_map<Key, Record, KeyHash> seen;
  using Entry = std::pair<double, Key>;
  const auto later = [](const Entry& a, const Entry& b) {
    if (a.first != b.first) return a.first > b.first;
    if (a.second.next != b.second.next) return a.second.next < b.second.next;  // deeper first
    return a.second.mask > b.second.mask;  // then a fixed order: runs are reproducible
  };
  std::priority_queue<Entry, std::vector<Entry>, decltype(later)> open(later);
  const Key start{0, 0};
  seen[start] = {0.0, start, {}, false};
  open.push({0.0, start});
  while (!open.empty()) {
    // Not a structured binding: clang 14 (the fuzzing build) cannot capture one in a lambda.
    const double cost = open.top().first;
    const Key key = open.top().second;
    open.pop();
    Record& rec = seen[key];
    if (rec.settled || cost > rec.cost) continue;
    rec.settled = true;
    if (key.next == n) {
      RematPlan plan;
      for (Key k = key; !(k == start);) {
        const Record& r = seen[k];
        plan.push_back(r.action);
        k = r.parent;
      }
      std::reverse(plan.begin(), plan.end());
      out.finished = true;
      out.plan = std::move(plan);
      return out;
    }
    ++out.states;
    if (seen.size() >= max_states) return out;
    if ((out.states & 1023) == 0 &&
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count() >=
            seconds)
      return out;
    std::uint64_t used = 0;
    for (std::uint64_t m = key.mask; m; m &= m - 1) used += p.nodes[std::countr_zero(m)].bytes;
    const auto relax = [&](Key to, double c, RematAction a) {
      auto [it, fresh] = seen.try_emplace(to, Record{c, key, a, false});
      if (!fresh) {
        if (it->second.settled || c >= it->second.cost) return;
        it->second = Record{c, key, a, false};
      }
      open.push({c, to});
    };
    for (std::uint32_t v = 0; v < n; ++v) {
      const std::uint64_t bit = std::uint64_t{1} << v;
      if (key.mask & bit) {
        relax({key.mask & ~bit, key.next}, cost, {RematAction::drop, v});
        continue;
      }
      if (v > key.next || (preds[v] & ~key.mask) != 0) continue;
      if (v < key.next && !p.may_rerun(v, key.next)) continue;  // an update in place overwrote it
      if (used + p.nodes[v].bytes > p.budget) continue;
      const bool first = v == key.next;
      relax({key.mask | bit, first ? key.next + 1 : key.next},
            cost + (first ? 0.0 : p.nodes[v].cost), {RematAction::compute, v});
    }
  }
  out.finished = true;  // every reachable state settled: no plan exists
  return out;
}

}  // namespace memsim::planner
