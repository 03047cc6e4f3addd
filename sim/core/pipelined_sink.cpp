#include "sim/core/pipelined_sink.h"

namespace memsim {

PipelinedSink::PipelinedSink(std::function<VerifyingSink*()> make)
    : make_(std::move(make)), events_(new SinkEvent[std::size_t{kSlots} * kBatch]) {
  start_batch();
  consumer_ = std::thread([this] { consume(); });
}

PipelinedSink::~PipelinedSink() {
  close();
}

void PipelinedSink::close() noexcept {
  if (closed_) return;
  closed_ = true;
  publish(static_cast<std::uint32_t>(at_ - (end_ - kBatch)), /*last=*/true);
  if (consumer_.joinable()) consumer_.join();
}

void PipelinedSink::hand_over() {
  publish(kBatch, /*last=*/false);
  start_batch();  // first, so that close() always finds a slot of its own to publish
  if (failed_.load(std::memory_order_acquire)) throw Stopped{};
}

// Waking up: the sleeping side announces it (its asleep flag) before each look at the other
// side's counter; the other side stores its counter before looking at the flag. Both in
// sequentially consistent order, so either the sleeper sees the new count or the other side
// sees the flag and wakes it: no wake-up is lost. The waker clears the flag (exchange), so one
// sleep costs one wake-up however many batches pass before the sleeper runs again. A side
// that runs dry or full sleeps at once (no busy wait): it waits for kWake batches, which take
// the other side tens of microseconds.
void PipelinedSink::publish(std::uint32_t count, bool last) noexcept {
  Slot& slot = slots_[written_ % kSlots];
  slot.count = count;
  slot.last = last;
  ++written_;
  published_.store(written_);
  if (consumer_asleep_.load() && (written_ - consumed_.load() >= kWake || last) &&
      consumer_asleep_.exchange(false))
    published_.notify_one();
}

void PipelinedSink::start_batch() {
  if (written_ - consumed_.load(std::memory_order_acquire) >= kSlots) {  // the ring is full
    for (;;) {
      producer_asleep_.store(true);
      const std::uint32_t consumed = consumed_.load();
      if (kSlots - (written_ - consumed) >= kWake) break;
      consumed_.wait(consumed);
    }
    producer_asleep_.store(false);
  }
  at_ = events_.get() + std::size_t{written_ % kSlots} * kBatch;
  end_ = at_ + kBatch;
}

// Hands one event on; inlined into consume's loop (always_inline in the header).
void PipelinedSink::handle(const SinkEvent& e) {
  switch (e.kind) {
    case SinkEvent::load:
    case SinkEvent::store:
    case SinkEvent::compute:
    case SinkEvent::drop:
      return next_->on_step({e.start,
                             e.end,
                             {static_cast<StepKind>(e.kind), e.id},
                             e.resource,
                             e.channel,
                             e.issued,
                             e.link});
    case SinkEvent::stall:
      return next_->on_stall(e.start, e.end, e.id, e.flag);
    case SinkEvent::prefetch:
      return next_->on_prefetch(e.id, e.tensor, e.flag);
    case SinkEvent::decision_point:
      return next_->on_decision_point(e.start);
  }
}

void PipelinedSink::consume() noexcept {
  std::uint32_t taken = 0;
  bool failed = false;
  try {
    next_ = make_();
  } catch (...) {
    fail();
    failed = true;
  }
  for (;;) {
    if (published_.load(std::memory_order_acquire) == taken) {  // dry
      for (;;) {
        consumer_asleep_.store(true);
        const std::uint32_t published = published_.load();
        if (published - taken >= kWake ||
            (published != taken && slots_[(published - 1) % kSlots].last))
          break;
        published_.wait(published);
      }
      consumer_asleep_.store(false);
    }
    const Slot slot = slots_[taken % kSlots];
    if (!failed) {
      try {
        const SinkEvent* e = events_.get() + std::size_t{taken % kSlots} * kBatch;
        for (const SinkEvent* stop = e + slot.count; e != stop; ++e) handle(*e);
      } catch (...) {
        fail();
        failed = true;
      }
    }
    ++taken;
    consumed_.store(taken);
    if (producer_asleep_.load() && kSlots - (published_.load() - taken) >= kWake &&
        producer_asleep_.exchange(false))
      consumed_.notify_one();
    if (slot.last) return;
  }
}

// Keeps the exception for run_verified; the batches that follow are taken without being
// handled, so the producer never waits on a consumer that has stopped.
void PipelinedSink::fail() noexcept {
  error_ = std::current_exception();
  failed_.store(true, std::memory_order_release);
}

}  // namespace memsim
