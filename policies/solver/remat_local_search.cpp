#include "policies/solver/remat_local_search.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "policies/solver/remat_closure_builder.h"

namespace memsim::planner {
namespace {

// How good one build is: a plan beats no plan, a later stuck stage an earlier one, a lower
// cost a higher one.
struct Score {
  bool found = false;
  std::uint32_t reached = 0;
  double cost = 0;
  bool no_worse_than(const Score& o) const {
    if (found != o.found) return found;
    if (!found) return reached >= o.reached;
    return cost <= o.cost;
  }
};

}  // namespace

LocalSearchResult local_search(const RematProblem& p, EvictionRule rule, bool supports,
                               std::vector<double> weights,
                               std::chrono::steady_clock::time_point deadline,
                               std::uint64_t max_steps, std::uint32_t seed,
                               const std::function<bool()>& stop, bool fallback) {
  LocalSearchResult out;
  const std::size_t n = p.size();
  if (n == 0) return out;
  if (weights.size() != n) weights.assign(n, 1.0);
  std::mt19937 rng(seed);
  // The nodes a plan computes again, and their inputs: where a change of weight matters most.
  std::vector<std::uint32_t> hot, trial_hot;
  std::vector<char> seen(n, 0);
  const auto evaluate = [&](const std::vector<double>& w, Score& s) {
    ClosureAttempt a = try_closure_plan(p, rule, supports, &w, fallback, Deadline{deadline});
    ++out.steps;
    s = {};
    if (!a.plan) {
      s.reached = a.failed_stage;
      trial_hot = a.missing;
      return;
    }
    const PlanCheck check = check_plan(p, *a.plan);
    if (!check.ok) return;
    s.found = true;
    s.cost = check.recompute_cost;
    trial_hot.clear();
    std::uint32_t firsts = 0;
    for (const RematAction& act : *a.plan) {
      if (act.kind != RematAction::compute) continue;
      if (act.node == firsts) {
        ++firsts;
        continue;
      }
      for (std::uint32_t u : p.nodes[act.node].preds)
        if (!seen[u]) seen[u] = 1, trial_hot.push_back(u);
      if (!seen[act.node]) seen[act.node] = 1, trial_hot.push_back(act.node);
    }
    for (std::uint32_t u : trial_hot) seen[u] = 0;
    if (!out.plan || s.cost < out.cost) {
      out.plan = std::move(a.plan);
      out.cost = s.cost;
    }
  };
  Score best;
  evaluate(weights, best);
  hot = trial_hot;
  std::vector<double> trial;
  std::uniform_int_distribution<std::size_t> node(0, n - 1);
  std::uniform_int_distribution<int> how_many(1, 6), kind(0, 9);
  std::normal_distribution<double> factor(0.0, 1.5);
  std::uint64_t since_better = 0;
  const std::uint64_t stall = std::max<std::uint64_t>(kStallSteps, 50 * n);
  while (out.steps < max_steps && std::chrono::steady_clock::now() < deadline &&
         !(stop && stop())) {
    if (since_better >= stall) {
      out.stalled = true;
      break;
    }
    trial = weights;
    const int k = how_many(rng);
    for (int i = 0; i < k; ++i) {
      // Mostly a node the plan computes again (or an input of one, or one the stuck stage
      // missed).
      std::size_t v = node(rng);
      if (!hot.empty() && kind(rng) < 5) v = hot[v % hot.size()];
      const int what = kind(rng);
      if (what < 6) {
        trial[v] = std::min(trial[v], kKeptWeight / 2) * std::exp(factor(rng));
      } else if (what < 8) {
        trial[v] = kKeptWeight;
      } else {
        trial[v] = 1.0;
      }
    }
    Score s;
    evaluate(trial, s);
    ++since_better;
    if (s.no_worse_than(best)) {
      if (!best.no_worse_than(s)) since_better = 0;
      best = s;
      weights.swap(trial);
      hot.swap(trial_hot);
    }
  }
  out.weights = std::move(weights);
  return out;
}

}  // namespace memsim::planner
