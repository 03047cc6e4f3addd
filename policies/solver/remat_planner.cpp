#include "policies/solver/remat_planner.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "policies/solver/remat_builder.h"
#include "policies/solver/remat_closure_builder.h"
#include "policies/solver/remat_exact.h"
#include "policies/solver/remat_local_search.h"
#include "policies/solver/remat_milp.h"
#include "policies/solver/remat_milp_child.h"

namespace memsim::planner {
namespace {

constexpr EvictionRule kRules[] = {EvictionRule::worth, EvictionRule::farthest,
                                   EvictionRule::largest};

// Costs are sums of the nodes' costs; compare them with a relative tolerance.
bool at_most(double a, double b) {
  return a <= b + 1e-9 * std::max(1.0, std::abs(b));
}

}  // namespace

RematPlan plan_without_recompute(const RematProblem& p) {
  std::vector<std::uint32_t> last(p.size());
  for (std::uint32_t v = 0; v < p.size(); ++v) last[v] = v;
  for (std::uint32_t v = 0; v < p.size(); ++v)
    for (std::uint32_t u : p.nodes[v].preds) last[u] = std::max(last[u], v);
  std::vector<std::vector<std::uint32_t>> dies_after(p.size());
  for (std::uint32_t v = 0; v < p.size(); ++v) dies_after[last[v]].push_back(v);
  RematPlan plan;
  for (std::uint32_t t = 0; t < p.size(); ++t) {
    plan.push_back({RematAction::compute, t});
    for (std::uint32_t v : dies_after[t]) plan.push_back({RematAction::drop, v});
  }
  return plan;
}

double stage_lower_bound(const RematProblem& p) {
  const std::size_t n = p.size();
  std::vector<std::uint32_t> last(n, 0);
  for (std::uint32_t v = 0; v < n; ++v)
    for (std::uint32_t u : p.nodes[v].preds) last[u] = std::max(last[u], v);
  std::vector<char> is_pred(n, 0);
  struct Item {
    double cost;
    std::uint64_t bytes;
  };
  std::vector<Item> items;
  double best = 0;
  for (std::uint32_t t = 0; t < n; ++t) {
    for (std::uint32_t u : p.nodes[t].preds) is_pred[u] = 1;
    std::uint64_t forced = p.working_set(t);
    items.clear();
    std::uint64_t optional_bytes = 0;
    for (std::uint32_t u = 0; u < t; ++u)
      if (!is_pred[u] && last[u] > t && p.nodes[u].bytes > 0) {
        items.push_back({p.nodes[u].cost, p.nodes[u].bytes});
        optional_bytes += p.nodes[u].bytes;
      }
    for (std::uint32_t u : p.nodes[t].preds) is_pred[u] = 0;
    if (forced + optional_bytes <= p.budget) continue;
    if (forced > p.budget) continue;  // no plan at all: reported elsewhere
    // Fractional knapsack: free the deficit at the least cost per byte.
    double deficit = static_cast<double>(forced + optional_bytes - p.budget);
    std::sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
      return a.cost * static_cast<double>(b.bytes) < b.cost * static_cast<double>(a.bytes);
    });
    double cost = 0;
    for (const Item& it : items) {
      const double take = std::min(deficit, static_cast<double>(it.bytes));
      cost += it.cost * take / static_cast<double>(it.bytes);
      deficit -= take;
      if (deficit <= 0) break;
    }
    best = std::max(best, cost);
  }
  return best;
}

RematPlannerResult plan_recompute(const RematProblem& p, const RematPlannerOptions& options) {
  using Clock = std::chrono::steady_clock;
  const auto started = Clock::now();
  const auto elapsed = [&] {
    return std::chrono::duration<double>(Clock::now() - started).count();
  };
  RematPlannerResult r;
  const auto finish = [&] {
    r.optimal = r.found && at_most(r.cost, r.lower_bound);
    if (r.optimal) r.lower_bound = r.cost;
    r.seconds = elapsed();
    return r;
  };
  if (const std::int64_t v = first_node_over_budget(p); v >= 0) {
    r.infeasible = true;
    r.why = "node " + std::to_string(v) + " needs " +
            std::to_string(p.working_set(static_cast<std::uint32_t>(v))) +
            " bytes in memory at once (its inputs and itself), over the budget of " +
            std::to_string(p.budget);
    return finish();
  }
  const auto consider = [&](const RematPlan& plan, const char* method) {
    const PlanCheck check = check_plan(p, plan);
    if (!check.ok) return;
    if (!r.found || check.recompute_cost < r.cost) {
      r.found = true;
      r.plan = plan;
      r.cost = check.recompute_cost;
      r.reruns = check.reruns;
      r.method = method;
    }
  };
  if (peak_without_recompute(p) <= p.budget) {
    consider(plan_without_recompute(p), "no recompute");
    r.bound_method = "costs are never negative";
    return finish();
  }
  if (options.exact_search && p.size() <= kExactSearchNodes) {
    // An eighth of the time and 300,000 states at most: beyond some 20 nodes the states
    // outgrow it quickly, and the integer program does better.
    const ExactOutcome exact = exact_recompute(p, options.time_limit_seconds / 8, 300'000);
    if (exact.finished) {
      if (exact.plan) {
        consider(*exact.plan, "exact search");
        r.lower_bound = r.cost;
        r.bound_method = "exact search (proved)";
      } else {
        r.infeasible = true;
        r.why = "the exact search found that no plan fits the budget";
      }
      return finish();
    }
  }
  for (EvictionRule rule : kRules)
    if (auto plan = build_plan(p, rule)) consider(*plan, "greedy");
  std::vector<double> seed_weights;  // the repaired weights of the cheapest closure plan
  for (EvictionRule rule : kRules) {
    std::vector<double> weights(p.size(), 1.0);
    if (auto plan = build_closure_plan(p, rule, &weights)) {
      const double before = r.found ? r.cost : -1;
      consider(*plan, "closure greedy");
      if (rule == EvictionRule::worth || r.cost != before) seed_weights = weights;
    }
  }
  r.lower_bound = stage_lower_bound(p);
  r.bound_method = "stage bound";
  if (r.found && at_most(r.cost, r.lower_bound)) return finish();

  // Local search over the closure builder's weights: a quarter of the time limit (half when no
  // plan was found yet), half of it with each of two eviction rules; again after the integer
  // program with whatever time is left.
  std::vector<double> search_weights[2] = {seed_weights, seed_weights};  // each rule's, to go on
  const auto search = [&](double seconds, std::uint32_t seed) {
    const auto until = [&](double s) {
      return Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                std::chrono::duration<double>(std::max(0.0, s)));
    };
    for (std::size_t k = 0; k < 2; ++k) {
      LocalSearchResult ls =
          local_search(p, k == 0 ? EvictionRule::worth : EvictionRule::largest, search_weights[k],
                       until(seconds / 2), options.local_search_steps, seed);
      if (ls.plan) consider(*ls.plan, "local search");
      search_weights[k] = std::move(ls.weights);
      if (r.found && at_most(r.cost, r.lower_bound)) return;
    }
  };
  search(options.time_limit_seconds * (r.found ? 0.25 : 0.5), 1);
  if (r.found && at_most(r.cost, r.lower_bound)) return finish();

  // Rounds of the integer program: each solution that overruns memory inside a stage adds the
  // cuts for those computations (valid for every plan) and the program is solved again; a round
  // that CBC's clock stopped is run again from the best plan so far (a lower cutoff, another
  // seed) while half the time left covers the last round's overrun of its own limit.
  std::vector<GuideOverrun> cuts;
  double overrun = 0;  // how far the last round went past the seconds it was given
  for (int round = 0; p.size() <= kMilpMaxNodes; ++round) {
    const double started_round = elapsed();
    const double left = options.time_limit_seconds - started_round;
    if (left <= 0 || (round > 0 && left * 0.5 < std::max(overrun, 1.0))) break;
    // CBC looks at its clock between nodes and heuristics only, and one node of a 350-node
    // program can take several seconds: give it half of what is left.
    // ... and kill it (in its own process) when all of the time is up, less a little for
    // following its solution.
    const std::optional<MilpOutcome> solved = solve_remat_milp_in_child(
        p, r.found ? &r.plan : nullptr, left * 0.5, left * 0.95, cuts, round);
    overrun = std::max(0.0, elapsed() - started_round - left * 0.5);
    if (!solved) break;
    const MilpOutcome& milp = *solved;
    if (milp.infeasible && !r.found) {
      r.infeasible = true;
      r.why = "the integer program's relaxation has no solution";
    }
    if (milp.lower_bound > r.lower_bound) {
      r.lower_bound = milp.lower_bound;
      r.bound_method = milp.optimal ? "integer program (solved)" : "integer program (CBC's bound)";
    }
    if (!milp.solution) break;
    RematPlan exact;
    const std::vector<GuideOverrun> overruns = guide_overruns(p, *milp.solution, &exact);
    if (overruns.empty()) {
      consider(exact, "integer program");
    } else {
      for (EvictionRule rule : kRules)
        if (auto plan = build_plan(p, rule, &*milp.solution)) consider(*plan, "integer program");
    }
    if (r.found && at_most(r.cost, r.lower_bound)) break;
    bool fresh = false;
    for (const GuideOverrun& o : overruns) {
      const bool known = std::any_of(cuts.begin(), cuts.end(), [&](const GuideOverrun& c) {
        return c.stage == o.stage && c.node == o.node;
      });
      if (!known) cuts.push_back(o), fresh = true;
    }
    // A program CBC solved, with no new cut, would give the same solution again.
    if (milp.optimal && !fresh) break;
  }
  if (!(r.found && at_most(r.cost, r.lower_bound)))
    search(options.time_limit_seconds - elapsed(), 2);
  return finish();
}

}  // namespace memsim::planner
