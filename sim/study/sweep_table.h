#pragma once
// The CSV table of a sweep and the merge of shard tables. Columns: point (1-based grid
// index), points (grid size), the swept keys, the runner's fields, error. Every cell is
// written the same way whatever shard or --jobs produced it, so shard files merge back into
// exactly the file one whole sweep writes.
#include <ostream>
#include <string>
#include <string_view>
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

// Checks one line of a sweep table as write_sweep_csv writes it (cells quoted with "" for a
// quote, or unquoted without quotes) and splits it into `cells`. Returns what is wrong ("" when
// nothing): an unterminated quote, a quote inside an unquoted cell, text after a closing quote.
std::string check_csv_row(std::string_view line, std::vector<std::string>& cells);

// Joins shard tables (file name, file text) into the whole table, rows in point order.
// Throws ScenarioError naming file and line for: a file that is not a sweep table, a damaged
// line (cut short with no line end, an empty line, a CR line end, a bad quote, more or fewer
// cells than the header), headers that differ, a point that is not a number or lies outside the
// grid, rows of different grids, a point given twice, and points missing from every file.
std::string merge_sweep_csv(const std::vector<std::pair<std::string, std::string>>& files);

}  // namespace memsim
