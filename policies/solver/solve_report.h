#pragma once
// The JSON form of a solve, shared by `memsim solve --format json` and `memsim sweep --solve`.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "policies/solver/solver.h"
#include "sim/core/graph.h"

namespace memsim {

// "optimal", "time-limit" or "max-states": why the search stopped.
std::string to_string(SolveStop stop);

// Keys in order: moves, loads, stores, bytes, optimal, lower_bound, stop, schedule, states, and
// with `timings` also seconds and states_per_second. Without timings every value depends only on
// the input (and, when a --time-limit stopped the search, on how fast the machine was).
nlohmann::ordered_json solve_report_json(const Graph& graph, const SolveResult& result,
                                         bool timings = false);
// The keys solve_report_json writes, in order, and those of them that are numbers.
std::vector<std::string> solve_report_fields(bool timings);
std::vector<std::string> solve_report_numeric_fields(bool timings);

}  // namespace memsim
