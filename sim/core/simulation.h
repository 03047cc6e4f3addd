#pragma once
// A scenario assembled and ready to run (after parse and validation), and running it.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "sim/core/eviction.h"
#include "sim/core/executor.h"
#include "sim/core/graph.h"
#include "sim/core/liveness.h"
#include "sim/core/machine.h"
#include "sim/core/registry.h"
#include "sim/core/timed_verifier.h"
#include "sim/core/verifier.h"

namespace memsim {

struct Simulation {
  std::string name;
  std::string description;
  std::string file;
  Machine machine;
  Graph graph;
  std::vector<OpId> order;
  std::string workload;  // "graph (as-listed)", "model: inference", ...
  std::string overlap;   // as written: none, double-buffer, lookahead:N
  std::uint32_t lookahead = 0;
  std::string eviction;
  EvictionFactory eviction_factory = nullptr;
};

struct RunResult {
  ExecutionTimes times;
  MoveCounts counts;  // from the verifier's replay
  LivenessReport liveness;
  std::array<double, 4> flops{};  // by OpPhase: forward, backward, update, recompute
  bool oom = false;  // peak live bytes exceed the DRAM capacity less hardware.dram.reserved
};

// Runs the executor with the scenario's policy, replaying every step through the verifier.
// `observer`, if given, sees each verified step (for time lines). Throws ScheduleError if the
// verifier rejects the schedule.
RunResult run_simulation(const Simulation& sim, StepSink* observer = nullptr);

class VerifyingSink;
// The figures of a run whose steps went through `verified`: the verifier's counts (and its
// end-state check, which throws ScheduleError), liveness, FLOPs by phase, the OOM verdict.
RunResult finish_run(const Simulation& sim, VerifyingSink& verified, const ExecutionTimes& times);

// Passes steps through the verifier — in list order, then in time (TimedVerifier) — before
// handing them on.
class VerifyingSink : public StepSink {
 public:
  VerifyingSink(const Graph& graph, const Machine& machine, StepSink* next,
                VerifierOptions options = {})
      : verifier_(graph, machine, options), next_(next) {}
  void on_step(const TimedStep& step) override {
    verifier_.apply(step);
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

 private:
  TimedVerifier verifier_;
  StepSink* next_;
};

}  // namespace memsim
