#include "policies/solver/remat_milp.h"

#include <Cbc_C_Interface.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

namespace memsim::planner {
namespace {

// Column numbers: X[t][i] (i <= t) first, then R[t][i] (i < t); n^2 columns in all.
struct Columns {
  std::size_t n;
  int x(std::size_t t, std::size_t i) const { return static_cast<int>(t * (t + 1) / 2 + i); }
  int r(std::size_t t, std::size_t i) const {
    return static_cast<int>(n * (n + 1) / 2 + t * (t - 1) / 2 + i);
  }
  int count() const { return static_cast<int>(n * n); }
};

// Row-wise triplets, loaded column-wise as CBC wants.
struct Rows {
  std::vector<int> row, col;
  std::vector<double> value, upper;
  void add(std::initializer_list<std::pair<int, double>> terms, double rhs) {
    for (auto [c, v] : terms)
      row.push_back(static_cast<int>(upper.size())), col.push_back(c), value.push_back(v);
    upper.push_back(rhs);
  }
  int count() const { return static_cast<int>(upper.size()); }
};

// K[t][k] (k < t) for the stages with cuts, after the X and R columns.
struct CutColumns {
  std::vector<int> first;  // per stage: its first K column, or -1
  int total = 0;
};

// The program's solution a plan gives: X[t][i] = 1 when i is in memory as node t is first
// computed, R[t][i] = 1 when i is computed again before that, K as its rows define.
std::vector<double> solution_of(const RematProblem& p, const RematPlan& plan, const Columns& c,
                                const CutColumns& k) {
  std::vector<double> x(static_cast<std::size_t>(c.count() + k.total), 0.0);
  std::vector<char> resident(p.size(), 0);
  std::uint32_t stage = 0;
  for (const RematAction& a : plan) {
    if (a.kind == RematAction::drop) {
      resident[a.node] = 0;
      continue;
    }
    resident[a.node] = 1;
    if (a.node == stage) {
      for (std::uint32_t i = 0; i <= stage; ++i)
        if (resident[i]) x[static_cast<std::size_t>(c.x(stage, i))] = 1;
      ++stage;
    } else if (stage < p.size()) {
      x[static_cast<std::size_t>(c.r(stage, a.node))] = 1;
    }
  }
  const auto at = [&](int column) { return x[static_cast<std::size_t>(column)]; };
  for (std::size_t t = 1; t < p.size(); ++t)
    if (k.first[t] >= 0)
      for (std::size_t i = 0; i < t; ++i)
        x[static_cast<std::size_t>(k.first[t]) + i] =
            std::max(0.0, at(c.x(t - 1, i)) + at(c.x(t, i)) - at(c.r(t, i)) - 1);
  return x;
}

}  // namespace

MilpOutcome solve_remat_milp(const RematProblem& p, const RematPlan* start, double seconds,
                             const std::vector<GuideOverrun>& cuts, int seed) {
  MilpOutcome out;
  const std::size_t n = p.size();
  if (n == 0 || n > kMilpMaxNodes) return out;
  const Columns c{n};
  CutColumns k;
  k.first.assign(n, -1);
  for (const GuideOverrun& cut : cuts)
    if (cut.stage > 0 && cut.stage < n && k.first[cut.stage] < 0) {
      k.first[cut.stage] = c.count() + k.total;
      k.total += static_cast<int>(cut.stage);
    }

  // Exact integer scaling keeps CBC's arithmetic away from 10^10-byte coefficients: memory rows
  // are divided by the sizes' gcd (the left side is then an integer, so the budget rounds down
  // exactly), costs by theirs when they are whole numbers.
  std::uint64_t size_gcd = 0;
  for (const RematNode& v : p.nodes) size_gcd = std::gcd(size_gcd, v.bytes);
  if (size_gcd == 0) size_gcd = 1;
  double cost_scale = 1;
  bool whole_costs = true;  // every plan's cost is then a whole multiple of cost_scale
  {
    std::uint64_t g = 0;
    for (const RematNode& v : p.nodes) {
      whole_costs = whole_costs && v.cost == std::floor(v.cost) && v.cost < 9e15;
      if (whole_costs) g = std::gcd(g, static_cast<std::uint64_t>(v.cost));
    }
    if (whole_costs && g > 0) cost_scale = static_cast<double>(g);
  }

  const auto columns = static_cast<std::size_t>(c.count() + k.total);
  std::vector<double> lower(columns, 0.0), upper(columns, 1.0), objective(columns, 0.0);
  Rows rows;
  for (std::size_t t = 0; t < n; ++t) {
    lower[static_cast<std::size_t>(c.x(t, t))] = 1;
    for (std::uint32_t j : p.nodes[t].preds) lower[static_cast<std::size_t>(c.x(t, j))] = 1;
    for (std::size_t i = 0; i < t; ++i)
      objective[static_cast<std::size_t>(c.r(t, i))] = p.nodes[i].cost / cost_scale;
    if (t == 0) continue;
    // Computing node t-1 again right after its first computation never lowers the relaxation's
    // cost (memory is checked only at the P moments), so that column is fixed at 0.
    upper[static_cast<std::size_t>(c.r(t, t - 1))] = 0;
    // A node an update in place has overwritten is not computed again (docs/model.md §14.1).
    for (std::size_t i = 0; i + 1 < t; ++i)
      if (!p.may_rerun(static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(t)))
        upper[static_cast<std::size_t>(c.r(t, i))] = 0;
    for (std::size_t i = 0; i + 1 < t; ++i)
      rows.add({{c.x(t, i), 1.0}, {c.x(t - 1, i), -1.0}, {c.r(t, i), -1.0}}, 0.0);
    for (std::size_t i = 0; i + 1 < t; ++i)
      for (std::uint32_t j : p.nodes[i].preds)
        rows.add({{c.r(t, i), 1.0}, {c.x(t - 1, j), -1.0}, {c.r(t, j), -1.0}}, 0.0);
  }
  const double budget = std::floor(static_cast<double>(p.budget / size_gcd));
  const auto scaled = [&](std::uint32_t v) {
    return static_cast<double>(p.nodes[v].bytes / size_gcd);
  };
  for (std::size_t t = 1; t < n; ++t) {
    if (k.first[t] < 0) continue;
    for (std::size_t i = 0; i < t; ++i) {
      const int kc = k.first[t] + static_cast<int>(i);
      if (i + 1 == t) {  // X[t-1][t-1] = 1 and R[t][t-1] = 0
        rows.add({{kc, -1.0}, {c.x(t, i), 1.0}}, 0.0);
      } else {
        rows.add({{kc, -1.0}, {c.x(t - 1, i), 1.0}, {c.x(t, i), 1.0}, {c.r(t, i), -1.0}}, 1.0);
      }
    }
  }
  {
    std::vector<char> in_s(n, 0);
    std::vector<std::pair<std::uint32_t, std::uint32_t>> done;
    for (const GuideOverrun& cut : cuts) {
      const std::size_t t = cut.stage, i = cut.node;
      if (t == 0 || t >= n || i >= t) continue;
      if (std::find(done.begin(), done.end(), std::pair{cut.stage, cut.node}) != done.end())
        continue;
      done.emplace_back(cut.stage, cut.node);
      const int row = rows.count();
      double s_bytes = scaled(cut.node);
      in_s[i] = 1;
      for (std::uint32_t j : p.nodes[i].preds) in_s[j] = 1, s_bytes += scaled(j);
      for (std::size_t kk = 0; kk < t; ++kk) {
        if (in_s[kk] || p.nodes[kk].bytes == 0) continue;
        rows.row.push_back(row);
        rows.col.push_back(k.first[t] + static_cast<int>(kk));
        rows.value.push_back(scaled(static_cast<std::uint32_t>(kk)));
      }
      rows.row.push_back(row);
      rows.col.push_back(c.r(t, i));
      rows.value.push_back(s_bytes);
      rows.upper.push_back(budget);
      in_s[i] = 0;
      for (std::uint32_t j : p.nodes[i].preds) in_s[j] = 0;
    }
  }
  for (std::size_t t = 0; t < n; ++t) {
    const int row = rows.count();
    for (std::size_t i = 0; i <= t; ++i) {
      if (p.nodes[i].bytes == 0) continue;
      rows.row.push_back(row);
      rows.col.push_back(c.x(t, i));
      rows.value.push_back(static_cast<double>(p.nodes[i].bytes / size_gcd));
    }
    rows.upper.push_back(budget);
  }

  // Column-major copy for Cbc_loadProblem.
  std::vector<int> order(rows.col.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int a, int b) { return rows.col[a] < rows.col[b]; });
  std::vector<CoinBigIndex> starts(columns + 1, 0);
  std::vector<int> index(order.size());
  std::vector<double> value(order.size());
  for (std::size_t k = 0; k < order.size(); ++k) {
    index[k] = rows.row[order[k]];
    value[k] = rows.value[order[k]];
    ++starts[static_cast<std::size_t>(rows.col[order[k]]) + 1];
  }
  for (std::size_t k = 0; k < columns; ++k) starts[k + 1] += starts[k];
  std::vector<double> row_lower(rows.upper.size(), -std::numeric_limits<double>::max());

  const int column_count = static_cast<int>(columns);
  Cbc_Model* model = Cbc_newModel();
  Cbc_loadProblem(model, column_count, rows.count(), starts.data(), index.data(), value.data(),
                  lower.data(), upper.data(), objective.data(), row_lower.data(),
                  rows.upper.data());
  for (int col = 0; col < c.count(); ++col) Cbc_setInteger(model, col);
  Cbc_setLogLevel(model, 0);
  Cbc_setParameter(model, "timeMode", "elapsed");
  // The feasibility pump at the root does not look at the clock (on a 250-node random graph it
  // ran for minutes past the limit); the incumbent comes from the builders anyway.
  Cbc_setParameter(model, "feasibilityPump", "off");
  // CBC 2.10's preprocessing crashed in CglPreProcess::postProcess (SIGSEGV) on a 250-node
  // random layered graph at 0.97x, and its postprocessing can run long past the time limit;
  // without it the bounds and plans measured on the shared graphs are the same.
  Cbc_setParameter(model, "preprocess", "off");
  Cbc_setMaximumSeconds(model, std::max(seconds, 0.01));
  if (seed > 0) Cbc_setParameter(model, "randomCbcSeed", std::to_string(seed).c_str());
  std::vector<int> all(columns);
  std::iota(all.begin(), all.end(), 0);
  if (start) {
    const std::vector<double> x = solution_of(p, *start, c, k);
    Cbc_setMIPStartI(model, column_count, all.data(), x.data());
  }
  Cbc_solve(model);

  out.solved = true;
  out.infeasible = Cbc_isProvenInfeasible(model) != 0;
  const double* best = Cbc_bestSolution(model);
  if (!out.infeasible) {
    double bound = Cbc_getBestPossibleObjValue(model);
    if (!std::isfinite(bound) || bound < 0) bound = 0;
    // With whole costs a plan costs a whole number of cost_scale units: round the bound up
    // (less a tolerance for CBC's arithmetic).
    if (whole_costs) bound = std::ceil(bound - 1e-6);
    out.lower_bound = std::max(0.0, bound) * cost_scale;
  }
  if (best && !out.infeasible) {
    out.optimal = Cbc_isProvenOptimal(model) != 0;
    out.objective = Cbc_getObjValue(model) * cost_scale;
    if (out.optimal) out.lower_bound = out.objective;
    RematGuide guide;
    guide.keep.resize(n);
    guide.recompute.resize(n);
    for (std::size_t t = 0; t < n; ++t) {
      for (std::size_t i = 0; i <= t; ++i)
        if (best[c.x(t, i)] > 0.5) guide.keep[t].push_back(static_cast<std::uint32_t>(i));
      for (std::size_t i = 0; i < t; ++i)
        if (best[c.r(t, i)] > 0.5) guide.recompute[t].push_back(static_cast<std::uint32_t>(i));
    }
    out.solution = prune_guide(p, std::move(guide));
  }
  Cbc_deleteModel(model);
  return out;
}

}  // namespace memsim::planner
