#pragma once
// A schedule is a list of steps; the executor and the solver both produce one, and the verifier
// replays it (docs/model.md §8).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sim/core/graph.h"

namespace memsim {

enum class StepKind : std::uint8_t { load, store, compute, drop };
std::string_view to_string(StepKind kind);

struct Step {
  StepKind kind = StepKind::compute;
  std::uint32_t id = 0;  // a TensorId for load/store/drop, an OpId for compute
  friend bool operator==(const Step&, const Step&) = default;
};

// "load X0", "compute fwd1", ... as written in schedule files and JSON.
std::string describe(const Graph& graph, const Step& step);

// Parses one step written by describe(); throws ScheduleError naming the problem.
Step parse_step(const Graph& graph, std::string_view text);

// Where a timed step ran: a DRAM channel, the compute unit, or neither (a drop).
enum class Resource : std::uint8_t { dram, compute, cache };

// A step with the times the executor gave it. Steps arrive in decision order, which is the
// order the verifier replays; start times are not always increasing (queued transfers).
// A drop happens at `start` (== end); a load's tensor occupies the cache from `issued`
// (docs/model.md §3), which may be before the transfer starts; other steps leave it 0.
struct TimedStep {
  double start = 0;
  double end = 0;
  Step step;
  Resource resource = Resource::cache;
  std::uint16_t channel = 0;
  double issued = 0;
  // The link a load or store hops over (docs/model.md §15.2): link k joins level k and level
  // k + 1, so 1 is the cache's link to the DRAM, the only one on a two-level machine.
  std::uint8_t link = 1;
};

// Receives the executor's steps as they are decided.
class StepSink {
 public:
  virtual ~StepSink() = default;
  virtual void on_step(const TimedStep& step) = 0;
  // The compute unit idled in [start, end) before `op` for the given cause.
  virtual void on_stall(double start, double end, OpId op, bool waiting_for_store) {
    (void)start, (void)end, (void)op, (void)waiting_for_store;
  }
  // A prefetch decision: looking ahead to `op` (not yet current), the executor loaded
  // `tensor` for it (issued; the load step follows) or left it out for lack of room without
  // evicting what the look-ahead window needs (skipped). Only tensors `op` lacks that have a
  // copy in DRAM are decided on. A replayed schedule makes no decisions.
  virtual void on_prefetch(OpId op, TensorId tensor, bool issued) {
    (void)op, (void)tensor, (void)issued;
  }
  // A promise: every step after this call has all its times >= `time` (the executor's
  // decision points, docs/model.md §4). Lets the timed verifier settle the past as it goes.
  virtual void on_decision_point(double time) { (void)time; }
};

}  // namespace memsim
