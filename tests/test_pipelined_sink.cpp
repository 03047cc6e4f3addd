// Verification on a second thread (sim/core/pipelined_sink.h, docs/model.md §8): the same
// results, the same events in the same order downstream, and the same error — the verifier's
// or an observer's if it would have come first on one thread, else the executor's — whichever
// thread verifies.
#include <catch2/catch.hpp>
#include <cstdint>
#include <list>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "policies/register_builtin.h"
#include "sim/core/errors.h"
#include "sim/core/executor.h"
#include "sim/core/pipelined_sink.h"
#include "sim/core/simulation.h"
#include "support/builders.h"

using namespace memsim;
using namespace memsim::test;

namespace {

EvictionFactory policy(const std::string& name) {
  return builtin_registry().find_eviction(name)->factory;
}

// One sink call, as a value to compare.
struct Event {
  char what = 0;  // 's' step, 't' stall, 'p' prefetch, 'd' decision point
  double start = 0, end = 0, issued = 0;
  std::uint32_t id = 0, tensor = 0;
  StepKind kind = StepKind::compute;
  Resource resource = Resource::cache;
  std::uint16_t channel = 0;
  std::uint8_t link = 0;
  bool flag = false;
  bool operator==(const Event&) const = default;
};

// Records every call; throws std::runtime_error at its `fail_at`-th step (1-based; 0: never).
class Recorder final : public StepSink {
 public:
  explicit Recorder(std::size_t fail_at = 0) : fail_at_(fail_at) {}
  void on_step(const TimedStep& s) override {
    if (++steps_ == fail_at_)
      throw std::runtime_error("observer failed at its step " + std::to_string(steps_));
    events.push_back({'s', s.start, s.end, s.issued, s.step.id, 0, s.step.kind, s.resource,
                      s.channel, s.link, false});
  }
  void on_stall(double start, double end, OpId op, bool store) override {
    events.push_back({'t', start, end, 0, op, 0, StepKind::compute, Resource::cache, 0, 0, store});
  }
  void on_prefetch(OpId op, TensorId tensor, bool issued) override {
    events.push_back({'p', 0, 0, 0, op, tensor, StepKind::compute, Resource::cache, 0, 0, issued});
  }
  void on_decision_point(double time) override {
    events.push_back({'d', time, 0, 0, 0, 0, StepKind::compute, Resource::cache, 0, 0, false});
  }
  std::vector<Event> events;

 private:
  std::size_t fail_at_;
  std::size_t steps_ = 0;
};

// Plays recorded events into any sink, as the executor would; throws std::logic_error before
// the event at index `throw_at` (none when it is past the end).
template <typename Sink>
int play(const std::vector<Event>& events, Sink& sink, std::size_t throw_at = SIZE_MAX) {
  for (std::size_t k = 0; k < events.size(); ++k) {
    if (k == throw_at) throw std::logic_error("producer failed at event " + std::to_string(k));
    const Event& e = events[k];
    switch (e.what) {
      case 's':
        sink.on_step({e.start, e.end, {e.kind, e.id}, e.resource, e.channel, e.issued, e.link});
        break;
      case 't':
        sink.on_stall(e.start, e.end, e.id, e.flag);
        break;
      case 'p':
        sink.on_prefetch(e.id, e.tensor, e.flag);
        break;
      default:
        sink.on_decision_point(e.start);
    }
  }
  return 7;
}

// The double-buffered uniform chain of `layers` layers (docs/model.md §4): 1-unit tensors,
// 1-unit transfers and ops, a 4-unit cache, lookahead 1.
Simulation uniform_chain(std::size_t layers, EvictionFactory eviction) {
  ChainSpec spec;
  spec.weight_bytes.assign(layers, 1);
  spec.activation_bytes.assign(layers, 1);
  spec.flops.assign(layers, 1);
  return simulation_of(chain_graph(spec), uniform_machine(4), eviction, 1);
}

// The events the executor sends its sink for `sim`, recorded on one thread.
std::vector<Event> executor_events(const Simulation& sim) {
  Recorder rec;
  std::unique_ptr<EvictionPolicy> p = sim.eviction_factory({sim.graph, sim.order});
  execute(sim.graph, sim.order, sim.machine, *p, ExecutorOptions{sim.lookahead},
          static_cast<StepSink&>(rec));
  return rec.events;
}

// What a run through run_verified gives: its value, or its exception's text, and what the
// observer behind the verifier saw.
struct Outcome {
  int value = 0;
  std::string error;
  std::string error_type;
  std::vector<Event> seen;
  std::uint64_t loads = 0;
};

Outcome verified_play(const Simulation& sim, const std::vector<Event>& events, bool second_thread,
                      std::size_t throw_at = SIZE_MAX, std::size_t observer_fails_at = 0) {
  Outcome out;
  Recorder observer(observer_fails_at);
  VerifyingSink verifying(sim.graph, sim.machine, &observer);
  try {
    out.value = run_verified(verifying, second_thread,
                             [&](auto& sink) { return play(events, sink, throw_at); });
    out.loads = verifying.verifier().finish().loads;
  } catch (const ScheduleError& e) {
    out.error_type = "ScheduleError";
    out.error = e.what();
  } catch (const std::logic_error& e) {
    out.error_type = "logic_error";
    out.error = e.what();
  } catch (const std::runtime_error& e) {
    out.error_type = "runtime_error";
    out.error = e.what();
  }
  out.seen = std::move(observer.events);
  return out;
}

void check_same(const Outcome& a, const Outcome& b) {
  CHECK(a.value == b.value);
  CHECK(a.error_type == b.error_type);
  CHECK(a.error == b.error);
  CHECK(a.loads == b.loads);
  CHECK(a.seen.size() == b.seen.size());
  CHECK(a.seen == b.seen);
}

// The index of the `n`-th (1-based) event that is a step of kind `kind`.
std::size_t nth_step(const std::vector<Event>& events, StepKind kind, std::size_t n) {
  for (std::size_t k = 0; k < events.size(); ++k)
    if (events[k].what == 's' && events[k].kind == kind && --n == 0) return k;
  FAIL("no such step");
  return 0;
}

}  // namespace

TEST_CASE("a long chain verified on a second thread gives the hand-derived figures",
          "[pipelined]") {
  // Uniform chain of N layers, 4-unit cache, double-buffered, LRU (docs/model.md §4.1):
  //   D_1 = 0: W1 [0,1], X0 [1,2] (operand order), prefetch W2 [2,3]; op 1 [2,3].
  //   D_2 = 3: X0 dies; W1, X1, W2 and X2 fill the cache, so prefetching W3 evicts W1 (the
  //     only held tensor outside the window, clean: dropped at 3); W3 [3,4]; op 2 [3,4].
  //   From then on op i runs [i+1, i+2], W_{i+1} loading alongside, until op N [N+1, N+2];
  //   X_N is stored [N+2, N+3]: time N+3.
  //   Stall: 2 before op 1 (loads). Loads: X0 and N weights = N+1. Stores: X_N = 1.
  //   Drops: X0..X_{N-1} die = N, plus W1..W_{N-2} evicted (one per D_2..D_{N-1}) = N-2.
  //   DRAM busy: [0, N+1] and [N+2, N+3] = N+2.
  // N = 50,000 layers make ~300,000 events: hundreds of batches through the ring.
  const std::size_t n = 50000;
  const Simulation sim = uniform_chain(n, policy("lru"));
  for (VerifierThread where : {VerifierThread::same, VerifierThread::second}) {
    const RunResult r = run_simulation(sim, nullptr, RunOptions{where});
    CHECK(r.times.time == n + 3);
    CHECK(r.times.stall_load == 2);
    CHECK(r.times.stall_store == 0);
    CHECK(r.times.dram_busy == n + 2);
    CHECK(r.counts.loads == n + 1);
    CHECK(r.counts.stores == 1);
    CHECK(r.counts.drops == 2 * n - 2);
    CHECK(r.counts.computes == n);
  }
}

TEST_CASE("the observer sees the same events in the same order on either thread", "[pipelined]") {
  const std::string name = GENERATE(as<std::string>{}, "lru", "fifo", "belady");
  const std::uint32_t lookahead = GENERATE(0u, 1u, 3u);
  ChainSpec spec;
  for (std::size_t i = 0; i < 3000; ++i) {
    spec.weight_bytes.push_back(1 + i % 3);
    spec.activation_bytes.push_back(1 + i % 2);
    spec.flops.push_back(1 + static_cast<double>(i % 5));
  }
  const Simulation sim =
      simulation_of(chain_graph(spec), unit_rate_machine(9, 2), policy(name), lookahead);
  Recorder one, two;
  const RunResult a = run_simulation(sim, &one, RunOptions{VerifierThread::same});
  const RunResult b = run_simulation(sim, &two, RunOptions{VerifierThread::second});
  CHECK(one.events.size() > 3 * PipelinedSink::kBatch);
  CHECK(one.events == two.events);
  CHECK(a.times.time == b.times.time);
  CHECK(a.times.stall_load == b.times.stall_load);
  CHECK(a.times.stall_store == b.times.stall_store);
  CHECK(a.counts.loads == b.counts.loads);
  CHECK(a.counts.stores == b.counts.stores);
  CHECK(a.counts.drops == b.counts.drops);
  CHECK(a.counts.peak_cache_bytes == b.counts.peak_cache_bytes);
  CHECK(a.liveness.peak_live_bytes == b.liveness.peak_live_bytes);
  CHECK(a.traffic.levels[0].read_bytes == b.traffic.levels[0].read_bytes);
  CHECK(a.traffic.links[0].up_bytes == b.traffic.links[0].up_bytes);
}

TEST_CASE("a schedule the verifier rejects fails with the same error on either thread",
          "[pipelined]") {
  const Simulation sim = uniform_chain(20000, policy("lru"));
  std::vector<Event> events = executor_events(sim);
  // Take out the 9000th load: the op that reads that tensor finds it missing.
  const std::size_t removed = nth_step(events, StepKind::load, 9000);
  events.erase(events.begin() + static_cast<std::ptrdiff_t>(removed));
  const Outcome one = verified_play(sim, events, false);
  const Outcome two = verified_play(sim, events, true);
  CHECK(one.error_type == "ScheduleError");
  CHECK_THAT(one.error, Catch::Contains("is not in the cache"));
  check_same(one, two);
  // The observer saw the events before the rejected one, a compute after the removed load.
  CHECK(one.seen.size() > removed);
  CHECK(events[one.seen.size()].kind == StepKind::compute);
}

TEST_CASE(
    "the verifier's error wins over a later producer error, a producer error over a later "
    "verifier error",
    "[pipelined]") {
  const Simulation sim = uniform_chain(20000, policy("lru"));
  std::vector<Event> events = executor_events(sim);
  const std::size_t removed = nth_step(events, StepKind::load, 5000);
  events.erase(events.begin() + static_cast<std::ptrdiff_t>(removed));
  // The event the verifier rejects on one thread: the observer sees every event before it.
  const std::size_t rejected = verified_play(sim, events, false).seen.size();
  REQUIRE(events[rejected].what == 's');
  REQUIRE(events[rejected].kind == StepKind::compute);
  const std::size_t batch = PipelinedSink::kBatch;
  // Producer failures after the rejected step: in the same batch, the next, far beyond the
  // ring; and before it: just before, and many batches before.
  for (std::size_t throw_at : {rejected + 1, rejected + batch, rejected + 40 * batch, rejected - 1,
                               rejected - 30 * batch}) {
    INFO("producer throws at event " << throw_at << ", the verifier rejects event " << rejected);
    const Outcome one = verified_play(sim, events, false, throw_at);
    const Outcome two = verified_play(sim, events, true, throw_at);
    CHECK(one.error_type == (throw_at > rejected ? "ScheduleError" : "logic_error"));
    check_same(one, two);
  }
}

TEST_CASE("a producer error is reported after every earlier event was verified and observed",
          "[pipelined]") {
  const Simulation sim = uniform_chain(5000, policy("fifo"));
  const std::vector<Event> events = executor_events(sim);
  const std::size_t throw_at = GENERATE(0u, 1u, 511u, 512u, 513u, 9000u, 20000u);
  const Outcome one = verified_play(sim, events, false, throw_at);
  const Outcome two = verified_play(sim, events, true, throw_at);
  CHECK(one.error == "producer failed at event " + std::to_string(throw_at));
  check_same(one, two);
}

TEST_CASE("an observer's error stops the producer and is reported on either thread",
          "[pipelined]") {
  const Simulation sim = uniform_chain(20000, policy("lru"));
  const std::vector<Event> events = executor_events(sim);
  const std::size_t fails_at = GENERATE(1u, 700u, 60000u);
  const Outcome one = verified_play(sim, events, false, SIZE_MAX, fails_at);
  const Outcome two = verified_play(sim, events, true, SIZE_MAX, fails_at);
  CHECK(one.error == "observer failed at its step " + std::to_string(fails_at));
  check_same(one, two);
}

TEST_CASE("a producer that never ends is stopped by the consumer's failure", "[pipelined]") {
  // The producer repeats a compute of an op whose input is not in the cache: the verifier
  // rejects the first, the producer sees it when it next hands over a batch, at most a full
  // ring later (kSlots batches ahead, plus the one it is filling).
  const Simulation sim = uniform_chain(3, policy("lru"));
  Recorder observer;
  VerifyingSink verifying(sim.graph, sim.machine, &observer);
  std::size_t produced = 0;
  const auto endless = [&](auto& sink) {
    for (;;) {
      sink.on_step({0, 1, {StepKind::compute, 0}, Resource::compute, 0, 0, 1});
      ++produced;
    }
    return 0;
  };
  CHECK_THROWS_WITH(run_verified(verifying, true, endless),
                    "step 1 (compute fwd1): input 'W1' is not in the cache");
  CHECK(produced <= (PipelinedSink::kSlots + 2) * PipelinedSink::kBatch);
  CHECK(observer.events.empty());
}

TEST_CASE("no events, and a producer that fails at once, end cleanly on a second thread",
          "[pipelined]") {
  const Simulation sim = uniform_chain(2, policy("lru"));
  Recorder observer;
  VerifyingSink verifying(sim.graph, sim.machine, &observer);
  CHECK(run_verified(verifying, true, [](auto&) { return 3; }) == 3);
  CHECK_THROWS_WITH(
      run_verified(verifying, true, [](auto&) -> int { throw std::logic_error("at once"); }),
      "at once");
  CHECK(observer.events.empty());
  // An empty schedule: nothing ran, the end-state check names the first op.
  CHECK_THROWS_WITH(verifying.verifier().finish(), "schedule ends before op 'fwd1' ran");
}

namespace {

// Evicts the tensor that arrived first among those it may, like FIFO, but only kLimit times:
// then it claims nothing can be evicted and the executor throws (a policy bug, not bad input).
template <int kLimit>
class Limited final : public EvictionPolicy {
 public:
  void on_insert(TensorId t, std::uint32_t) override { order_.push_back(t); }
  void on_access(TensorId, std::uint32_t) override {}
  void on_remove(TensorId t) override { order_.remove(t); }
  TensorId choose_victim(const VictimQuery& query) override {
    if (chosen_ == kLimit) return Graph::kNoTensor;
    for (TensorId t : order_)
      if (!query.pinned(t)) return ++chosen_, t;
    return Graph::kNoTensor;
  }
  static std::unique_ptr<EvictionPolicy> make(const EvictionContext&) {
    return std::make_unique<Limited>();
  }

 private:
  std::list<TensorId> order_;
  int chosen_ = 0;
};

}  // namespace

TEST_CASE("an executor error deep in a run is the same on either thread", "[pipelined]") {
  // Evictions happen at D_2, D_3, ... (one per decision point from the second on, see the
  // chain's derivation above), so the 30,001st eviction is asked for at D_30002 while
  // prefetching W_30003 — tens of thousands of events into the run.
  const Simulation sim = uniform_chain(50000, &Limited<30000>::make);
  for (VerifierThread where : {VerifierThread::same, VerifierThread::second}) {
    Recorder observer;
    CHECK_THROWS_WITH(run_simulation(sim, &observer, RunOptions{where}),
                      "no tensor can be evicted for 'W30003'");
    // Every step decided before the failure was verified and observed: the last compute
    // seen is op 30001's.
    std::uint32_t last_compute = 0;
    for (const Event& e : observer.events)
      if (e.what == 's' && e.kind == StepKind::compute) last_compute = e.id;
    CHECK(sim.graph.op_name(last_compute) == "fwd30001");
  }
}

TEST_CASE("runs verified on second threads from several threads at once agree", "[pipelined]") {
  // What a sweep does, each run with its own consumer thread.
  const Simulation sim = uniform_chain(20000, policy("lru"));
  std::vector<RunResult> results(3);
  std::vector<std::thread> threads;
  for (RunResult& r : results)
    threads.emplace_back(
        [&sim, &r] { r = run_simulation(sim, nullptr, RunOptions{VerifierThread::second}); });
  for (std::thread& t : threads) t.join();
  for (const RunResult& r : results) {
    CHECK(r.times.time == 20000 + 3);  // N + 3, as derived above
    CHECK(r.counts.loads == 20000 + 1);
  }
}

TEST_CASE("the automatic choice verifies on a second thread only for long runs", "[pipelined]") {
  CHECK_FALSE(verify_on_second_thread(kSecondThreadMinOps - 1, VerifierThread::automatic));
  CHECK(verify_on_second_thread(kSecondThreadMinOps, VerifierThread::automatic) ==
        (std::thread::hardware_concurrency() >= 2));
  CHECK(verify_on_second_thread(1, VerifierThread::second));
  CHECK_FALSE(verify_on_second_thread(1000000, VerifierThread::same));
}

TEST_CASE("a verifier that cannot be made stops the producer on a second thread", "[pipelined]") {
  // The second thread makes the verifier; its failure is the run's error, and a producer that
  // would never end is stopped within a ring (kSlots batches, plus the one it is filling).
  std::size_t produced = 0;
  const auto endless = [&](auto& sink) {
    for (;;) {
      sink.on_decision_point(0);
      ++produced;
    }
    return 0;
  };
  const auto make = []() -> VerifyingSink* { throw std::runtime_error("no verifier"); };
  CHECK_THROWS_WITH(run_verified(make, true, endless), "no verifier");
  CHECK(produced <= (PipelinedSink::kSlots + 2) * PipelinedSink::kBatch);
  CHECK_THROWS_WITH(run_verified(make, false, endless), "no verifier");
}
