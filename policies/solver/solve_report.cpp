#include "policies/solver/solve_report.h"

#include "sim/core/schedule.h"

namespace memsim {

std::string to_string(SolveStop stop) {
  switch (stop) {
    case SolveStop::finished:
      return "optimal";
    case SolveStop::time_limit:
      return "time-limit";
    case SolveStop::max_states:
      return "max-states";
  }
  return "?";
}

nlohmann::ordered_json solve_report_json(const Graph& graph, const SolveResult& r, bool timings) {
  nlohmann::ordered_json j;
  j["moves"] = r.counts.moves();
  j["loads"] = r.counts.loads;
  j["stores"] = r.counts.stores;
  j["bytes"] = r.counts.bytes();
  j["optimal"] = r.optimal;
  j["lower_bound"] = r.lower_bound;
  j["stop"] = to_string(r.stop);
  auto steps = nlohmann::ordered_json::array();
  for (const Step& s : r.schedule) steps.push_back(describe(graph, s));
  j["schedule"] = std::move(steps);
  j["states"] = r.states_explored;
  if (timings) {
    // Wall-clock figures: they differ from run to run, so only on request.
    j["seconds"] = r.seconds;
    j["states_per_second"] =
        r.seconds > 0 ? static_cast<double>(r.states_explored) / r.seconds : 0.0;
  }
  return j;
}

std::vector<std::string> solve_report_fields(bool timings) {
  std::vector<std::string> f{"moves",       "loads", "stores",   "bytes", "optimal",
                             "lower_bound", "stop",  "schedule", "states"};
  if (timings) f.insert(f.end(), {"seconds", "states_per_second"});
  return f;
}

std::vector<std::string> solve_report_numeric_fields(bool timings) {
  std::vector<std::string> f{"moves",   "loads",       "stores", "bytes",
                             "optimal", "lower_bound", "states"};
  if (timings) f.insert(f.end(), {"seconds", "states_per_second"});
  return f;
}

}  // namespace memsim
