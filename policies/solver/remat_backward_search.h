#pragma once
// The backward search of the recompute problem (docs/model.md §14.1, "Backward search"): from
// the values held now, a sequence of actions that ends with node t computed, found by walking
// back from t. Its state is the set S of values that must be in memory (besides the held ones)
// at a point of the plan; a step back over a computation of a value j in S replaces j by its
// inputs, and is allowed when the held values, S and j's inputs fit the budget together (they
// are all in memory while j is computed). S = {t} at t's computation; the search succeeds when
// S is empty (everything needed is held).
//
// Every plan, read backwards from t's first computation, walks such a path down to the empty
// set (from empty memory), so when the search from nothing held exhausts every set it can
// reach without finding the empty one, no plan exists at all. Depth first, the latest node
// first (the order that walks back through the graph as a plan without recompute would), each
// set visited once.
#include <cstdint>
#include <vector>

#include "policies/solver/deadline.h"
#include "policies/solver/remat_plan.h"
#include "policies/solver/remat_problem.h"

namespace memsim::planner {

struct BackwardSearch {
  enum Outcome : std::uint8_t { found, none, unknown } outcome = unknown;
  // When found: computes and drops that take memory from the held values to the held values,
  // t and its inputs (their computation's working set), computing t last. Every value it
  // computes besides t is earlier than t.
  RematPlan actions;
  std::uint64_t states = 0;  // sets visited
};

// `held` (one flag per node, t's not set): values in memory that stay there. `max_states`:
// the search gives up (unknown) after visiting that many sets, or at the `deadline`.
BackwardSearch backward_search(const RematProblem& problem, std::uint32_t t,
                               const std::vector<char>& held, std::uint64_t max_states,
                               const Deadline& deadline = {});

}  // namespace memsim::planner
