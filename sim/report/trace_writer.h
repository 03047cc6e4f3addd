#pragma once
// A run as a Chrome trace-event JSON object, the format Perfetto (ui.perfetto.dev) and
// chrome://tracing open. One process; a thread (track) per DRAM channel and one for compute;
// a complete ("X") slice per load, store and op, and per stall on the compute track; counter
// ("C") tracks for the cache in use and the live memory. Timestamps are microseconds; in
// uniform mode one time unit of the scenario is shown as 1 us.
#include <nlohmann/json.hpp>

#include "sim/core/simulation.h"
#include "sim/report/timeline.h"

namespace memsim {

// Thread ids of the tracks: DRAM channel c is kTraceFirstChannelTid + c.
inline constexpr int kTracePid = 1;
inline constexpr int kTraceComputeTid = 1;
inline constexpr int kTraceFirstChannelTid = 2;

// `recorder` holds the steps and stalls of run_simulation(sim, &recorder).
nlohmann::ordered_json chrome_trace_json(const Simulation& sim, const TimelineRecorder& recorder);

}  // namespace memsim
