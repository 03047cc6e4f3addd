#pragma once
// The JSON form of a planner result (`memsim solve` with --objective time or recompute, or a
// graph beyond the exact search).
#include <nlohmann/json.hpp>

#include "policies/solver/planner.h"
#include "sim/core/graph.h"

namespace memsim {

// Keys in order: objective, feasible, why (only when infeasible), cost, lower_bound, gap,
// optimal, found_by, bound_by, budget_bytes and peak_without_recompute (recompute only),
// reruns, recompute_flops, time_s, moves, loads, stores, bytes, schedule, and with `timings`
// seconds (wall-clock, which varies from run to run).
nlohmann::ordered_json plan_report_json(const Graph& graph, PlanObjective objective,
                                        const PlannerResult& result, bool timings = false);

}  // namespace memsim
