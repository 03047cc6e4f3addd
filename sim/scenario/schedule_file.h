#pragma once
// Schedule files: one step per line as describe() writes it ("load X0", "compute fwd1",
// "store G3", "drop X1"); blank lines and lines starting with # are ignored. `memsim solve
// --emit-schedule` writes them and `memsim run --schedule` reads them.
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sim/core/graph.h"
#include "sim/core/schedule.h"

namespace memsim {

// Parses schedule text; a bad line throws ScenarioError at FILE:LINE naming the problem.
std::vector<Step> parse_schedule_text(const Graph& graph, std::string_view text,
                                      const std::string& file);
// Reads and parses a schedule file; an unreadable file is a ScenarioError too.
std::vector<Step> read_schedule_file(const Graph& graph, const std::string& path);
// One step per line.
void write_schedule(std::ostream& out, const Graph& graph, std::span<const Step> steps);

}  // namespace memsim
