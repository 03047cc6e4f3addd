#pragma once
// The CSV table of a sweep and the merge of shard tables. Columns: point (1-based grid
// index), points (grid size), the swept keys, the runner's fields, error. Every cell is
// written the same way whatever shard or --jobs produced it, so shard files merge back into
// exactly the file one whole sweep writes.
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "sim/study/sweep.h"

namespace memsim {

// Header line and one line per outcome, each ending in '\n'.
void write_sweep_csv(std::ostream& out, const SweepGrid& grid,
                     const std::vector<std::string>& fields,
                     const std::vector<PointOutcome>& outcomes);

// One CSV cell: strings quoted ("" for a quote), numbers in shortest round-trip form, an
// absent value empty, arrays and objects as quoted JSON.
std::string csv_cell(const nlohmann::ordered_json& value);

// Splits one CSV line into cells (quotes understood). Used by merge and the tests.
std::vector<std::string> split_csv_line(const std::string& line);

// Joins shard tables (file name, file text) into the whole table, rows in point order.
// Throws ScenarioError naming file and line for: a file that is not a sweep table, headers
// that differ, a point that is not a number or lies outside the grid, rows of different
// grids, a point given twice, and points missing from every file.
std::string merge_sweep_csv(const std::vector<std::pair<std::string, std::string>>& files);

}  // namespace memsim
