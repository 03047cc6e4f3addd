#pragma once
// The closure bound of the recompute problem (docs/model.md §14.1, step 1b): the stage
// knapsack of remat_knapsack.h with the inputs that a value left out needs when it comes back.
//
// Take any plan and the moment P_t node t is first computed, M the values in memory then (t's
// working set among them, at most the budget in all). A value u < t that a later first
// computation reads is in M or is computed again after P_t; when it is, its inputs are in
// memory, so each input w not in M was computed after P_t as well; and so on. Every value so
// computed after P_t costs at least its cost once. So the cost of the plan is at least
//
//   min  sum_u cost_u y_u
//   s.t. x_u + y_u >= 1               for every u < t read by a later first computation (not t)
//        x_w + y_w >= y_u             for every input w of such a u or of a y-node, w < t
//        sum_u bytes_u x_u <= budget - working set of t,   x, y in {0, 1}
//
// (x_u: u in M besides t's working set; y_u: u computed after P_t; t's inputs are in M.)
// Unlike the knapsack, a value left out whose inputs are gone costs them too, which is where
// random layered graphs spend most of their recomputes. Each stage's program is small (two
// columns per value that is read later or is an ancestor of one through values t does not
// read) and solved with COIN-OR CBC.
#include <cstdint>
#include <vector>

#include "policies/solver/remat_problem.h"

namespace memsim::planner {

struct ClosureBound {
  double bound = 0;         // proved: every plan costs at least this much
  std::uint32_t stage = 0;  // the stage that gave it
  bool solved = false;      // that stage's program was solved to optimality (else CBC's bound)
  // The values computed again after P_t in that stage's solution (y = 1), when solved.
  std::vector<std::uint32_t> recomputed;
};

// The program's linear relaxation at every stage where the values read later do not all fit,
// then the integer program at those stages in decreasing order of their relaxation (the
// likeliest first), within `seconds` of wall-clock time in all (CBC's bound where its clock
// stopped it). `floor` is a bound known already: the result is reported only above it.
ClosureBound closure_bound(const RematProblem& problem, double seconds, double floor = 0);

// One stage's program: its optimum (or CBC's bound when `seconds` stopped it), and
// `recomputed` receives its values with y = 1. `relaxed`: the linear relaxation only.
double stage_closure_bound(const RematProblem& problem, std::uint32_t stage, double seconds,
                           bool relaxed, bool* solved = nullptr,
                           std::vector<std::uint32_t>* recomputed = nullptr);

}  // namespace memsim::planner
