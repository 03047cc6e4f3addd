#pragma once
// `memsim solve` beyond the exact search (docs/model.md, "Planning memory"): for any graph, a
// schedule that the verifier accepts, a proven lower bound on the objective, and the gap, within
// a time limit. Objectives:
//  * moves, bytes: the exact solver (policies/solver/solver.h) where it takes the graph, with the
//    time limit; beyond it, the best of the executor's schedules (every eviction policy, the
//    scenario's order), bounded below by the moves every schedule makes (each tensor from DRAM
//    that an op reads is loaded once, each required output stored once);
//  * time: the schedule's time as the discrete-event replay times it (sim/core/schedule_replay),
//    over candidate schedules (the executor's with each policy and lookahead, the exact solver's
//    when it finishes, the recompute planner's when it fits); bounded below by the compute time of
//    every op once and by the DRAM time of the moves every schedule makes;
//  * recompute: the Checkmate / MOCCASIN problem with the cache capacity as the budget
//    (policies/solver/remat_planner.h).
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "sim/core/registry.h"
#include "sim/core/simulation.h"

namespace memsim {

enum class PlanObjective : std::uint8_t { moves, bytes, time, recompute };
std::string_view to_string(PlanObjective objective);

struct PlannerOptions {
  PlanObjective objective = PlanObjective::recompute;
  double time_limit_seconds = 60;
  bool allow_recompute = false;  // moves / bytes: as `memsim solve --recompute`
  bool load_once = false;        // recompute: tensors from DRAM are loaded once (`--load-once`)
};

struct PlannerResult {
  bool found = false;       // `schedule` is valid (the verifier replayed it)
  bool infeasible = false;  // proved: no schedule exists (`why` says why)
  std::string why;
  std::vector<Step> schedule;
  RunResult run;           // the schedule replayed: times, counts (sim/core/schedule_replay)
  double cost = 0;         // in the objective's unit: moves, bytes, seconds or FLOPs
  double lower_bound = 0;  // proved: every schedule costs at least this much
  bool optimal = false;
  std::uint64_t reruns = 0;                  // computations after an op's first
  double recompute_flops = 0;                // their FLOPs
  std::uint64_t budget_bytes = 0;            // recompute: the cache capacity
  std::uint64_t peak_without_recompute = 0;  // recompute: of the scenario's order
  std::string found_by;
  std::string bound_by;
  double seconds = 0;
  double gap() const;  // (cost - lower_bound) / cost, 0 when cost is 0
};

// Plans `sim` (its graph, machine and order). Throws std::invalid_argument when the objective
// cannot take the graph (recompute: an op that updates a tensor in place).
PlannerResult plan_schedule(const Simulation& sim, const Registry& registry,
                            const PlannerOptions& options);

}  // namespace memsim
