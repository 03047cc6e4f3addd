#pragma once
// The discrete-event executor (docs/model.md §4): runs ops in order on one compute unit,
// moves tensors over FCFS DRAM channels, asks the eviction policy for space, and reports every
// step to a sink in the order it decides them (the order the verifier replays).
#include <cstdint>
#include <span>
#include <vector>

#include "sim/core/eviction.h"
#include "sim/core/graph.h"
#include "sim/core/machine.h"
#include "sim/core/schedule.h"

namespace memsim {

struct ExecutorOptions {
  // Loads of ops i+1..i+L are issued when op i becomes current: none = 0, double-buffer = 1.
  std::uint32_t lookahead = 0;
};

// One link's busy time and the stall charged to it (docs/model.md §15.4, §15.5).
struct LinkTimes {
  double busy = 0;         // time at least one of its channels is transferring
  double stall_load = 0;   // load stall charged to the link
  double stall_store = 0;  // store stall charged to the link
};

struct ExecutionTimes {
  double time = 0;          // until the last op and the last transfer are done
  double compute_busy = 0;  // sum of op durations
  double dram_busy = 0;     // time at least one channel is transferring
  double stall_load = 0;    // compute idle while ops remain, waiting for a load
  double stall_store = 0;   // ... waiting for a store that frees space
  double stall() const { return stall_load + stall_store; }
  // Link k at index k - 1, on a machine with more than two levels (on two, link 1's figures
  // are dram_busy, stall_load and stall_store, and this is empty).
  std::vector<LinkTimes> links;
};

// One hop of the load chain that brought a tensor's copy into the cache (docs/model.md
// §15.2): when it ended and over which link.
struct ChainHop {
  double end;
  std::uint32_t link;
};

// docs/model.md §15.4: charges the stall [idle_from, start) to the links: its store part
// (until store_wait) to `store_link`, its load part by the hops of `chain` (the chain of the
// op's input with the latest ready time; empty when that copy did not come over deeper links)
// and the rest to link 1. `links` holds link k at index k - 1.
void charge_link_stalls(double idle_from, double start, double store_wait, std::uint32_t store_link,
                        std::span<const ChainHop> chain, std::vector<LinkTimes>& links);

// The compute unit idled from `idle_from` until op `o` started at `start`. The part until the
// stores that free the op's space end (`store_wait`) is a store stall, the rest a load stall:
// adds both to `times` and reports them to `sink`. One rule for the executor and the replay.
void account_stall(double idle_from, double start, double store_wait, OpId o, StepSink& sink,
                   ExecutionTimes& times);

// Requires: `order` is a topological order of every op; each working set fits the cache.
// Throws std::logic_error if the executor cannot make progress (a bug, not bad input).
ExecutionTimes execute(const Graph& graph, std::span<const OpId> order, const Machine& machine,
                       EvictionPolicy& policy, const ExecutorOptions& options, StepSink& sink);

class VerifyingSink;
// The same, reporting to the verifier's sink without a virtual call per step (every run of
// run_simulation goes through it).
ExecutionTimes execute(const Graph& graph, std::span<const OpId> order, const Machine& machine,
                       EvictionPolicy& policy, const ExecutorOptions& options, VerifyingSink& sink);

class PipelinedSink;
// The same, appending to the queue of a verifier on a second thread (sim/core/pipelined_sink.h).
ExecutionTimes execute(const Graph& graph, std::span<const OpId> order, const Machine& machine,
                       EvictionPolicy& policy, const ExecutorOptions& options, PipelinedSink& sink);

}  // namespace memsim
