#pragma once
// The sink every executed or replayed schedule goes through: each step is checked by the
// verifier and counted by the traffic counter before an observer (time line, trace) sees it.
// `final`, with its methods inline, so the executor's calls on it are direct (issue 16).
#include "sim/core/graph.h"
#include "sim/core/machine.h"
#include "sim/core/schedule.h"
#include "sim/core/timed_verifier.h"
#include "sim/core/traffic.h"
#include "sim/core/verifier.h"

namespace memsim {

// Passes steps through the verifier — in list order, then in time (TimedVerifier) — before
// handing them on.
class VerifyingSink final : public StepSink {
 public:
  VerifyingSink(const Graph& graph, const Machine& machine, StepSink* next,
                VerifierOptions options = {})
      : verifier_(graph, machine, options), traffic_(graph, machine), next_(next) {}
  // Inlined into the executor's calls (issue 16): each call site knows the step's kind, so the
  // traffic count folds to that kind's few lines.
  [[gnu::always_inline]] void on_step(const TimedStep& step) override {
    verifier_.apply(step);
    traffic_.add(step);
    if (next_) next_->on_step(step);
  }
  void on_stall(double start, double end, OpId op, bool store) override {
    if (next_) next_->on_stall(start, end, op, store);
  }
  void on_prefetch(OpId op, TensorId tensor, bool issued) override {
    if (next_) next_->on_prefetch(op, tensor, issued);
  }
  void on_decision_point(double time) override {
    verifier_.settle_before(time);
    if (next_) next_->on_decision_point(time);
  }
  TimedVerifier& verifier() { return verifier_; }
  const Traffic& traffic() const { return traffic_.traffic(); }

 private:
  TimedVerifier verifier_;
  TrafficCounter traffic_;
  StepSink* next_;
};

}  // namespace memsim
