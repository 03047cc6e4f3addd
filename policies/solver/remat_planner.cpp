#include "policies/solver/remat_planner.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <limits>
#include <random>

#include "policies/solver/remat_backward_search.h"
#include "policies/solver/remat_builder.h"
#include "policies/solver/remat_closure_bound.h"
#include "policies/solver/remat_closure_builder.h"
#include "policies/solver/remat_exact.h"
#include "policies/solver/remat_knapsack.h"
#include "policies/solver/remat_local_search.h"
#include "policies/solver/remat_milp.h"
#include "policies/solver/remat_milp_child.h"
#include "policies/solver/remat_moments_bound.h"
#include "policies/solver/remat_plan_polish.h"
#include "policies/solver/remat_window.h"

namespace memsim::planner {
namespace {

// Stage knapsacks whose left-out values seed knapsack plans.
constexpr std::size_t kKnapsackSeeds = 3;

// Window re-planning (remat_window.h): seconds after each local search episode, the program's
// columns aimed at, the seconds CBC gets for one window, and its share of the search's time.
constexpr double kWindowSeconds = 5;
constexpr std::size_t kWindowColumns = 6000;
constexpr double kWindowTry = 2;
constexpr double kWindowShare = 0.25;

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

BackwardPlan backward_plan(const RematProblem& p, std::uint64_t max_states,
                           const Deadline& deadline) {
  BackwardPlan out;
  const std::vector<char> none(p.size(), 0);
  // The stages with the largest working sets first: the likeliest to have no path.
  std::vector<std::uint32_t> stages(p.size());
  for (std::uint32_t t = 0; t < p.size(); ++t) stages[t] = t;
  std::stable_sort(stages.begin(), stages.end(), [&](std::uint32_t a, std::uint32_t b) {
    return p.working_set(a) > p.working_set(b);
  });
  std::vector<RematPlan> parts(p.size());
  bool complete = true;
  for (std::uint32_t t : stages) {
    BackwardSearch s = backward_search(p, t, none, max_states, deadline);
    if (s.outcome == BackwardSearch::none) {
      out.infeasible = true;
      out.stage = t;
      return out;
    }
    if (s.outcome == BackwardSearch::unknown) complete = false;
    parts[t] = std::move(s.actions);
  }
  if (!complete) return out;
  // Stage by stage from empty memory: the stage's actions, then every value dropped.
  RematPlan plan;
  std::vector<char> resident(p.size(), 0);
  for (std::uint32_t t = 0; t < p.size(); ++t) {
    for (const RematAction& a : parts[t]) {
      plan.push_back(a);
      resident[a.node] = a.kind == RematAction::compute ? 1 : 0;
    }
    for (std::uint32_t v = 0; v < p.size(); ++v)
      if (resident[v]) plan.push_back({RematAction::drop, v}), resident[v] = 0;
  }
  out.plan = std::move(plan);
  return out;
}

double stage_lower_bound(const RematProblem& p) {
  const std::vector<StageKnapsack> stages = stage_knapsacks(p);
  return stages.empty() ? 0.0 : stages.front().bound;
}

RematPlannerResult plan_recompute(const RematProblem& p, const RematPlannerOptions& options) {
  using Clock = std::chrono::steady_clock;
  const auto started = Clock::now();
  const auto elapsed = [&] {
    return std::chrono::duration<double>(Clock::now() - started).count();
  };
  // Every step stops at the time limit: the builds that plan stuck stages by the backward
  // search (seconds on a 300-node graph) and the backward searches give up there too.
  const auto deadline = started + std::chrono::duration_cast<Clock::duration>(
                                      std::chrono::duration<double>(options.time_limit_seconds));
  const Deadline limit{deadline};
  RematPlannerResult r;
  const auto finish = [&] {
    r.optimal = r.found && at_most(r.cost, r.lower_bound);
    if (r.optimal) r.lower_bound = r.cost;
    r.seconds = elapsed();
    return r;
  };
  if (const std::int64_t v = first_node_over_budget(p); v >= 0) {
    const auto node = static_cast<std::uint32_t>(v);
    const std::uint64_t held = held_by_updates(p)[node];
    r.infeasible = true;
    r.why = "node " + std::to_string(v) + " needs " + std::to_string(p.working_set(node)) +
            " bytes in memory at once (its inputs and itself)" +
            (held > 0 ? " besides " + std::to_string(held) +
                            " bytes that updates in place keep there (they cannot come back)"
                      : std::string()) +
            ", over the budget of " + std::to_string(p.budget);
    return finish();
  }
  // Each plan found is polished (remat_plan_polish.h) before it is compared with the best.
  const auto consider = [&](const RematPlan& found, const char* method) {
    if (!check_plan(p, found).ok) return;
    RematPlan plan = polish_plan(p, found);
    PlanCheck check = check_plan(p, plan);
    if (!check.ok) plan = found, check = check_plan(p, plan);
    if (!r.found || check.recompute_cost < r.cost) {
      r.found = true;
      r.plan = std::move(plan);
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
    // Half of the time and 2,000,000 states (about 100 MB) at most: on the 24- to 30-node
    // layered graphs where it finishes it needed up to 3.9 million states, where the bounds
    // were at 0.3 to 0.6 of the optimum; the rest of the planner is quick on graphs this small.
    const ExactOutcome exact = exact_recompute(p, options.time_limit_seconds / 2, 2'000'000);
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
  // Closure plans with each rule, with and without supports; their repaired weights are where
  // the local search's episodes with that rule start.
  struct EpisodeKind {
    EvictionRule rule;
    bool supports;
  };
  const EpisodeKind kinds[] = {{EvictionRule::worth, true},    {EvictionRule::worth, false},
                               {EvictionRule::largest, true},  {EvictionRule::largest, false},
                               {EvictionRule::farthest, true}, {EvictionRule::farthest, false}};
  constexpr std::size_t kKinds = std::size(kinds);
  std::vector<double> episode_weights[kKinds];
  double kind_cost[kKinds];  // of the plan whose weights the kind's episodes start from
  for (std::size_t k = 0; k < kKinds; ++k) {
    episode_weights[k].assign(p.size(), 1.0);
    kind_cost[k] = std::numeric_limits<double>::infinity();
    if (auto plan = build_closure_plan(p, kinds[k].rule, kinds[k].supports, &episode_weights[k],
                                       false, limit)) {
      consider(*plan, "closure greedy");
      if (const PlanCheck check = check_plan(p, *plan); check.ok)
        kind_cost[k] = check.recompute_cost;
    }
  }
  // Seeded plans: `dropped` are the only values a closure build may drop before the rest
  // (every other value is kept), with each rule, with and without supports. Where a kind's
  // seeded plan is cheaper than its plan so far, that kind's episodes start from its weights.
  bool fallback = false;  // builds plan their stuck stages by the backward search
  const auto seeded_plans = [&](const std::vector<std::uint32_t>& dropped, const char* method) {
    std::vector<double> seed(p.size(), kKeptWeight);
    for (std::uint32_t v : dropped) seed[v] = 1.0;
    for (std::size_t k = 0; k < kKinds; ++k) {
      std::vector<double> w = seed;
      const auto plan =
          build_closure_plan(p, kinds[k].rule, kinds[k].supports, &w, fallback, limit);
      if (!plan) continue;
      const PlanCheck check = check_plan(p, *plan);
      if (!check.ok) continue;
      consider(*plan, method);
      if (check.recompute_cost < kind_cost[k]) {
        kind_cost[k] = check.recompute_cost;
        episode_weights[k] = std::move(w);
      }
    }
  };
  // Knapsack plans: seeded by the values the stage knapsacks leave out (the top kKnapsackSeeds
  // stages by bound).
  const std::vector<StageKnapsack> knapsacks = stage_knapsacks(p);
  for (std::size_t s = 0; s < knapsacks.size() && s < kKnapsackSeeds; ++s)
    seeded_plans(knapsacks[s].dropped, "knapsack plan");
  r.lower_bound = knapsacks.empty() ? 0.0 : knapsacks.front().bound;
  r.bound_method = "stage bound";
  if (r.found && at_most(r.cost, r.lower_bound)) return finish();

  // No plan yet: the builds again with the backward search for their stuck stages, from the
  // weights their repairs left, and the local search's builds from then on too; and failing
  // that, the plan of backward searches alone, stage by stage, which also proves that no plan
  // exists when a stage's search exhausts its sets.
  if (!r.found) {
    fallback = true;
    for (std::size_t k = 0; k < kKinds; ++k) {
      std::vector<double> w = episode_weights[k];
      const auto plan = build_closure_plan(p, kinds[k].rule, kinds[k].supports, &w, true, limit);
      if (!plan) continue;
      const PlanCheck check = check_plan(p, *plan);
      if (!check.ok) continue;
      consider(*plan, "backward search");
      kind_cost[k] = check.recompute_cost;
      episode_weights[k] = std::move(w);
    }
  }
  if (!r.found) {
    const BackwardPlan b = backward_plan(p, kBackwardPlanStates, limit);
    if (b.infeasible) {
      r.infeasible = true;
      r.why = "the backward search from node " + std::to_string(b.stage) +
              " exhausted every set of values without reaching an empty memory";
      return finish();
    }
    if (b.plan) consider(*b.plan, "backward search");
  }

  const auto proved = [&] { return r.found && at_most(r.cost, r.lower_bound); };

  // From here on two searches share the time: rounds of the integer program in a child process
  // (on another core when there is one), and in this process episodes of the local search over
  // the closure builder's weights, taking turns with the kinds above, each going on from where
  // that kind's last episode stopped, with a new seed.
  std::uint32_t episode = 0;
  int idle = 0;  // episodes in a row that stalled without a cheaper plan

  // Rounds of the integer program: each solution that overruns memory inside a stage adds the
  // cuts for those computations (valid for every plan) and the program is solved again; a round
  // that CBC's clock stopped is run again from the best plan so far (a lower cutoff, another
  // seed) while half the time left covers the last round's overrun of its own limit. CBC looks
  // at its clock between nodes and heuristics only, and one node of a 350-node program can take
  // several seconds: it gets half of what is left, and its process is killed when the time
  // limit is reached.
  std::vector<GuideOverrun> cuts;
  double overrun = 0;  // how far the last round went past the seconds it was given
  double round_started = 0, round_seconds = 0;
  int round = 0;
  bool rounds_over = p.size() > kMilpMaxNodes;
  MilpChild child;
  const auto start_round = [&] {
    const double left = options.time_limit_seconds - elapsed();
    if (left <= 0 || (round > 0 && left * 0.5 < std::max(overrun, 1.0))) {
      rounds_over = true;
      return;
    }
    round_started = elapsed();
    round_seconds = left * 0.5;
    if (!child.start(p, r.found ? &r.plan : nullptr, round_seconds, cuts, round))
      rounds_over = true;
  };
  const auto end_round = [&] {
    overrun = std::max(0.0, elapsed() - round_started - round_seconds);
    const std::optional<MilpOutcome> solved = child.finish();
    ++round;
    if (!solved) {
      rounds_over = true;
      return;
    }
    const MilpOutcome& milp = *solved;
    if (milp.infeasible && !r.found) {
      r.infeasible = true;
      r.why = "the integer program's relaxation has no solution";
    }
    if (milp.lower_bound > r.lower_bound) {
      r.lower_bound = milp.lower_bound;
      r.bound_method = milp.optimal ? "integer program (solved)" : "integer program (CBC's bound)";
    }
    if (!milp.solution) {
      rounds_over = true;
      return;
    }
    RematPlan exact;
    const std::vector<GuideOverrun> overruns = guide_overruns(p, *milp.solution, &exact);
    if (overruns.empty()) {
      consider(exact, "integer program");
    } else {
      for (EvictionRule rule : kRules)
        if (auto plan = build_plan(p, rule, &*milp.solution)) consider(*plan, "integer program");
    }
    bool fresh = false;
    for (const GuideOverrun& o : overruns) {
      const bool known = std::any_of(cuts.begin(), cuts.end(), [&](const GuideOverrun& c) {
        return c.stage == o.stage && c.node == o.node;
      });
      if (!known) cuts.push_back(o), fresh = true;
    }
    // A program CBC solved, with no new cut, would give the same solution again.
    if (proved() || (milp.optimal && !fresh)) {
      rounds_over = true;
      return;
    }
    start_round();
  };
  if (!rounds_over) start_round();

  // The closure bound (a tenth of the time, while the first round runs in its child), and a
  // plan of each kind seeded from its stage's solution as the knapsack plans are.
  if (!proved() && !limit.passed()) {
    const double seconds =
        std::min(options.time_limit_seconds / 10, options.time_limit_seconds - elapsed());
    const ClosureBound closure = closure_bound(p, seconds, r.lower_bound);
    if (closure.bound > r.lower_bound) {
      r.lower_bound = closure.bound;
      r.bound_method = "closure bound";
    }
    if (closure.solved && !proved()) seeded_plans(closure.recomputed, "closure-bound plan");
  }
  // The closure program at several stages at once (a fifth of the time: the sets of the highest
  // relaxations within the first half of it, the spread sets within the rest).
  std::vector<OpenMoments> open_moments;
  const auto raise_to_moments = [&](double moments) {
    if (moments > r.lower_bound) {
      r.lower_bound = moments;
      r.bound_method = "moments bound";
    }
  };
  if (!proved() && !limit.passed()) {
    const double seconds =
        std::min(options.time_limit_seconds / 5, options.time_limit_seconds - elapsed());
    raise_to_moments(moments_bound(p, seconds, r.lower_bound, &open_moments));
  }
  // After a stalled episode of the local search, the first open moments set (peak sets before
  // spread ones, fewer moments first) solved again with twice the time it had (at most half of
  // the time left, as CBC may overrun its clock, and a fourth of the time limit in all); one
  // still open stays first. CBC's clock stopped it, and a stalled search leaves the time to a
  // bound (the four highest peaks of the autograd U-Net of 29 layers at 0.9x need about 6 s at
  // load 5, 2.7 s in the first pass).
  double moments_again = 0;
  const auto moments_once_more = [&] {
    const double allowed = options.time_limit_seconds / 4 - moments_again;
    if (open_moments.empty() || proved() || allowed <= 0) return;
    OpenMoments& set = open_moments.front();
    set.seconds =
        std::min({2 * set.seconds, allowed, (options.time_limit_seconds - elapsed()) / 2});
    if (set.seconds <= 0) return;
    const double began = elapsed();
    bool solved = false;
    set.bound = moments_program(p, set.moments, set.seconds, &solved);
    moments_again += elapsed() - began;
    raise_to_moments(set.bound);
    if (solved) open_moments.erase(open_moments.begin());
  };

  // Windows of the best plan planned again (remat_window.h): for up to kWindowSeconds, windows
  // of about kWindowColumns / (3 n) stages ending at a stage drawn with probability in
  // proportion to its recompute cost in the best plan, each given up to kWindowTry seconds; in
  // all at most kWindowShare of the time since the searches began (the local search finds
  // most plans; on a 300-node layered graph five seconds after every episode cost it its best).
  const double searches_began = elapsed();
  double window_seconds = 0;
  const auto replan_windows = [&](std::uint32_t seed) {
    std::mt19937 rng(seed);
    const double began = elapsed();
    const double share = kWindowShare * (began - searches_began) - window_seconds;
    if (share <= 0) return;
    const double until =
        std::min({options.time_limit_seconds, began + kWindowSeconds, began + share});
    const auto width =
        static_cast<std::uint32_t>(std::max<std::size_t>(2, kWindowColumns / (3 * p.size())));
    while (!proved() && elapsed() < until) {
      std::vector<double> stage_cost(p.size(), 0.0);
      std::uint32_t stage = 0;
      for (const RematAction& a : r.plan) {
        if (a.kind == RematAction::drop) continue;
        if (a.node == stage)
          ++stage;
        else if (stage < p.size())
          stage_cost[stage] += p.nodes[a.node].cost;
      }
      std::discrete_distribution<std::uint32_t> pick(stage_cost.begin(), stage_cost.end());
      const std::uint32_t b = std::max<std::uint32_t>(1, pick(rng));
      const std::uint32_t a = b >= width ? b - width + 1 : 1;
      const WindowOutcome w =
          replan_window(p, r.plan, a, b, std::min(kWindowTry, until - elapsed()));
      if (w.plan) consider(*w.plan, "window re-planning");
    }
    window_seconds += elapsed() - began;
  };
  const std::function<bool()> child_done = [&] { return child.running() && child.poll(); };
  while (!proved() && Clock::now() < deadline) {
    if (child_done()) {
      end_round();
      continue;
    }
    // Without rounds to wait for, a stalled episode of every kind in a row ends the search.
    if (!child.running() && idle >= static_cast<int>(kKinds)) break;
    const std::size_t k = episode % kKinds;
    const double before = r.found ? r.cost : -1;
    LocalSearchResult ls =
        local_search(p, kinds[k].rule, kinds[k].supports, std::move(episode_weights[k]), deadline,
                     options.local_search_steps, episode + 1, child_done,
                     fallback && (episode / kKinds) % 2 == 1);
    ++episode;
    if (ls.plan) consider(*ls.plan, "local search");
    episode_weights[k] = std::move(ls.weights);
    if (ls.stalled) {
      moments_once_more();
      // A kick out of the local optimum: a tenth of the weights drawn afresh.
      std::mt19937 kick(episode);
      std::normal_distribution<double> factor(0.0, 2.0);
      for (double& w : episode_weights[k])
        if (std::uniform_int_distribution<int>(0, 9)(kick) == 0) w = std::exp(factor(kick));
    }
    // Window re-planning of the best plan (remat_window.h) after each episode.
    if (r.found && !proved() && p.size() > kExactSearchNodes) replan_windows(episode);
    const bool cheaper = r.found && (before < 0 || r.cost < before);
    idle = cheaper ? 0 : idle + (ls.stalled ? 1 : 0);
  }
  child.kill();
  return finish();
}

}  // namespace memsim::planner
