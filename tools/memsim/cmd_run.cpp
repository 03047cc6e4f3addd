// memsim run: execute a scenario's schedule and report loads, stores, stalls and time.
#include <iostream>

#include "sim/report.h"
#include "sim/timeline.h"
#include "tools/memsim/commands.h"

namespace po = boost::program_options;

namespace memsim::cli {

int cmd_run(const std::vector<std::string>& args, const Registry& registry) {
  ScenarioArgs scenario;
  std::string format = "text";
  std::string timeline;
  po::options_description options("memsim run options");
  po::positional_options_description positional;
  add_scenario_options(options, positional, scenario);
  options.add_options()("format", po::value<std::string>(&format),
                        "output: text (default), json or csv")(
      "timeline", po::value<std::string>(&timeline),
      "write every load, store, compute, drop and stall to FILE.csv");
  const std::string usage =
      "usage: memsim run SCENARIO.toml [--set KEY=VALUE]... [--format text|json|csv] "
      "[--timeline FILE.csv]\n\n"
      "Runs the scenario's schedule on its machine and reports time, stalls and every move.\n"
      "example: memsim run scenarios/lecture/mlp3-double-buffer.toml --set "
      "policy.eviction=belady --timeline t.csv";
  if (!parse_command_line(args, options, positional, usage, std::cout)) return kExitOk;
  const Format fmt = parse_format(format);

  const Simulation sim = load_simulation(scenario, registry);
  TimelineRecorder recorder;
  RunResult result;
  try {
    result = run_simulation(sim, timeline.empty() ? nullptr : &recorder);
  } catch (const ScheduleError& e) {
    std::cerr << "memsim: " << sim.file << ": schedule rejected by the verifier: " << e.what()
              << "\n";
    return kExitFailed;
  }
  if (!timeline.empty())
    write_file_atomically(timeline, [&](std::ostream& out) { write_timeline_csv(out, sim.graph, recorder); });
  switch (fmt) {
    case Format::text: std::cout << run_report_text(sim, result); break;
    case Format::json: std::cout << run_report_json(sim, result).dump(2) << "\n"; break;
    case Format::csv: std::cout << run_report_csv(sim, result); break;
  }
  return kExitOk;
}

}  // namespace memsim::cli
