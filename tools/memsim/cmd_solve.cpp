// memsim solve: the provably minimal number of moves (or bytes) for a scenario's DAG, over
// every topological order and every eviction and store choice (policies/solver/).
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "policies/solver/solve_report.h"
#include "policies/solver/solve_simulation.h"
#include "policies/solver/solver.h"
#include "sim/core/errors.h"
#include "sim/core/units.h"
#include "sim/report/report.h"
#include "sim/scenario/schedule_file.h"
#include "tools/memsim/commands.h"

namespace po = boost::program_options;

namespace memsim::cli {
namespace {

std::string count_text(std::uint64_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

std::string solve_report_text(const Simulation& sim, const SolveOptions& options,
                              const SolveResult& r) {
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
  o << "proven       " << (r.optimal ? "yes, optimal" : "no: stopped by the time limit") << "\n";
  o << "lower bound  " << amount(r.lower_bound) << "\n";
  o << (r.optimal ? "schedule     (one optimal schedule)\n" : "schedule     (best found)\n");
  const int width = static_cast<int>(std::to_string(r.schedule.size()).size());
  for (std::size_t i = 0; i < r.schedule.size(); ++i) {
    std::string n = std::to_string(i + 1);
    o << "  " << std::string(static_cast<std::size_t>(width) - n.size(), ' ') << n << "  "
      << describe(sim.graph, r.schedule[i]) << "\n";
  }
  std::ostringstream secs;
  secs.setf(std::ios::fixed);
  secs.precision(3);
  secs << r.seconds;
  o << "solved in    " << secs.str() << " s, " << count_text(r.states_explored, "state", "states")
    << " explored\n";
  return o.str();
}

}  // namespace

int cmd_solve(const std::vector<std::string>& args, const Registry& registry) {
  ScenarioArgs scenario;
  std::string format = "text";
  std::string objective = "moves";
  std::string emit;
  double time_limit = -1;
  bool recompute = false;
  po::options_description options("memsim solve options");
  po::positional_options_description positional;
  add_scenario_options(options, positional, scenario);
  options.add_options()("objective", po::value<std::string>(&objective),
                        "minimize moves (default: loads + stores) or bytes (bytes moved)")(
      "recompute", po::bool_switch(&recompute),
      "also allow running an op again instead of storing its output")(
      "time-limit", po::value<double>(&time_limit),
      "stop after SECONDS with the best schedule so far and a proven lower bound")(
      "format", po::value<std::string>(&format), "output: text (default) or json")(
      "emit-schedule", po::value<std::string>(&emit),
      "write the schedule to FILE, one step per line (replay: memsim run --schedule FILE)");
  const std::string usage =
      "usage: memsim solve SCENARIO.toml [--set KEY=VALUE]... [--objective moves|bytes] "
      "[--recompute] [--time-limit SECONDS] [--format text|json] [--emit-schedule FILE]\n\n"
      "Finds the minimum number of moves that runs every op of the scenario's DAG within the\n"
      "cache, over every order and every eviction and store choice, and proves it.\n"
      "example: memsim solve scenarios/lecture/brain-teaser.toml --set "
      "hardware.cache.capacity=\"5 tensors\"";
  if (!parse_command_line(args, options, positional, usage, std::cout)) return kExitOk;
  const Format fmt = parse_format(format);
  if (fmt == Format::csv) throw UsageError("--format must be text or json for solve, not 'csv'");
  SolveOptions solve_options;
  if (objective == "moves") {
    solve_options.objective = SolveObjective::moves;
  } else if (objective == "bytes") {
    solve_options.objective = SolveObjective::bytes;
  } else {
    throw UsageError("--objective must be moves or bytes, not '" + objective + "'");
  }
  if (time_limit != -1) {
    if (!(time_limit >= 0))
      throw UsageError("--time-limit must be a number of seconds >= 0, not " +
                       format_number(time_limit));
    solve_options.time_limit_seconds = time_limit;
  }
  solve_options.allow_recompute = recompute;

  const Simulation sim = load_simulation(scenario, registry);
  const SolveResult result = solve_simulation(sim, solve_options);
  if (!emit.empty())
    write_file_atomically(
        emit, [&](std::ostream& out) { write_schedule(out, sim.graph, result.schedule); });
  if (fmt == Format::json) {
    std::cout << solve_report_json(sim.graph, result).dump(2) << "\n";
  } else {
    std::cout << solve_report_text(sim, solve_options, result);
  }
  return kExitOk;
}

}  // namespace memsim::cli
