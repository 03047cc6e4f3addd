#include "policies/solver/plan_report.h"

#include "sim/core/schedule.h"

namespace memsim {

nlohmann::ordered_json plan_report_json(const Graph& graph, PlanObjective objective,
                                        const PlannerResult& r, bool timings) {
  nlohmann::ordered_json j;
  j["objective"] = std::string(to_string(objective));
  j["feasible"] = r.found;
  if (!r.found) j["why"] = r.infeasible ? r.why : "no schedule found within the time limit";
  if (r.found) j["cost"] = r.cost;
  j["lower_bound"] = r.lower_bound;
  if (r.found) {
    j["gap"] = r.gap();
    j["optimal"] = r.optimal;
    j["found_by"] = r.found_by;
  }
  j["bound_by"] = r.bound_by;
  if (objective == PlanObjective::recompute) {
    j["budget_bytes"] = r.budget_bytes;
    j["peak_without_recompute"] = r.peak_without_recompute;
  }
  if (r.found) {
    j["reruns"] = r.reruns;
    j["recompute_flops"] = r.recompute_flops;
    j["time_s"] = r.run.times.time;
    j["moves"] = r.run.counts.moves();
    j["loads"] = r.run.counts.loads;
    j["stores"] = r.run.counts.stores;
    j["bytes"] = r.run.counts.bytes();
    auto steps = nlohmann::ordered_json::array();
    for (const Step& s : r.schedule) steps.push_back(describe(graph, s));
    j["schedule"] = std::move(steps);
  }
  if (timings) j["seconds"] = r.seconds;
  return j;
}

}  // namespace memsim
