#pragma once
// Verification on a second thread (issue 16; docs/model.md §8). The executor never reads the
// verifier's results during a run, so the verifier, the traffic counter and the observers
// behind them can run on another core: the executor's thread only appends its sink events
// (steps, stalls, prefetch decisions, decision points) to a small ring of batches, and a
// consumer thread hands them, in the same order, to a VerifyingSink. Every downstream call
// happens on the consumer thread, one at a time, in the order the executor made them, so the
// results are those of the same run on one thread.
//
// Errors: the consumer's exception (the verifier's verdict, an observer's failure) is kept and
// the consumer goes on taking batches without handling them; the producer sees the failure
// when it next hands over a batch and stops (PipelinedSink::Stopped). run_verified then
// reports the consumer's exception: on one thread it would have been thrown first, at an
// earlier event than anything the producer threw afterwards.
#include <atomic>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <system_error>
#include <thread>
#include <utility>

#include "sim/core/schedule.h"
#include "sim/core/verifying_sink.h"

namespace memsim {

// One sink call as the ring holds it: 40 bytes.
struct SinkEvent {
  enum Kind : std::uint8_t { load, store, compute, drop, stall, prefetch, decision_point };
  double start;          // step start; stall start; decision point time
  double end;            // step end; stall end
  double issued;         // a load's issue time
  std::uint32_t id;      // step id (tensor or op); the op of a stall or a prefetch
  std::uint32_t tensor;  // a prefetch's tensor
  std::uint16_t channel;
  Kind kind;
  Resource resource;
  std::uint8_t link;
  bool flag;  // a stall waiting for a store; a prefetch issued
};

class PipelinedSink final : public StepSink {
 public:
  // The ring: kSlots batches of kBatch events (16 x 512 x 40 B = 320 KiB). A side that runs
  // dry or full sleeps until kWake batches are ready for it, so the two threads wake each
  // other once per kWake batches, not once per batch.
  static constexpr std::uint32_t kSlots = 16, kBatch = 512, kWake = 8;

  // Thrown into the producer when the consumer has failed: unwinds the executor.
  struct Stopped {};

  // Starts the consumer thread, which first calls make() for the sink it feeds — so that
  // the verifier's set-up (its per-tensor and per-op arrays) also runs beside the executor's —
  // then feeds it. An exception from make() is the consumer's.
  explicit PipelinedSink(std::function<VerifyingSink*()> make);
  // Closes the stream (if close() was not called) and joins the consumer.
  ~PipelinedSink() override;
  PipelinedSink(const PipelinedSink&) = delete;
  PipelinedSink& operator=(const PipelinedSink&) = delete;

  [[gnu::always_inline]] void on_step(const TimedStep& s) override {
    SinkEvent& e = claim();
    e.start = s.start;
    e.end = s.end;
    e.issued = s.issued;
    e.id = s.step.id;
    e.channel = s.channel;
    e.kind = static_cast<SinkEvent::Kind>(s.step.kind);
    e.resource = s.resource;
    e.link = s.link;
  }
  void on_stall(double start, double end, OpId op, bool store) override {
    SinkEvent& e = claim();
    e.start = start;
    e.end = end;
    e.id = op;
    e.kind = SinkEvent::stall;
    e.flag = store;
  }
  void on_prefetch(OpId op, TensorId tensor, bool issued) override {
    SinkEvent& e = claim();
    e.id = op;
    e.tensor = tensor;
    e.kind = SinkEvent::prefetch;
    e.flag = issued;
  }
  void on_decision_point(double time) override {
    SinkEvent& e = claim();
    e.start = time;
    e.kind = SinkEvent::decision_point;
  }

  // Hands over the last batch and waits until the consumer has handled every event. Never
  // throws; call once the producer is done (or has failed).
  void close() noexcept;
  // After close(): the consumer's exception, if it failed.
  std::exception_ptr error() const { return error_; }

 private:
  struct Slot {
    std::uint32_t count = 0;
    bool last = false;
  };
  SinkEvent& claim() {
    if (at_ == end_) [[unlikely]]
      hand_over();
    return *at_++;
  }
  // The current batch is full: publish it, wait for a free slot, and throw Stopped if the
  // consumer has failed.
  void hand_over();
  void publish(std::uint32_t count, bool last) noexcept;
  void start_batch();
  void consume() noexcept;
  // Inlined into consume() (issue 16): a call per event cost ~15 instructions of frame.
  [[gnu::always_inline]] inline void handle(const SinkEvent& e);
  void fail() noexcept;

  std::function<VerifyingSink*()> make_;
  VerifyingSink* next_ = nullptr;        // the consumer's
  std::unique_ptr<SinkEvent[]> events_;  // kSlots * kBatch
  Slot slots_[kSlots];
  SinkEvent* at_ = nullptr;
  SinkEvent* end_ = nullptr;
  // Batches published by the producer and taken by the consumer, counted from the start (they
  // wrap at 2^32; only their differences are used). 32-bit: std::atomic's wait is a futex.
  std::atomic<std::uint32_t> published_{0};
  std::atomic<std::uint32_t> consumed_{0};
  std::atomic<bool> producer_asleep_{false}, consumer_asleep_{false};
  std::atomic<bool> failed_{false};
  std::uint32_t written_ = 0;  // producer: batches published
  bool closed_ = false;
  std::exception_ptr error_;  // written by the consumer before failed_, read after the join
  std::thread consumer_;
};

// Runs produce(sink) — the executor — with its events going to the VerifyingSink that make()
// returns, either directly (second_thread false) or through a PipelinedSink to a second
// thread, which then also calls make(). The result and the exception are the same either way:
// the consumer's exception if it failed, else produce's. The sink is the caller's to read once
// this returns (or throws).
template <typename Make, typename Produce>
auto run_verified(Make&& make, bool second_thread, Produce&& produce) {
  if (!second_thread) return produce(*make());
  std::optional<PipelinedSink> started;
  try {
    started.emplace(make);
  } catch (const std::system_error&) {  // no thread to be had: the same run on this one
    return produce(*make());
  }
  PipelinedSink& pipe = *started;
  std::optional<decltype(produce(pipe))> result;
  try {
    result.emplace(produce(pipe));
  } catch (...) {
    pipe.close();  // drains: every event before the failure is verified first
    if (pipe.error()) std::rethrow_exception(pipe.error());
    throw;
  }
  pipe.close();
  if (pipe.error()) std::rethrow_exception(pipe.error());
  return std::move(*result);
}

// The same for a sink that exists already.
template <typename Produce>
auto run_verified(VerifyingSink& verifying, bool second_thread, Produce&& produce) {
  return run_verified([&verifying] { return &verifying; }, second_thread,
                      std::forward<Produce>(produce));
}

}  // namespace memsim
