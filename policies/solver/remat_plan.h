#pragma once
// A plan for the recompute problem (remat_problem.h) and how it becomes memsim steps.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "policies/solver/remat_problem.h"
#include "sim/core/schedule.h"

namespace memsim::planner {

struct RematAction {
  enum Kind : std::uint8_t { compute, drop } kind = compute;
  std::uint32_t node = 0;
  friend bool operator==(const RematAction&, const RematAction&) = default;
};
using RematPlan = std::vector<RematAction>;

struct PlanCheck {
  bool ok = false;
  std::string error;             // why not, when !ok
  double recompute_cost = 0;     // the cost of every computation after a node's first
  std::uint64_t reruns = 0;      // how many such computations
  std::uint64_t peak_bytes = 0;  // in memory at the fullest moment
};

// Replays a plan against the problem's rules (first computations in order, inputs in memory,
// the budget, nothing computed while it is in memory, every node computed) and costs it.
PlanCheck check_plan(const RematProblem& problem, const RematPlan& plan);

// The memsim steps of a plan: a compute of an op node is `compute`, of a DRAM tensor's node a
// `load`; a drop drops the node's tensors, storing first a required output whose DRAM copy is
// stale; required outputs still in the cache at the end are stored.
std::vector<Step> plan_steps(const Graph& graph, const RematProblem& problem,
                             const RematPlan& plan);

}  // namespace memsim::planner
