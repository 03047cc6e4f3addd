#pragma once
// The exact search for the recompute problem (remat_problem.h): Dijkstra over the states
// (how many nodes have had their first computation, which values are in memory), where a step
// drops a value (free) or computes a node whose inputs are in memory and that fits: the next
// node in order (free: every plan pays for it) or one computed before (its cost). The first
// finished state taken from the queue is an optimal plan. It takes graphs of up to 64 nodes and
// stops at a time or state limit; the planner tries it first on small graphs.
#include <cstdint>
#include <optional>

#include "policies/solver/remat_plan.h"
#include "policies/solver/remat_problem.h"

namespace memsim::planner {

inline constexpr std::size_t kExactMaxNodes = 64;

struct ExactOutcome {
  bool finished = false;          // the search ran to its end
  std::optional<RematPlan> plan;  // an optimal plan (finished, and one exists)
  std::uint64_t states = 0;       // states settled
};

// Stops (unfinished) after `seconds` or once it holds `max_states` states (about 50 B each).
ExactOutcome exact_recompute(const RematProblem& problem, double seconds,
                             std::uint64_t max_states = 1'000'000);

}  // namespace memsim::planner
