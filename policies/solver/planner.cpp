#include "policies/solver/planner.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <stdexcept>

#include "policies/solver/remat_plan.h"
#include "policies/solver/remat_planner.h"
#include "policies/solver/remat_problem.h"
#include "policies/solver/solver.h"
#include "sim/core/schedule_replay.h"

namespace memsim {
namespace {

using Clock = std::chrono::steady_clock;

// Collects the executor's steps in decision order (the order the verifier replays).
class StepCollector : public StepSink {
 public:
  void on_step(const TimedStep& step) override { steps.push_back(step.step); }
  std::vector<Step> steps;
};

std::vector<Step> executor_steps(const Simulation& sim, EvictionFactory factory,
                                 std::uint32_t lookahead) {
  StepCollector collector;
  std::unique_ptr<EvictionPolicy> policy = factory({sim.graph, sim.order});
  VerifyingSink verifying(sim.graph, sim.machine, &collector);
  execute(sim.graph, sim.order, sim.machine, *policy, ExecutorOptions{lookahead}, verifying);
  return std::move(collector.steps);
}

// Tensors every schedule moves at least once: each tensor from DRAM that an op reads is
// loaded, each required output an op produces is stored.
struct Mandatory {
  std::uint64_t moves = 0;
  std::uint64_t bytes = 0;
  double dram_seconds = 0;
};
Mandatory mandatory_moves(const Graph& g, const Machine& m) {
  Mandatory out;
  std::vector<char> read(g.tensor_count(), 0);
  for (OpId o = 0; o < g.op_count(); ++o) {
    for (TensorId t : g.inputs(o)) read[t] = 1;
    for (TensorId t : g.updates(o)) read[t] = 1;
  }
  for (TensorId t = 0; t < g.tensor_count(); ++t) {
    const bool load = read[t] && g.producer(t) == Graph::kNoOp;
    const bool store = g.tensor(t).required_output && g.producer(t) != Graph::kNoOp;
    for (bool move : {load, store})
      if (move) {
        ++out.moves;
        out.bytes += g.tensor(t).bytes;
        out.dram_seconds += m.transfer_seconds(g.tensor(t).bytes);
      }
  }
  return out;
}

double objective_cost(PlanObjective objective, const RunResult& run, double recompute_flops) {
  switch (objective) {
    case PlanObjective::moves:
      return static_cast<double>(run.counts.moves());
    case PlanObjective::bytes:
      return static_cast<double>(run.counts.bytes());
    case PlanObjective::time:
      return run.times.time;
    case PlanObjective::recompute:
      return recompute_flops;
  }
  return 0;
}

// Reruns and their FLOPs, counted from the schedule itself.
std::pair<std::uint64_t, double> reruns_of(const Graph& g, const std::vector<Step>& steps) {
  std::vector<char> ran(g.op_count(), 0);
  std::uint64_t reruns = 0;
  double flops = 0;
  for (const Step& s : steps) {
    if (s.kind != StepKind::compute) continue;
    if (ran[s.id]) {
      ++reruns;
      flops += g.op(s.id).flops;
    }
    ran[s.id] = 1;
  }
  return {reruns, flops};
}

}  // namespace

std::string_view to_string(PlanObjective objective) {
  switch (objective) {
    case PlanObjective::moves:
      return "moves";
    case PlanObjective::bytes:
      return "bytes";
    case PlanObjective::time:
      return "time";
    case PlanObjective::recompute:
      return "recompute";
  }
  return "?";
}

double PlannerResult::gap() const {
  return cost > 0 ? std::max(0.0, (cost - lower_bound) / cost) : 0.0;
}

PlannerResult plan_schedule(const Simulation& sim, const Registry& registry,
                            const PlannerOptions& options) {
  const auto started = Clock::now();
  const auto elapsed = [&] {
    return std::chrono::duration<double>(Clock::now() - started).count();
  };
  const Graph& g = sim.graph;
  PlannerResult r;
  // Replays a candidate and keeps it if it is better in the objective.
  const auto consider = [&](std::vector<Step> steps, const std::string& by) {
    const RunResult run = run_schedule(sim, steps);
    const auto [reruns, flops] = reruns_of(g, steps);
    const double cost = objective_cost(options.objective, run, flops);
    if (r.found && cost >= r.cost) return;
    r.found = true;
    r.schedule = std::move(steps);
    r.run = run;
    r.cost = cost;
    r.reruns = reruns;
    r.recompute_flops = flops;
    r.found_by = by;
  };

  if (options.objective == PlanObjective::recompute) {
    planner::RematProblem p = planner::make_remat_problem(g, sim.order, sim.machine.cache_capacity);
    r.budget_bytes = p.budget;
    r.peak_without_recompute = planner::peak_without_recompute(p);
    const planner::RematPlannerResult plan =
        planner::plan_recompute(p, {options.time_limit_seconds});
    r.infeasible = plan.infeasible;
    r.why = plan.why;
    r.lower_bound = plan.lower_bound;
    r.bound_by = plan.bound_method;
    if (plan.found) {
      consider(planner::plan_steps(g, p, plan.plan), plan.method);
      // The replay's count must agree with the planner's own.
      if (std::abs(r.cost - plan.cost) > 1e-6 * std::max(1.0, plan.cost))
        throw std::logic_error("planner: the schedule reruns " + std::to_string(r.cost) +
                               " FLOPs, the plan said " + std::to_string(plan.cost));
    }
  } else {
    const Mandatory must = mandatory_moves(g, sim.machine);
    const bool exact_fits = !solver_rejects(g, sim.machine.cache_capacity);
    if (options.objective == PlanObjective::moves || options.objective == PlanObjective::bytes) {
      r.lower_bound =
          static_cast<double>(options.objective == PlanObjective::moves ? must.moves : must.bytes);
      r.bound_by = "every input from DRAM loaded and every required output stored once";
      if (exact_fits) {
        SolveOptions so;
        so.objective = options.objective == PlanObjective::moves ? SolveObjective::moves
                                                                 : SolveObjective::bytes;
        so.allow_recompute = options.allow_recompute;
        so.time_limit_seconds = options.time_limit_seconds;
        const SolveResult s = solve(g, sim.machine.cache_capacity, so);
        consider(s.schedule, s.optimal ? "exact search" : "exact search (stopped)");
        if (static_cast<double>(s.lower_bound) > r.lower_bound) {
          r.lower_bound = static_cast<double>(s.lower_bound);
          r.bound_by = s.optimal ? "exact search (proved)" : "exact search (its bound)";
        }
      }
    } else {
      double compute = 0;
      for (OpId o = 0; o < g.op_count(); ++o) compute += sim.machine.compute_seconds(g.op(o).flops);
      const double dram = must.dram_seconds / std::max<std::uint32_t>(1, sim.machine.dram_channels);
      r.lower_bound = std::max(compute, dram);
      r.bound_by = compute >= dram ? "every op computed once" : "every required move made once";
    }
    for (const auto& entry : registry.evictions())
      for (std::uint32_t lookahead : {0u, 1u, 2u, 4u}) {
        if (options.objective != PlanObjective::time && lookahead > 0) continue;
        consider(executor_steps(sim, entry.factory, lookahead),
                 "executor (" + entry.name + ", lookahead " + std::to_string(lookahead) + ")");
      }
    if (options.objective == PlanObjective::time) {
      const double share = options.time_limit_seconds / 3;
      if (exact_fits) {
        SolveOptions so;
        so.time_limit_seconds = share;
        so.allow_recompute = options.allow_recompute;
        const SolveResult s = solve(g, sim.machine.cache_capacity, so);
        consider(s.schedule, "exact search (fewest moves)");
      }
      const planner::RematProblem p =
          planner::make_remat_problem(g, sim.order, sim.machine.cache_capacity);
      const planner::RematPlannerResult plan = planner::plan_recompute(p, {share});
      if (plan.found) consider(planner::plan_steps(g, p, plan.plan), "recompute planner");
    }
  }
  if (r.found) {
    // A bound above the cost would be a bug; the cost is then proved optimal.
    r.optimal = r.cost <= r.lower_bound * (1 + 1e-12) + 1e-12;
    if (r.optimal) r.lower_bound = r.cost;
  }
  r.seconds = elapsed();
  return r;
}

}  // namespace memsim
