#include "policies/solver/solve_report.h"

#include "sim/core/schedule.h"

namespace memsim {

nlohmann::ordered_json solve_report_json(const Graph& graph, const SolveResult& r) {
  nlohmann::ordered_json j;
  j["moves"] = r.counts.moves();
  j["loads"] = r.counts.loads;
  j["stores"] = r.counts.stores;
  j["bytes"] = r.counts.bytes();
  j["optimal"] = r.optimal;
  j["lower_bound"] = r.lower_bound;
  auto steps = nlohmann::ordered_json::array();
  for (const Step& s : r.schedule) steps.push_back(describe(graph, s));
  j["schedule"] = std::move(steps);
  j["seconds"] = r.seconds;
  j["states"] = r.states_explored;
  return j;
}

}  // namespace memsim
