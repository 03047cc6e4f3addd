// Tiled execution (issue 11): ResNet-50 training at batch 256 on the RTX A6000's 6 MiB L2 —
// wall time of everything from the scenario to the verified result (parse, generator, auto
// tiler, tiling pass, executor, verifier, liveness), tile ops, ops/s, peak heap bytes per op
// and the process's peak resident memory (targets: < 10 s, < 2 GB). Then the figures the
// README quotes: the matrix-product bound ratios of the tests' grid and the model zoo's time,
// traffic and stall on every preset (simulated figures, the same on every machine).
#include <sys/resource.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "bench/heap_counter.h"
#include "policies/register_builtin.h"
#include "sim/core/simulation.h"
#include "sim/core/units.h"
#include "sim/scenario/build_simulation.h"
#include "sim/scenario/scenario_parse.h"

using namespace memsim;

namespace {

RunResult run(const std::string& file, const std::vector<std::string>& overrides,
              const Registry& registry, std::size_t* ops = nullptr) {
  const Simulation sim = build_simulation(parse_scenario_file(file, overrides), registry);
  if (ops) *ops = sim.graph.op_count();
  return run_simulation(sim);
}

void resnet50_training(const Registry& registry) {
  const std::string file = std::string(MEMSIM_SOURCE_DIR) + "/scenarios/models/resnet50.toml";
  const std::size_t base = bench::live_bytes();
  bench::reset_peak();
  rusage before{};
  getrusage(RUSAGE_SELF, &before);
  const auto start = std::chrono::steady_clock::now();
  std::size_t ops = 0;
  const RunResult r = run(file, {"schedule.kind=training", "model.batch=256"}, registry, &ops);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double heap = static_cast<double>(bench::peak_bytes() - base);
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto cpu = [](const rusage& u) {
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
  };
  std::printf("ResNet-50 training, batch 256, RTX A6000 (6 MiB L2), LRU, no overlap\n");
  std::printf("  tile ops        %zu\n", ops);
  std::printf("  wall time       %.3f s (scenario to verified result; CPU %.3f s)\n", seconds,
              cpu(usage) - cpu(before));
  std::printf("  ops/s           %.0f\n", static_cast<double>(ops) / seconds);
  std::printf("  bytes/op        %.0f (peak heap %.1f MiB)\n", heap / static_cast<double>(ops),
              heap / (1 << 20));
  std::printf("  peak RSS        %.1f MiB\n", static_cast<double>(usage.ru_maxrss) / 1024);
  std::printf("  simulated       time %s, %s moved, stall %s\n\n",
              format_seconds(r.times.time).c_str(),
              format_bytes(static_cast<double>(r.counts.load_bytes + r.counts.store_bytes)).c_str(),
              format_seconds(r.times.stall_load + r.times.stall_store).c_str());
}

void gemm_bound(const Registry& registry) {
  struct Case {
    std::uint64_t m, n, k;
    const char* dtype;
    const char* cache;
    double cache_bytes;
  };
  const std::vector<Case> cases{
      {1024, 1024, 1024, "fp32", "256 KiB", 256 << 10},
      {2048, 256, 1024, "fp32", "256 KiB", 256 << 10},
      {1024, 2048, 2048, "fp16", "1 MiB", 1 << 20},
      {4096, 4096, 4096, "fp32", "6 MiB", 6 << 20},
      {8192, 1024, 2048, "fp16", "6 MiB", 6 << 20},
      {8192, 8192, 8192, "fp32", "64 MiB", 64 << 20},
      {12288, 12288, 12288, "fp16", "64 MiB", 64 << 20},
      {1024, 1024, 1024, "fp16", "1 MiB", 1 << 20},
      {8192, 8192, 8192, "fp16", "64 MiB", 64 << 20},
  };
  std::printf("Dense layer C = A.B: elements moved / (2MNK/sqrt(S) + MN)\n");
  std::printf("| M x N x K | dtype | cache | term / compulsory | none | double-buffer |\n");
  std::printf("| --- | --- | --- | --- | --- | --- |\n");
  for (const Case& c : cases) {
    const double e = std::string(c.dtype) == "fp32" ? 4 : 2;
    const double s = c.cache_bytes / e, m = c.m, n = c.n, k = c.k;
    const double term = 2 * m * n * k / std::sqrt(s) + m * n;
    const double compulsory = m * k + k * n + m * n;
    std::printf("| %llu x %llu x %llu | %s | %s | %.2f |", static_cast<unsigned long long>(c.m),
                static_cast<unsigned long long>(c.n), static_cast<unsigned long long>(c.k), c.dtype,
                c.cache, term / compulsory);
    for (const char* overlap : {"none", "double-buffer"}) {
      const std::string text =
          "[hardware.cache]\ncapacity = \"" + std::string(c.cache) +
          "\"\n[hardware.dram]\nbandwidth = \"768 GB/s\"\n[hardware.compute]\nthroughput = "
          "\"38.7 TFLOP/s\"\n[schedule]\noverlap = \"" +
          overlap + "\"\n[model]\nbatch = " + std::to_string(c.m) + "\ndtype = \"" + c.dtype +
          "\"\ninput = " + std::to_string(c.k) +
          "\nlayers = [{ type = \"dense\", out = " + std::to_string(c.n) + " }]\n";
      const RunResult r =
          run_simulation(build_simulation(parse_scenario_text(text, "gemm.toml", {}), registry));
      const double moved = static_cast<double>(r.counts.load_bytes + r.counts.store_bytes) / e;
      std::printf(" %.3f |", moved / term);
    }
    std::printf("\n");
  }
  std::printf("\n");
}

void zoo(const Registry& registry) {
  std::printf("Model zoo, batch 1, on each preset's L2 (time / traffic / stall)\n");
  std::printf(
      "| model | preset | L2 | inference time | traffic | stall | training time | "
      "traffic | stall |\n");
  std::printf("| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
  for (const char* model : {"vgg16", "resnet18", "resnet50", "mobilenet_v2", "gpt2", "bert-base"})
    for (const char* preset : {"rtx-a6000", "a100-40gb", "a100-80gb", "h100-sxm", "h200"}) {
      const std::string file =
          std::string(MEMSIM_SOURCE_DIR) + "/scenarios/models/" + model + ".toml";
      const std::vector<std::string> on{std::string("hardware.preset=") + preset};
      const ScenarioSpec spec = parse_scenario_file(file, on);
      std::printf("| %s | %s | %s |", model, preset,
                  format_bytes(static_cast<double>(spec.machine.cache_capacity)).c_str());
      for (const char* kind : {"inference", "training"}) {
        const RunResult r = run(
            file, {std::string("hardware.preset=") + preset, std::string("schedule.kind=") + kind},
            registry);
        std::printf(
            " %s | %s | %s |", format_seconds(r.times.time).c_str(),
            format_bytes(static_cast<double>(r.counts.load_bytes + r.counts.store_bytes)).c_str(),
            format_seconds(r.times.stall_load + r.times.stall_store).c_str());
      }
      std::printf("\n");
    }
}

}  // namespace

int main() {
  const Registry registry = builtin_registry();
  resnet50_training(registry);
  gemm_bound(registry);
  zoo(registry);
  return 0;
}
