#pragma once
// Records a run's steps and stalls for the --timeline CSV (and later pictures).
#include <ostream>
#include <vector>

#include "sim/core/graph.h"
#include "sim/core/schedule.h"

namespace memsim {

struct TimelineStall {
  double start, end;
  OpId op;
  bool waiting_for_store;
};

class TimelineRecorder : public StepSink {
 public:
  void on_step(const TimedStep& step) override { steps_.push_back(step); }
  void on_stall(double start, double end, OpId op, bool store) override {
    stalls_.push_back({start, end, op, store});
  }
  const std::vector<TimedStep>& steps() const { return steps_; }
  const std::vector<TimelineStall>& stalls() const { return stalls_; }

 private:
  std::vector<TimedStep> steps_;
  std::vector<TimelineStall> stalls_;
};

// Header, then one row per event sorted by start time (ties: the order decided):
// start,end,resource,kind,name,bytes,cache_bytes,cause
// cache_bytes: the bytes occupied at the row's start, after every change at that instant.
void write_timeline_csv(std::ostream& out, const Graph& graph, const TimelineRecorder& recorder);

}  // namespace memsim
