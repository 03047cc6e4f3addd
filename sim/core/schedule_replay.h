#pragma once
// Replays a given list of steps (an optimal schedule from `memsim solve`, or any schedule file)
// on the machine's timing model, so it gets a time and stalls like an executor run:
//  * transfers go to the FCFS DRAM channels in list order and take
//    latency + bytes / bandwidth (uniform mode: transfer_time);
//  * a load starts once the cache space it needs has been freed by earlier drops in the list
//    (and once an earlier store of the same tensor has ended);
//  * a drop frees its space when the tensor's last listed use, its load or production, and its
//    last store have ended;
//  * one compute unit runs the ops in list order, each when its inputs are loaded, space for
//    its outputs is free and the previous op ended, taking flops / throughput (uniform: op_time);
//  * the compute unit's idle time before an op is a stall, charged to stores as far as it
//    waited for space that a store had to free first, to loads otherwise (as in the executor).
#include <span>

#include "sim/core/executor.h"
#include "sim/core/graph.h"
#include "sim/core/machine.h"
#include "sim/core/schedule.h"
#include "sim/core/simulation.h"
#include "sim/core/verifier.h"

namespace memsim {

// Each step is checked by a Verifier (with `options`) before it is timed: a step that breaks
// the model throws the verifier's ScheduleError. Timed steps and stalls go to `sink` in list
// order. Does not check the end state (the caller's verifier finish() does).
ExecutionTimes replay_schedule(const Graph& graph, std::span<const Step> steps,
                               const Machine& machine, StepSink& sink,
                               VerifierOptions options = {});

// Like run_simulation, but for the given steps instead of the executor's: times from
// replay_schedule, counts from the verifier (reruns allowed: a schedule file may recompute),
// liveness and FLOPs. Throws ScheduleError if the verifier rejects the schedule.
RunResult run_schedule(const Simulation& sim, std::span<const Step> steps,
                       StepSink* observer = nullptr);

}  // namespace memsim
