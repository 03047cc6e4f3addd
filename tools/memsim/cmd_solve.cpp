// memsim solve: the provably minimal number of moves (or bytes) for a scenario's DAG, over
// every topological order and every eviction and store choice (policies/solver/).
#include <cmath>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "policies/solver/plan_report.h"
#include "policies/solver/planner.h"
#include "policies/solver/remat_problem.h"
#include "policies/solver/solve_report.h"
#include "policies/solver/solve_simulation.h"
#include "policies/solver/solver.h"
#include "sim/core/errors.h"
#include "sim/core/units.h"
#include "sim/report/report.h"
#include "sim/scenario/schedule_file.h"
#include "tools/memsim/commands.h"
#include "tools/memsim/solve_options.h"

namespace po = boost::program_options;

namespace memsim::cli {
namespace {

std::string count_text(std::uint64_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

std::string solve_report_text(const Simulation& sim, const SolveOptions& options,
                              const SolveResult& r, bool timings) {
  const Machine& m = sim.machine;
  const bool bytes = options.objective == SolveObjective::bytes;
  const auto amount = [&](std::uint64_t v) {
    if (!bytes) return count_text(v, "move", "moves");
    return m.uniform ? count_text(v, "tensor", "tensors") : format_bytes(static_cast<double>(v));
  };
  std::ostringstream o;
  o << "scenario     " << sim.name << (sim.file.empty() ? "" : "  (" + sim.file + ")") << "\n";
  o << "machine      cache "
    << (m.uniform ? count_text(m.cache_capacity, "tensor", "tensors")
                  : format_bytes(static_cast<double>(m.cache_capacity)))
    << "\n";
  o << "workload     " << sim.workload << ", " << sim.graph.op_count() << " ops, any order\n";
  o << "objective    " << (bytes ? "bytes moved" : "moves (loads + stores)")
    << (options.allow_recompute ? ", recompute allowed" : ", no recompute") << "\n";
  o << (r.optimal ? "minimum      " : "best found   ") << amount(r.cost) << "  ("
    << count_text(r.counts.loads, "load", "loads") << ", "
    << count_text(r.counts.stores, "store", "stores");
  if (bytes || !m.uniform)
    o << "; "
      << (m.uniform ? count_text(r.counts.bytes(), "tensor", "tensors") + " moved"
                    : format_bytes(static_cast<double>(r.counts.bytes())) + " moved");
  if (r.counts.computes > sim.graph.op_count())
    o << "; " << count_text(r.counts.computes - sim.graph.op_count(), "rerun", "reruns");
  o << ")\n";
  o << "proven       ";
  switch (r.stop) {
    case SolveStop::finished:
      o << "yes, optimal\n";
      break;
    case SolveStop::time_limit:
      o << "no: stopped by the time limit (" << format_number(options.time_limit_seconds)
        << " s)\n";
      break;
    case SolveStop::max_states:
      o << "no: stopped at the state limit (" << options.max_states << " states, about "
        << format_bytes(static_cast<double>(options.max_states) *
                        static_cast<double>(kSolverBytesPerState))
        << "; raise it with --max-states)\n";
      break;
  }
  o << "lower bound  " << amount(r.lower_bound) << "\n";
  o << (r.optimal ? "schedule     (one optimal schedule)\n" : "schedule     (best found)\n");
  const int width = static_cast<int>(std::to_string(r.schedule.size()).size());
  for (std::size_t i = 0; i < r.schedule.size(); ++i) {
    std::string n = std::to_string(i + 1);
    o << "  " << std::string(static_cast<std::size_t>(width) - n.size(), ' ') << n << "  "
      << describe(sim.graph, r.schedule[i]) << "\n";
  }
  o << "explored     " << count_text(r.states_explored, "state", "states") << "\n";
  if (timings) {
    // Wall-clock figures vary from run to run: shown only on request.
    std::ostringstream secs;
    secs.setf(std::ios::fixed);
    secs.precision(3);
    secs << r.seconds;
    o << "solved in    " << secs.str() << " s";
    if (r.seconds > 0)
      o << " (" << format_number(std::round(static_cast<double>(r.states_explored) / r.seconds))
        << " states/s)";
    o << "\n";
  }
  return o.str();
}

std::string percent(double fraction) {
  std::ostringstream o;
  o.setf(std::ios::fixed);
  o.precision(1);
  o << fraction * 100 << " %";
  return o.str();
}

// The report of the planner (--objective time or recompute, or moves/bytes beyond the exact
// search).
std::string plan_report_text(const Simulation& sim, PlanObjective objective, const PlannerResult& r,
                             const std::string& budget_note, bool timings, bool load_once) {
  const Machine& m = sim.machine;
  const auto size = [&](double v) {
    return m.uniform ? count_text(static_cast<std::uint64_t>(v), "tensor", "tensors")
                     : format_bytes(v);
  };
  const auto amount = [&](double v) -> std::string {
    switch (objective) {
      case PlanObjective::moves:
        return count_text(static_cast<std::uint64_t>(v), "move", "moves");
      case PlanObjective::bytes:
        return size(v) + " moved";
      case PlanObjective::time:
        return format_seconds(v);
      case PlanObjective::recompute:
        return format_flops(v) + " recomputed";
    }
    return "";
  };
  std::ostringstream o;
  o << "scenario     " << sim.name << (sim.file.empty() ? "" : "  (" + sim.file + ")") << "\n";
  o << "machine      cache " << size(static_cast<double>(m.cache_capacity)) << budget_note << "\n";
  o << "workload     " << sim.workload << ", " << sim.graph.op_count() << " ops"
    << (objective == PlanObjective::recompute ? ", first computations in this order"
                                              : ", this order for the executor's schedules")
    << "\n";
  switch (objective) {
    case PlanObjective::moves:
    case PlanObjective::bytes:
      o << "objective    "
        << (objective == PlanObjective::moves ? "moves (loads + stores)" : "bytes moved")
        << "; the graph is beyond the exact search\n";
      break;
    case PlanObjective::time:
      o << "objective    time of the schedule as replayed, stalls included\n";
      break;
    case PlanObjective::recompute:
      o << "objective    recompute: FLOPs of reruns within the cache, nothing offloaded"
        << (load_once ? ", tensors from DRAM loaded once" : "") << "\n";
      o << "peak         " << size(static_cast<double>(r.peak_without_recompute))
        << " in this order without recompute\n";
      break;
  }
  if (!r.found) {
    o << "no schedule  "
      << (r.infeasible ? "exists: " + r.why : std::string("found within the time limit")) << "\n";
    o << "lower bound  " << amount(r.lower_bound) << "  (" << r.bound_by << ")\n";
    return o.str();
  }
  o << (r.optimal ? "minimum      " : "best found   ") << amount(r.cost) << "  ("
    << count_text(r.reruns, "rerun", "reruns") << ", "
    << count_text(r.run.counts.loads, "load", "loads") << ", "
    << count_text(r.run.counts.stores, "store", "stores") << "; time "
    << format_seconds(r.run.times.time) << ")\n";
  o << "lower bound  " << amount(r.lower_bound) << "  (" << r.bound_by << ")\n";
  o << "gap          " << percent(r.gap()) << "\n";
  o << "proven       " << (r.optimal ? "yes, optimal" : "no: the gap remains at the time limit")
    << "\n";
  o << "found by     " << r.found_by << "\n";
  if (r.schedule.size() <= 60) {
    o << "schedule\n";
    const int width = static_cast<int>(std::to_string(r.schedule.size()).size());
    for (std::size_t i = 0; i < r.schedule.size(); ++i) {
      std::string n = std::to_string(i + 1);
      o << "  " << std::string(static_cast<std::size_t>(width) - n.size(), ' ') << n << "  "
        << describe(sim.graph, r.schedule[i]) << "\n";
    }
  } else {
    o << "schedule     " << r.schedule.size() << " steps (write them with --emit-schedule FILE)\n";
  }
  if (timings) {
    std::ostringstream secs;
    secs.setf(std::ios::fixed);
    secs.precision(3);
    secs << r.seconds;
    o << "solved in    " << secs.str() << " s\n";
  }
  return o.str();
}

// `--budget`: a capacity ("12 GiB", "5 tensors") or a fraction of the peak of the scenario's
// order without recompute ("0.8x"). Sets the cache capacity; returns the note the report shows.
std::string apply_budget(Simulation& sim, const std::string& budget) {
  if (budget.empty()) return "";
  if (budget.back() == 'x') {
    double fraction = 0;
    std::size_t used = 0;
    try {
      fraction = std::stod(budget.substr(0, budget.size() - 1), &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != budget.size() - 1 || !(fraction > 0) || !std::isfinite(fraction))
      throw UsageError(
          "--budget must be a size such as \"12 GiB\" or a fraction of the peak "
          "such as \"0.8x\", not '" +
          budget + "'");
    std::uint64_t peak = 0;
    try {
      peak = planner::peak_without_recompute(planner::make_remat_problem(sim.graph, sim.order, 0));
    } catch (const std::invalid_argument& e) {
      throw ScenarioError(SourcePos{sim.file, 0, 0}, std::string("--budget: ") + e.what());
    }
    sim.machine.cache_capacity =
        static_cast<std::uint64_t>(std::ceil(fraction * static_cast<double>(peak)));
    std::ostringstream note;
    note << " (--budget " << budget << " of the peak, rounded up)";
    return note.str();
  }
  Capacity c;
  try {
    c = parse_capacity(budget);
  } catch (const UnitError& e) {
    throw UsageError(std::string("--budget: ") + e.what());
  }
  if (c.uniform != sim.machine.uniform)
    throw UsageError(std::string("--budget: the scenario's cache counts ") +
                     (sim.machine.uniform ? "tensors (\"5 tensors\")" : "bytes (\"12 GiB\")") +
                     ", not '" + budget + "'");
  sim.machine.cache_capacity = c.amount;
  return " (--budget)";
}

}  // namespace

int cmd_solve(const std::vector<std::string>& args, const Registry& registry) {
  ScenarioArgs scenario;
  SolveArgs solve_args;
  std::string format = "text";
  std::string emit;
  std::string budget;
  bool load_once = false;
  po::options_description options("memsim solve options");
  po::positional_options_description positional;
  add_scenario_options(options, positional, scenario);
  add_solve_options(options, solve_args);
  options.add_options()(
      "budget", po::value<std::string>(&budget),
      "plan for this cache capacity: a size (\"12 GiB\", \"5 tensors\") or a fraction of the "
      "peak of the scenario's order without recompute (\"0.8x\")")(
      "load-once", po::bool_switch(&load_once),
      "recompute objective: a tensor from DRAM is loaded only once, and once dropped does not "
      "come back (parameters that live in the budgeted memory, as Checkmate counts them)")(
      "format", po::value<std::string>(&format), "output: text (default) or json")(
      "emit-schedule", po::value<std::string>(&emit),
      "write the schedule to FILE, one step per line (replay: memsim run --schedule FILE)");
  const std::string usage =
      "usage: memsim solve SCENARIO.toml [--set KEY=VALUE]... "
      "[--objective moves|bytes|time|recompute]\n"
      "                    [--budget SIZE|FRACTIONx] [--load-once] [--recompute] "
      "[--time-limit SECONDS]\n"
      "                    [--max-states N] [--timings] [--format text|json] "
      "[--emit-schedule FILE]\n\n"
      "Finds the minimum number of moves that runs every op of the scenario's DAG within the\n"
      "cache, over every order and every eviction and store choice, and proves it. Beyond the\n"
      "exact search (64 ops), and for the objectives time and recompute, it plans: a verified\n"
      "schedule, a proven lower bound and the gap, within --time-limit (default 60 s).\n"
      "example: memsim solve scenarios/lecture/brain-teaser.toml --set "
      "hardware.cache.capacity=\"5 tensors\"";
  if (!parse_command_line(args, options, positional, usage, std::cout)) return kExitOk;
  const Format fmt = parse_format(format);
  if (fmt == Format::csv) throw UsageError("--format must be text or json for solve, not 'csv'");
  // time and recompute are the planner's objectives (policies/solver/planner.h); the exact
  // search's options are read as for moves.
  PlanObjective plan_objective = PlanObjective::moves;
  if (solve_args.objective == "bytes") plan_objective = PlanObjective::bytes;
  if (solve_args.objective == "time") plan_objective = PlanObjective::time;
  if (solve_args.objective == "recompute") plan_objective = PlanObjective::recompute;
  const bool planner_objective =
      plan_objective == PlanObjective::time || plan_objective == PlanObjective::recompute;
  if (!planner_objective && solve_args.objective != "moves" && solve_args.objective != "bytes")
    throw UsageError("--objective must be moves, bytes, time or recompute, not '" +
                     solve_args.objective + "'");
  if (solve_args.recompute && plan_objective == PlanObjective::recompute)
    throw UsageError(
        "--recompute is for the objectives moves and bytes; the recompute objective always "
        "recomputes");
  if (load_once && plan_objective != PlanObjective::recompute)
    throw UsageError("--load-once is for the objective recompute, not '" + solve_args.objective +
                     "'");
  SolveArgs exact_args = solve_args;
  if (planner_objective) exact_args.objective = "moves";
  const SolveOptions solve_options = to_solve_options(exact_args);
  OutputFiles outputs;  // checked now, before any work
  outputs.add("--emit-schedule", emit);

  Simulation sim = load_simulation(scenario, registry);
  const std::string budget_note = apply_budget(sim, budget);
  for (OpId o = 0; o < sim.graph.op_count(); ++o)
    if (sim.graph.working_set_bytes(o) > sim.machine.cache_capacity)
      throw ScenarioError(SourcePos{sim.file, 0, 0},
                          "op '" + std::string(sim.graph.op_name(o)) + "' needs " +
                              std::to_string(sim.graph.working_set_bytes(o)) +
                              " resident at once, but the cache holds " +
                              std::to_string(sim.machine.cache_capacity));
  const bool exact =
      (plan_objective == PlanObjective::moves || plan_objective == PlanObjective::bytes) &&
      !solver_rejects(sim.graph, sim.machine.cache_capacity);
  if (!exact) {
    PlannerOptions plan_options;
    plan_options.objective = plan_objective;
    plan_options.allow_recompute = solve_args.recompute;
    plan_options.load_once = load_once;
    plan_options.time_limit_seconds =
        solve_args.time_limit.empty() ? 60 : solve_options.time_limit_seconds;
    PlannerResult planned;
    try {
      planned = plan_schedule(sim, registry, plan_options);
    } catch (const std::invalid_argument& e) {
      throw ScenarioError(SourcePos{sim.file, 0, 0}, e.what());
    }
    if (outputs.has("--emit-schedule") && planned.found) {
      outputs.set_writer("--emit-schedule", [&](std::ostream& out) {
        write_schedule(out, sim.graph, planned.schedule);
      });
      outputs.commit();
    }
    if (fmt == Format::json) {
      std::cout << plan_report_json(sim.graph, plan_objective, planned, solve_args.timings).dump(2)
                << "\n";
    } else {
      std::cout << plan_report_text(sim, plan_objective, planned, budget_note, solve_args.timings,
                                    load_once);
    }
    if (!planned.found) {
      // The report above says so too; the status and this line let a script tell (docs/model.md
      // §14): proved that nothing fits is 3 (out of memory), nothing found in time is 1.
      std::cout.flush();
      std::cerr << "memsim solve: " << one_line(sim.file) << ": "
                << (planned.infeasible ? "no schedule fits the cache of " +
                                             std::to_string(sim.machine.cache_capacity) +
                                             " B: " + one_line(planned.why)
                                       : "no schedule found within the time limit of " +
                                             format_number(plan_options.time_limit_seconds) +
                                             " s; a longer --time-limit may find one")
                << "\n";
      return planned.infeasible ? kExitOutOfMemory : kExitFailed;
    }
    return kExitOk;
  }
  const SolveResult result = solve_simulation(sim, solve_options);
  if (outputs.has("--emit-schedule")) {
    outputs.set_writer("--emit-schedule",
                       [&](std::ostream& out) { write_schedule(out, sim.graph, result.schedule); });
    outputs.commit();
  }
  if (fmt == Format::json) {
    std::cout << solve_report_json(sim.graph, result, solve_args.timings).dump(2) << "\n";
  } else {
    std::cout << solve_report_text(sim, solve_options, result, solve_args.timings);
  }
  return kExitOk;
}

}  // namespace memsim::cli
