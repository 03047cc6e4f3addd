#include "policies/solver/remat_plan_polish.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <vector>

namespace memsim::planner {
namespace {

// Memory after each action, with range additions and range maxima (a lazy segment tree).
class MemoryProfile {
 public:
  explicit MemoryProfile(const std::vector<std::int64_t>& after)
      : n_(after.size()), max_(4 * std::max<std::size_t>(n_, 1), 0), add_(max_.size(), 0) {
    if (n_ > 0) build(1, 0, n_ - 1, after);
  }
  // Adds `delta` after actions first..last.
  void add(std::size_t first, std::size_t last, std::int64_t delta) {
    if (first <= last) add(1, 0, n_ - 1, first, last, delta);
  }
  // The most memory after any of actions first..last.
  std::int64_t max(std::size_t first, std::size_t last) const {
    return first <= last ? max(1, 0, n_ - 1, first, last)
                         : std::numeric_limits<std::int64_t>::min();
  }

 private:
  void build(std::size_t k, std::size_t lo, std::size_t hi, const std::vector<std::int64_t>& a) {
    if (lo == hi) {
      max_[k] = a[lo];
      return;
    }
    const std::size_t mid = (lo + hi) / 2;
    build(2 * k, lo, mid, a);
    build(2 * k + 1, mid + 1, hi, a);
    max_[k] = std::max(max_[2 * k], max_[2 * k + 1]);
  }
  void add(std::size_t k, std::size_t lo, std::size_t hi, std::size_t first, std::size_t last,
           std::int64_t delta) {
    if (last < lo || hi < first) return;
    if (first <= lo && hi <= last) {
      max_[k] += delta;
      add_[k] += delta;
      return;
    }
    const std::size_t mid = (lo + hi) / 2;
    add(2 * k, lo, mid, first, last, delta);
    add(2 * k + 1, mid + 1, hi, first, last, delta);
    max_[k] = std::max(max_[2 * k], max_[2 * k + 1]) + add_[k];
  }
  std::int64_t max(std::size_t k, std::size_t lo, std::size_t hi, std::size_t first,
                   std::size_t last) const {
    if (last < lo || hi < first) return std::numeric_limits<std::int64_t>::min();
    if (first <= lo && hi <= last) return max_[k];
    const std::size_t mid = (lo + hi) / 2;
    return std::max(max(2 * k, lo, mid, first, last), max(2 * k + 1, mid + 1, hi, first, last)) +
           add_[k];
  }
  std::size_t n_;
  std::vector<std::int64_t> max_, add_;
};

std::vector<std::int64_t> memory_after(const RematProblem& p, const RematPlan& plan) {
  std::vector<std::int64_t> after(plan.size());
  std::int64_t used = 0;
  for (std::size_t i = 0; i < plan.size(); ++i) {
    const auto bytes = static_cast<std::int64_t>(p.nodes[plan[i].node].bytes);
    used += plan[i].kind == RematAction::compute ? bytes : -bytes;
    after[i] = used;
  }
  return after;
}

// Removes the actions marked in `removed` when `changed`; returns `changed` (a pass's result).
bool erase_marked(RematPlan& plan, const std::vector<char>& removed, bool changed) {
  if (!changed) return false;
  RematPlan kept;
  kept.reserve(plan.size());
  for (std::size_t i = 0; i < plan.size(); ++i)
    if (!removed[i]) kept.push_back(plan[i]);
  plan = std::move(kept);
  return true;
}

// One pass of the hold rule; true when it removed anything.
bool hold_pass(const RematProblem& p, RematPlan& plan) {
  struct Pair {
    std::size_t drop, rerun;
    double cost;
  };
  std::vector<Pair> pairs;
  std::vector<std::size_t> dropped_at(p.size(), std::numeric_limits<std::size_t>::max());
  for (std::size_t i = 0; i < plan.size(); ++i) {
    const std::uint32_t v = plan[i].node;
    if (plan[i].kind == RematAction::drop) {
      dropped_at[v] = i;
    } else if (dropped_at[v] != std::numeric_limits<std::size_t>::max()) {
      pairs.push_back({dropped_at[v], i, p.nodes[v].cost});
      dropped_at[v] = std::numeric_limits<std::size_t>::max();
    }
  }
  if (pairs.empty()) return false;
  std::stable_sort(pairs.begin(), pairs.end(),
                   [](const Pair& a, const Pair& b) { return a.cost > b.cost; });
  MemoryProfile memory(memory_after(p, plan));
  std::vector<char> removed(plan.size(), 0);
  const auto budget = static_cast<std::int64_t>(p.budget);
  bool changed = false;
  for (const Pair& pair : pairs) {
    const auto bytes = static_cast<std::int64_t>(p.nodes[plan[pair.drop].node].bytes);
    // Held from the drop to the rerun: memory after each action in between rises by its bytes
    // (after the rerun it is as before).
    if (memory.max(pair.drop, pair.rerun - 1) + bytes > budget) continue;
    memory.add(pair.drop, pair.rerun - 1, bytes);
    removed[pair.drop] = removed[pair.rerun] = 1;
    changed = true;
  }
  return erase_marked(plan, removed, changed);
}

// One pass of the unread rule; true when it removed anything.
bool unread_pass(const RematProblem& p, RematPlan& plan) {
  std::vector<std::vector<std::uint32_t>> readers(p.size());
  for (std::uint32_t v = 0; v < p.size(); ++v)
    for (std::uint32_t u : p.nodes[v].preds) readers[u].push_back(v);
  constexpr std::size_t kNone = std::numeric_limits<std::size_t>::max();
  // For each value in memory: where its current computation is (when a rerun) and whether a
  // computation read it since.
  std::vector<std::size_t> rerun_at(p.size(), kNone);
  std::vector<char> read(p.size(), 0), removed(plan.size(), 0);
  std::uint32_t next_first = 0;
  bool changed = false;
  for (std::size_t i = 0; i < plan.size(); ++i) {
    const std::uint32_t v = plan[i].node;
    if (plan[i].kind == RematAction::drop) {
      if (rerun_at[v] != kNone && !read[v]) {
        removed[rerun_at[v]] = removed[i] = 1;
        changed = true;
      }
      rerun_at[v] = kNone;
      continue;
    }
    for (std::uint32_t u : p.nodes[v].preds) read[u] = 1;
    read[v] = 0;
    if (v == next_first) {
      ++next_first;
      rerun_at[v] = kNone;
    } else {
      rerun_at[v] = i;
    }
  }
  for (std::uint32_t v = 0; v < p.size(); ++v)
    if (rerun_at[v] != kNone && !read[v]) removed[rerun_at[v]] = 1, changed = true;
  return erase_marked(plan, removed, changed);
}

// Moves every drop to just after the last computation that reads the value since it was
// computed (or just after that computation when nothing reads it); true when any moved.
bool early_drop_pass(const RematProblem& p, RematPlan& plan) {
  constexpr std::size_t kNone = std::numeric_limits<std::size_t>::max();
  // For each value in memory, the index of the last action that computed or read it.
  std::vector<std::size_t> last_touch(p.size(), kNone);
  std::vector<std::size_t> drop_after(plan.size(), kNone);  // for each drop, its new place
  for (std::size_t i = 0; i < plan.size(); ++i) {
    const std::uint32_t v = plan[i].node;
    if (plan[i].kind == RematAction::drop) {
      drop_after[i] = last_touch[v];
      last_touch[v] = kNone;
      continue;
    }
    for (std::uint32_t u : p.nodes[v].preds) last_touch[u] = i;
    last_touch[v] = i;
  }
  // The drops to place after each action, in their old order.
  std::vector<std::vector<std::uint32_t>> placed(plan.size());
  for (std::size_t i = 0; i < plan.size(); ++i)
    if (plan[i].kind == RematAction::drop) placed[drop_after[i]].push_back(plan[i].node);
  RematPlan out;
  out.reserve(plan.size());
  for (std::size_t i = 0; i < plan.size(); ++i) {
    if (plan[i].kind == RematAction::drop) continue;
    out.push_back(plan[i]);
    for (std::uint32_t v : placed[i]) out.push_back({RematAction::drop, v});
  }
  if (out == plan) return false;
  plan = std::move(out);
  return true;
}

}  // namespace

RematPlan polish_plan(const RematProblem& p, const RematPlan& plan) {
  RematPlan out = plan;
  for (int round = 0; round < 16; ++round) {
    const bool early = early_drop_pass(p, out);
    const bool held = hold_pass(p, out);
    const bool unread = unread_pass(p, out);
    if (!early && !held && !unread) break;
  }
  return out;
}

}  // namespace memsim::planner
