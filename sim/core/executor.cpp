// The executor of docs/model.md §4. Each numbered comment names the rule it implements.
#include "sim/core/executor.h"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include "sim/core/dram_channels.h"
#include "sim/core/free_space.h"
#include "sim/core/op_operands.h"
#include "sim/core/pipelined_sink.h"
#include "sim/core/verifying_sink.h"

namespace memsim {
namespace {

// §1: weights and optimizer state are never dead; their cache copy is left to the policy.
bool never_dead(const Tensor& t) {
  return t.kind == TensorKind::weight || t.kind == TensorKind::optimizer_state || t.required_output;
}

// docs/model.md §6: the stall split, reported to a sink of type Sink.
template <typename Sink>
void account_stall_to(double idle_from, double start, double store_wait, OpId o, Sink& sink,
                      ExecutionTimes& times) {
  if (start <= idle_from) return;
  const double store_part = std::clamp(store_wait - idle_from, 0.0, start - idle_from);
  if (store_part > 0) sink.on_stall(idle_from, idle_from + store_part, o, true);
  if (start - idle_from - store_part > 0) sink.on_stall(idle_from + store_part, start, o, false);
  times.stall_store += store_part;
  times.stall_load += start - idle_from - store_part;
}

// Sink is StepSink (any sink, called through its virtual functions), VerifyingSink or
// PipelinedSink (final: their calls are direct and inline).
template <typename Sink>
class Run {
 public:
  Run(const Graph& graph, std::span<const OpId> order, const Machine& machine,
      EvictionPolicy& policy, const ExecutorOptions& options, Sink& sink)
      : g_(graph),
        order_(order),
        m_(machine),
        policy_(policy),
        lookahead_(options.lookahead),
        sink_(sink),
        channels_(machine.dram_channels),
        space_(machine.cache_capacity),
        state_(graph.tensor_count(), TensorFlags{}),
        remaining_uses_(graph.tensor_count(), 0),
        pins_(graph.tensor_count(), 0) {
    for (TensorId t = 0; t < g_.tensor_count(); ++t)
      if (g_.tensor(t).initial_in_dram) set(t, kHasDramCopy, true);
    // docs/model.md §15: one FCFS queue per link below the DRAM link, and per-link times.
    if (deep_) {
      for (std::uint32_t link = 2; link < m_.level_count(); ++link)
        deep_links_.emplace_back(m_.link_channels(link));
      times_.links.assign(m_.link_count(), LinkTimes{});
    }
    for (OpId o : order_) {
      for (TensorId t : g_.inputs(o)) ++remaining_uses_[t];
      for (TensorId t : g_.updates(o)) ++remaining_uses_[t];
    }
  }

  ExecutionTimes run() {
    const std::uint32_t n = static_cast<std::uint32_t>(order_.size());
    for (std::uint32_t k = 0; k < n && k <= lookahead_; ++k) pin_window(order_[k], +1);
    for (std::uint32_t i = 0; i < n; ++i) decide(i);
    if (n > 0) {
      sink_.on_decision_point(now_);
      finish_op(order_[n - 1], /*leaves_window=*/false);
    }
    times_.compute_busy = compute_busy_;
    times_.dram_busy = channels_.busy();
    times_.time = std::max(now_, channels_.last_end());
    if (deep_) {
      times_.links[0].busy = times_.dram_busy;
      for (std::size_t k = 0; k < deep_links_.size(); ++k) {
        times_.links[k + 1].busy = deep_links_[k].busy();
        times_.time = std::max(times_.time, deep_links_[k].last_end());
      }
    }
    return times_;
  }

 private:
  // --- §15: a tensor homed below level 2 --------------------------------------------------
  // A load chain's hops below level 1 (a staging copy waiting at level 2, §15.3), then, once
  // loaded, the hop into level 1 too: their ends and links, for §15.4's stall by link.
  struct Staged {
    std::vector<ChainHop> hops;
    double ready = 0;           // when the copy at level 2 is valid
    double own_store_wait = 0;  // the first hop's start bound, when it waited for a store
  };

  // --- per-tensor state -------------------------------------------------------------------
  // kHeld: allocated and not yet evicted or dropped (§4.2). kHasDramCopy: a valid DRAM copy,
  // or a store of it has been issued (VictimQuery::kHasDramCopy).
  // kLoadWaitedForStore: the load that brought in its copy waited for a store (§4.3).
  // kDeepChain: its cache copy came over a chain of hops from a home below level 2 (chains_,
  // §15.4); only ever set for such tensors, so a two-level run never sees it.
  static constexpr std::uint8_t kHeld = 1, kHasDramCopy = VictimQuery::kHasDramCopy,
                                kLoadWaitedForStore = 4, kDeepChain = 8;
  std::uint8_t bits(TensorId t) const { return static_cast<std::uint8_t>(state_[t]); }
  bool held(TensorId t) const { return (bits(t) & kHeld) != 0; }
  bool has_dram_copy(TensorId t) const { return (bits(t) & kHasDramCopy) != 0; }
  void set(TensorId t, std::uint8_t bit, bool on) {
    state_[t] = static_cast<TensorFlags>(on ? (bits(t) | bit) : (bits(t) & ~bit));
  }
  std::uint64_t bytes(TensorId t) const { return g_.tensor(t).bytes; }
  // §1: a later op reads or updates it, or it is a required output.
  bool needed(TensorId t) const { return remaining_uses_[t] > 0 || g_.tensor(t).required_output; }

  // --- pins (§4: window-pinned, current-pinned) ----------------------------------------------
  // The low 15 bits count the window ops whose working set holds the tensor; the top bit marks
  // the current op's. window_pinned_held_ keeps the bytes of held, window-pinned tensors, for
  // the prefetch check of §4.1 step 4.
  static constexpr std::uint16_t kCurrentBit = 0x8000;
  static constexpr std::uint16_t kWindowMask = 0x7fff;
  bool window_pinned(TensorId t) const { return (pins_[t] & kWindowMask) != 0; }
  void pin_window(OpId o, int delta) {
    for (TensorId t : g_.working_set(o)) {
      const bool before = window_pinned(t);
      pins_[t] = static_cast<std::uint16_t>(pins_[t] + delta);
      if (held(t) && before != window_pinned(t))
        window_pinned_held_ =
            before ? window_pinned_held_ - bytes(t) : window_pinned_held_ + bytes(t);
    }
  }
  // A tensor of the op that just ran, which leaves the window and stops being current:
  // pin_current(o, false) and pin_window(o, -1) for it at once.
  void unpin_finished(TensorId t) {
    const std::uint16_t window = pins_[t] & kWindowMask;
    pins_[t] = static_cast<std::uint16_t>(window - 1);
    if (window == 1 && held(t)) window_pinned_held_ -= bytes(t);
  }
  void pin_current(OpId o, bool on) {
    for (TensorId t : g_.working_set(o))
      pins_[t] = on ? (pins_[t] | kCurrentBit) : (pins_[t] & kWindowMask);
  }

  // --- §4.1: one decision point ---------------------------------------------------------------
  void decide(std::uint32_t i) {
    const OpId o = order_[i];
    position_ = i;
    sink_.on_decision_point(now_);
    if (i > 0) {
      finish_op(order_[i - 1], /*leaves_window=*/true);  // step 1
      if (i + lookahead_ < order_.size()) pin_window(order_[i + lookahead_], +1);
    }
    space_.advance(now_);
    store_end_.forget_ended(now_);
    ready_ahead_.forget_ended(now_);
    pin_current(o, true);

    // Step 2: mandatory loads, then the outputs' space.
    for_each_read(g_, o, [&](TensorId t) {
      if (!held(t)) load(t, allocate(t, /*mandatory=*/true));
    });
    double outputs_at = now_;
    double output_store_wait = 0;
    for (TensorId t : g_.outputs(o)) {
      const FreeSpace::Taken at = allocate(t, /*mandatory=*/true);
      policy_.on_insert(t, i);
      outputs_at = std::max(outputs_at, at.at);
      if (at.after_store) output_store_wait = std::max(output_store_wait, at.at);
    }
    // Step 3: touch op i's working set in operand order.
    policy_.on_access_all(g_.working_set(o), i);
    // Step 4: prefetch for ops i+1..i+L.
    for (std::uint32_t k = i + 1; k < order_.size() && k <= i + lookahead_; ++k)
      if (!prefetch(k)) break;
    // Step 5: run op i.
    output_store_wait_ = output_store_wait;
    run_op(i, outputs_at, output_store_wait);
  }

  // Step 1: drop what died with op `o`, store the required outputs it wrote; when it
  // `leaves_window`, unpin its working set in the same pass (unpin_finished: a tensor's unpin
  // after its drop finds it not held, as when all drops came first).
  void finish_op(OpId o, bool leaves_window) {
    for (TensorId t : g_.working_set(o)) {
      if (held(t) && remaining_uses_[t] == 0 && !never_dead(g_.tensor(t))) drop(t, now_, false);
      if (leaves_window) unpin_finished(t);
    }
    for (TensorId t : written_by(g_, o))
      if (g_.tensor(t).required_output && !has_dram_copy(t)) store(t);
  }

  // Step 4 for op at position k. Returns false when prefetching stops.
  bool prefetch(std::uint32_t k) {
    const OpId o = order_[k];
    std::uint64_t need = 0;
    for_each_read(g_, o, [&](TensorId t) {
      if (loadable_missing(t)) need += bytes(t);
    });
    if (need == 0) return true;
    const bool whole = free() + (held_ - window_pinned_held_) >= need;
    bool stopped = false;  // out of room: this and the op's later missing tensors are skipped
    for_each_read(g_, o, [&](TensorId t) {
      if (!loadable_missing(t)) return;
      stopped = stopped || (!whole && free() < bytes(t));
      sink_.on_prefetch(o, t, !stopped);
      if (!stopped)
        load(t, allocate(t, /*mandatory=*/false));
      else if (home(t) > 2 && !staged_.contains(t))
        staged_.emplace(t, stage(t));  // §15.3: as far as room allows
    });
    return whole && !stopped;
  }
  bool loadable_missing(TensorId t) const { return !held(t) && has_dram_copy(t); }

  // --- §4.2 allocation and §4.4 eviction ------------------------------------------------------
  std::uint64_t free() const { return m_.cache_capacity - held_; }

  FreeSpace::Taken allocate(TensorId t, bool mandatory) {
    const std::uint64_t need = bytes(t);
    if (free() < need) make_room(t, need, mandatory);
    const FreeSpace::Taken taken = space_.take(need);
    set(t, kHeld, true);
    held_ += need;
    if (window_pinned(t)) window_pinned_held_ += need;
    return taken;
  }

  // Evicts until `need` bytes are free for t (§4.4).
  void make_room(TensorId t, std::uint64_t need, bool mandatory) {
    VictimQuery query{pins_, kWindowMask | kCurrentBit, state_, store_end_, now_, position_};
    while (free() < need) {
      const TensorId v = policy_.choose_victim(query);
      if (v == Graph::kNoTensor) {
        if (mandatory && query.mask != kCurrentBit) {
          query.mask = kCurrentBit;  // then tensors prefetched for later ops
          continue;
        }
        throw std::logic_error("no tensor can be evicted for '" + std::string(g_.tensor_name(t)) +
                               "'");
      }
      if (!held(v) || query.pinned(v))
        throw std::logic_error("eviction policy chose a tensor it may not evict: " +
                               std::string(g_.tensor_name(v)));
      evict(v);
    }
  }

  void evict(TensorId v) {
    if (!has_dram_copy(v) && needed(v)) store(v);
    const double stored = store_end_[v];
    const double at = std::max({now_, ready_ahead_[v], stored});
    drop(v, at, at > now_ && at == stored);
  }

  void drop(TensorId t, double at, bool after_store) {
    set(t, kHeld, false);
    held_ -= bytes(t);
    if (window_pinned(t)) window_pinned_held_ -= bytes(t);
    space_.release(at, bytes(t), after_store);
    policy_.on_remove(t);
    sink_.on_step({at, at, {StepKind::drop, t}, Resource::cache, 0, 0});
  }

  // --- §4.3 transfers -------------------------------------------------------------------------
  void store(TensorId t) {
    const auto transfer =
        channels_.issue(std::max(now_, ready_ahead_[t]), m_.transfer_seconds(bytes(t)));
    set(t, kHasDramCopy, true);
    store_end_.set(t, transfer.end);
    sink_.on_step(
        {transfer.start, transfer.end, {StepKind::store, t}, Resource::dram, transfer.channel, 0});
    if (home(t) > 2) store_deep(t, transfer.end);
  }

  // §15.2: a store's chain on to a deeper home after the hop 1 -> 2 that ended at `at`, one hop
  // at a time, each when the one before it ends.
  void store_deep(TensorId t, double at) {
    for (std::uint32_t link = 2; link < home(t); ++link) at = hop(StepKind::store, t, link, at);
    home_valid_at_[t] = at;
  }

  // One hop of t over deep link `link` (>= 2), issued at `at`, reported to the sink; returns
  // when it ends.
  double hop(StepKind kind, TensorId t, std::uint32_t link, double at) {
    const auto h = deep_links_[link - 2].issue(at, m_.link_seconds(link, bytes(t)));
    sink_.on_step({h.start,
                   h.end,
                   {kind, t},
                   Resource::dram,
                   h.channel,
                   at,
                   static_cast<std::uint8_t>(link)});
    return h.end;
  }

  // §15.2: the up hops of t's load below level 1 (home -> ... -> 2), deepest first, decided now.
  Staged stage(TensorId t) {
    Staged s;
    const auto valid = home_valid_at_.find(t);
    const double v = valid == home_valid_at_.end() ? 0.0 : valid->second;
    double at = std::max(now_, v);
    // §15.4: the load waited for the tensor's own store chain to its home.
    if (v > now_) s.own_store_wait = v;
    for (std::uint32_t link = home(t) - 1; link >= 2; --link) {
      at = hop(StepKind::load, t, link, at);
      s.hops.push_back({at, link});
    }
    s.ready = at;
    return s;
  }

  // Issues the load of t into space allocated at `at`.
  void load(TensorId t, FreeSpace::Taken at) {
    if (!has_dram_copy(t))
      throw std::logic_error(
          "executor needs '" + std::string(g_.tensor_name(t)) + "' but it has no copy " +
          (home(t) > 2 ? "at its home, level " + std::to_string(home(t)) : std::string("in DRAM")));
    if (home(t) > 2) return load_deep(t, at);
    // §4.3: after its space, its last store and its previous copy's drop (a tensor not held
    // keeps the ready time of its previous copy, and that copy was dropped no later than
    // max(its eviction's decision point, ready time, last store end)).
    const double stored = store_end_[t];
    const double issued = std::max({at.at, stored, ready_ahead_[t]});
    const bool waits_for_store =
        issued > now_ && ((issued == at.at && at.after_store) || issued == stored);
    issue_load(t, issued, waits_for_store);
  }

  // The hop into the cache (§4.3) of a load issued at `issued`, for load and load_deep: its
  // channel, ready time and store wait (§6), the policy's insert and the sink's step. Returns
  // when it ends. Inlined: as a call it cost the chain's loads 22 instructions each.
  [[gnu::always_inline]] double issue_load(TensorId t, double issued, bool waits_for_store) {
    const auto transfer = channels_.issue(issued, m_.transfer_seconds(bytes(t)));
    ready_ahead_.set(t, transfer.end);
    set(t, kLoadWaitedForStore, waits_for_store);
    if (waits_for_store) {
      if (load_store_wait_.empty()) load_store_wait_.resize(g_.tensor_count(), 0.0);
      load_store_wait_[t] = issued;
    }
    policy_.on_insert(t, position_);
    sink_.on_step({transfer.start,
                   transfer.end,
                   {StepKind::load, t},
                   Resource::dram,
                   transfer.channel,
                   issued});
    return transfer.end;
  }

  // §15.2: the load of a tensor homed below level 2: its hops down to level 2 (or its staging
  // copy there, §15.3), then the hop into level 1, issued once that copy is valid.
  void load_deep(TensorId t, FreeSpace::Taken at) {
    const auto found = staged_.find(t);
    Staged chain;
    if (found != staged_.end()) {
      chain = std::move(found->second);
      staged_.erase(found);
    } else {
      chain = stage(t);
    }
    const double issued = std::max({at.at, chain.ready, ready_ahead_[t]});
    const bool waits_for_store = issued > now_ && issued == at.at && at.after_store;
    chain.hops.push_back({issue_load(t, issued, waits_for_store), 1});
    set(t, kDeepChain, true);
    chains_[t] = std::move(chain);
  }

  // --- §4.1 step 5 and §6 ---------------------------------------------------------------------
  void run_op(std::uint32_t i, double outputs_at, double output_store_wait) {
    const OpId o = order_[i];
    double start = std::max(now_, outputs_at);
    double store_wait = output_store_wait;
    // Each input and update also loses a use here: nothing reads the count before the op ends.
    for_each_read(g_, o, [&](TensorId t) {
      --remaining_uses_[t];
      start = std::max(start, ready_ahead_[t]);
      if (bits(t) & (kLoadWaitedForStore | kDeepChain)) {  // rare: one test for both
        if (bits(t) & kLoadWaitedForStore) store_wait = std::max(store_wait, load_store_wait_[t]);
        // §15.4: a deep load whose first hop waited for the tensor's own store chain.
        if (bits(t) & kDeepChain) store_wait = std::max(store_wait, chains_.at(t).own_store_wait);
      }
    });
    for (TensorId t : g_.updates(o)) {
      const double stored = store_end_[t];
      start = std::max(start, stored);
      store_wait = std::max(store_wait, stored);
    }
    if (deep_) charge_links(o, start, store_wait);
    account_stall_to(now_, start, store_wait, o, sink_, times_);
    const double duration = m_.compute_seconds(g_.op(o).flops);
    const double end = start + duration;
    compute_busy_ += duration;
    sink_.on_step({start, end, {StepKind::compute, o}, Resource::compute, 0, 0});
    for (TensorId t : written_by(g_, o)) {
      // Ready at `end`, the next decision point: a time that lies ahead until then only if
      // the tensor had one already (a load of it still running).
      if (ready_ahead_[t] != 0) ready_ahead_.set(t, end);
      // Written in the cache only (and no longer the copy a chain of hops brought, §15.4).
      set(t, kHasDramCopy | kDeepChain, false);
    }
    now_ = end;
  }

  // §15.4: the link op o's store part is charged to, and the chain of hops that brought its
  // input or update with the latest ready time (none when that copy was not loaded from a
  // deeper home: link 1 then).
  void charge_links(OpId o, double start, double store_wait) {
    std::uint32_t store_link = 0;  // 0: link 1, unless only deep own-store waits reach S_i
    bool other = false;
    const auto note = [&](double instant, std::uint32_t deep_link) {
      if (instant != store_wait) return;
      if (deep_link == 0)
        other = true;
      else if (store_link == 0)
        store_link = deep_link;
    };
    note(output_store_wait_, 0);
    for_each_read(g_, o, [&](TensorId t) {
      if (bits(t) & kLoadWaitedForStore) note(load_store_wait_[t], 0);
      if ((bits(t) & kDeepChain) && chains_.at(t).own_store_wait > 0)
        note(chains_.at(t).own_store_wait, home(t) - 1);
    });
    for (TensorId t : g_.updates(o)) note(store_end_[t], 0);
    TensorId x = Graph::kNoTensor;
    for_each_read(g_, o, [&](TensorId t) {
      if (x == Graph::kNoTensor || ready_ahead_[t] > ready_ahead_[x]) x = t;
    });
    const bool chained = x != Graph::kNoTensor && (bits(x) & kDeepChain);
    charge_link_stalls(
        now_, start, store_wait, other || store_link == 0 ? 1 : store_link,
        chained ? std::span<const ChainHop>(chains_.at(x).hops) : std::span<const ChainHop>(),
        times_.links);
  }

  const Graph& g_;
  std::span<const OpId> order_;
  const Machine& m_;
  EvictionPolicy& policy_;
  std::uint32_t lookahead_;
  Sink& sink_;
  DramChannels channels_;
  FreeSpace space_;
  std::vector<TensorFlags> state_;  // kHeld | kHasDramCopy | ...
  // A tensor's ready time (§4.1 step 5): the end of the load or op that gave its copy its
  // value; a tensor not held keeps its previous copy's. Every use reads it against a time at or
  // after the decision point — max with now_ (an op's start, a store's start, an eviction's
  // drop), with an allocation time (a load's issue) — or, for §15.4's latest input, only when
  // one lies ahead (a copy ready by the decision point leaves no stall to charge). So only
  // ready times still ahead are kept, as the running stores' ends are (sim/core/store_ends.h):
  // the loads still running, not 8 bytes a tensor (issue 16). An op's outputs are ready at its
  // end, the next decision point, and need no entry.
  StoreEnds ready_ahead_;
  StoreEnds store_end_;  // end of the tensor's store, while it runs
  std::vector<std::uint32_t> remaining_uses_;
  std::vector<std::uint16_t> pins_;
  // §6: the issue time of a tensor's last load, for the few loads that waited for a store
  // (kLoadWaitedForStore); per tensor, made at the first such load: a run without one (every
  // inference chain) pays nothing, and one with many pays 8 bytes a tensor, less than a hash
  // map's node and bucket per entry (and no allocation per load).
  std::vector<double> load_store_wait_;
  // --- §15: levels below the DRAM (empty on a two-level machine) ----------------------------
  std::uint32_t home(TensorId t) const { return g_.tensor(t).home; }
  const bool deep_ = m_.level_count() > 2;
  std::vector<DramChannels> deep_links_;                // links 2..K-1
  std::unordered_map<TensorId, double> home_valid_at_;  // end of the last store chain home
  std::unordered_map<TensorId, Staged> staged_;         // staging copies at level 2
  std::unordered_map<TensorId, Staged> chains_;         // the chain of each deep loaded copy
  double output_store_wait_ = 0;                        // op i's outputs' store wait (§6)
  std::uint64_t held_ = 0;
  std::uint64_t window_pinned_held_ = 0;
  std::uint32_t position_ = 0;
  double now_ = 0;
  double compute_busy_ = 0;
  ExecutionTimes times_;
};

}  // namespace

void charge_link_stalls(double idle_from, double start, double store_wait, std::uint32_t store_link,
                        std::span<const ChainHop> chain, std::vector<LinkTimes>& links) {
  if (start <= idle_from) return;
  const double store_part = std::clamp(store_wait - idle_from, 0.0, start - idle_from);
  if (store_part > 0) links[store_link - 1].stall_store += store_part;
  // The load part: hop j covers (end of hop j - 1, end of hop j], the first hop every instant
  // before its end; the rest is link 1's.
  double lo = idle_from + store_part;
  for (const ChainHop& hop : chain) {
    if (lo >= start) break;
    const double hi = std::min(start, hop.end);
    if (hi > lo) {
      links[hop.link - 1].stall_load += hi - lo;
      lo = hi;
    }
  }
  if (start > lo) links[0].stall_load += start - lo;
}

void account_stall(double idle_from, double start, double store_wait, OpId o, StepSink& sink,
                   ExecutionTimes& times) {
  account_stall_to(idle_from, start, store_wait, o, sink, times);
}

ExecutionTimes execute(const Graph& graph, std::span<const OpId> order, const Machine& machine,
                       EvictionPolicy& policy, const ExecutorOptions& options, StepSink& sink) {
  return Run<StepSink>(graph, order, machine, policy, options, sink).run();
}

ExecutionTimes execute(const Graph& graph, std::span<const OpId> order, const Machine& machine,
                       EvictionPolicy& policy, const ExecutorOptions& options,
                       VerifyingSink& sink) {
  return Run<VerifyingSink>(graph, order, machine, policy, options, sink).run();
}

ExecutionTimes execute(const Graph& graph, std::span<const OpId> order, const Machine& machine,
                       EvictionPolicy& policy, const ExecutorOptions& options,
                       PipelinedSink& sink) {
  return Run<PipelinedSink>(graph, order, machine, policy, options, sink).run();
}

}  // namespace memsim
