#include "sim/report/trace_writer.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "sim/core/liveness.h"
#include "sim/core/occupancy.h"

namespace memsim {
namespace {

// JSON text written directly (a 10^6-event trace would need gigabytes as a json tree).
void put_string(std::ostream& out, std::string_view text) {
  out << '"';
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out << '\\' << ch;
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out << buf;
    } else {
      out << ch;
    }
  }
  out << '"';
}

void put_number(std::ostream& out, double v) {
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  (void)ec;
  out.write(buf, end - buf);
}

void metadata(std::ostream& out, const char* what, int tid, const char* key,
              const std::string& text, int number, bool is_text) {
  out << ",\n{\"name\":\"" << what << "\",\"ph\":\"M\",\"pid\":" << kTracePid << ",\"tid\":" << tid
      << ",\"args\":{\"" << key << "\":";
  if (is_text)
    put_string(out, text);
  else
    out << number;
  out << "}}";
}

// A counter sample; samples are sorted by time and, at equal times, only the last is kept
// (the state after everything that happened at that instant).
struct Sample {
  double ts;
  std::uint64_t value;
};

void put_counter(std::ostream& out, const char* name, const char* unit,
                 std::vector<Sample> samples) {
  std::stable_sort(samples.begin(), samples.end(),
                   [](const Sample& a, const Sample& b) { return a.ts < b.ts; });
  for (std::size_t i = 0; i < samples.size(); ++i) {
    if (i + 1 < samples.size() && samples[i + 1].ts == samples[i].ts) continue;
    out << ",\n{\"name\":\"" << name << "\",\"ph\":\"C\",\"ts\":";
    put_number(out, samples[i].ts);
    out << ",\"pid\":" << kTracePid << ",\"tid\":0,\"args\":{\"" << unit
        << "\":" << samples[i].value << "}}";
  }
}

}  // namespace

void write_chrome_trace(std::ostream& out, const Simulation& sim, const TimelineRecorder& rec) {
  const Graph& g = sim.graph;
  const bool uniform = sim.machine.uniform;
  // Byte mode runs in seconds; the trace format counts microseconds.
  const double scale = uniform ? 1.0 : 1e6;
  const char* unit = uniform ? "tensors" : "bytes";
  out << "{\"traceEvents\":[\n{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":" << kTracePid
      << ",\"tid\":0,\"args\":{\"name\":";
  put_string(out, "memsim: " + sim.name);
  out << "}}";
  // The lecture draws memory above compute: channels sort first.
  for (std::uint32_t c = 0; c < sim.machine.dram_channels; ++c) {
    const int tid = kTraceFirstChannelTid + static_cast<int>(c);
    metadata(out, "thread_name", tid, "name", "DRAM channel " + std::to_string(c), 0, true);
    metadata(out, "thread_sort_index", tid, "sort_index", "", static_cast<int>(c), false);
  }
  // Links below the DRAM link (docs/model.md §15.1): a thread per channel, 1000 apart per link.
  for (std::uint32_t link = 2; link < sim.machine.level_count(); ++link)
    for (std::uint32_t c = 0; c < sim.machine.link_channels(link); ++c) {
      const int at = 1000 * static_cast<int>(link - 1) + static_cast<int>(c);
      metadata(out, "thread_name", kTraceFirstChannelTid + at, "name",
               "link " + std::to_string(link) + " (" + sim.machine.level_name(link) + " - " +
                   sim.machine.level_name(link + 1) + ") channel " + std::to_string(c),
               0, true);
      metadata(out, "thread_sort_index", kTraceFirstChannelTid + at, "sort_index", "", at, false);
    }
  metadata(out, "thread_name", kTraceComputeTid, "name", "compute", 0, true);
  // Compute sorts after every channel of every link.
  const std::uint32_t levels = sim.machine.level_count();
  metadata(out, "thread_sort_index", kTraceComputeTid, "sort_index", "",
           static_cast<int>(levels > 2 ? 1000 * (levels - 1) : sim.machine.dram_channels), false);

  std::vector<std::size_t> position(g.op_count(), 0);
  for (std::size_t i = 0; i < sim.order.size(); ++i) position[sim.order[i]] = i;
  const std::vector<std::uint64_t> live = live_bytes_by_position(g, sim.order);
  std::vector<Sample> live_samples;
  live_samples.reserve(g.op_count());

  for (const TimedStep& s : rec.steps()) {
    if (s.resource == Resource::cache) continue;  // a drop: seen in the cache counter only
    const bool op = s.step.kind == StepKind::compute;
    out << ",\n{\"name\":";
    put_string(out, op ? g.op_name(s.step.id) : g.tensor_name(s.step.id));
    out << ",\"cat\":\"" << to_string(s.step.kind) << "\",\"ph\":\"X\",\"ts\":";
    put_number(out, s.start * scale);
    out << ",\"dur\":";
    put_number(out, (s.end - s.start) * scale);
    out << ",\"pid\":" << kTracePid << ",\"tid\":"
        << (op ? kTraceComputeTid
               : kTraceFirstChannelTid + 1000 * static_cast<int>(s.link - 1) + s.channel)
        << ",\"args\":{";
    if (op) {
      out << "\"flops\":";
      put_number(out, g.op(s.step.id).flops);
      out << ",\"phase\":\"" << to_string(g.op(s.step.id).phase) << "\",\"working_set_" << unit
          << "\":" << g.working_set_bytes(s.step.id) << "}}";
      live_samples.push_back({s.start * scale, live[position[s.step.id]]});
    } else {
      out << "\"" << unit << "\":" << g.tensor(s.step.id).bytes << ",\"tensor_kind\":\""
          << to_string(g.tensor(s.step.id).kind) << "\"}}";
    }
  }
  for (const TimelineStall& st : rec.stalls()) {
    out << ",\n{\"name\":\""
        << (st.waiting_for_store ? "stall: waiting for a store" : "stall: waiting for a load")
        << "\",\"cat\":\"stall\",\"ph\":\"X\",\"ts\":";
    put_number(out, st.start * scale);
    out << ",\"dur\":";
    put_number(out, (st.end - st.start) * scale);
    out << ",\"pid\":" << kTracePid << ",\"tid\":" << kTraceComputeTid
        << ",\"args\":{\"before_op\":";
    put_string(out, g.op_name(st.op));
    out << "}}";
  }
  std::vector<Sample> cache;
  for (const OccupancySample& o : occupancy_curve(g, rec.steps()))
    cache.push_back({o.t * scale, o.bytes});
  put_counter(out, "cache in use", unit, std::move(cache));
  put_counter(out, "live", unit, std::move(live_samples));
  out << "\n],\"otherData\":{\"scenario\":";
  put_string(out, sim.name);
  out << ",\"time_unit\":\""
      << (uniform ? "1 time unit of the scenario is shown as 1 us" : "microseconds") << "\"}}\n";
}

nlohmann::ordered_json chrome_trace_json(const Simulation& sim, const TimelineRecorder& rec) {
  std::ostringstream text;
  write_chrome_trace(text, sim, rec);
  return nlohmann::ordered_json::parse(text.str());
}

}  // namespace memsim
