// memsim run: execute a scenario's schedule and report loads, stores, stalls and time.
#include <iostream>
#include <optional>

#include "sim/core/errors.h"
#include "sim/core/schedule_replay.h"
#include "sim/report/gzip_stream.h"
#include "sim/report/per_layer.h"
#include "sim/report/per_layer_output.h"
#include "sim/report/report.h"
#include "sim/report/svg_layer_bars.h"
#include "sim/report/svg_timeline.h"
#include "sim/report/tee_sink.h"
#include "sim/report/timeline.h"
#include "sim/report/trace_writer.h"
#include "sim/scenario/schedule_file.h"
#include "tools/memsim/commands.h"
#include "tools/memsim/solve_options.h"

namespace po = boost::program_options;

namespace memsim::cli {
namespace {

bool ends_with_json(const std::string& path) {
  return path.size() >= 5 && path.compare(path.size() - 5, 5, ".json") == 0;
}

}  // namespace

int cmd_run(const std::vector<std::string>& args, const Registry& registry) {
  ScenarioArgs scenario;
  std::string format = "text";
  std::string timeline;
  std::string trace;
  std::string svg;
  std::string per_layer;
  std::string per_layer_svg;
  std::string schedule_file;
  bool fail_on_oom = false;
  std::string jobs_text;
  po::options_description options("memsim run options");
  po::positional_options_description positional;
  add_scenario_options(options, positional, scenario);
  options.add_options()("format", po::value<std::string>(&format),
                        "output: text (default), json or csv")(
      "timeline", po::value<std::string>(&timeline),
      "write every load, store, compute, drop and stall to FILE.csv")(
      "trace", po::value<std::string>(&trace),
      "write a Chrome trace-event FILE.json (open in ui.perfetto.dev or chrome://tracing); "
      "FILE.json.gz is gzip-compressed")(
      "svg", po::value<std::string>(&svg),
      "draw the time line (memory and compute rows, stalls, cache in use) into FILE.svg")(
      "per-layer", po::value<std::string>(&per_layer),
      "write one row per layer and phase (compute, stalls, moves, FLOPs, peak live, "
      "prefetches) to FILE: CSV, or JSON when FILE ends in .json")(
      "per-layer-svg", po::value<std::string>(&per_layer_svg),
      "draw each layer's time (compute by phase, stall) and bytes moved as bars into FILE.svg")(
      "schedule", po::value<std::string>(&schedule_file),
      "replay the steps in FILE (one per line: load X0, compute fwd1, store G3, drop X1), e.g. "
      "from memsim solve --emit-schedule, instead of the executor's")(
      "fail-on-oom", po::bool_switch(&fail_on_oom),
      "exit with status 3 when peak live does not fit the DRAM (less hardware.dram.reserved)")(
      "jobs", po::value<std::string>(&jobs_text),
      "threads the run may use: 1 verifies on the executor's own thread; 2 or more (the "
      "default on a machine with 2 or more cores) verify a run of 50,000 ops or more on a second "
      "thread (docs/model.md §8); the results are the same (a --schedule replay uses one)");
  const std::string usage =
      "usage: memsim run SCENARIO.toml [--set KEY=VALUE]... [--format text|json|csv] "
      "[--timeline FILE.csv] [--trace FILE.json[.gz]] [--svg FILE.svg] [--per-layer "
      "FILE.csv|.json] "
      "[--per-layer-svg FILE.svg] "
      "[--schedule FILE] [--fail-on-oom] [--jobs N]\n\n"
      "Runs the scenario's schedule on its machine and reports time, stalls and every move.\n"
      "example: memsim run scenarios/lecture/mlp3-double-buffer.toml --set "
      "policy.eviction=belady --timeline t.csv";
  if (!parse_command_line(args, options, positional, usage, std::cout)) return kExitOk;
  const Format fmt = parse_format(format);
  // More than 2 changes nothing today (one executor, one verifier), but is not a mistake.
  RunOptions run_options;
  if (!jobs_text.empty() && parse_count_option("--jobs", jobs_text, 1, kMaxJobs) == 1)
    run_options.verifier_thread = VerifierThread::same;
  OutputFiles outputs;  // checked now, before any work
  outputs.add("--timeline", timeline);
  outputs.add("--trace", trace);
  outputs.add("--svg", svg);
  outputs.add("--per-layer", per_layer);
  outputs.add("--per-layer-svg", per_layer_svg);

  Simulation sim = load_simulation(scenario, registry);
  std::vector<Step> steps;
  if (!schedule_file.empty()) {
    steps = read_schedule_file(sim.graph, schedule_file);
    sim.eviction = "none (steps from " + schedule_file + ")";
  }
  TimelineRecorder recorder;
  const bool record = !timeline.empty() || !trace.empty() || !svg.empty();
  // The per-layer files need every op's tallies; the text summary's top layers only each
  // layer's sums (PerLayerDetail::sums: 16-24 bytes a layer rather than 80 an op).
  const bool rows = !per_layer.empty() || !per_layer_svg.empty();
  std::optional<PerLayerRecorder> layers;
  if (rows || fmt == Format::text)
    layers.emplace(sim.graph, sim.machine, rows ? PerLayerDetail::rows : PerLayerDetail::sums);
  TeeSink tee(record ? &recorder : nullptr, layers ? &*layers : nullptr);
  // One listener is called directly; the tee's second indirect call costs a step as much.
  StepSink* observer = record && layers ? &tee
                       : record         ? static_cast<StepSink*>(&recorder)
                       : layers         ? static_cast<StepSink*>(&*layers)
                                        : nullptr;
  RunResult result;
  PerLayerReport layer_report;
  TopLayerSums top_sums;
  try {
    result = schedule_file.empty() ? run_simulation(sim, observer, run_options)
                                   : run_schedule(sim, steps, observer);
    if (layers) {
      layers->finish();
      if (rows)
        layer_report = per_layer_report(sim, result, *layers);
      else
        top_sums = std::move(*layers).layer_sums(result);
    }
  } catch (const ScheduleError& e) {
    std::cerr << "memsim: " << one_line(sim.file)
              << ": schedule rejected by the verifier: " << one_line(e.what()) << "\n";
    return kExitFailed;
  }
  if (outputs.has("--timeline"))
    outputs.set_writer("--timeline",
                       [&](std::ostream& out) { write_timeline_csv(out, sim.graph, recorder); });
  if (outputs.has("--trace"))
    outputs.set_writer("--trace", [&](std::ostream& out) {
      if (!is_gzip_path(trace)) return write_chrome_trace(out, sim, recorder);
      GzipStream gz(out);
      write_chrome_trace(gz.stream(), sim, recorder);
      gz.finish();
    });
  if (outputs.has("--svg"))
    outputs.set_writer("--svg", [&](std::ostream& out) { out << timeline_svg(sim, recorder); });
  if (outputs.has("--per-layer"))
    outputs.set_writer("--per-layer", [&](std::ostream& out) {
      if (ends_with_json(per_layer))
        out << per_layer_json(sim, layer_report).dump(2) << "\n";
      else
        write_per_layer_csv(out, sim, layer_report);
    });
  if (outputs.has("--per-layer-svg"))
    outputs.set_writer("--per-layer-svg",
                       [&](std::ostream& out) { out << layer_bars_svg(sim, layer_report); });
  outputs.commit();
  switch (fmt) {
    case Format::text:
      std::cout << run_report_text(sim, result) << "\n";
      std::cout << (rows ? top_layers_text(sim, layer_report) : top_layers_text(sim, top_sums));
      break;
    case Format::json:
      std::cout << run_report_json(sim, result).dump(2) << "\n";
      break;
    case Format::csv:
      std::cout << run_report_csv(sim, result);
      break;
  }
  return fail_on_oom && result.oom ? kExitOutOfMemory : kExitOk;
}

}  // namespace memsim::cli
