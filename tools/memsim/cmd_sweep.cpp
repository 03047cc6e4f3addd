// memsim sweep: run a scenario at every point of a grid of key values, in parallel, and write
// one CSV row per point (and optionally a plot).
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "policies/solver/solve_point_runner.h"
#include "sim/io/input_file.h"
#include "sim/report/svg_sweep_plot.h"
#include "sim/study/sweep.h"
#include "sim/study/sweep_run_point.h"
#include "sim/study/sweep_table.h"
#include "sim/study/sweep_values.h"
#include "tools/memsim/commands.h"
#include "tools/memsim/progress_bar.h"
#include "tools/memsim/solve_options.h"

namespace po = boost::program_options;

namespace memsim::cli {
namespace {

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) out.push_back(item);
  return out;
}

// One job per core; with --solve no more than fit in half the physical memory when every solve
// stores its --max-states states, so a sweep's memory stays bounded on any machine. The output
// does not depend on the number of jobs.
unsigned default_sweep_jobs(const SolveOptions* solve) {
  unsigned jobs = std::max(1u, std::thread::hardware_concurrency());
  if (solve) {
    const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGESIZE);
    if (pages > 0 && page > 0) {
      const double half = static_cast<double>(pages) * static_cast<double>(page) / 2;
      const double per_solve =
          static_cast<double>(solve->max_states) * static_cast<double>(kSolverBytesPerState);
      jobs = static_cast<unsigned>(
          std::clamp(std::floor(half / per_solve), 1.0, static_cast<double>(jobs)));
    }
  }
  return jobs;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

}  // namespace

int cmd_sweep(const std::vector<std::string>& args, const Registry& registry) {
  ScenarioArgs scenario;
  std::vector<std::string> keys, lists;
  std::string jobs_text;
  SolveArgs solve_args;
  std::string out_path, shard_text, svg_path, plot = "moves,stall_s";
  bool use_solver = false;
  po::options_description options("memsim sweep options");
  po::positional_options_description positional;
  add_scenario_options(options, positional, scenario);
  options.add_options()("param", po::value<std::vector<std::string>>(&keys)->composing(),
                        "a scenario key to sweep, as for --set (repeatable; first is slowest)")(
      "values", po::value<std::vector<std::string>>(&lists)->composing(),
      "its values: lru,fifo  or  3..8 tensors  or  1MiB..64MiB*2 (one per --param)")(
      "jobs", po::value<std::string>(&jobs_text),
      "points run at once (default: one per core; with --solve no more than fit in half the "
      "memory at --max-states states each)")("out", po::value<std::string>(&out_path),
                                             "write the CSV to FILE (default: stdout)")(
      "shard", po::value<std::string>(&shard_text),
      "run only slice i of N of the grid (i from 1 to N); join with memsim merge")(
      "svg", po::value<std::string>(&svg_path),
      "also plot the metrics against the first --param into FILE.svg")(
      "plot", po::value<std::string>(&plot), "metrics for --svg (default: moves,stall_s)")(
      "solve", po::bool_switch(&use_solver),
      "run the exact solver (memsim solve) at each point instead of the executor");
  po::options_description solve_group("with --solve (as for memsim solve)");
  add_solve_options(solve_group, solve_args);
  options.add(solve_group);
  const std::string usage =
      "usage: memsim sweep SCENARIO.toml --param KEY --values LIST [--param KEY --values LIST]...\n"
      "                    [--set KEY=VALUE]... [--jobs N] [--out FILE.csv] [--shard i/N]\n"
      "                    [--svg FILE.svg [--plot moves,stall_s]]\n"
      "                    [--solve [--objective moves|bytes] [--recompute] [--time-limit S]\n"
      "                             [--max-states N] [--timings]]\n\n"
      "Runs the scenario at every point of the grid of values and writes one CSV row per point:\n"
      "point, points, the swept values, every field of `memsim run --format json` (with --solve:\n"
      "of `memsim solve --format json`), error.\n"
      "A point that fails is reported in its error column; the others still run.\n"
      "example: memsim sweep scenarios/lecture/paging.toml --param hardware.cache.capacity "
      "--values \"1..6 tensors\" --param policy.eviction --values lru,fifo,belady";
  if (!parse_command_line(args, options, positional, usage, std::cout)) return kExitOk;
  if (keys.empty()) throw UsageError("give at least one --param KEY --values LIST; see --help");
  if (keys.size() != lists.size())
    throw UsageError("each --param needs one --values (got " + std::to_string(keys.size()) +
                     " --param and " + std::to_string(lists.size()) + " --values)");
  if (!use_solver && any_solve_option(solve_args))
    throw UsageError(
        "--objective, --recompute, --time-limit, --max-states and --timings apply to sweep "
        "--solve");
  const SolveOptions solve_options = to_solve_options(solve_args);
  const unsigned jobs =
      jobs_text.empty()
          ? default_sweep_jobs(use_solver ? &solve_options : nullptr)
          : static_cast<unsigned>(parse_count_option("--jobs", jobs_text, 1, kMaxJobs));
  OutputFiles outputs;  // checked now: a sweep can run for hours before it writes
  outputs.add("--out", out_path.empty() ? "-" : out_path);
  outputs.add("--svg", svg_path);

  std::vector<SweepParam> params;
  for (std::size_t i = 0; i < keys.size(); ++i)
    params.push_back({keys[i], parse_sweep_values(lists[i])});
  const SweepGrid grid(std::move(params));
  const PointRange range = shard_text.empty() ? PointRange{0, grid.size()}
                                              : shard_range(grid.size(), parse_shard(shard_text));

  // The scenario itself must be valid; only the swept values may fail point by point.
  // (Its machine also says how the plot writes values: tensors and time units, or bytes and
  // seconds.)
  const bool uniform = load_simulation(scenario, registry).machine.uniform;
  const std::string text = read_input_file(scenario.path, "scenario file");
  const SweepRunner runner =
      use_solver
          ? make_solve_point_runner(scenario.path, text, scenario.overrides, registry,
                                    solve_options, solve_args.timings, memory_limit(scenario))
          : make_run_point_runner(scenario.path, text, scenario.overrides, registry,
                                  memory_limit(scenario));

  std::vector<std::string> metrics;
  if (!svg_path.empty()) {
    metrics = split_commas(plot);
    if (metrics.empty()) throw UsageError("--plot needs at least one field, e.g. moves,stall_s");
    for (const std::string& m : metrics)
      if (std::find(runner.numeric_fields.begin(), runner.numeric_fields.end(), m) ==
          runner.numeric_fields.end())
        throw UsageError("--plot " + m + ": not a numeric field; choose from " +
                         join(runner.numeric_fields));
  }

  ProgressBar bar;
  const std::vector<PointOutcome> outcomes =
      run_sweep(grid, range, runner, jobs,
                [&](std::size_t done, std::size_t total) { bar.update(done, total); });
  bar.finish();

  outputs.set_writer(
      "--out", [&](std::ostream& out) { write_sweep_csv(out, grid, runner.fields, outcomes); });
  if (outputs.has("--svg")) {
    const std::string stem = std::filesystem::path(scenario.path).stem().string();
    const std::string title = stem + ": " + join(metrics) + " by " + grid.params().front().key;
    outputs.set_writer("--svg", [&, title](std::ostream& out) {
      out << sweep_plot_svg(grid, outcomes, metrics, title, uniform);
    });
  }
  outputs.commit();
  const auto failed = std::count_if(outcomes.begin(), outcomes.end(),
                                    [](const PointOutcome& o) { return !o.error.empty(); });
  // Failed points are results (the error column says why), not a failed sweep: exit 0.
  if (failed > 0)
    std::cerr << "memsim sweep: " << failed << " of " << outcomes.size()
              << " points failed; see the error column\n";
  return kExitOk;
}

}  // namespace memsim::cli
