#include "sim/report/timeline.h"

#include <algorithm>
#include <string>

#include "sim/core/occupancy.h"
#include "sim/report/report.h"

namespace memsim {

void write_timeline_csv(std::ostream& out, const Graph& graph, const TimelineRecorder& rec) {
  struct Row {
    double start;
    std::size_t seq;
    std::string text;
  };
  std::vector<Row> rows;
  rows.reserve(rec.steps().size() + rec.stalls().size());
  std::size_t seq = 0;
  const std::vector<OccupancySample> occupancy = occupancy_curve(graph, rec.steps());
  for (const TimedStep& s : rec.steps()) {
    // A hop below the DRAM link runs on link k's channel: "link2:0" (docs/model.md §15.1).
    std::string resource = s.resource == Resource::dram
                               ? (s.link == 1 ? "dram:" : "link" + std::to_string(s.link) + ":") +
                                     std::to_string(s.channel)
                           : s.resource == Resource::compute ? "compute"
                                                             : "cache";
    const bool is_op = s.step.kind == StepKind::compute;
    const std::string name(is_op ? graph.op_name(s.step.id) : graph.tensor_name(s.step.id));
    const std::uint64_t bytes =
        is_op ? graph.working_set_bytes(s.step.id) : graph.tensor(s.step.id).bytes;
    rows.push_back({s.start, seq++,
                    format_number(s.start) + "," + format_number(s.end) + "," + resource + "," +
                        std::string(to_string(s.step.kind)) + "," + name + "," +
                        std::to_string(bytes) + "," +
                        std::to_string(occupancy_at(occupancy, s.start)) + ","});
  }
  // A stall sits on the compute track before the op it delays; it changes no cache bytes, so
  // that cell is left empty.
  for (const TimelineStall& s : rec.stalls())
    rows.push_back({s.start, seq++,
                    format_number(s.start) + "," + format_number(s.end) + ",compute,stall," +
                        std::string(graph.op_name(s.op)) + ",0,," +
                        (s.waiting_for_store ? "store" : "load")});
  std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    return a.start != b.start ? a.start < b.start : a.seq < b.seq;
  });
  out << "start,end,resource,kind,name,bytes,cache_bytes,cause\n";
  for (const Row& r : rows) out << r.text << "\n";
}

}  // namespace memsim
