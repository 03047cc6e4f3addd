#include "sim/report/layer_groups.h"

namespace memsim {

std::string_view name_prefix(std::string_view name, int depth) {
  std::size_t end = std::string_view::npos, from = 0;
  for (int d = 0; d < depth; ++d) {
    end = name.find('.', from);
    if (end == std::string_view::npos) return name;
    from = end + 1;
  }
  return name.substr(0, end);
}

std::vector<OpGroup> group_ops(const Graph& graph, std::span<const TimedStep> computes, int depth) {
  std::vector<OpGroup> groups;
  for (const TimedStep& s : computes) {
    if (s.step.kind != StepKind::compute) continue;
    const std::string layer = graph.layer_name(graph.layer_root(graph.op(s.step.id).layer));
    const std::string_view prefix = name_prefix(layer, depth);
    if (groups.empty() || groups.back().name != prefix) {
      groups.push_back({std::string(prefix), s.start, s.end, 0});
    }
    groups.back().end = s.end;
    ++groups.back().ops;
  }
  return groups;
}

}  // namespace memsim
