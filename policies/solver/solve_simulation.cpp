#include "policies/solver/solve_simulation.h"

#include "sim/core/errors.h"
#include "sim/core/schedule_replay.h"

namespace memsim {

SolveResult solve_simulation(const Simulation& sim, const SolveOptions& options) {
  if (auto why = solver_rejects(sim.graph, sim.machine.cache_capacity))
    throw ScenarioError(SourcePos{sim.file, 0, 0}, *why);
  SolveResult result = solve(sim.graph, sim.machine.cache_capacity, options);
  run_schedule(sim, result.schedule);  // the verifier in list order and in time
  return result;
}

}  // namespace memsim
