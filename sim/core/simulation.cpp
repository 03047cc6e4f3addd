#include "sim/core/simulation.h"

#include <memory>

namespace memsim {

RunResult finish_run(const Simulation& sim, VerifyingSink& verified, const ExecutionTimes& times) {
  RunResult result;
  result.times = times;
  result.counts = verified.verifier().finish();
  result.liveness =
      analyze_liveness(sim.graph, verified.verifier().in_list_order().compute_order());
  for (OpId o = 0; o < sim.graph.op_count(); ++o)
    result.flops[static_cast<int>(sim.graph.op(o).phase)] += sim.graph.op(o).flops;
  // Uniform mode counts tensors, not bytes: there is no DRAM size to compare with.
  result.oom =
      !sim.machine.uniform && result.liveness.peak_live_bytes > sim.machine.dram_for_tensors();
  return result;
}

RunResult run_simulation(const Simulation& sim, StepSink* observer) {
  std::unique_ptr<EvictionPolicy> policy = sim.eviction_factory({sim.graph, sim.order});
  VerifyingSink verifying(sim.graph, sim.machine, observer);
  const ExecutionTimes times = execute(sim.graph, sim.order, sim.machine, *policy,
                                       ExecutorOptions{sim.lookahead}, verifying);
  policy.reset();  // before liveness, so the two never hold memory at once
  return finish_run(sim, verifying, times);
}

}  // namespace memsim
