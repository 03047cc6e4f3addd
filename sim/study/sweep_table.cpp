#include "sim/study/sweep_table.h"

#include <algorithm>
#include <map>
#include <sstream>
#include <string_view>

#include "sim/core/errors.h"
#include "sim/report/report.h"

namespace memsim {
namespace {

std::string quote(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    // Rows are single lines so that line-based tools (sort, grep, merge) work on them.
    out += (c == '\n' || c == '\r') ? ' ' : c;
  }
  return out + "\"";
}

}  // namespace

std::string csv_cell(const nlohmann::ordered_json& value) {
  if (value.is_null()) return "";
  if (value.is_string()) return quote(value.get<std::string>());
  if (value.is_number_float()) return format_number(value.get<double>());
  if (value.is_array() || value.is_object()) return quote(value.dump());
  return value.dump();  // integers and booleans
}

void write_sweep_csv(std::ostream& out, const SweepGrid& grid,
                     const std::vector<std::string>& fields,
                     const std::vector<PointOutcome>& outcomes) {
  out << "point,points";
  for (const SweepParam& p : grid.params()) out << "," << p.key;
  for (const std::string& f : fields) out << "," << f;
  out << ",error\n";
  for (const PointOutcome& o : outcomes) {
    out << (o.index + 1) << "," << grid.size();
    for (const std::string& v : grid.values_at(o.index)) out << "," << quote(v);
    for (const std::string& f : fields) {
      out << ",";
      if (o.fields.is_object() && o.fields.contains(f)) out << csv_cell(o.fields[f]);
    }
    out << "," << (o.error.empty() ? "" : quote(o.error)) << "\n";
  }
}

std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> cells(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        cells.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cells.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      cells.emplace_back();
    } else {
      cells.back() += c;
    }
  }
  return cells;
}

std::string check_csv_row(std::string_view line, std::vector<std::string>& cells) {
  cells.assign(1, std::string());
  for (std::size_t i = 0; i < line.size();) {
    const std::string cell_no = std::to_string(cells.size());
    if (line[i] == '"') {
      // A quoted cell: "" stands for a quote; the closing quote ends the cell.
      for (++i;; ++i) {
        if (i == line.size()) return "unterminated quote in cell " + cell_no;
        if (line[i] != '"') {
          cells.back() += line[i];
        } else if (i + 1 < line.size() && line[i + 1] == '"') {
          cells.back() += '"';
          ++i;
        } else {
          ++i;
          break;
        }
      }
      if (i < line.size() && line[i] != ',')
        return "text after the closing quote of cell " + cell_no;
    } else {
      for (; i < line.size() && line[i] != ','; ++i) {
        if (line[i] == '"') return "a quote inside the unquoted cell " + cell_no;
        cells.back() += line[i];
      }
    }
    if (i < line.size()) {  // a comma: another cell follows (perhaps an empty last one)
      ++i;
      cells.emplace_back();
    }
  }
  return "";
}

std::string merge_sweep_csv(const std::vector<std::pair<std::string, std::string>>& files) {
  if (files.empty()) throw ScenarioError(SourcePos{}, "merge needs at least one sweep CSV file");
  const auto number = [](const std::string& cell, std::size_t& out) {
    if (cell.empty() || cell.size() > 9 ||
        !std::all_of(cell.begin(), cell.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return false;
    out = std::stoul(cell);
    return true;
  };
  std::string header;
  std::string header_file;
  std::size_t columns = 0;
  std::size_t points = 0;  // grid size; 0 until a row names it
  SourcePos points_from;
  struct Row {
    std::string text;
    SourcePos pos;
  };
  std::map<std::size_t, Row> rows;
  std::vector<std::string> cells;
  for (const auto& [name, text] : files) {
    // Every line memsim writes ends in '\n', so one that does not was cut off (a job killed
    // mid-write, a full disk, a quota). Rows are checked cell by cell against the header.
    std::uint32_t line_no = 0;
    for (std::size_t at = 0; at < text.size() || line_no == 0;) {
      ++line_no;
      const SourcePos pos{name, line_no, 0};
      const std::size_t end = text.find('\n', at);
      const std::string line =
          text.substr(at, end == std::string::npos ? std::string::npos : end - at);
      at = end == std::string::npos ? text.size() : end + 1;
      if (line_no == 1) {
        if (line.rfind("point,points,", 0) != 0)
          throw ScenarioError(pos,
                              "not a memsim sweep table: the header must start with point,points");
      } else if (line.empty()) {
        throw ScenarioError(pos, "empty line; a sweep table has none (is the file damaged?)");
      }
      if (end == std::string::npos)
        throw ScenarioError(pos, std::string(line_no == 1 ? "the header" : "the last row") +
                                     " has no line end: the file was cut short (was it written "
                                     "completely?)");
      if (!line.empty() && line.back() == '\r')
        throw ScenarioError(pos, "the line ends in a carriage return; memsim writes \\n line ends");
      if (const std::string why = check_csv_row(line, cells); !why.empty())
        throw ScenarioError(pos, why);
      if (line_no == 1) {
        if (header_file.empty()) {
          header = line;
          header_file = name;
          columns = cells.size();
        } else if (line != header) {
          throw ScenarioError(pos, "the header differs from " + header_file +
                                       "'s; were both made by the same sweep command?");
        }
        continue;
      }
      if (cells.size() != columns)
        throw ScenarioError(pos, "the row has " + std::to_string(cells.size()) +
                                     " cells, the header " + std::to_string(columns) +
                                     ": the row is damaged");
      std::size_t point = 0, of = 0;
      if (!number(cells[0], point) || !number(cells[1], of))
        throw ScenarioError(pos,
                            "expected a point number and the grid size in the first two "
                            "columns, got '" +
                                line.substr(0, 40) + "'");
      if (points == 0) {
        points = of;
        points_from = pos;
      } else if (of != points) {
        throw ScenarioError(pos, "this row belongs to a sweep of " + std::to_string(of) +
                                     " points, the row at " + format_pos(points_from) +
                                     " to one of " + std::to_string(points));
      }
      if (point < 1 || point > points)
        throw ScenarioError(
            pos, "point " + std::to_string(point) + " is outside 1.." + std::to_string(points));
      auto [it, fresh] = rows.emplace(point, Row{line, pos});
      if (!fresh)
        throw ScenarioError(pos, "point " + std::to_string(point) + " appears twice (also at " +
                                     format_pos(it->second.pos) + ")");
    }
  }
  if (rows.empty()) throw ScenarioError(SourcePos{}, "no points in any of the files");
  if (rows.size() != points) {
    std::string missing;
    std::size_t listed = 0;
    for (std::size_t p = 1; p <= points; ++p) {
      if (rows.count(p)) continue;
      if (listed < 10) missing += (listed ? ", " : "") + std::to_string(p);
      ++listed;
    }
    if (listed > 10) missing += " and " + std::to_string(listed - 10) + " more";
    throw ScenarioError(SourcePos{}, "points missing from every file: " + missing + " (of " +
                                         std::to_string(points) + "); is a shard file missing?");
  }
  std::string out = header + "\n";
  for (const auto& [point, row] : rows) out += row.text + "\n";
  return out;
}

}  // namespace memsim
