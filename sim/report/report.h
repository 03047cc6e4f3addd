#pragma once
// What `memsim run` prints: a text summary for people, or one JSON object / CSV row with the
// keys the issue tracker fixed (time_s, compute_busy_s, ..., flops_recompute).
#include <nlohmann/json.hpp>
#include <string>

#include "sim/core/simulation.h"

namespace memsim {

// Keys in a fixed order (ordered_json) so output is byte-for-byte stable.
nlohmann::ordered_json run_report_json(const Simulation& sim, const RunResult& result);
// One header line and one value line with the same fields as the JSON.
std::string run_report_csv(const Simulation& sim, const RunResult& result);
// The resolved configuration, then the figures.
std::string run_report_text(const Simulation& sim, const RunResult& result);
// Link k's busy time and stalls (docs/model.md §15.5); on a two-level run, link 1's are the
// run's DRAM busy time and stalls.
LinkTimes link_times(const RunResult& result, std::uint32_t link);
// Number formatting shared by CSV writers: shortest text that reads back to the same double.
std::string format_number(double value);

}  // namespace memsim
