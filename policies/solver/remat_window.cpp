#include "policies/solver/remat_window.h"

#include <algorithm>
#include <numeric>
#include <vector>

#include "policies/solver/cbc_binary_program.h"

namespace memsim::planner {
namespace {

// The plan read stage by stage: where each first computation is in the action list, what is in
// memory right after it, and which values each stage computes again (with what cost).
struct PlanStages {
  std::vector<std::size_t> first;            // action index of node t's first computation
  std::vector<std::vector<char>> memory;     // memory[t][k]: k in memory at P_t (filled for a-1..b)
  std::vector<std::vector<char>> recompute;  // recompute[t][k]: stage t computes k again
  std::vector<double> cost;                  // recompute cost of stage t
};

PlanStages read_stages(const RematProblem& p, const RematPlan& plan, std::uint32_t a,
                       std::uint32_t b) {
  const std::size_t n = p.size();
  PlanStages s;
  s.first.assign(n, 0);
  s.memory.assign(n, {});
  s.recompute.assign(n, {});
  s.cost.assign(n, 0.0);
  std::vector<char> resident(n, 0);
  std::uint32_t stage = 0;
  for (std::size_t x = 0; x < plan.size(); ++x) {
    const RematAction& act = plan[x];
    if (act.kind == RematAction::drop) {
      resident[act.node] = 0;
      continue;
    }
    resident[act.node] = 1;
    if (stage < n && act.node == stage) {
      s.first[stage] = x;
      if (stage + 1 >= a && stage <= b) s.memory[stage] = resident;
      ++stage;
    } else if (stage < n) {
      if (s.recompute[stage].empty()) s.recompute[stage].assign(n, 0);
      s.recompute[stage][act.node] = 1;
      s.cost[stage] += p.nodes[act.node].cost;
    }
  }
  return s;
}

}  // namespace

WindowOutcome replan_window(const RematProblem& p, const RematPlan& plan, std::uint32_t a,
                            std::uint32_t b, double seconds) {
  WindowOutcome out;
  const std::size_t n = p.size();
  if (a < 1 || a > b || b >= n) return out;
  const PlanStages s = read_stages(p, plan, a, b);
  for (std::uint32_t t = a; t <= b; ++t) out.before += s.cost[t];
  if (out.before <= 0) return out;  // nothing to save

  // Columns X, R, Z of (t, k), k < t, three by three.
  std::vector<int> base(n + 1, 0);
  int columns = 0;
  for (std::uint32_t t = a; t <= b; ++t) base[t] = columns, columns += 3 * static_cast<int>(t);
  const auto X = [&](std::uint32_t t, std::uint32_t k) {
    return base[t] + 3 * static_cast<int>(k);
  };
  const auto R = [&](std::uint32_t t, std::uint32_t k) { return X(t, k) + 1; };
  const auto Z = [&](std::uint32_t t, std::uint32_t k) { return X(t, k) + 2; };
  BinaryProgram bp(columns);
  std::vector<double> start(static_cast<std::size_t>(columns), 0.0);
  const auto at = [&](int column) -> double& { return start[static_cast<std::size_t>(column)]; };

  // Memory in units of the sizes' gcd (whole numbers, so the budget rounds down exactly).
  std::uint64_t size_gcd = 0;
  for (const RematNode& v : p.nodes) size_gcd = std::gcd(size_gcd, v.bytes);
  if (size_gcd == 0) size_gcd = 1;
  const auto units = [&](std::uint32_t v) {
    return static_cast<double>(p.nodes[v].bytes / size_gcd);
  };

  using Term = BinaryProgram::Term;
  for (std::uint32_t t = a; t <= b; ++t) {
    // X[t-1][k]: a column, or a constant (the plan's memory at P_{a-1}; node t-1 itself).
    const auto prev_column = [&](std::uint32_t k) { return t > a && k + 1 < t ? X(t - 1, k) : -1; };
    const auto prev_constant = [&](std::uint32_t k) -> double {
      if (k + 1 == t) return 1;
      return t == a ? s.memory[a - 1][k] : 0;
    };
    for (std::uint32_t k = 0; k < t; ++k) {
      bp.set_cost(R(t, k), p.nodes[k].cost);
      // X[t][k] <= X[t-1][k] + R[t][k]
      if (const int pc = prev_column(k); pc >= 0)
        bp.add_row({Term{X(t, k), 1.0}, Term{R(t, k), -1.0}, Term{pc, -1.0}}, -1e30, 0.0);
      else
        bp.add_row({Term{X(t, k), 1.0}, Term{R(t, k), -1.0}}, -1e30, prev_constant(k));
      // Z[t][k] >= X[t][k], Z[t][k] >= R[t][k]
      bp.add_row({Term{Z(t, k), 1.0}, Term{X(t, k), -1.0}}, 0.0, 1e30);
      bp.add_row({Term{Z(t, k), 1.0}, Term{R(t, k), -1.0}}, 0.0, 1e30);
      for (std::uint32_t j : p.nodes[k].preds) {
        // R[t][k] <= X[t-1][j] + R[t][j];  Z[t][j] >= R[t][k]
        if (const int pc = prev_column(j); pc >= 0)
          bp.add_row({Term{R(t, k), 1.0}, Term{R(t, j), -1.0}, Term{pc, -1.0}}, -1e30, 0.0);
        else
          bp.add_row({Term{R(t, k), 1.0}, Term{R(t, j), -1.0}}, -1e30, prev_constant(j));
        bp.add_row({Term{Z(t, j), 1.0}, Term{R(t, k), -1.0}}, 0.0, 1e30);
      }
    }
    // Computing node t-1 again in stage t: it is in memory at P_{t-1}, so never needed.
    bp.fix(R(t, t - 1), 0);
    // A node an update in place has overwritten is not computed again (docs/model.md §14.1).
    for (std::uint32_t k = 0; k + 1 < t; ++k)
      if (!p.may_rerun(k, t)) bp.fix(R(t, k), 0);
    for (std::uint32_t j : p.nodes[t].preds) bp.fix(X(t, j), 1);
    if (t == b)
      for (std::uint32_t k = 0; k < t; ++k) bp.fix(X(t, k), s.memory[b][k]);
    std::vector<Term> memory;
    for (std::uint32_t k = 0; k < t; ++k)
      if (units(k) > 0) memory.push_back({Z(t, k), units(k)});
    bp.add_row(memory, -1e30,
               static_cast<double>(p.budget / size_gcd) - static_cast<double>(units(t)));
    // The plan's own window as a start (CBC drops it if its stages break the Z rows).
    for (std::uint32_t k = 0; k < t; ++k) {
      at(X(t, k)) = s.memory[t][k];
      const bool again = !s.recompute[t].empty() && s.recompute[t][k];
      at(R(t, k)) = again ? 1 : 0;
      if (again || s.memory[t][k]) at(Z(t, k)) = 1;
      if (again)
        for (std::uint32_t j : p.nodes[k].preds) at(Z(t, j)) = 1;
    }
  }
  bp.set_start(std::move(start));
  Cbc_Model* model = bp.solve(seconds, false, out.before - 1e-7 * std::max(1.0, out.before));
  const double* best = Cbc_bestSolution(model);
  if (!best || Cbc_isProvenInfeasible(model)) return out;
  out.optimal = Cbc_isProvenOptimal(model) != 0;
  const auto on = [&](int column) { return best[column] > 0.5; };

  // The plan: its actions up to P_{a-1}, the window's stages from the solution, its actions
  // after P_b.
  RematPlan result(plan.begin(), plan.begin() + static_cast<std::ptrdiff_t>(s.first[a - 1]) + 1);
  std::vector<char> resident = s.memory[a - 1];
  for (std::uint32_t t = a; t <= b; ++t) {
    for (std::uint32_t k = 0; k < t; ++k)
      if (resident[k] && !on(Z(t, k))) result.push_back({RematAction::drop, k}), resident[k] = 0;
    for (std::uint32_t k = 0; k < t; ++k)
      if (on(R(t, k)) && !resident[k]) {
        result.push_back({RematAction::compute, k});
        resident[k] = 1;
        out.after += p.nodes[k].cost;
      }
    for (std::uint32_t k = 0; k < t; ++k)
      if (resident[k] && !on(X(t, k))) result.push_back({RematAction::drop, k}), resident[k] = 0;
    result.push_back({RematAction::compute, t});
    resident[t] = 1;
  }
  result.insert(result.end(), plan.begin() + static_cast<std::ptrdiff_t>(s.first[b]) + 1,
                plan.end());
  if (out.after < out.before) out.plan = std::move(result);
  return out;
}

}  // namespace memsim::planner
