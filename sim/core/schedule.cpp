#include "sim/core/schedule.h"

#include "sim/core/errors.h"

namespace memsim {

std::string_view to_string(StepKind kind) {
  switch (kind) {
    case StepKind::load:
      return "load";
    case StepKind::store:
      return "store";
    case StepKind::compute:
      return "compute";
    case StepKind::drop:
      return "drop";
  }
  return "?";
}

std::string describe(const Graph& graph, const Step& step) {
  std::string out(to_string(step.kind));
  out += ' ';
  out += step.kind == StepKind::compute ? graph.op_name(step.id) : graph.tensor_name(step.id);
  return out;
}

Step parse_step(const Graph& graph, std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r'))
    text.remove_suffix(1);
  const auto space = text.find(' ');
  const std::string_view verb = text.substr(0, space);
  std::string_view name = space == std::string_view::npos ? "" : text.substr(space + 1);
  while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
  for (StepKind kind : {StepKind::load, StepKind::store, StepKind::compute, StepKind::drop}) {
    if (verb != to_string(kind)) continue;
    if (name.empty())
      throw ScheduleError("step \"" + std::string(text) + "\" names no " +
                          (kind == StepKind::compute ? "op" : "tensor"));
    const std::uint32_t id =
        kind == StepKind::compute ? graph.find_op(name) : graph.find_tensor(name);
    if (id == Graph::kNoTensor)
      throw ScheduleError("step \"" + std::string(text) + "\": no " +
                          (kind == StepKind::compute ? "op" : "tensor") + " named '" +
                          std::string(name) + "'");
    return {kind, id};
  }
  throw ScheduleError("step \"" + std::string(text) +
                      "\": expected load, store, compute or drop followed by a name");
}

}  // namespace memsim
