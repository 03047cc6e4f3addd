#pragma once
// The admissible lower bound the search is guided and pruned by.
#include "policies/solver/solver_problem.h"

namespace memsim::solver {

// A cost every schedule finishing from `state` must still pay (never more than the truth):
//  * every tensor an unrun op reads that is absent from the cache but in DRAM must be loaded
//    at least once (with recompute only tensors no op produces: the others could be rerun);
//  * every required output without a DRAM copy must be stored at least once.
// The two sets are disjoint moves (loads vs stores), so their sum is admissible.
std::uint64_t lower_bound(const Problem& problem, const State& state);

}  // namespace memsim::solver
