#pragma once
// Solving a built scenario: the solver's checks of the graph, the search, and the timed check
// every schedule memsim produces goes through (docs/model.md §10): the optimal schedule is
// replayed on the machine's timing model (§9) and checked in time by the verifier.
#include "policies/solver/solver.h"
#include "sim/core/simulation.h"

namespace memsim {

// Throws ScenarioError when the solver cannot take the scenario (solver_rejects), and
// ScheduleError if the schedule it finds fails the timed check (a bug, not bad input).
SolveResult solve_simulation(const Simulation& sim, const SolveOptions& options = {});

}  // namespace memsim
