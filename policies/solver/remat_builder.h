#pragma once
// Builds plans for the recompute problem by simulation: nodes are computed for the first time
// in order; a missing input is computed again (recursively, its own missing inputs first); when
// a computation does not fit, values are dropped, the least valuable first. Without a guide it
// is a greedy heuristic (in the spirit of Dynamic Tensor Rematerialization: a value's worth is
// its cost to compute again over its size and the time until it is next needed); with a guide
// (what to keep and what to recompute before each first computation, e.g. from the integer
// program in remat_milp.h) it follows the guide and repairs it where memory runs over.
#include <optional>
#include <vector>

#include "policies/solver/remat_plan.h"
#include "policies/solver/remat_problem.h"

namespace memsim::planner {

// Per stage t (the actions before node t's first computation, and that computation): which
// values to hold while node t is computed, and which to compute again in the stage.
struct RematGuide {
  std::vector<std::vector<std::uint32_t>> keep;
  std::vector<std::vector<std::uint32_t>> recompute;
};

// The guide without the recomputes that nothing uses: in stage t a recompute of i is kept when
// i is held at the stage's end (in keep[t]), node t reads it, or a kept recompute later in the
// stage reads it; the others are removed (walking each stage's recomputes backwards). Such
// recomputes are the integer program's free choices where a node costs nothing (a tensor loaded
// from DRAM): the program checks memory only when each stage ends, so computing a free value
// again in every stage and never holding it costs it nothing, but a plan following it to the
// letter would hold that value while the stage runs. The order of the kept ones is unchanged.
RematGuide prune_guide(const RematProblem& problem, RematGuide guide);

enum class EvictionRule : std::uint8_t {
  worth,     // cost to compute again / (bytes x distance to next use): drop the lowest
  farthest,  // the value needed last (Belady's rule), then the cheapest per byte
  largest,   // the largest value, then the one needed last
};

// A valid plan (check_plan accepts it), or nullopt when the builder got stuck: a computation
// that needs more memory than the values it may drop free.
std::optional<RematPlan> build_plan(const RematProblem& problem, EvictionRule rule,
                                    const RematGuide* guide = nullptr);

// Where following `guide` to the letter (each stage's recomputes in order, every value dropped
// as soon as the guide no longer needs it, nothing else dropped) runs over the budget: the
// (stage, node) of each computation that does not fit, in plan order. Empty: the guide is a
// valid plan as it stands, and `plan` (if given) receives it.
struct GuideOverrun {
  std::uint32_t stage = 0;
  std::uint32_t node = 0;
};
std::vector<GuideOverrun> guide_overruns(const RematProblem& problem, const RematGuide& guide,
                                         RematPlan* plan = nullptr);

}  // namespace memsim::planner
