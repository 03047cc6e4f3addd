#include "tests/reference/reference_executor.h"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <tuple>

namespace memsim_reference {
namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();

// §4.2: free space is kept as pieces, each some bytes free from a given instant.
struct Piece {
  std::uint64_t bytes = 0;
  double free_from = 0;
  // §4.2 step 3: freed by a victim whose drop waited for its store.
  bool freed_by_store_wait = false;
  // Creation order. §4.2 orders pieces only by their instant; among equal instants we take the
  // older piece first (docs/model.md leaves this open; see reference-notes.md).
  long long sequence = 0;
};

struct Allocation {
  double time = 0;
  bool waited_for_store = false;
};

struct TensorState {
  bool held = false;        // §4.2: from its allocation until it is evicted or dropped
  bool dram_valid = false;  // a valid DRAM copy: initial, or a store has been issued (§8)
  double ready = 0;         // §4.1 step 5: end of the load or op that gave the current copy
  bool stored_ever = false;
  double last_store_end = 0;  // the latest end of any store of the tensor
  long long last_touch = -1;  // §5 LRU
  long long arrival = -1;     // §5 FIFO
  // The load that brought the current copy, for §6's S_i.
  bool copy_from_load = false;
  bool load_waited_for_store = false;
  double load_issue = 0;
  // The allocation of an output of the current op (§4.1 step 2, §4.1 step 5, §6).
  Allocation output_allocation;
  int open_occupancy = -1;  // index into Result::occupancy of the current copy, -1 if none
  double previous_copy_dropped = -kInfinity;  // for the one-copy check of §3
};

class Executor {
 public:
  Executor(const Graph& graph, const Machine& machine, const Options& options)
      : g_(graph), m_(machine), o_(options), n_(static_cast<int>(graph.ops.size())) {}

  Result run();

 private:
  // ---- The graph (§1).
  std::uint64_t size(int t) const { return m_.uniform ? 1 : g_.tensors[t].bytes; }
  static std::vector<int> read_list(const Op& op) {  // inputs, then updates (operand order)
    std::vector<int> r = op.inputs;
    r.insert(r.end(), op.updates.begin(), op.updates.end());
    return r;
  }
  static std::vector<int> working_set(const Op& op) {  // inputs, outputs, updates (§1)
    std::vector<int> r = op.inputs;
    r.insert(r.end(), op.outputs.begin(), op.outputs.end());
    r.insert(r.end(), op.updates.begin(), op.updates.end());
    return r;
  }
  static bool contains(const std::vector<int>& list, int t) {
    return std::find(list.begin(), list.end(), t) != list.end();
  }
  bool reads_or_updates(int k, int t) const {
    return contains(g_.ops[k].inputs, t) || contains(g_.ops[k].updates, t);
  }
  // §1: needed if a later op (one not yet run: positions >= the current one) reads or updates
  // it, or if it is a required output.
  bool needed(int t) const {
    if (g_.tensors[t].required) return true;
    for (int k = current_; k < n_; ++k)
      if (reads_or_updates(k, t)) return true;
    return false;
  }
  // §1: dead when not needed and not a weight or optimizer state.
  bool dead(int t) const {
    const Kind kind = g_.tensors[t].kind;
    return !needed(t) && kind != Kind::weight && kind != Kind::optimizer_state;
  }

  // ---- Pinning (§4).
  int window_end() const { return std::min(current_ + o_.lookahead, n_ - 1); }
  bool window_pinned(int t) const {
    for (int k = current_; k <= window_end(); ++k)
      if (contains(working_set(g_.ops[k]), t)) return true;
    return false;
  }
  bool current_pinned(int t) const { return contains(working_set(g_.ops[current_]), t); }

  // ---- Cleanliness (§3): clean at tau if it has a valid DRAM copy and every store has ended.
  bool clean_at(int t, double tau) const {
    const TensorState& s = state_[t];
    return s.dram_valid && (!s.stored_ever || s.last_store_end <= tau);
  }
  bool store_running(int t, double tau) const {
    return state_[t].stored_ever && state_[t].last_store_end > tau;
  }

  // ---- Durations (§2).
  double transfer_duration(int t) const {
    if (m_.uniform) return m_.transfer_time;
    return m_.latency + static_cast<double>(g_.tensors[t].bytes) / m_.bandwidth;
  }
  double op_duration(int k) const {
    return m_.uniform ? m_.op_time : g_.ops[k].flops / m_.throughput;
  }

  // ---- Bookkeeping.
  std::uint64_t free_bytes() const { return m_.capacity - held_bytes_; }
  void touch(int t) { state_[t].last_touch = clock_++; }
  void arrive(int t) { state_[t].arrival = clock_++; }

  // §4.3: first come, first served over the channels.
  const Transfer& enqueue(bool store, int t, double may_start);
  // §4.3: a store decided at D may start at max(D, ready time).
  void issue_store(int t, double decision);
  // §4.3: a load is issued at the latest of its allocation time, the end of the tensor's last
  // store and the drop of its previous copy.
  void issue_load(int t, double decision, const Allocation& allocation);
  // §3 / §4.2: a drop frees the tensor's bytes from tau.
  void drop(int t, double tau, bool waited_for_store);
  // §4.4.
  void evict(int v, double decision);
  // §5: the first tensor of `eligible` in the policy's order.
  int choose_victim(const std::vector<int>& eligible);
  // §4.2.
  Allocation allocate(std::uint64_t bytes, double decision, bool mandatory);

  // §4.1 step 1, for the op at position `finished`.
  void finish_op(int finished, double decision);
  // §4.1 step 4.
  void prefetch(double decision);

  void check_invariants();

  const Graph& g_;
  const Machine& m_;
  Options o_;
  int n_;
  int current_ = 0;      // the position whose decision point we are at (0-based)
  double decision_ = 0;  // D at that decision point
  std::vector<TensorState> state_;
  std::vector<Piece> pieces_;
  long long piece_sequence_ = 0;
  std::uint64_t held_bytes_ = 0;
  std::vector<double> channel_free_;
  long long clock_ = 0;
  Result r_;
};

const Transfer& Executor::enqueue(bool store, int t, double may_start) {
  // The channel that became free earliest, the lowest-numbered on ties.
  int channel = 0;
  for (int c = 1; c < static_cast<int>(channel_free_.size()); ++c)
    if (channel_free_[c] < channel_free_[channel]) channel = c;
  // Starts at the latest of: the instant it may start, the start of the transfer decided just
  // before it, the earliest instant at which some channel is free.
  double start = std::max(may_start, channel_free_[channel]);
  if (!r_.transfers.empty()) start = std::max(start, r_.transfers.back().start);
  Transfer x;
  x.store = store;
  x.tensor = t;
  x.may_start = may_start;
  x.start = start;
  x.end = start + transfer_duration(t);
  x.channel = channel;
  channel_free_[channel] = x.end;
  r_.transfers.push_back(x);
  return r_.transfers.back();
}

void Executor::issue_store(int t, double decision) {
  TensorState& s = state_[t];
  const Transfer& x = enqueue(true, t, std::max(decision, s.ready));
  s.last_store_end = s.stored_ever ? std::max(s.last_store_end, x.end) : x.end;
  s.stored_ever = true;
  s.dram_valid = true;  // §8: a store makes the DRAM copy valid
  ++r_.stores;
  r_.store_bytes += size(t);
}

void Executor::issue_load(int t, double decision, const Allocation& allocation) {
  TensorState& s = state_[t];
  // Issued at the latest of its allocation time, the end of the tensor's last store and the
  // instant its previous copy (if any) was dropped.
  double issue = allocation.time;
  if (s.stored_ever) issue = std::max(issue, s.last_store_end);
  issue = std::max(issue, s.previous_copy_dropped);
  // It waits for a store if its issue time is later than D and is either its allocation time,
  // when the allocation waited for a store, or the end of the tensor's own last store.
  const bool waited =
      issue > decision && ((issue == allocation.time && allocation.waited_for_store) ||
                           (s.stored_ever && issue == s.last_store_end));
  if (issue > decision && s.stored_ever && issue == s.last_store_end && issue > allocation.time)
    ++r_.coverage.loads_waiting_for_own_store;
  if (issue > decision && issue == s.previous_copy_dropped && issue > allocation.time)
    ++r_.coverage.loads_waiting_for_previous_copy;
  const Transfer& x = enqueue(false, t, issue);
  s.ready = x.end;
  s.copy_from_load = true;
  s.load_waited_for_store = waited;
  s.load_issue = issue;
  // §3: occupies its bytes from the instant the load is issued.
  if (issue < s.previous_copy_dropped)
    r_.violations.push_back("two copies of " + g_.tensors[t].name + ": loaded again at " +
                            std::to_string(issue) + ", previous copy dropped at " +
                            std::to_string(s.previous_copy_dropped));
  s.open_occupancy = static_cast<int>(r_.occupancy.size());
  r_.occupancy.push_back({t, issue, kInfinity});
  touch(t);   // §5 LRU: touched when its load is issued
  arrive(t);  // §5 FIFO: arrives when its load is issued
  ++r_.loads;
  r_.load_bytes += size(t);
}

void Executor::drop(int t, double tau, bool waited_for_store) {
  TensorState& s = state_[t];
  if (!s.held || s.open_occupancy < 0)
    throw std::logic_error("reference: dropping a tensor not held");
  s.held = false;
  held_bytes_ -= size(t);
  r_.occupancy[s.open_occupancy].to = tau;
  s.open_occupancy = -1;
  s.previous_copy_dropped = tau;
  s.copy_from_load = false;
  pieces_.push_back({size(t), tau, waited_for_store, piece_sequence_++});
  ++r_.drops;
}

void Executor::evict(int v, double decision) {
  // §4.4: a dirty, needed tensor with no store running is stored now; a dirty tensor that is not
  // needed is dropped without a store.
  if (!clean_at(v, decision) && needed(v) && !store_running(v, decision)) {
    issue_store(v, decision);
    ++r_.coverage.victims_stored;
  }
  const TensorState& s = state_[v];
  if (s.copy_from_load && s.ready > decision) ++r_.coverage.victims_in_flight;
  // Dropped at max(D, ready time, end of its last store).
  double tau = std::max(decision, s.ready);
  if (s.stored_ever) tau = std::max(tau, s.last_store_end);
  // The drop waits for its store if that instant is the end of a store and later than D.
  const bool waited = s.stored_ever && tau == s.last_store_end && tau > decision;
  drop(v, tau, waited);
}

int Executor::choose_victim(const std::vector<int>& eligible) {
  // §5: each policy is a total order; the first is evicted.
  std::vector<int> order = eligible;
  const auto next_use = [&](int t) {  // smallest position > i that reads or updates it
    for (int k = current_ + 1; k < n_; ++k)
      if (reads_or_updates(k, t)) return k;
    return -1;
  };
  const auto key = [&](int t) -> std::tuple<long long, long long, long long, long long> {
    const TensorState& s = state_[t];
    switch (o_.policy) {
      case Policy::lru:  // touched longest ago first
        return {s.last_touch, 0, 0, 0};
      case Policy::fifo:  // arrived first first
        return {s.arrival, 0, 0, 0};
      case Policy::belady: {
        // never used again first, then the farthest next use, then clean (at D) before dirty,
        // then the lowest id.
        const int next = next_use(t);
        const long long never = next < 0 ? 0 : 1;
        const long long farthest = next < 0 ? 0 : -next;
        const long long dirty = clean_at(t, decision_) ? 0 : 1;
        return {never, farthest, dirty, t};
      }
    }
    return {0, 0, 0, 0};
  };
  std::sort(order.begin(), order.end(), [&](int a, int b) { return key(a) < key(b); });
  if (o_.policy == Policy::belady && order.size() >= 2) {
    const auto [n0, f0, d0, i0] = key(order[0]);
    const auto [n1, f1, d1, i1] = key(order[1]);
    if (n0 == n1 && f0 == f1)
      (d0 != d1 ? r_.coverage.belady_by_cleanliness : r_.coverage.belady_by_id)++;
  }
  return order.front();
}

Allocation Executor::allocate(std::uint64_t bytes, double decision, bool mandatory) {
  // Step 1: while free < b, evict a victim among the eligible tensors.
  while (free_bytes() < bytes) {
    std::vector<int> eligible;
    // Mandatory and prefetch: first the held tensors that are not window-pinned.
    for (int t = 0; t < static_cast<int>(state_.size()); ++t)
      if (state_[t].held && !window_pinned(t)) eligible.push_back(t);
    // Mandatory only, when none is left: the held tensors that are not current-pinned.
    if (eligible.empty() && mandatory) {
      for (int t = 0; t < static_cast<int>(state_.size()); ++t)
        if (state_[t].held && !current_pinned(t)) eligible.push_back(t);
      ++r_.coverage.prefetched_tensors_evicted;
    }
    if (eligible.empty()) throw std::logic_error("reference: an allocation found no victim");
    if (!mandatory) ++r_.coverage.prefetch_evictions;
    evict(choose_victim(eligible), decision);
  }
  // Step 2: take b bytes from the pieces, earliest instant first; a split piece keeps its
  // instant for the rest.
  std::stable_sort(pieces_.begin(), pieces_.end(), [](const Piece& a, const Piece& b) {
    return std::tie(a.free_from, a.sequence) < std::tie(b.free_from, b.sequence);
  });
  std::vector<Piece> taken;
  std::uint64_t remaining = bytes;
  for (Piece& p : pieces_) {
    if (remaining == 0) break;
    const std::uint64_t take = std::min(p.bytes, remaining);
    if (take == 0) continue;
    taken.push_back(p);
    p.bytes -= take;
    remaining -= take;
  }
  std::erase_if(pieces_, [](const Piece& p) { return p.bytes == 0; });
  // The allocation time is the later of D and the latest instant among the pieces taken.
  Allocation a;
  a.time = decision;
  for (const Piece& p : taken) a.time = std::max(a.time, p.free_from);
  // Step 3: it waits for a store if that time is later than D and some piece taken with that
  // instant was freed by a victim whose drop waited for its store.
  for (const Piece& p : taken)
    if (a.time > decision && p.free_from == a.time && p.freed_by_store_wait)
      a.waited_for_store = true;
  held_bytes_ += bytes;
  if (a.waited_for_store) ++r_.coverage.allocations_waiting_for_store;
  return a;
}

void Executor::finish_op(int finished, double decision) {
  const Op& op = g_.ops[finished];
  // a. Drop, at D, every tensor of its working set that is now dead (operand order).
  for (int t : working_set(op))
    if (state_[t].held && dead(t)) drop(t, decision, false);
  // b. Store every required output it wrote or updated: outputs, then updates.
  for (int t : op.outputs)
    if (g_.tensors[t].required) issue_store(t, decision);
  for (int t : op.updates)
    if (g_.tensors[t].required) issue_store(t, decision);
}

void Executor::prefetch(double decision) {
  // §4.1 step 4: ops i+1 .. min(i+L, n), in order.
  for (int k = current_ + 1; k <= window_end(); ++k) {
    // R_k: inputs then updates not held and loadable (a valid DRAM copy or a store issued).
    std::vector<int> wanted;
    std::uint64_t wanted_bytes = 0;
    for (int t : read_list(g_.ops[k]))
      if (!state_[t].held && (state_[t].dram_valid || state_[t].stored_ever)) {
        wanted.push_back(t);
        wanted_bytes += size(t);
      }
    std::uint64_t evictable = 0;  // held tensors that are not window-pinned
    for (int t = 0; t < static_cast<int>(state_.size()); ++t)
      if (state_[t].held && !window_pinned(t)) evictable += size(t);
    if (free_bytes() + evictable >= wanted_bytes) {
      // All of R_k can be brought in: allocate each in order (it may evict) and load it.
      for (int t : wanted) {
        const Allocation a = allocate(size(t), decision, false);
        state_[t].held = true;
        issue_load(t, decision, a);
      }
      continue;
    }
    // Otherwise only while each fits the free space without evicting; stop at the first that
    // does not fit, and prefetch nothing more at this decision point.
    for (int t : wanted) {
      if (free_bytes() < size(t)) {
        ++r_.coverage.prefetch_stops;
        return;
      }
      const Allocation a = allocate(size(t), decision, false);
      state_[t].held = true;
      issue_load(t, decision, a);
    }
    return;
  }
}

Result Executor::run() {
  std::uint64_t largest_working_set = 0;
  for (const Op& op : g_.ops) {
    std::uint64_t ws = 0;
    for (int t : working_set(op)) ws += size(t);
    largest_working_set = std::max(largest_working_set, ws);
  }
  if (largest_working_set > m_.capacity)
    throw std::invalid_argument("reference: a working set is larger than the cache");

  state_.assign(g_.tensors.size(), TensorState{});
  for (std::size_t t = 0; t < g_.tensors.size(); ++t)
    state_[t].dram_valid = g_.tensors[t].initial_dram;
  pieces_ = {Piece{m_.capacity, 0.0, false, piece_sequence_++}};  // the whole cache, free from 0
  channel_free_.assign(static_cast<std::size_t>(std::max(1, m_.channels)), 0.0);

  double decision = 0;  // D_1 = 0
  for (current_ = 0; current_ < n_; ++current_) {
    decision_ = decision;
    const Op& op = g_.ops[current_];
    // 1. Finish op i-1.
    if (current_ > 0) finish_op(current_ - 1, decision);
    // 2. Mandatory loads (inputs, then updates, not held) and space for the outputs.
    for (int t : read_list(op)) {
      if (state_[t].held) continue;
      const Allocation a = allocate(size(t), decision, true);
      state_[t].held = true;
      issue_load(t, decision, a);
    }
    for (int t : op.outputs) {
      state_[t].output_allocation = allocate(size(t), decision, true);
      state_[t].held = true;
      touch(t);   // §5 LRU: touched when its space is allocated as an output
      arrive(t);  // §5 FIFO: arrives when its output space is allocated
    }
    // 3. Touch the working set in operand order.
    for (int t : working_set(op)) touch(t);
    // 4. Prefetch.
    if (o_.lookahead >= 1) prefetch(decision);
    // 5. Run op i.
    double start = decision;
    for (int t : read_list(op)) start = std::max(start, state_[t].ready);
    for (int t : op.outputs) start = std::max(start, state_[t].output_allocation.time);
    for (int t : op.updates)
      if (state_[t].stored_ever) start = std::max(start, state_[t].last_store_end);
    for (int t : op.updates)
      if (state_[t].stored_ever && state_[t].last_store_end > decision &&
          state_[t].last_store_end == start)
        ++r_.coverage.updates_waiting_for_store;
    const double duration = op_duration(current_);
    const double end = start + duration;
    // §6: S_i, the latest instant op i waits for a store: the issue time of the load that
    // brought in each input and update, if that load waited for a store; ...
    double s_i = -kInfinity;
    for (int t : read_list(op)) {
      const TensorState& s = state_[t];
      if (s.copy_from_load && s.load_waited_for_store) s_i = std::max(s_i, s.load_issue);
    }
    for (int t : op.outputs)
      if (state_[t].output_allocation.waited_for_store)
        s_i = std::max(s_i, state_[t].output_allocation.time);
    for (int t : op.updates)
      if (state_[t].stored_ever) s_i = std::max(s_i, state_[t].last_store_end);
    OpRun run;
    run.decision = decision;
    run.start = start;
    run.end = end;
    run.stall_store =
        s_i == -kInfinity ? 0.0 : std::min(std::max(s_i - decision, 0.0), start - decision);
    run.stall_load = start - decision - run.stall_store;
    r_.ops.push_back(run);
    r_.compute_busy += duration;
    r_.stall_load += run.stall_load;
    r_.stall_store += run.stall_store;
    // The op writes its outputs and updates: they are ready at its end, and their DRAM copies
    // (if any) are stale. Outputs occupy their space from the op's start (§3).
    for (int t : op.outputs) {
      TensorState& s = state_[t];
      if (start < s.previous_copy_dropped)
        r_.violations.push_back("two copies of " + g_.tensors[t].name);
      s.open_occupancy = static_cast<int>(r_.occupancy.size());
      r_.occupancy.push_back({t, start, kInfinity});
      s.ready = end;
      s.dram_valid = false;
      s.copy_from_load = false;
    }
    for (int t : op.updates) {
      state_[t].ready = end;
      state_[t].dram_valid = false;
      state_[t].copy_from_load = false;
    }
    check_invariants();
    decision = end;  // D_{i+1} = end of op i
  }
  // After op n ends, step 1 once more for op n.
  decision_ = decision;
  finish_op(n_ - 1, decision);
  check_invariants();

  // §7 time: the later of the end of op n and the end of the last transfer.
  r_.time = decision;
  for (const Transfer& x : r_.transfers) r_.time = std::max(r_.time, x.end);

  // §7 DRAM busy: the length of the union of all transfer intervals.
  std::vector<std::pair<double, double>> spans;
  for (const Transfer& x : r_.transfers) spans.emplace_back(x.start, x.end);
  std::sort(spans.begin(), spans.end());
  double union_start = 0, union_end = 0;
  bool open = false;
  for (const auto& [a, b] : spans) {
    if (open && a <= union_end) {
      union_end = std::max(union_end, b);
      continue;
    }
    if (open) r_.dram_busy += union_end - union_start;
    union_start = a;
    union_end = b;
    open = true;
  }
  if (open) r_.dram_busy += union_end - union_start;

  // §3 / §7 peak cache: the largest occupancy at any instant. Occupancy only rises when an
  // interval begins, so scanning every interval's first instant finds the maximum.
  for (const Occupancy& c : r_.occupancy) {
    if (!(c.from < c.to)) continue;
    std::uint64_t bytes = 0;
    for (const Occupancy& d : r_.occupancy)
      if (d.from <= c.from && c.from < d.to) bytes += size(d.tensor);
    r_.peak_cache = std::max(r_.peak_cache, bytes);
  }
  if (r_.peak_cache > m_.capacity)
    r_.violations.push_back("occupancy " + std::to_string(r_.peak_cache) + " exceeds capacity " +
                            std::to_string(m_.capacity));
  return r_;
}

void Executor::check_invariants() {
  // §4.2: free = capacity - bytes held, kept as pieces.
  std::uint64_t pieces = 0;
  for (const Piece& p : pieces_) pieces += p.bytes;
  std::uint64_t held = 0;
  for (std::size_t t = 0; t < state_.size(); ++t)
    if (state_[t].held) held += size(static_cast<int>(t));
  if (held != held_bytes_ || pieces + held != m_.capacity)
    throw std::logic_error("reference: free-space bookkeeping is inconsistent");
}

}  // namespace

Result run_reference(const Graph& graph, const Machine& machine, const Options& options) {
  return Executor(graph, machine, options).run();
}

}  // namespace memsim_reference
