// The recompute planner's benchmark (issue 15): for every networkx graph in the shared
// rematerialization folder (../shared/data/remat-graphs, found by walking up from the source
// tree), at budgets 0.8x and 0.9x the peak of the graph's given order without recompute (the
// literature's budgets; rounded up to a whole byte, as MOCCASIN does), the plan's recompute
// cost, the proven lower bound, the gap and the time. Every plan is replayed by the verifier.
//
// Then generated graphs: MOCCASIN-style random layered graphs (layered_graph.h) and
// Checkmate-style training graphs with ResNet and U-Net skip connections (training_graph.h), one
// node per layer and several per layer as autograd keeps them (autograd_graph.h).
//
// Last, memsim's own model zoo trained (scenarios/models: VGG-16, ResNet-18 and -50,
// MobileNet-v2).
//
// usage: memsim_bench_planner [FOLDER] [--time-limit SECONDS] [--only PREFIX]
//   (default 60 s per point; --only runs the graphs whose name starts with PREFIX)
#include <sys/times.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "bench/autograd_graph.h"
#include "bench/layered_graph.h"
#include "bench/training_graph.h"
#include "policies/register_builtin.h"
#include "policies/solver/remat_plan.h"
#include "policies/solver/remat_planner.h"
#include "policies/solver/remat_problem.h"
#include "sim/core/errors.h"
#include "sim/core/verifier.h"
#include "sim/scenario/build_simulation.h"
#include "sim/scenario/scenario_parse.h"

namespace fs = std::filesystem;
using namespace memsim;

namespace {

fs::path find_graph_folder() {
  for (fs::path dir = fs::absolute(MEMSIM_SOURCE_DIR); !dir.empty(); dir = dir.parent_path()) {
    const fs::path candidate = dir / "shared" / "data" / "remat-graphs";
    if (fs::is_directory(candidate)) return candidate;
    if (dir == dir.parent_path()) break;
  }
  return {};
}

// The machine's load (the first three fields of /proc/loadavg), so that the wall-clock figures
// can be read against how many other jobs shared the CPU; "unknown" elsewhere.
std::string load_average() {
  std::FILE* f = std::fopen("/proc/loadavg", "r");
  if (!f) return "unknown";
  double one = 0, five = 0, fifteen = 0;
  const int read = std::fscanf(f, "%lf %lf %lf", &one, &five, &fifteen);
  std::fclose(f);
  if (read != 3) return "unknown";
  char text[64];
  std::snprintf(text, sizeof text, "%.2f %.2f %.2f", one, five, fifteen);
  return text;
}

// This process's CPU time and that of its children it waited for (the planner solves the
// integer program in a child process).
double cpu_seconds() {
  tms t{};
  times(&t);
  return static_cast<double>(t.tms_utime + t.tms_stime + t.tms_cutime + t.tms_cstime) /
         static_cast<double>(sysconf(_SC_CLK_TCK));
}

// One graph at 0.8x and 0.9x the peak of its order without recompute.
void report(const std::string& graph_name, const Graph& graph, const std::vector<OpId>& order,
            double limit) {
  const planner::RematProblem base = planner::make_remat_problem(graph, order, 0);
  const std::uint64_t peak = planner::peak_without_recompute(base);
  for (double fraction : {0.8, 0.9}) {
    planner::RematProblem p = base;
    p.budget = static_cast<std::uint64_t>(std::ceil(fraction * static_cast<double>(peak)));
    const auto wall0 = std::chrono::steady_clock::now();
    const double cpu0 = cpu_seconds();
    const planner::RematPlannerResult r = planner::plan_recompute(p, {limit});
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
    const double cpu = cpu_seconds() - cpu0;
    const std::string name = graph_name.substr(0, 28);
    if (r.infeasible) {
      std::printf("%-28s %5zu %5.1fx %14llu %12s %12s %7s %8.2f %8.2f  no plan exists: %s\n",
                  name.c_str(), p.size(), fraction, static_cast<unsigned long long>(p.budget), "-",
                  "infinite", "-", wall, cpu, r.why.c_str());
      continue;
    }
    if (!r.found) {
      std::printf("%-28s %5zu %5.1fx %14llu %12s %12.0f %7s %8.2f %8.2f  no plan found\n",
                  name.c_str(), p.size(), fraction, static_cast<unsigned long long>(p.budget), "-",
                  r.lower_bound, "-", wall, cpu);
      continue;
    }
    // The verifier replays the plan's memsim steps within the budget.
    const std::vector<Step> steps = planner::plan_steps(graph, p, r.plan);
    const MoveCounts counts = verify(graph, p.budget, steps, VerifierOptions{true});
    // The verifier counts an op's reruns as computes; a tensor from DRAM dropped and loaded
    // again (free in this objective) is a load.
    std::uint64_t op_reruns = 0;
    std::vector<char> computed(p.size(), 0);
    for (const planner::RematAction& a : r.plan) {
      if (a.kind != planner::RematAction::compute) continue;
      if (computed[a.node] && p.nodes[a.node].op != Graph::kNoOp) ++op_reruns;
      computed[a.node] = 1;
    }
    const double gap = r.cost > 0 ? (r.cost - r.lower_bound) / r.cost * 100 : 0;
    std::printf("%-28s %5zu %5.1fx %14llu %12.0f %12.0f %6.1f%% %8.2f %8.2f  %s%s\n", name.c_str(),
                p.size(), fraction, static_cast<unsigned long long>(p.budget), r.cost,
                r.lower_bound, gap, wall, cpu, r.method.c_str(),
                counts.computes - graph.op_count() == op_reruns ? "" : " (RERUN MISMATCH)");
    std::fflush(stdout);
  }
}

}  // namespace

int main(int argc, char** argv) {
  fs::path folder;
  double limit = 60;
  std::string only;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--time-limit" && i + 1 < argc) {
      limit = std::stod(argv[++i]);
    } else if (arg == "--only" && i + 1 < argc) {
      only = argv[++i];
    } else {
      folder = arg;
    }
  }
  if (folder.empty()) folder = find_graph_folder();
  std::vector<fs::path> files;
  if (folder.empty() || !fs::is_directory(folder)) {
    std::printf(
        "planner benchmark: no graph folder (shared/data/remat-graphs above %s); the "
        "generated graphs only\n",
        MEMSIM_SOURCE_DIR);
  } else {
    for (const auto& entry : fs::directory_iterator(folder))
      if (entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  Registry registry;
  register_builtin(registry);
  std::printf("recompute planner: %s, time limit %.0f s per point, load average %s\n",
              folder.c_str(), limit, load_average().c_str());
  std::printf("%-28s %5s %6s %14s %12s %12s %7s %8s %8s  %s\n", "graph", "nodes", "budget",
              "budget bytes", "plan cost", "lower bound", "gap", "wall s", "cpu s", "found by");
  const auto wanted = [&](const std::string& name) { return name.rfind(only, 0) == 0; };
  for (const fs::path& file : files) {
    if (!wanted(file.stem().string())) continue;
    const std::string text =
        "[hardware.cache]\ncapacity = \"1000 TiB\"\n[hardware.dram]\nbandwidth = \"1 GB/s\"\n"
        "[hardware.compute]\nthroughput = \"1 GFLOP/s\"\n[graph]\nnetworkx = \"" +
        file.string() + "\"\n";
    Simulation sim;
    try {
      sim = build_simulation(parse_scenario_text(text, "bench.toml"), registry);
    } catch (const ScenarioError& e) {
      std::printf("%s: %s\n", file.filename().c_str(), e.what());
      continue;
    }
    report(file.stem().string(), sim.graph, sim.order, limit);
  }
  for (std::size_t n : {250, 300, 350})
    for (std::uint32_t seed : {1u, 2u}) {
      const std::string name = "layered-n" + std::to_string(n) + "-seed" + std::to_string(seed);
      if (!wanted(name)) continue;
      const bench::LayeredGraph g = bench::random_layered_graph(n, seed);
      report(name, g.graph, g.order, limit);
    }
  for (const auto& [shape, label] : {std::pair{bench::TrainingShape::resnet, "resnet"},
                                     std::pair{bench::TrainingShape::unet, "unet"}})
    for (std::size_t n : {200, 350}) {
      const std::string name = std::string("train-") + label + "-n" + std::to_string(n);
      if (!wanted(name)) continue;
      const bench::LayeredGraph g = bench::training_graph(shape, n, 1);
      report(name, g.graph, g.order, limit);
    }
  // Several ops per layer, as autograd keeps them (autograd_graph.h): 29 and 50 layers, 198
  // and 345 ops.
  for (const auto& [shape, label] : {std::pair{bench::TrainingShape::resnet, "resnet"},
                                     std::pair{bench::TrainingShape::unet, "unet"}})
    for (std::size_t layers : {29, 50}) {
      const std::string name = std::string("autograd-") + label + "-L" + std::to_string(layers);
      if (!wanted(name)) continue;
      const bench::LayeredGraph g = bench::autograd_graph(shape, layers, 1);
      report(name, g.graph, g.order, limit);
    }
  // memsim's own model zoo, trained (scenarios/models, one op per layer's forward, dX and dW):
  // the graphs users plan for. A graph the planner refuses is listed with the reason.
  for (const char* model : {"vgg16", "resnet18", "resnet50", "mobilenet_v2"}) {
    const std::string name = std::string("zoo-") + model + "-train";
    if (!wanted(name)) continue;
    const fs::path file =
        fs::path(MEMSIM_SOURCE_DIR) / "scenarios" / "models" / (model + std::string(".toml"));
    const std::string overrides[] = {"schedule.kind=\"training\"",
                                     "hardware.cache.capacity=\"1000 TiB\""};
    try {
      const Simulation sim =
          build_simulation(parse_scenario_file(file.string(), overrides), registry);
      report(name, sim.graph, sim.order, limit);
    } catch (const std::exception& e) {
      std::printf("%-28s refused: %s\n", name.c_str(), e.what());
    }
  }
  std::printf("load average at the end: %s\n", load_average().c_str());
  return 0;
}
