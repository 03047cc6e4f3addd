#include "sim/report/trace_writer.h"

#include <algorithm>
#include <string>
#include <vector>

#include "sim/core/liveness.h"
#include "sim/core/occupancy.h"

namespace memsim {
namespace {

using json = nlohmann::ordered_json;

json metadata(const char* what, int tid, const std::string& key, const json& value) {
  json e;
  e["name"] = what;
  e["ph"] = "M";
  e["pid"] = kTracePid;
  e["tid"] = tid;
  e["args"][key] = value;
  return e;
}

// A counter sample; samples are sorted by time and, at equal times, only the last is kept
// (the state after everything that happened at that instant).
struct Sample {
  double ts;
  std::uint64_t value;
};

void add_counter(json& events, const char* name, const char* unit, std::vector<Sample> samples) {
  std::stable_sort(samples.begin(), samples.end(),
                   [](const Sample& a, const Sample& b) { return a.ts < b.ts; });
  for (std::size_t i = 0; i < samples.size(); ++i) {
    if (i + 1 < samples.size() && samples[i + 1].ts == samples[i].ts) continue;
    json e;
    e["name"] = name;
    e["ph"] = "C";
    e["ts"] = samples[i].ts;
    e["pid"] = kTracePid;
    e["tid"] = 0;
    e["args"][unit] = samples[i].value;
    events.push_back(std::move(e));
  }
}

}  // namespace

json chrome_trace_json(const Simulation& sim, const TimelineRecorder& rec) {
  const Graph& g = sim.graph;
  const bool uniform = sim.machine.uniform;
  // Byte mode runs in seconds; the trace format counts microseconds.
  const double scale = uniform ? 1.0 : 1e6;
  const char* unit = uniform ? "tensors" : "bytes";
  json events = json::array();
  events.push_back(metadata("process_name", 0, "name", "memsim: " + sim.name));
  // The lecture draws memory above compute: channels sort first.
  for (std::uint32_t c = 0; c < sim.machine.dram_channels; ++c) {
    const int tid = kTraceFirstChannelTid + static_cast<int>(c);
    events.push_back(metadata("thread_name", tid, "name", "DRAM channel " + std::to_string(c)));
    events.push_back(metadata("thread_sort_index", tid, "sort_index", static_cast<int>(c)));
  }
  events.push_back(metadata("thread_name", kTraceComputeTid, "name", "compute"));
  events.push_back(metadata("thread_sort_index", kTraceComputeTid, "sort_index",
                            static_cast<int>(sim.machine.dram_channels)));

  std::vector<std::size_t> position(g.op_count(), 0);
  for (std::size_t i = 0; i < sim.order.size(); ++i) position[sim.order[i]] = i;
  const std::vector<std::uint64_t> live = live_bytes_by_position(g, sim.order);
  std::vector<Sample> cache;
  for (const OccupancySample& o : occupancy_curve(g, rec.steps()))
    cache.push_back({o.t * scale, o.bytes});
  std::vector<Sample> live_samples;

  for (const TimedStep& s : rec.steps()) {
    if (s.resource == Resource::cache) continue;  // a drop: seen in the cache counter only
    json e;
    const bool op = s.step.kind == StepKind::compute;
    e["name"] = std::string(op ? g.op_name(s.step.id) : g.tensor_name(s.step.id));
    e["cat"] = std::string(to_string(s.step.kind));
    e["ph"] = "X";
    e["ts"] = s.start * scale;
    e["dur"] = (s.end - s.start) * scale;
    e["pid"] = kTracePid;
    e["tid"] = op ? kTraceComputeTid : kTraceFirstChannelTid + s.channel;
    if (op) {
      e["args"]["flops"] = g.op(s.step.id).flops;
      e["args"]["phase"] = std::string(to_string(g.op(s.step.id).phase));
      e["args"]["working_set_" + std::string(unit)] = g.working_set_bytes(s.step.id);
      live_samples.push_back({s.start * scale, live[position[s.step.id]]});
    } else {
      e["args"][unit] = g.tensor(s.step.id).bytes;
      e["args"]["tensor_kind"] = std::string(to_string(g.tensor(s.step.id).kind));
    }
    events.push_back(std::move(e));
  }
  for (const TimelineStall& st : rec.stalls()) {
    json e;
    e["name"] = st.waiting_for_store ? "stall: waiting for a store" : "stall: waiting for a load";
    e["cat"] = "stall";
    e["ph"] = "X";
    e["ts"] = st.start * scale;
    e["dur"] = (st.end - st.start) * scale;
    e["pid"] = kTracePid;
    e["tid"] = kTraceComputeTid;
    e["args"]["before_op"] = std::string(g.op_name(st.op));
    events.push_back(std::move(e));
  }
  add_counter(events, "cache in use", unit, std::move(cache));
  add_counter(events, "live", unit, std::move(live_samples));

  json trace;
  trace["traceEvents"] = std::move(events);
  trace["otherData"]["scenario"] = sim.name;
  trace["otherData"]["time_unit"] =
      uniform ? "1 time unit of the scenario is shown as 1 us" : "microseconds";
  return trace;
}

}  // namespace memsim
