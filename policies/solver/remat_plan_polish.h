#pragma once
// Local improvements of a valid recompute plan (docs/model.md §14.1 step 2a'), applied in turn
// until none changes anything:
//  - *early drops*: each drop moves to just after the last computation that reads the value
//    since it was computed (memory only falls, and more holds fit);
//  - *hold*: a value dropped and later computed again is held instead (the drop and the rerun
//    removed) when memory after every computation in between, with the value, stays within the
//    budget; by decreasing cost of the rerun;
//  - *unread*: a rerun whose value no computation reads before it is dropped (or before the
//    plan ends) is removed with its drop.
// Each keeps the plan valid (a dropped value is not read again before it is computed again; a
// held value is in memory for every read in between; a removed
// rerun was read by nothing, and memory only falls) and its cost never rises.
#include "policies/solver/remat_plan.h"
#include "policies/solver/remat_problem.h"

namespace memsim::planner {

// `plan` must be valid (check_plan accepts it); so is the result, of at most its cost.
RematPlan polish_plan(const RematProblem& problem, const RematPlan& plan);

}  // namespace memsim::planner
