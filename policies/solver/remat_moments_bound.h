#pragma once
// The moments bound of the recompute problem (docs/model.md §14.1, step 1c): the closure bound
// of remat_closure_bound.h at several first computations at once, so that a value left out at
// one moment and needed again after the next is paid for in each interval it comes back in.
//
// Moments t_1 < ... < t_k; interval a runs from P_{t_a} (node t_a's first computation) to
// P_{t_{a+1}} (to the end for a = k). For each a and each value u < t_a that t_a does not read
// and that a first computation after t_a reads (or an input, recursively through values t_a does
// not read, of such a value):
//
//   x[a][u]  u in memory at P_{t_a};   z[a][u]  u computed (again) in interval a
//   x[a][u] + z[a][u] >= 1        when a first computation in interval a reads u
//   x[a+1][u] <= x[a][u] + z[a][u]   (in memory at P_{t_{a+1}}: held since P_{t_a} or computed
//                                     in between; when u is a variable at both moments; t_a's
//                                     inputs are in memory at P_{t_a})
//   z[a][w] + x[a][w] >= z[a][u]  for every input w of u that is a variable at a
//   sum_u bytes_u x[a][u] <= budget - working set of t_a
//   minimise sum_a sum_u cost_u z[a][u].
//
// Every plan gives a solution (read x and z off it) of at most its cost (the intervals are
// disjoint, and each z = 1 is a computation after a node's first), so the optimum, and any
// bound CBC proves on it, is a lower bound. With one moment it is the closure program.
#include <cstdint>
#include <vector>

#include "policies/solver/remat_problem.h"

namespace memsim::planner {

// The program for `moments` (ascending), within `seconds`: its optimum, or CBC's bound when the
// clock stopped it (then `solved` is false).
double moments_program(const RematProblem& problem, const std::vector<std::uint32_t>& moments,
                       double seconds, bool* solved = nullptr);

// A set of moments whose program CBC's clock stopped: the time it had and the bound it proved.
struct OpenMoments {
  std::vector<std::uint32_t> moments;
  double seconds = 0;
  double bound = 0;
};

// The programs for the 2, 3, 4, 6 and 8 highest *peaks* (stages whose closure relaxation is
// above that of the stage just before and at least that of the stage just after, 0 for a stage
// without a positive one) within the first half of `seconds` (the relaxations' time included),
// then for the spread sets of 3, 4 and 6 stages (the stages with a positive relaxation, in node
// order, cut into that many runs, the highest of each run) within the rest; each set one
// program, given an equal share of the time left for its kind: the highest bound found above
// `floor` (else `floor`). The sets CBC's clock stopped go to `open`, when given.
double moments_bound(const RematProblem& problem, double seconds, double floor,
                     std::vector<OpenMoments>* open = nullptr);

}  // namespace memsim::planner
