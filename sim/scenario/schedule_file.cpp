#include "sim/scenario/schedule_file.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "sim/core/errors.h"
#include "sim/io/input_file.h"

namespace memsim {

std::vector<Step> parse_schedule_text(const Graph& graph, std::string_view text,
                                      const std::string& file) {
  std::vector<Step> steps;
  std::uint32_t line_number = 0;
  while (!text.empty()) {
    const auto end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    ++line_number;
    const auto first = line.find_first_not_of(" \t\r");
    if (first == std::string_view::npos || line[first] == '#') continue;
    try {
      steps.push_back(parse_step(graph, line));
    } catch (const ScheduleError& e) {
      throw ScenarioError(SourcePos{file, line_number, static_cast<std::uint32_t>(first + 1)},
                          e.what());
    }
  }
  return steps;
}

std::vector<Step> read_schedule_file(const Graph& graph, const std::string& path) {
  return parse_schedule_text(graph, read_input_file(path, "schedule file"), path);
}

void write_schedule(std::ostream& out, const Graph& graph, std::span<const Step> steps) {
  for (const Step& s : steps) out << describe(graph, s) << "\n";
}

}  // namespace memsim
