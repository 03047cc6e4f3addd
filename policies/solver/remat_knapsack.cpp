#include "policies/solver/remat_knapsack.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace memsim::planner {
namespace {

struct Item {
  std::uint32_t node;
  double cost;
  std::uint64_t bytes;
};

struct Stage {
  std::uint32_t t;
  double fractional;
  double deficit;
  double cover;                          // cost of the greedy cover
  std::vector<std::uint32_t> cover_set;  // its values
  std::vector<Item> items;
};

// The 0/1 knapsack "least cost freeing at least `deficit` bytes" by dynamic programming over
// the cost in units of `unit`, up to the greedy cover's cost. `exact`: every cost is a whole
// multiple of `unit`, and the answer is the knapsack's optimum. Otherwise each cost counts as
// floor(cost / unit) units, never more than it is, so the answer (units x unit) is a lower
// bound on the optimum, and a sum of floors never exceeds the floor of the sum, so the cover
// still fits in floor(cover / unit) units. False when the table would be too large.
bool knapsack_table(const Stage& s, double unit, bool exact, StageKnapsack& out) {
  const auto in_units = [&](double cost) {
    return static_cast<std::size_t>(exact ? std::llround(cost / unit) : std::floor(cost / unit));
  };
  const std::size_t units = in_units(s.cover);
  if (units + 1 > kKnapsackUnits ||
      static_cast<std::uint64_t>(units + 1) * s.items.size() > kKnapsackCells)
    return false;
  std::vector<double> most(units + 1, 0.0);  // most[c]: the most bytes freed at cost <= c units
  std::vector<bool> take(s.items.size() * (units + 1), false);
  for (std::size_t k = 0; k < s.items.size(); ++k) {
    const Item& it = s.items[k];
    const std::size_t c = in_units(it.cost);
    const auto b = static_cast<double>(it.bytes);
    if (c == 0) {  // free (or nearly) to compute again: always left out
      for (std::size_t x = 0; x <= units; ++x) most[x] += b, take[k * (units + 1) + x] = true;
      continue;
    }
    for (std::size_t x = units; x >= c; --x)
      if (most[x - c] + b > most[x]) most[x] = most[x - c] + b, take[k * (units + 1) + x] = true;
  }
  std::size_t best = units;
  for (std::size_t x = 0; x <= units; ++x)
    if (most[x] >= s.deficit) {
      best = x;
      break;
    }
  if (most[best] < s.deficit) return false;  // rounding: keep the fractional answer
  out.bound = std::max(s.fractional, static_cast<double>(best) * unit);
  out.whole = exact;
  out.dropped.clear();
  for (std::size_t k = s.items.size(), x = best; k-- > 0;)
    if (take[k * (units + 1) + x]) {
      out.dropped.push_back(s.items[k].node);
      x -= in_units(s.items[k].cost);
    }
  std::sort(out.dropped.begin(), out.dropped.end());
  return true;
}

}  // namespace

std::vector<StageKnapsack> stage_knapsacks(const RematProblem& p) {
  const std::size_t n = p.size();
  std::vector<std::uint32_t> last(n, 0);
  for (std::uint32_t v = 0; v < n; ++v)
    for (std::uint32_t u : p.nodes[v].preds) last[u] = std::max(last[u], v);
  // Whole costs make the knapsack exact in units of their gcd.
  std::uint64_t cost_gcd = 0;
  bool whole = true;
  for (const RematNode& v : p.nodes) {
    whole = whole && v.cost == std::floor(v.cost) && v.cost >= 0 && v.cost < 9e15;
    if (whole) cost_gcd = std::gcd(cost_gcd, static_cast<std::uint64_t>(v.cost));
  }
  std::vector<char> is_pred(n, 0);
  std::vector<Stage> stages;
  for (std::uint32_t t = 0; t < n; ++t) {
    for (std::uint32_t u : p.nodes[t].preds) is_pred[u] = 1;
    std::uint64_t forced = p.working_set(t);
    Stage s{t, 0, 0, 0, {}, {}};
    std::uint64_t optional_bytes = 0;
    for (std::uint32_t u = 0; u < t; ++u)
      if (!is_pred[u] && last[u] > t && p.nodes[u].bytes > 0) {
        // Past its last stage u cannot come back for its later reader: it is in memory.
        if (!p.may_rerun(u, t)) {
          forced += p.nodes[u].bytes;
          continue;
        }
        s.items.push_back({u, p.nodes[u].cost, p.nodes[u].bytes});
        optional_bytes += p.nodes[u].bytes;
      }
    for (std::uint32_t u : p.nodes[t].preds) is_pred[u] = 0;
    if (forced + optional_bytes <= p.budget) continue;
    if (forced > p.budget) continue;  // no plan at all: reported elsewhere
    s.deficit = static_cast<double>(forced + optional_bytes - p.budget);
    // Fractional knapsack: free the deficit at the least cost per byte.
    std::stable_sort(s.items.begin(), s.items.end(), [](const Item& a, const Item& b) {
      return a.cost * static_cast<double>(b.bytes) < b.cost * static_cast<double>(a.bytes);
    });
    double left = s.deficit;
    for (const Item& it : s.items) {
      const double take = std::min(left, static_cast<double>(it.bytes));
      s.fractional += it.cost * take / static_cast<double>(it.bytes);
      s.cover += it.cost;
      s.cover_set.push_back(it.node);
      left -= take;
      if (left <= 0) break;
    }
    stages.push_back(std::move(s));
  }
  std::stable_sort(stages.begin(), stages.end(),
                   [](const Stage& a, const Stage& b) { return a.fractional > b.fractional; });
  std::vector<StageKnapsack> out;
  double best = 0;
  for (const Stage& s : stages) {
    // The greedy cover is a choice: the whole knapsack costs at most that much.
    if (!out.empty() && s.cover <= best) continue;
    StageKnapsack k;
    k.stage = s.t;
    const bool solved =
        (whole && cost_gcd > 0 && knapsack_table(s, static_cast<double>(cost_gcd), true, k)) ||
        (s.cover > 0 && !s.items.empty() &&
         knapsack_table(
             s,
             s.cover / static_cast<double>(std::max<std::uint64_t>(
                           1, std::min<std::uint64_t>(kKnapsackUnits - 1,
                                                      kKnapsackCells / s.items.size() - 1))),
             false, k));
    if (!solved) {
      k.bound = s.fractional;
      k.dropped = s.cover_set;
      std::sort(k.dropped.begin(), k.dropped.end());
    }
    best = std::max(best, k.bound);
    out.push_back(std::move(k));
  }
  std::stable_sort(out.begin(), out.end(), [](const StageKnapsack& a, const StageKnapsack& b) {
    return a.bound > b.bound;
  });
  return out;
}

}  // namespace memsim::planner
