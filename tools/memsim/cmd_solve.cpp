// memsim solve: the provably minimal number of moves (or bytes) for a scenario's DAG, over
// every topological order and every eviction and store choice (policies/solver/).
#include <cmath>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "policies/solver/solve_report.h"
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

}  // namespace

int cmd_solve(const std::vector<std::string>& args, const Registry& registry) {
  ScenarioArgs scenario;
  SolveArgs solve_args;
  std::string format = "text";
  std::string emit;
  po::options_description options("memsim solve options");
  po::positional_options_description positional;
  add_scenario_options(options, positional, scenario);
  add_solve_options(options, solve_args);
  options.add_options()("format", po::value<std::string>(&format),
                        "output: text (default) or json")(
      "emit-schedule", po::value<std::string>(&emit),
      "write the schedule to FILE, one step per line (replay: memsim run --schedule FILE)");
  const std::string usage =
      "usage: memsim solve SCENARIO.toml [--set KEY=VALUE]... [--objective moves|bytes] "
      "[--recompute] [--time-limit SECONDS] [--max-states N] [--timings] [--format text|json] "
      "[--emit-schedule FILE]\n\n"
      "Finds the minimum number of moves that runs every op of the scenario's DAG within the\n"
      "cache, over every order and every eviction and store choice, and proves it.\n"
      "example: memsim solve scenarios/lecture/brain-teaser.toml --set "
      "hardware.cache.capacity=\"5 tensors\"";
  if (!parse_command_line(args, options, positional, usage, std::cout)) return kExitOk;
  const Format fmt = parse_format(format);
  if (fmt == Format::csv) throw UsageError("--format must be text or json for solve, not 'csv'");
  const SolveOptions solve_options = to_solve_options(solve_args);
  OutputFiles outputs;  // checked now, before any work
  outputs.add("--emit-schedule", emit);

  const Simulation sim = load_simulation(scenario, registry);
  if (auto why = solver_rejects(sim.graph, sim.machine.cache_capacity))
    throw ScenarioError(SourcePos{sim.file, 0, 0}, *why);
  const SolveResult result = solve(sim.graph, sim.machine.cache_capacity, solve_options);
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
