#pragma once
// A StepSink that passes every call on to two sinks (a time line and the per-layer recorder, say),
// so one run feeds several reports.
#include "sim/core/schedule.h"

namespace memsim {

class TeeSink : public StepSink {
 public:
  TeeSink(StepSink* a, StepSink* b) : a_(a), b_(b) {}
  void on_step(const TimedStep& s) override {
    if (a_) a_->on_step(s);
    if (b_) b_->on_step(s);
  }
  void on_stall(double start, double end, OpId op, bool store) override {
    if (a_) a_->on_stall(start, end, op, store);
    if (b_) b_->on_stall(start, end, op, store);
  }
  void on_prefetch(OpId op, TensorId t, bool issued) override {
    if (a_) a_->on_prefetch(op, t, issued);
    if (b_) b_->on_prefetch(op, t, issued);
  }

 private:
  StepSink* a_;
  StepSink* b_;
};

}  // namespace memsim
