#pragma once
// Replays a given list of steps (an optimal schedule from `memsim solve`, or any schedule file)
// on the machine's timing model, so it gets a time and stalls like an executor run
// (docs/model.md §9): every step as early as the rules allow, in list order, with the
// executor's rules for free space (pieces), first-come first-served channels and stalls.
#include <span>

#include "sim/core/executor.h"
#include "sim/core/graph.h"
#include "sim/core/machine.h"
#include "sim/core/schedule.h"
#include "sim/core/simulation.h"
#include "sim/core/verifier.h"

namespace memsim {

// Each step is checked by a Verifier (with `options`) in list order before it is timed: a
// step that breaks the model throws the verifier's ScheduleError. Timed steps and stalls go to
// `sink` in list order; the caller checks them in time (run_schedule's TimedVerifier) and the
// end state.
ExecutionTimes replay_schedule(const Graph& graph, std::span<const Step> steps,
                               const Machine& machine, StepSink& sink,
                               VerifierOptions options = {});

// Like run_simulation, but for the given steps instead of the executor's: times from
// replay_schedule, counts from the verifier (reruns allowed: a schedule file may recompute),
// liveness and FLOPs. Throws ScheduleError if the verifier rejects the schedule.
RunResult run_schedule(const Simulation& sim, std::span<const Step> steps,
                       StepSink* observer = nullptr);

}  // namespace memsim
