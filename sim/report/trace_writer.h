#pragma once
// A run as a Chrome trace-event JSON object, the format Perfetto (ui.perfetto.dev) and
// chrome://tracing open. One process; a thread (track) per DRAM channel and one for compute;
// a complete ("X") slice per load, store and op, and per stall on the compute track; counter
// ("C") tracks for the cache in use and the live memory. Timestamps are microseconds; in
// uniform mode one time unit of the scenario is shown as 1 us.
#include <nlohmann/json.hpp>
#include <ostream>

#include "sim/core/simulation.h"
#include "sim/report/timeline.h"

namespace memsim {

// Thread ids of the tracks: DRAM channel c is kTraceFirstChannelTid + c; channel c of link k
// (k >= 2, docs/model.md §15.1) is kTraceFirstChannelTid + 1000 * (k - 1) + c.
inline constexpr int kTracePid = 1;
inline constexpr int kTraceComputeTid = 1;
inline constexpr int kTraceFirstChannelTid = 2;

// Writes the trace as JSON text, event by event (no JSON tree in memory: a run of 10^6 events
// is written in about a second). `recorder` holds the steps and stalls of
// run_simulation(sim, &recorder).
void write_chrome_trace(std::ostream& out, const Simulation& sim, const TimelineRecorder& recorder);

// The same trace as a JSON object (for tests and small runs).
nlohmann::ordered_json chrome_trace_json(const Simulation& sim, const TimelineRecorder& recorder);

}  // namespace memsim
