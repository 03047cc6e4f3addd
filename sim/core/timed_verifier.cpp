#include "sim/core/timed_verifier.h"

#include <algorithm>
#include <charconv>

#include "sim/core/errors.h"
#include "sim/core/op_operands.h"

namespace memsim {
namespace {

// Shortest text that reads back as the same double: times in messages are exact.
std::string exact(double v) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

// A new slot at the end of `copies`, listed as free. Out of line: the vectors' growth kept
// new_copy's usual path (a free slot to reuse) in a frame of six saved registers (issue 16).
template <typename Copies>
[[gnu::noinline]] void add_free_slot(Copies& copies, std::vector<std::uint32_t>& free_slots) {
  free_slots.push_back(static_cast<std::uint32_t>(copies.size()));
  copies.emplace_back();
}

}  // namespace

TimedVerifier::TimedVerifier(const Graph& graph, const Machine& machine, VerifierOptions options)
    : graph_(graph),
      machine_(machine),
      list_(graph, machine.cache_capacity, options),
      copy_index_(graph.tensor_count(), kNoCopy),
      channel_end_(std::max<std::uint32_t>(1, machine.dram_channels), 0.0),
      staging_changes_(machine.level_count()),
      peak_staging_(machine.level_count(), 0) {
  for (std::uint32_t link = 2; link < machine.level_count(); ++link)
    deep_channel_end_.emplace_back(std::max<std::uint32_t>(1, machine.link_channels(link)), 0.0);
}

void TimedVerifier::fail(const TimedStep& step, const std::string& why) const {
  throw ScheduleError("step " + std::to_string(step_index_) + " (" + describe(graph_, step.step) +
                      "): " + why);
}

TimedVerifier::Copy& TimedVerifier::new_copy(TensorId t) {
  if (free_copies_.empty()) [[unlikely]]
    add_free_slot(copies_, free_copies_);
  copy_index_[t] = free_copies_.back();
  free_copies_.pop_back();
  Copy& c = copies_[copy_index_[t]];
  c = Copy{};
  c.tensor = t;
  return c;
}

void TimedVerifier::arrive(Copy& c, double at) {
  ++c.pending;
  push_change({at, kArrival | seq_++, c.tensor});
}

void TimedVerifier::check_times(const TimedStep& step, double earliest) {
  ++step_index_;
  if (earliest < watermark_)
    fail_with(step, [&] {
      return "happens at t=" + exact(earliest) +
             ", before a decision already made at t=" + exact(watermark_);
    });
  if (step.end < step.start) fail_with(step, [&] { return "ends before it starts"; });
}

// Each kind: the list-order replay first (residency, home and staging copies are sound),
// then the times.
void TimedVerifier::apply_load(const TimedStep& step) {
  list_.apply_load(step.step, step.link);
  check_times(step, std::min(step.issued, step.start));
  if (deep_transfer(step)) return;
  check_transfer(step);
  if (step.start < step.issued)
    fail_with(step, [&] {
      return "starts at t=" + exact(step.start) +
             ", before it is issued at t=" + exact(step.issued);
    });
  Copy& c = copy_of(step.step.id);
  if (step.issued < c.dropped_at)
    fail_with(step, [&] {
      return "is issued at t=" + exact(step.issued) +
             " while the tensor's previous copy stays until t=" + exact(c.dropped_at);
    });
  c.resident = true;
  c.ready = step.end;
  arrive(c, step.issued);
}

void TimedVerifier::apply_store(const TimedStep& step) {
  list_.apply_store(step.step, step.link);
  check_times(step, step.start);
  if (deep_transfer(step)) return;
  check_transfer(step);
  Copy& c = copy_of(step.step.id);
  if (step.start < c.ready)
    fail_with(step, [&] {
      return "starts at t=" + exact(step.start) + ", before its value exists (t=" + exact(c.ready) +
             ")";
    });
  c.store_end = std::max(c.store_end, step.end);
}

void TimedVerifier::apply_drop(const TimedStep& step) {
  list_.apply_drop(step.step);
  check_times(step, step.start);
  if (step.end != step.start) fail_with(step, [&] { return "a drop takes no time"; });
  const TensorId t = step.step.id;
  Copy& c = copy_of(t);
  const double busy_until = std::max({c.ready, c.last_use_end, c.store_end});
  if (step.start < busy_until)
    fail_with(step, [&] {
      return "drops the tensor at t=" + exact(step.start) +
             " while its load, a use or a store runs until t=" + exact(busy_until);
    });
  c.resident = false;
  c.dropped_at = step.start;
  ++c.pending;
  push_change({step.start, seq_++, t});
}

void TimedVerifier::apply_compute(const TimedStep& step) {
  list_.apply_compute(step.step);
  check_times(step, step.start);
  check_compute(step);
}

// Inlined into the loads and stores (and deep hops) that call it, all in this file: as a call
// it cost each transfer a frame (issue 16).
[[gnu::always_inline]] inline void TimedVerifier::check_transfer(const TimedStep& step) {
  if (step.resource != Resource::dram)
    fail_with(step, [&] { return "a transfer must run on a DRAM channel"; });
  std::vector<double>& channels = step.link == 1 ? channel_end_ : deep_channel_end_[step.link - 2];
  if (step.channel >= channels.size())
    fail_with(step, [&] {
      return "runs on channel " + std::to_string(step.channel) + " of " +
             std::to_string(channels.size()) +
             (step.link == 1 ? "" : " of link " + std::to_string(step.link));
    });
  const double duration = machine_.link_seconds(step.link, graph_.tensor(step.step.id).bytes);
  if (step.end != step.start + duration)
    fail_with(step, [&] {
      return "lasts " + exact(step.end - step.start) + ", not its transfer time " + exact(duration);
    });
  double& free_at = channels[step.channel];
  if (step.start < free_at)
    fail_with(step, [&] {
      return "starts at t=" + exact(step.start) + " on channel " + std::to_string(step.channel) +
             ", still busy until t=" + exact(free_at);
    });
  free_at = step.end;
}

// docs/model.md §15.7, in time: a hop starts once the copy it reads is valid (a home copy at
// the end of the last hop into it, 0 for a tensor that starts there; a staging copy at the end
// of the hop that wrote it); a hop below level 1 starts no earlier than its issue time; a
// staging copy occupies its level from the start of the hop that writes it to the end of the
// hop that reads it. The list-order replay has already checked which copies exist.
void TimedVerifier::check_deep_hop(const TimedStep& step) {
  const TensorId t = step.step.id;
  const std::uint32_t link = step.link, home = graph_.tensor(t).home;
  const bool up = step.step.kind == StepKind::load;
  const std::uint32_t from = up ? link + 1 : link, to = up ? link : link + 1;
  if (link != 1) {
    check_transfer(step);
    if (step.start < step.issued)
      fail_with(step, [&] {
        return "starts at t=" + exact(step.start) +
               ", before it is issued at t=" + exact(step.issued);
      });
  }
  const auto bytes = static_cast<std::int64_t>(graph_.tensor(t).bytes);
  if (from == home) {
    const auto it = home_valid_.find(t);
    const double valid = it == home_valid_.end() ? 0.0 : it->second;
    if (step.start < valid)
      fail_with(step, [&] {
        return "starts at t=" + exact(step.start) +
               ", before the copy at its home is valid (t=" + exact(valid) + ")";
      });
  } else if (from > 1) {
    const auto it = staging_.find(staging_key(t, from));
    if (step.start < it->second.valid)
      fail_with(step, [&] {
        return "starts at t=" + exact(step.start) + ", before its staging copy at level " +
               std::to_string(from) + " is valid (t=" + exact(it->second.valid) + ")";
      });
    auto& changes = staging_changes_[from - 1];
    changes.push_back({it->second.start, bytes});
    changes.push_back({step.end, -bytes});
    staging_.erase(it);
  }
  if (to == home)
    home_valid_[t] = step.end;
  else if (to > 1)
    staging_[staging_key(t, to)] = {step.start, step.end};
}

void TimedVerifier::check_ready(const TimedStep& step, TensorId t, const Copy& c) const {
  if (step.start < c.ready)
    fail_with(step, [&] {
      return "starts at t=" + exact(step.start) + " before '" + std::string(graph_.tensor_name(t)) +
             "' is ready at t=" + exact(c.ready);
    });
}

// Inlined into apply_compute, its one caller: the list-order replay and these checks then
// share one frame (issue 16).
[[gnu::always_inline]] inline void TimedVerifier::check_compute(const TimedStep& step) {
  const OpId o = step.step.id;
  if (step.resource != Resource::compute)
    fail_with(step, [&] { return "an op must run on the compute unit"; });
  const double duration = machine_.compute_seconds(graph_.op(o).flops);
  if (step.end != step.start + duration)
    fail_with(step, [&] {
      return "lasts " + exact(step.end - step.start) + ", not its compute time " + exact(duration);
    });
  if (step.start < compute_end_)
    fail_with(step, [&] {
      return "starts at t=" + exact(step.start) +
             " while the previous op runs until t=" + exact(compute_end_);
    });
  // One pass per operand list, in the order of the checks (inputs' and updates' ready times,
  // then outputs' and updates' copies), so the first broken rule is the one reported. Each
  // pass also records the op's end as the tensor's last use (the working set is inputs,
  // outputs, updates); an output's new ready time is set once its checks pass: the ready
  // times checked were all read in the first two passes.
  const auto inputs = graph_.inputs(o), updates = graph_.updates(o);
  for (TensorId t : inputs) {
    Copy& c = copy_of(t);
    check_ready(step, t, c);
    c.last_use_end = std::max(c.last_use_end, step.end);
  }
  for (TensorId t : updates) check_ready(step, t, copy_of(t));
  for (TensorId t : written_by(graph_, o)) {
    Copy& c = copy_of(t);
    if (c.resident) {
      if (step.start < c.store_end)
        fail_with(step, [&] {
          return "rewrites '" + std::string(graph_.tensor_name(t)) + "' at t=" + exact(step.start) +
                 " while it is stored until t=" + exact(c.store_end);
        });
    } else {
      // A new output occupies the cache from the op's start (docs/model.md §3).
      if (step.start < c.dropped_at)
        fail_with(step, [&] {
          return "writes '" + std::string(graph_.tensor_name(t)) + "' at t=" + exact(step.start) +
                 " while its previous copy stays until t=" + exact(c.dropped_at);
        });
      c.resident = true;
      arrive(c, step.start);
    }
    c.ready = step.end;
    c.last_use_end = std::max(c.last_use_end, step.end);
  }
  compute_end_ = step.end;
}

void TimedVerifier::settle_before(double time) {
  watermark_ = std::max(watermark_, time);
  settle(false, watermark_);
}

void TimedVerifier::settle(bool everything, double before) {
  for (;;) {
    Change ch;
    if (!changes_.empty() && (in_order_.empty() || in_order_.front() > changes_.top())) {
      ch = changes_.top();
      if (!everything && !(ch.at < before)) break;
      changes_.pop();
    } else if (!in_order_.empty()) {
      ch = in_order_.front();
      if (!everything && !(ch.at < before)) break;
      in_order_.pop_front();
    } else {
      break;
    }
    const std::uint64_t bytes = graph_.tensor(ch.tensor).bytes;
    Copy* c = existing_copy(ch.tensor);  // a copy is freed only once its changes settle
    --c->pending;
    if (!ch.arrives()) {
      if (!c->occupying) {
        c->arrival_cancelled = true;  // freed when that arrival settles
        continue;
      }
      occupied_ -= bytes;
      c->occupying = false;
    } else if (c->arrival_cancelled) {
      c->arrival_cancelled = false;
    } else {
      occupied_ += bytes;
      c->occupying = true;
      if (occupied_ > machine_.cache_capacity) over_capacity(ch.at);
      peak_ = std::max(peak_, occupied_);
      continue;
    }
    // The copy's times are no longer needed once its drop is in the settled past.
    if (!c->resident && c->pending == 0) {
      free_copies_.push_back(copy_index_[ch.tensor]);
      copy_index_[ch.tensor] = kNoCopy;
    }
  }
}

void TimedVerifier::over_capacity(double at) const {
  const std::string unit = machine_.uniform ? " tensors" : " bytes";
  std::vector<TensorId> occupying;
  for (const Copy& c : copies_)
    if (c.occupying) occupying.push_back(c.tensor);
  std::sort(occupying.begin(), occupying.end());
  std::string who;
  std::size_t named = 0, more = 0;
  for (TensorId t : occupying) {
    if (named == 8) {
      ++more;
      continue;
    }
    who += (named++ ? ", " : "") + std::string(graph_.tensor_name(t)) + " (" +
           std::to_string(graph_.tensor(t).bytes) + ")";
  }
  if (more) who += " and " + std::to_string(more) + " more";
  throw ScheduleError("at t=" + exact(at) + " the cache holds " + std::to_string(occupied_) + unit +
                      ", over its capacity of " + std::to_string(machine_.cache_capacity) + ": " +
                      who);
}

MoveCounts TimedVerifier::finish() {
  MoveCounts counts = list_.finish();
  settle(true, 0);
  counts.peak_cache_bytes = peak_;
  // Staging peaks: intervals are half-open, so at one instant releases come first.
  for (std::size_t level = 0; level < staging_changes_.size(); ++level) {
    auto& changes = staging_changes_[level];
    std::sort(changes.begin(), changes.end(), [](const StagingChange& a, const StagingChange& b) {
      return a.at != b.at ? a.at < b.at : a.bytes < b.bytes;
    });
    std::int64_t held = 0;
    for (const StagingChange& c : changes) {
      held += c.bytes;
      peak_staging_[level] = std::max(peak_staging_[level], static_cast<std::uint64_t>(held));
    }
  }
  return counts;
}

}  // namespace memsim
