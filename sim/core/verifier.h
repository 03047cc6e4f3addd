#pragma once
// The one checker every schedule goes through (docs/model.md §8). It replays steps against
// the model and recounts the moves; counts reported anywhere come from here.
#include <cstdint>
#include <span>
#include <string>
#include <unordered_set>
#include <vector>

#include "sim/core/graph.h"
#include "sim/core/live_peak.h"
#include "sim/core/liveness.h"
#include "sim/core/op_operands.h"
#include "sim/core/schedule.h"

namespace memsim {

struct VerifierOptions {
  // Allow an op to run more than once (the solver's --recompute). A live dirty tensor may then
  // be dropped: it is lost until its producer runs again.
  bool allow_recompute = false;
  // Keep compute_order(). Without it the order is kept only where liveness() cannot answer
  // (4 bytes an op saved: a run reads the order only to count liveness after the replay).
  bool keep_compute_order = true;
  // The machine's memory levels: on more than two, the replay also counts each level's peak
  // live (docs/model.md §15.5, level_liveness), so that no pass over the order is needed.
  std::uint32_t level_count = 2;
};

struct MoveCounts {
  std::uint64_t loads = 0;
  std::uint64_t stores = 0;
  std::uint64_t load_bytes = 0;
  std::uint64_t store_bytes = 0;
  std::uint64_t drops = 0;
  std::uint64_t computes = 0;
  std::uint64_t peak_cache_bytes = 0;
  std::uint64_t moves() const { return loads + stores; }
  std::uint64_t bytes() const { return load_bytes + store_bytes; }
};

// Replays one step at a time, so the executor can stream into it without storing a schedule.
class Verifier {
 public:
  Verifier(const Graph& graph, std::uint64_t capacity, VerifierOptions options = {});
  // Applies the next step; throws ScheduleError("step N (compute fwd2): ...") if it breaks the
  // model. A load or store of a tensor homed below level 2 is its whole chain of hops
  // (docs/model.md §15.8): as if each hop were applied in turn.
  void apply(const Step& step);
  // One hop over `link` (docs/model.md §15.7): a load copies level link + 1 -> link, a store
  // link -> link + 1. Counts (loads, stores, bytes) are link 1's.
  void apply(const Step& step, std::uint32_t link);
  // apply(step, link) for a step whose kind the caller knows (the timed verifier's switch): the
  // same checks in the same order, without the dispatch (issue 16). Inline, below.
  void apply_load(const Step& step, std::uint32_t link);
  void apply_store(const Step& step, std::uint32_t link);
  void apply_drop(const Step& step);
  void apply_compute(const Step& step);
  // Checks the end state (every op ran, every required output at its home, no staging copy
  // left) and returns the counts.
  MoveCounts finish() const;
  std::uint64_t cache_bytes_in_use() const { return used_; }
  const MoveCounts& counts() const { return counts_; }
  // Order in which ops first ran (for liveness); empty without keep_compute_order where
  // liveness() (and, on more than two levels, level_liveness()) answers.
  const std::vector<OpId>& compute_order() const { return order_; }
  // analyze_liveness(graph, compute_order()), counted during the replay; nullptr for a graph
  // where the replay cannot tell a tensor's last use when it happens (a tensor with two
  // producers, or one that starts in DRAM and is also produced): ask analyze_liveness then.
  const LivenessReport* liveness() const { return live_exact_ ? &live_.report() : nullptr; }
  // analyze_liveness(graph, compute_order(), level) for a level from 2 to the options'
  // level_count, when that is more than 2, liveness() answers and every tensor is homed at one
  // of those levels; else nullptr.
  const LivenessReport* level_liveness(std::uint32_t level) const {
    return level >= 2 && level - 2 < level_live_.size() ? &level_live_[level - 2].report()
                                                        : nullptr;
  }

 private:
  [[noreturn]] void fail(const Step& step, const std::string& why) const;
  // Builds the message only when failing, out of line: the checks' hot paths stay small
  // (issue 16).
  template <typename Why>
  [[noreturn, gnu::cold, gnu::noinline]] void fail_with(const Step& step, Why why) const {
    fail(step, std::string(why()));
  }
  void apply_hop(const Step& step, std::uint32_t link);
  // The first checks of every step: its index, its id in range.
  void begin_step(const Step& step, std::size_t id_count) {
    ++step_index_;
    if (step.id >= id_count) fail_with(step, [&] { return "id out of range"; });
  }
  // A load or store of a tensor homed below level 2, or over a link below level 1.
  bool deep_hop(const Step& step, std::uint32_t link) const {
    return link != 1 || (deep_ && graph_.tensor(step.id).home > 2);
  }
  // The copy a load or an up hop over link 1 writes into the cache, within its capacity.
  void enter_cache(const Step& step, TensorId t, std::uint64_t bytes) {
    if (used_ + bytes > capacity_)
      fail_with(step, [&] {
        return "cache over capacity: " + std::to_string(used_ + bytes) + " > " +
               std::to_string(capacity_);
      });
    set(t, kResident, true);
    used_ += bytes;
  }
  // Fails if op o rewrites a tensor whose staging copy no hop has read (rare: out of line).
  void check_no_staging_copy(const Step& step, OpId o) const;
  void note_peak() {
    if (used_ > counts_.peak_cache_bytes) counts_.peak_cache_bytes = used_;
  }
  // A staging copy (docs/model.md §15.2) of tensor t at a level strictly between 1 and its home.
  static std::uint64_t staging_key(TensorId t, std::uint32_t level) {
    return (static_cast<std::uint64_t>(t) << 5) | level;
  }
  std::unordered_set<std::uint64_t> staging_;
  bool deep_ = false;  // some tensor is homed below level 2 (a two-level run skips §15's checks)
  const Graph& graph_;
  std::uint64_t capacity_;
  VerifierOptions options_;
  // Per tensor: kResident (in the cache, in list order), kDramValid (its DRAM copy is current).
  // An enum, not std::uint8_t, so that a store of flags does not alias every other object
  // (issue 16: the compiler reloaded each array pointer after it).
  enum class Flags : std::uint8_t {};
  // For liveness (live_): kLiveSeen once born, kNoDeath once dead or if it never dies.
  static constexpr std::uint8_t kResident = 1, kDramValid = 2, kLiveSeen = 4, kNoDeath = 8;
  std::uint8_t bits(TensorId t) const { return static_cast<std::uint8_t>(state_[t]); }
  bool resident(TensorId t) const { return (bits(t) & kResident) != 0; }
  bool dram_valid(TensorId t) const { return (bits(t) & kDramValid) != 0; }
  void set(TensorId t, std::uint8_t bit, bool on) {
    state_[t] = static_cast<Flags>(on ? (bits(t) | bit) : (bits(t) & ~bit));
  }
  std::vector<Flags> state_;
  std::vector<std::uint32_t> remaining_uses_;  // uses by ops that have not run yet
  std::vector<Flags> computed_;                // 1 once the op ran
  std::size_t tensor_count_, op_count_;        // the graph's, for the id check of every step
  std::vector<OpId> order_;
  bool keep_order_;
  std::uint32_t ran_ = 0;  // ops run once or more (the position of the next first run)
  // Liveness on the fly: exact when every tensor has at most one producer and none that starts
  // in DRAM is produced; then a tensor's last use is the op after which no op that has not run
  // reads it (docs/model.md's rule, sim/core/liveness.h).
  bool live_exact_;
  LivePeak live_;
  // docs/model.md §15.5: the same count over the tensors homed at each level, index level - 2;
  // empty on two levels (the run's count is level 2's) or where live_ is not exact.
  std::vector<LivePeak> level_live_;
  void born(const Tensor& x) {
    live_.born(x);
    if (!level_live_.empty()) level_live_[x.home - 2].born(x);
  }
  void at_position(std::uint32_t position, OpId o) {
    live_.at_position(position, o);
    for (LivePeak& level : level_live_) level.at_position(position, o);
  }
  void die(TensorId t) {
    if (bits(t) & kNoDeath) return;
    set(t, kNoDeath, true);
    const Tensor& x = graph_.tensor(t);
    live_.died(x);
    if (!level_live_.empty()) level_live_[x.home - 2].died(x);
  }
  std::uint64_t used_ = 0;
  std::uint64_t step_index_ = 0;
  MoveCounts counts_;
};

inline void Verifier::apply_load(const Step& step, std::uint32_t link) {
  begin_step(step, tensor_count_);
  if (deep_hop(step, link)) return apply_hop(step, link);
  const TensorId t = step.id;
  if (resident(t)) fail_with(step, [&] { return "tensor is already in the cache"; });
  if (!dram_valid(t)) fail_with(step, [&] { return "tensor has no valid copy in DRAM to load"; });
  const std::uint64_t bytes = graph_.tensor(t).bytes;
  enter_cache(step, t, bytes);
  ++counts_.loads;
  counts_.load_bytes += bytes;
  note_peak();
}

inline void Verifier::apply_store(const Step& step, std::uint32_t link) {
  begin_step(step, tensor_count_);
  if (deep_hop(step, link)) return apply_hop(step, link);
  const TensorId t = step.id;
  if (!resident(t)) fail_with(step, [&] { return "tensor is not in the cache"; });
  set(t, kDramValid, true);
  ++counts_.stores;
  counts_.store_bytes += graph_.tensor(t).bytes;
  // The cache's bytes are unchanged: no new peak.
}

inline void Verifier::apply_drop(const Step& step) {
  begin_step(step, tensor_count_);
  const TensorId t = step.id;
  if (!resident(t)) fail_with(step, [&] { return "tensor is not in the cache"; });
  const bool needed = remaining_uses_[t] > 0 || graph_.tensor(t).required_output;
  if (!dram_valid(t) && needed && !options_.allow_recompute)
    fail_with(step, [&] {
      return "drops a live tensor that has no copy " +
             (graph_.tensor(t).home > 2
                  ? "at its home, level " + std::to_string(graph_.tensor(t).home)
                  : std::string("in DRAM")) +
             " (store it first)";
    });
  set(t, kResident, false);
  used_ -= graph_.tensor(t).bytes;
  ++counts_.drops;
  // Fewer bytes in the cache: no new peak.
}

inline void Verifier::apply_compute(const Step& step) {
  begin_step(step, op_count_);
  const OpId o = step.id;
  const bool again = computed_[o] != Flags{};
  if (again && !options_.allow_recompute) fail_with(step, [&] { return "op already ran"; });
  if (again && !graph_.updates(o).empty())
    fail_with(step, [&] { return "op updates a tensor in place and cannot run twice"; });
  const auto inputs = graph_.inputs(o), outputs = graph_.outputs(o), updates = graph_.updates(o);
  for (TensorId t : inputs)
    if (!resident(t))
      fail_with(step, [&] {
        return "input '" + std::string(graph_.tensor_name(t)) + "' is not in the cache";
      });
  for (TensorId t : updates)
    if (!resident(t))
      fail_with(step, [&] {
        return "updated tensor '" + std::string(graph_.tensor_name(t)) + "' is not in the cache";
      });
  // An output's DRAM copy goes stale in the pass that makes it resident (a failure below
  // ends the replay, so the order of the two makes no difference).
  for (TensorId t : outputs) {
    if (resident(t)) {  // a recompute overwrites in place
      set(t, kDramValid, false);
      continue;
    }
    const Tensor& x = graph_.tensor(t);
    if (!(bits(t) & kLiveSeen)) born(x);  // its first run: it becomes live
    state_[t] = static_cast<Flags>((bits(t) & kNoDeath) | kLiveSeen | kResident);
    used_ += x.bytes;
  }
  if (used_ > capacity_)
    fail_with(step, [&] {
      return "working set does not fit: cache over capacity: " + std::to_string(used_) + " > " +
             std::to_string(capacity_);
    });
  for (TensorId t : updates) set(t, kDramValid, false);
  // A staging copy is read by exactly one later hop (docs/model.md §15.2): rewriting the
  // tensor first would leave it unread.
  if (!staging_.empty()) check_no_staging_copy(step, o);
  if (!again) {
    computed_[o] = Flags{1};
    if (keep_order_) order_.push_back(o);
    ++ran_;
    // sim/core/liveness.h's rule, one op at a time: every output was born above, so this
    // is the position's live figure; then each tensor of the working set that no later op
    // reads dies (an output no op reads, an input or update at its last reader).
    if (live_exact_) {
      at_position(ran_ - 1, o);
      for (TensorId t : outputs)
        if (remaining_uses_[t] == 0) die(t);
    }
    for_each_read(graph_, o, [&](TensorId t) {
      if (--remaining_uses_[t] == 0 && live_exact_) die(t);
    });
  }
  ++counts_.computes;
  note_peak();
}

// Replays a whole schedule; throws ScheduleError on the first broken step.
MoveCounts verify(const Graph& graph, std::uint64_t capacity, std::span<const Step> steps,
                  VerifierOptions options = {});

}  // namespace memsim
