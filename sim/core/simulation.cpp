#include "sim/core/simulation.h"

#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "sim/core/pipelined_sink.h"

namespace memsim {

VerifierOptions run_verifier_options(const Machine& machine, bool allow_recompute) {
  VerifierOptions options;
  options.allow_recompute = allow_recompute;
  options.keep_compute_order = false;  // kept anyway where the replay cannot count liveness
  options.level_count = machine.level_count();
  return options;
}

RunResult finish_run(const Simulation& sim, VerifyingSink& verified, const ExecutionTimes& times) {
  RunResult result;
  result.times = times;
  result.counts = verified.verifier().finish();
  const Machine& m = sim.machine;
  const Verifier& list = verified.verifier().in_list_order();
  // Counted during the replay where it can be, each memory level's too (issue 16), else in one
  // pass over the order for the run and for each level below the cache. On two levels every
  // tensor is homed at the DRAM: level 2's peak live is the run's (§15.5).
  const bool deep = m.level_count() > 2;
  std::vector<LivenessReport> levels;  // level 2 at index 0
  if (list.liveness() && (!deep || list.level_liveness(2))) {
    result.liveness = *list.liveness();
    for (std::uint32_t level = 2; level <= m.level_count(); ++level)
      levels.push_back(deep ? *list.level_liveness(level) : result.liveness);
  } else {
    std::vector<std::uint8_t> homes{0};
    for (std::uint32_t level = 2; deep && level <= m.level_count(); ++level)
      homes.push_back(static_cast<std::uint8_t>(level));
    const std::vector<LivenessReport> passes =
        analyze_liveness(sim.graph, list.compute_order(), homes);
    result.liveness = passes.front();
    levels.assign(deep ? passes.begin() + 1 : passes.begin(), passes.end());
  }
  for (OpId o = 0; o < sim.graph.op_count(); ++o)
    result.flops[static_cast<int>(sim.graph.op(o).phase)] += sim.graph.op(o).flops;
  for (std::uint32_t level = 2; level <= m.level_count(); ++level) {
    MemoryLevelResult r;
    r.peak_staging = verified.verifier().peak_staging()[level - 1];
    r.liveness = levels[level - 2];
    // Uniform mode counts tensors, not bytes: there is no memory size to compare with.
    const std::uint64_t room = m.level_for_tensors(level);
    r.oom =
        !m.uniform && (r.peak_staging > room || r.liveness.peak_live_bytes > room - r.peak_staging);
    result.oom = result.oom || r.oom;
    result.memory_levels.push_back(r);
  }
  result.traffic = verified.traffic();
  result.energy = compute_energy(m, result.traffic, times.time);
  return result;
}

bool verify_on_second_thread(std::size_t ops, VerifierThread choice) {
  switch (choice) {
    case VerifierThread::same:
      return false;
    case VerifierThread::second:
      return true;
    case VerifierThread::automatic:
      break;
  }
  return ops >= kSecondThreadMinOps && std::thread::hardware_concurrency() >= 2;
}

RunResult run_simulation(const Simulation& sim, StepSink* observer, RunOptions options) {
  std::unique_ptr<EvictionPolicy> policy = sim.eviction_factory({sim.graph, sim.order});
  // Made by the thread that verifies: on a second thread, its set-up runs beside the executor's.
  std::optional<VerifyingSink> verifying;
  const auto make_verifier = [&] {
    return &verifying.emplace(sim.graph, sim.machine, observer,
                              run_verifier_options(sim.machine, /*allow_recompute=*/false));
  };
  const ExecutionTimes times = run_verified(
      make_verifier, verify_on_second_thread(sim.order.size(), options.verifier_thread),
      [&](auto& sink) {
        return execute(sim.graph, sim.order, sim.machine, *policy, ExecutorOptions{sim.lookahead},
                       sink);
      });
  policy.reset();  // before liveness, so the two never hold memory at once
  return finish_run(sim, *verifying, times);
}

}  // namespace memsim
