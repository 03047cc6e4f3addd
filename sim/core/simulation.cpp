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
  options.keep_compute_order = machine.level_count() > 2;
  return options;
}

RunResult finish_run(const Simulation& sim, VerifyingSink& verified, const ExecutionTimes& times) {
  RunResult result;
  result.times = times;
  result.counts = verified.verifier().finish();
  const Machine& m = sim.machine;
  const std::span<const OpId> order = verified.verifier().in_list_order().compute_order();
  // Counted during the replay where it can be (issue 16), else in a pass over the order. A
  // machine with levels below the DRAM asks for every tensor and for each level's own (§15.5)
  // in that one pass.
  const LivenessReport* live = verified.verifier().in_list_order().liveness();
  std::vector<std::uint8_t> homes;
  if (!live) homes.push_back(0);
  if (m.level_count() > 2)
    for (std::uint32_t level = 2; level <= m.level_count(); ++level)
      homes.push_back(static_cast<std::uint8_t>(level));
  const std::vector<LivenessReport> passes =
      homes.empty() ? std::vector<LivenessReport>{} : analyze_liveness(sim.graph, order, homes);
  result.liveness = live ? *live : passes.front();
  for (OpId o = 0; o < sim.graph.op_count(); ++o)
    result.flops[static_cast<int>(sim.graph.op(o).phase)] += sim.graph.op(o).flops;
  // docs/model.md §15.5: each memory level's peak live counts the tensors homed there. On two
  // levels every tensor is homed at the DRAM: its peak live is the run's.
  const std::size_t first_level = live ? 0 : 1;  // where level 2's pass is in `passes`
  for (std::uint32_t level = 2; level <= m.level_count(); ++level) {
    MemoryLevelResult r;
    r.peak_staging = verified.verifier().peak_staging()[level - 1];
    r.liveness = m.level_count() == 2 ? result.liveness : passes[first_level + level - 2];
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
