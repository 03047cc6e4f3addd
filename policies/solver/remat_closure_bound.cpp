#include "policies/solver/remat_closure_bound.h"

#include <Cbc_C_Interface.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>
#include <utility>

#include "policies/solver/cbc_binary_program.h"

namespace memsim::planner {
namespace {

// The last first computation that reads each value (0 when none does).
std::vector<std::uint32_t> last_readers(const RematProblem& p) {
  std::vector<std::uint32_t> last(p.size(), 0);
  for (std::uint32_t v = 0; v < p.size(); ++v)
    for (std::uint32_t u : p.nodes[v].preds) last[u] = std::max(last[u], v);
  return last;
}

double stage_program(const RematProblem& p, const std::vector<std::uint32_t>& last, std::uint32_t t,
                     double seconds, bool relaxed, bool* solved,
                     std::vector<std::uint32_t>* recomputed, bool* over = nullptr) {
  if (solved) *solved = false;
  if (over) *over = false;
  const std::size_t n = p.size();
  const std::uint64_t forced = p.working_set(t);
  if (t >= n || forced > p.budget) return 0;  // no plan at all: reported elsewhere
  std::vector<char> is_pred(n, 0), needed(n, 0), relevant(n, 0);
  for (std::uint32_t u : p.nodes[t].preds) is_pred[u] = 1;
  std::uint64_t needed_bytes = 0;
  for (std::uint32_t u = 0; u < t; ++u)
    if (!is_pred[u] && last[u] > t && p.nodes[u].bytes > 0)
      needed[u] = 1, needed_bytes += p.nodes[u].bytes;
  if (forced + needed_bytes <= p.budget) {  // everything fits: nothing to compute again
    if (solved) *solved = true;
    return 0;
  }
  if (over) *over = true;
  // The values that matter: those needed and, through values t does not read, their inputs.
  for (std::uint32_t u = t; u-- > 0;) {
    if (needed[u]) relevant[u] = 1;
    if (relevant[u] && !is_pred[u])
      for (std::uint32_t w : p.nodes[u].preds) relevant[w] = 1;
  }
  std::vector<int> x(n, -1);  // x_u = column x[u], y_u = x[u] + 1
  std::vector<std::uint32_t> values;
  int columns = 0;
  for (std::uint32_t u = 0; u < t; ++u)
    if (relevant[u] && !is_pred[u]) x[u] = columns, columns += 2, values.push_back(u);
  // Memory in units of the sizes' gcd, costs in units of theirs when whole (as remat_milp).
  std::uint64_t size_gcd = 0;
  for (std::uint32_t u : values) size_gcd = std::gcd(size_gcd, p.nodes[u].bytes);
  if (size_gcd == 0) size_gcd = 1;
  double cost_scale = 1;
  bool whole = true;
  {
    std::uint64_t g = 0;
    for (std::uint32_t u : values) {
      const double c = p.nodes[u].cost;
      whole = whole && c == std::floor(c) && c >= 0 && c < 9e15;
      if (whole) g = std::gcd(g, static_cast<std::uint64_t>(c));
    }
    if (whole && g > 0) cost_scale = static_cast<double>(g);
  }
  BinaryProgram program(columns);
  constexpr double kInf = std::numeric_limits<double>::max();
  for (std::uint32_t u : values) {
    if (needed[u]) program.add_row({{x[u], 1.0}, {x[u] + 1, 1.0}}, 1.0, kInf);
    for (std::uint32_t w : p.nodes[u].preds)
      if (x[w] >= 0) program.add_row({{x[w], 1.0}, {x[w] + 1, 1.0}, {x[u] + 1, -1.0}}, 0.0, kInf);
  }
  std::vector<BinaryProgram::Term> memory;
  for (std::uint32_t u : values)
    if (p.nodes[u].bytes > 0)
      memory.emplace_back(x[u], static_cast<double>(p.nodes[u].bytes / size_gcd));
  program.add_row(memory, -kInf, std::floor(static_cast<double>((p.budget - forced) / size_gcd)));
  for (std::uint32_t u : values) program.set_cost(x[u] + 1, p.nodes[u].cost / cost_scale);
  Cbc_Model* model = program.solve(seconds, relaxed);
  double bound = 0;
  if (Cbc_isProvenInfeasible(model)) {
    // t's working set and the needed values cannot be placed at all: no plan exists, which
    // the planner finds elsewhere; this bound claims nothing.
    bound = 0;
  } else {
    bound = relaxed ? Cbc_getObjValue(model) : Cbc_getBestPossibleObjValue(model);
    if (!std::isfinite(bound) || bound < 0) bound = 0;
    const bool optimal = Cbc_isProvenOptimal(model) != 0;
    if (solved) *solved = optimal;
    // A relaxation's optimum is exact only to CBC's tolerance: a hair less is claimed.
    if (whole && !relaxed) bound = std::ceil(bound - 1e-6);
    if (relaxed || !whole) bound = std::max(0.0, bound - 1e-7 * std::max(1.0, bound));
    if (recomputed && !relaxed && optimal)
      if (const double* best = Cbc_bestSolution(model)) {
        recomputed->clear();
        for (std::uint32_t u : values)
          if (best[x[u] + 1] > 0.5) recomputed->push_back(u);
      }
  }
  return bound * cost_scale;
}

}  // namespace

double stage_closure_bound(const RematProblem& p, std::uint32_t stage, double seconds, bool relaxed,
                           bool* solved, std::vector<std::uint32_t>* recomputed) {
  return stage_program(p, last_readers(p), stage, seconds, relaxed, solved, recomputed);
}

ClosureBound closure_bound(const RematProblem& p, double seconds, double floor) {
  using Clock = std::chrono::steady_clock;
  const auto started = Clock::now();
  const auto left = [&] {
    return seconds - std::chrono::duration<double>(Clock::now() - started).count();
  };
  ClosureBound out;
  const std::vector<std::uint32_t> last = last_readers(p);
  std::vector<std::pair<double, std::uint32_t>> relaxations;
  for (std::uint32_t t = 1; t < p.size() && left() > 0; ++t) {
    bool over = false;
    const double r = stage_program(p, last, t, left(), true, nullptr, nullptr, &over);
    if (over) relaxations.emplace_back(r, t);
  }
  // Highest relaxation first (the likeliest to give a high bound; a relaxation is a lower bound
  // on its program, not an upper one, so no stage is skipped for it); equal ones by stage.
  std::stable_sort(relaxations.begin(), relaxations.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  double best = floor;
  for (const auto& [relaxation, t] : relaxations) {
    if (left() <= 0) break;
    bool solved = false;
    std::vector<std::uint32_t> recomputed;
    const double b = stage_program(p, last, t, left(), false, &solved, &recomputed);
    if (b > best) {
      best = b;
      out.bound = b;
      out.stage = t;
      out.solved = solved;
      out.recomputed = std::move(recomputed);
    }
  }
  return out;
}

}  // namespace memsim::planner
