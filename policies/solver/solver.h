#pragma once
// The exact solver (docs/model.md §10): over every topological order, every eviction and
// store choice (and, optionally, recomputing an op instead of storing its output), the minimum
// number of moves or bytes that runs every op and leaves the required outputs in DRAM.
//
// It is a best-first branch-and-bound (A*) over canonical schedules with an admissible lower
// bound and dominance pruning; an answer is called optimal only when the search has proved it.
// Every returned schedule has been replayed through memsim::verify, and the counts come from it.
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "sim/core/graph.h"
#include "sim/core/schedule.h"
#include "sim/core/verifier.h"

namespace memsim {

enum class SolveObjective : std::uint8_t { moves, bytes };

// Memory the search holds per stored state: a Node (64 B: the state's 40 B of bitsets, its cost,
// parent, chain link and op), its open-list entry (24 B) and its share of the hash slots (4 B
// each, at most half full, twice that while growing: 16 B). Measured: 24 million states took
// 2.3 GB, 96 B a state.
inline constexpr std::uint64_t kSolverBytesPerState = 104;
inline constexpr std::uint64_t kSolverDefaultMaxStates = 24'000'000;  // about 2.5 GB

// Why the search stopped: it proved its answer, or a budget ran out first.
enum class SolveStop : std::uint8_t { finished, time_limit, max_states };

struct SolveOptions {
  SolveObjective objective = SolveObjective::moves;
  bool allow_recompute = false;
  // Stop after this long and return the best schedule found so far (optimal = false unless the
  // search finished). Infinity: no limit.
  double time_limit_seconds = std::numeric_limits<double>::infinity();
  // Memory bound and deterministic budget: stop before expanding a state once this many search
  // states are stored (about kSolverBytesPerState each). Unlike the time limit, the answer
  // then depends only on the input.
  std::uint64_t max_states = kSolverDefaultMaxStates;
};

struct SolveResult {
  std::uint64_t cost = 0;         // in the objective's unit: moves or bytes
  MoveCounts counts;              // from the verifier's replay of `schedule`
  bool optimal = false;           // proved: no schedule has a lower cost
  std::uint64_t lower_bound = 0;  // proved: every schedule costs at least this much
  std::vector<Step> schedule;
  SolveStop stop = SolveStop::finished;  // finished: optimal is true
  double seconds = 0;                    // wall-clock time: varies from run to run
  std::uint64_t states_explored = 0;     // search states expanded
};

// Largest problems the solver accepts: its states are fixed-size bitsets.
inline constexpr std::size_t kSolverMaxOps = 64;
inline constexpr std::size_t kSolverMaxTensors = 128;

// Why the solver cannot take this graph and capacity (too many ops or tensors, a working set
// that does not fit, a required output nothing can produce), or nullopt when it can.
std::optional<std::string> solver_rejects(const Graph& graph, std::uint64_t capacity);

// Requires: solver_rejects(graph, capacity) is nullopt (throws std::invalid_argument with its
// message otherwise). Throws ScheduleError only on an internal bug (a schedule the verifier
// rejects).
SolveResult solve(const Graph& graph, std::uint64_t capacity, const SolveOptions& options = {});

}  // namespace memsim
