#pragma once
// The JSON form of a solve, shared by `memsim solve --format json` and `memsim sweep --solve`.
#include <nlohmann/json.hpp>

#include "policies/solver/solver.h"
#include "sim/core/graph.h"

namespace memsim {

// Keys in order: moves, loads, stores, bytes, optimal, lower_bound, schedule, seconds, states.
nlohmann::ordered_json solve_report_json(const Graph& graph, const SolveResult& result);

}  // namespace memsim
