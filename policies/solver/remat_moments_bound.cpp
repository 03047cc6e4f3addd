#include "policies/solver/remat_moments_bound.h"

#include <Cbc_C_Interface.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>
#include <utility>

#include "policies/solver/cbc_binary_program.h"
#include "policies/solver/remat_closure_bound.h"

namespace memsim::planner {

double moments_program(const RematProblem& p, const std::vector<std::uint32_t>& moments,
                       double seconds, bool* solved) {
  if (solved) *solved = false;
  const std::size_t n = p.size();
  const std::size_t k = moments.size();
  if (k == 0) return 0;
  for (std::size_t a = 0; a < k; ++a)
    if (moments[a] >= n || (a > 0 && moments[a] <= moments[a - 1]) ||
        p.working_set(moments[a]) > p.budget)
      return 0;  // not ascending, or no plan at all (reported elsewhere): claims nothing
  // Per value, its first-computation readers (ascending).
  std::vector<std::vector<std::uint32_t>> readers(n);
  for (std::uint32_t v = 0; v < n; ++v)
    for (std::uint32_t u : p.nodes[v].preds) readers[u].push_back(v);
  const auto read_in = [&](std::uint32_t u, std::uint32_t after, std::uint32_t upto) {
    const auto it = std::upper_bound(readers[u].begin(), readers[u].end(), after);
    return it != readers[u].end() && *it <= upto;
  };
  // Column of x[a][u] (z[a][u] is the next one), -1 where u is not a variable at a.
  std::vector<std::vector<int>> col(k, std::vector<int>(n, -1));
  std::vector<std::vector<char>> input(k, std::vector<char>(n, 0));
  int columns = 0;
  for (std::size_t a = 0; a < k; ++a) {
    const std::uint32_t t = moments[a];
    for (std::uint32_t u : p.nodes[t].preds) input[a][u] = 1;
    std::vector<char> relevant(n, 0);
    for (std::uint32_t u = t; u-- > 0;) {
      if (!input[a][u] && p.nodes[u].bytes > 0 && read_in(u, t, static_cast<std::uint32_t>(n)))
        relevant[u] = 1;
      if (relevant[u] && !input[a][u])
        for (std::uint32_t w : p.nodes[u].preds) relevant[w] = 1;
    }
    for (std::uint32_t u = 0; u < t; ++u)
      if (relevant[u] && !input[a][u]) col[a][u] = columns, columns += 2;
  }
  BinaryProgram program(columns);
  constexpr double kInf = std::numeric_limits<double>::max();
  std::uint64_t size_gcd = 0;
  for (std::size_t a = 0; a < k; ++a)
    for (std::uint32_t u = 0; u < n; ++u)
      if (col[a][u] >= 0) size_gcd = std::gcd(size_gcd, p.nodes[u].bytes);
  if (size_gcd == 0) size_gcd = 1;
  std::vector<BinaryProgram::Term> memory;
  for (std::size_t a = 0; a < k; ++a) {
    const std::uint32_t t = moments[a];
    const std::uint32_t next = a + 1 < k ? moments[a + 1] : static_cast<std::uint32_t>(n);
    for (std::uint32_t u = 0; u < n; ++u) {
      const int x = col[a][u];
      if (x < 0) continue;
      if (read_in(u, t, next)) program.add_row({{x, 1.0}, {x + 1, 1.0}}, 1.0, kInf);
      if (a + 1 < k && col[a + 1][u] >= 0)
        program.add_row({{x, 1.0}, {x + 1, 1.0}, {col[a + 1][u], -1.0}}, 0.0, kInf);
      for (std::uint32_t w : p.nodes[u].preds)
        if (col[a][w] >= 0)
          program.add_row({{col[a][w], 1.0}, {col[a][w] + 1, 1.0}, {x + 1, -1.0}}, 0.0, kInf);
    }
    memory.clear();
    for (std::uint32_t u = 0; u < n; ++u)
      if (col[a][u] >= 0 && p.nodes[u].bytes > 0)
        memory.emplace_back(col[a][u], static_cast<double>(p.nodes[u].bytes / size_gcd));
    program.add_row(memory, -kInf,
                    std::floor(static_cast<double>((p.budget - p.working_set(t)) / size_gcd)));
  }
  // Costs in units of their gcd when whole (the optimum is then a whole number of units).
  bool whole = true;
  std::uint64_t cost_gcd = 0;
  for (std::uint32_t u = 0; u < n; ++u) {
    const double c = p.nodes[u].cost;
    whole = whole && c == std::floor(c) && c >= 0 && c < 9e15;
    if (whole) cost_gcd = std::gcd(cost_gcd, static_cast<std::uint64_t>(c));
  }
  const double scale = whole && cost_gcd > 0 ? static_cast<double>(cost_gcd) : 1.0;
  for (std::size_t a = 0; a < k; ++a)
    for (std::uint32_t u = 0; u < n; ++u)
      if (col[a][u] >= 0) program.set_cost(col[a][u] + 1, p.nodes[u].cost / scale);
  if (columns == 0) {
    if (solved) *solved = true;
    return 0;
  }
  Cbc_Model* model = program.solve(seconds);
  double bound = 0;
  if (!Cbc_isProvenInfeasible(model)) {
    bound = Cbc_getBestPossibleObjValue(model);
    if (!std::isfinite(bound) || bound < 0) bound = 0;
    if (solved) *solved = Cbc_isProvenOptimal(model) != 0;
    // CBC's bound is exact only to its tolerance: with whole units, rounded up after a hair
    // less; otherwise a hair less is claimed.
    bound = whole ? std::ceil(bound - 1e-6) : std::max(0.0, bound - 1e-7 * std::max(1.0, bound));
  }
  return bound * scale;
}

double moments_bound(const RematProblem& p, double seconds, double floor,
                     std::vector<OpenMoments>* open) {
  using Clock = std::chrono::steady_clock;
  const auto started = Clock::now();
  const auto left = [&] {
    return seconds - std::chrono::duration<double>(Clock::now() - started).count();
  };
  std::vector<std::pair<double, std::uint32_t>> relaxations;
  for (std::uint32_t t = 1; t < p.size() && left() > 0; ++t) {
    const double r = stage_closure_bound(p, t, left(), true);
    if (r > 0) relaxations.emplace_back(r, t);
  }
  // Spread sets of k = 3, 4 and 6 stages: the stages with a positive relaxation, in node order,
  // cut into k runs of (nearly) equal length, the highest relaxation of each run (the earliest
  // of equal ones). Stages close together share most of their reruns; spread ones, in
  // different over-budget regions, each pay for their own (on the benchmark's layered-n250
  // seed 1 at 0.8x the highest six gave 1735 in 20 s, unsolved, and the spread six 2766,
  // solved in 4.6 s).
  std::vector<std::vector<std::uint32_t>> spread;
  for (std::size_t k : {3u, 4u, 6u}) {
    if (k > relaxations.size()) break;
    std::vector<std::uint32_t> moments;
    for (std::size_t run = 0; run < k; ++run) {
      const std::size_t lo = run * relaxations.size() / k;
      const std::size_t hi = (run + 1) * relaxations.size() / k;
      std::size_t top = lo;
      for (std::size_t i = lo; i < hi; ++i)
        if (relaxations[i].first > relaxations[top].first) top = i;
      moments.push_back(relaxations[top].second);
    }
    spread.push_back(std::move(moments));
  }
  // Peaks: stages whose relaxation is above that of the stage just before and at least that of
  // the stage just after (0 for a stage without a positive one). Neighbouring stages share most
  // of what they leave out, so the highest stages are often one plateau paying for the same
  // reruns; the highest peaks are its top and the tops of the next hills (on the benchmark's
  // autograd U-Net of 29 layers at 0.8x the four highest stages, 84, 86, 87 and 90, gave 335,
  // the four highest peaks, 84, 86, 90 and 94, the optimum, 387, in 3.8 s).
  std::vector<std::pair<double, std::uint32_t>> peaks;
  for (std::size_t i = 0; i < relaxations.size(); ++i) {
    const auto [r, t] = relaxations[i];
    const double before =
        i > 0 && relaxations[i - 1].second + 1 == t ? relaxations[i - 1].first : 0.0;
    const double after = i + 1 < relaxations.size() && relaxations[i + 1].second == t + 1
                             ? relaxations[i + 1].first
                             : 0.0;
    if (r > before && r >= after) peaks.push_back(relaxations[i]);
  }
  std::stable_sort(peaks.begin(), peaks.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<std::vector<std::uint32_t>> highest;
  for (std::size_t k : {2u, 3u, 4u, 6u, 8u}) {
    if (k > peaks.size()) break;
    std::vector<std::uint32_t> moments;
    for (std::size_t j = 0; j < k; ++j) moments.push_back(peaks[j].second);
    std::sort(moments.begin(), moments.end());
    highest.push_back(std::move(moments));
  }
  // The highest sets within the first half of the time (the relaxations' time included), each an
  // equal share of what is left of it; then the spread sets within the rest.
  double best = floor;
  const auto solve = [&](const std::vector<std::vector<std::uint32_t>>& sets, double until) {
    for (std::size_t i = 0; i < sets.size(); ++i) {
      const double until_left = left() - (seconds - until);  // `until` less the time taken
      const double share = until_left / static_cast<double>(sets.size() - i);
      if (share <= 0) break;
      bool solved = false;
      const double bound = moments_program(p, sets[i], share, &solved);
      best = std::max(best, bound);
      if (!solved && open) open->push_back({sets[i], share, bound});
    }
  };
  solve(highest, seconds / 2);
  solve(spread, seconds);
  return best;
}

}  // namespace memsim::planner
