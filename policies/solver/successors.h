#pragma once
// One search step of the solver: "run op o next", after evicting (and, where the tensor is
// dirty and still needed, storing) just enough of the cache to fit o's working set.
//
// Why this covers every schedule (each rewrite below never adds a move, so some optimal schedule
// has this canonical form):
//  * A load can be moved to just before the op that needs it: in between it only occupies space,
//    and its DRAM copy cannot change while it is absent from the cache.
//  * A drop of a live tensor can be moved to just before the compute whose working set needs
//    the space: keeping a tensor longer only occupies space. So each step evicts an
//    inclusion-minimal set of tensors outside the op's working set that makes room.
//  * A store can be moved to just before the drop of that tensor (or to the end, for a
//    required output still in the cache): DRAM validity only matters for loading an absent
//    tensor and for dropping it, and a store of a value later rewritten is wasted anyway.
//    So a tensor is stored exactly when it is evicted dirty and still needed.
//  * Without recompute, a dead tensor (no unrun reader, not a required output) is never used
//    again: dropping it right after its last use is free and only frees space.
// With recompute, a dead tensor may still feed a rerun of an op, so dead tensors stay until
// evicted (for free), and evicting a dirty live tensor may either store it or lose it (to be
// recomputed).
#include <vector>

#include "policies/solver/solver_problem.h"

namespace memsim::solver {

struct Successor {
  State next;
  std::uint64_t cost = 0;  // loads before the op plus stores of evicted tensors
  OpId op = 0;
};

// Every state of a finished schedule: all ops ran and every required output is in DRAM or
// still in the cache (then it is stored at the end).
bool is_goal(const Problem& problem, const State& state);
// The stores a goal state still owes: required outputs in the cache with no DRAM copy.
std::uint64_t final_store_cost(const Problem& problem, const State& state);

class SuccessorGenerator {
 public:
  explicit SuccessorGenerator(const Problem& problem) : p_(problem) {}
  // Appends every canonical successor of `state` to `out` (cleared first). With
  // first_runs_only, recompute moves and losing dirty tensors are skipped (the greedy dive).
  void expand(const State& state, bool first_runs_only, std::vector<Successor>& out);

 private:
  void emit_for_eviction(const State& state, OpId o, const TensorSet& evicted, bool first_runs_only,
                         std::vector<Successor>& out);
  void minimal_evictions(const TensorSet& candidates, std::int64_t deficit, const State& state,
                         OpId o, bool first_runs_only, std::vector<Successor>& out);

  const Problem& p_;
  TensorSet live_;              // of the state being expanded
  TensorSet loads_;             // of the op being expanded
  std::vector<TensorId> pool_;  // eviction candidates
  std::vector<TensorId> pick_;  // the subset being built
};

}  // namespace memsim::solver
