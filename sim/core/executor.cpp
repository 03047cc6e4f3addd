#include "sim/core/executor.h"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "sim/core/dram_channels.h"

namespace memsim {
namespace {

bool stays_in_cache_after_last_use(const Tensor& t) {
  // Weights and optimizer state stay live to the end (DESIGN.md "Tensor"); their cache copy is
  // left for the eviction policy rather than freed when their last op is done.
  return t.kind == TensorKind::weight || t.kind == TensorKind::optimizer_state || t.required_output;
}

class Run {
 public:
  Run(const Graph& graph, std::span<const OpId> order, const Machine& machine,
      EvictionPolicy& policy, const ExecutorOptions& options, StepSink& sink)
      : g_(graph),
        order_(order),
        m_(machine),
        policy_(policy),
        lookahead_(options.lookahead),
        sink_(sink),
        channels_(machine.dram_channels),
        state_(graph.tensor_count(), 0),
        dirty_(graph.tensor_count(), 0),
        ready_at_(graph.tensor_count(), 0.0),
        store_end_(graph.tensor_count(), 0.0),
        remaining_uses_(graph.tensor_count(), 0),
        pins_(graph.tensor_count(), 0) {
    for (TensorId t = 0; t < g_.tensor_count(); ++t) set_in_dram(t, g_.tensor(t).initial_in_dram);
    for (OpId o : order_) {
      for (TensorId t : g_.inputs(o)) ++remaining_uses_[t];
      for (TensorId t : g_.updates(o)) ++remaining_uses_[t];
    }
  }

  ExecutionTimes run() {
    const std::size_t n = order_.size();
    for (std::size_t k = 0; k < n && k <= lookahead_; ++k) pin_window(order_[k], +1);
    for (std::uint32_t i = 0; i < n; ++i) {
      if (i > 0) {
        pin_window(order_[i - 1], -1);
        if (i + lookahead_ < n) pin_window(order_[i + lookahead_], +1);
      }
      run_op(i);
    }
    times_.compute_busy = compute_busy_;
    times_.dram_busy = channels_.busy();
    times_.time = std::max(now_, channels_.last_end());
    return times_;
  }

 private:
  // pins_ packs two pin sets per tensor (one 16-bit word, for memory): the low 15 bits count
  // the window's working sets (ops i..i+L) holding it, the top bit marks op i's own.
  static constexpr std::uint16_t kCurrentBit = 0x8000;
  static constexpr std::uint16_t kWindowMask = 0x7fff;
  void pin_window(OpId o, int delta) {
    for (TensorId t : g_.working_set(o)) pins_[t] = static_cast<std::uint16_t>(pins_[t] + delta);
  }
  void pin_current(OpId o, bool on) {
    for (TensorId t : g_.working_set(o))
      pins_[t] = on ? (pins_[t] | kCurrentBit) : (pins_[t] & kWindowMask);
  }

  // state_ bits: space reserved in the cache; DRAM holds (or will, once a store ends) a copy.
  static constexpr std::uint8_t kResident = 1, kInDram = 2;
  bool resident(TensorId t) const { return (state_[t] & kResident) != 0; }
  bool in_dram(TensorId t) const { return (state_[t] & kInDram) != 0; }
  void set_resident(TensorId t, bool on) { set_bit(t, kResident, on); }
  void set_in_dram(TensorId t, bool on) { set_bit(t, kInDram, on); }
  void set_bit(TensorId t, std::uint8_t bit, bool on) {
    state_[t] = static_cast<std::uint8_t>(on ? (state_[t] | bit) : (state_[t] & ~bit));
  }

  std::uint64_t bytes(TensorId t) const { return g_.tensor(t).bytes; }

  // Frees space by evicting unpinned tensors until `need` more bytes fit. Records the time the
  // space is really free in space_ready_ (and store_wait_ if a store had to finish first).
  bool ensure_space(std::uint64_t need, std::uint16_t pin_mask) {
    while (m_.cache_capacity - used_ < need) {
      const VictimQuery query{pins_, pin_mask, dirty_, position_};
      const TensorId v = policy_.choose_victim(query);
      if (v == Graph::kNoTensor) return false;
      if (!resident(v) || query.pinned(v))
        throw std::logic_error("eviction policy chose a tensor it may not evict: " +
                               std::string(g_.tensor_name(v)));
      evict(v);
    }
    return true;
  }

  void evict(TensorId v) {
    double free_at = std::max(now_, ready_at_[v]);
    bool waited_for_store = false;
    if (dirty_[v] && (remaining_uses_[v] > 0 || g_.tensor(v).required_output)) {
      store(v);
      waited_for_store = true;
    }
    if (store_end_[v] > free_at) {
      free_at = store_end_[v];
      waited_for_store = true;
    }
    drop(v, free_at);
    space_ready_ = std::max(space_ready_, free_at);
    if (waited_for_store) store_wait_ = std::max(store_wait_, free_at);
  }

  void store(TensorId t) {
    const auto slot = channels_.issue(std::max(now_, ready_at_[t]), m_.transfer_seconds(bytes(t)));
    dirty_[t] = 0;
    set_in_dram(t, true);
    store_end_[t] = slot.end;
    sink_.on_step({slot.start, slot.end, {StepKind::store, t}, Resource::dram, slot.channel});
  }

  void drop(TensorId t, double at) {
    set_resident(t, false);
    dirty_[t] = 0;
    used_ -= bytes(t);
    policy_.on_remove(t);
    sink_.on_step({at, at, {StepKind::drop, t}, Resource::cache, 0});
  }

  void load(TensorId t, double ready) {
    if (!in_dram(t))
      throw std::logic_error("executor needs '" + std::string(g_.tensor_name(t)) +
                             "' but it has no copy in DRAM");
    // A tensor evicted earlier may still be on its way out: reload it once its store is done.
    const auto slot =
        channels_.issue(std::max(ready, store_end_[t]), m_.transfer_seconds(bytes(t)));
    set_resident(t, true);
    used_ += bytes(t);
    ready_at_[t] = slot.end;
    policy_.on_insert(t, position_);
    sink_.on_step({slot.start, slot.end, {StepKind::load, t}, Resource::dram, slot.channel});
  }

  // Loads op o's missing inputs and updates. Mandatory for the current op (evicting even
  // prefetched tensors if it must); for lookahead ops only what fits without touching the window.
  bool load_missing(OpId o, bool mandatory) {
    // A lookahead op's inputs may still be produced by an op before it: only tensors with a
    // DRAM copy can be loaded ahead.
    std::uint64_t need = 0;
    for (auto list : {g_.inputs(o), g_.updates(o)})
      for (TensorId t : list)
        if (!resident(t) && (mandatory || in_dram(t))) need += bytes(t);
    if (mandatory) {
      for (TensorId t : g_.outputs(o))
        if (!resident(t)) need += bytes(t);
    } else if (need == 0) {
      return true;
    }
    space_ready_ = now_;
    store_wait_ = now_;
    if (!ensure_space(need, kWindowMask | kCurrentBit)) {
      if (!mandatory) {
        report_prefetch(o, /*issued=*/false);
        return false;
      }
      if (!ensure_space(need, kCurrentBit))
        throw std::logic_error("working set of '" + std::string(g_.op_name(o)) +
                               "' does not fit the cache");
    }
    const double ready = space_ready_;
    if (!mandatory) report_prefetch(o, /*issued=*/true);
    for (auto list : {g_.inputs(o), g_.updates(o)})
      for (TensorId t : list)
        if (!resident(t) && (mandatory || in_dram(t))) load(t, ready);
    if (mandatory)
      for (TensorId t : g_.outputs(o))
        if (!resident(t)) used_ += bytes(t);  // reserved now, filled when the op runs
    return true;
  }

  // Tells the sink what the look-ahead decided for each tensor of op o it could load ahead.
  void report_prefetch(OpId o, bool issued) {
    for (auto list : {g_.inputs(o), g_.updates(o)})
      for (TensorId t : list)
        if (!resident(t) && in_dram(t)) sink_.on_prefetch(o, t, issued);
  }

  void run_op(std::uint32_t i) {
    const OpId o = order_[i];
    position_ = i;
    pin_current(o, true);
    load_missing(o, /*mandatory=*/true);
    const double op_space_ready = space_ready_;
    const double op_store_wait = store_wait_;
    for (std::uint32_t k = i + 1; k < order_.size() && k <= i + lookahead_; ++k)
      if (!load_missing(order_[k], /*mandatory=*/false)) break;

    double start = std::max(now_, op_space_ready);
    for (auto list : {g_.inputs(o), g_.updates(o)})
      for (TensorId t : list) start = std::max(start, ready_at_[t]);
    for (TensorId t : g_.updates(o)) start = std::max(start, store_end_[t]);
    account_stall(now_, start, op_store_wait, o, sink_, times_);
    const double duration = m_.compute_seconds(g_.op(o).flops);
    const double end = start + duration;
    compute_busy_ += duration;
    for (auto list : {g_.inputs(o), g_.updates(o)})
      for (TensorId t : list) policy_.on_access(t, i);
    sink_.on_step({start, end, {StepKind::compute, o}, Resource::compute, 0});
    for (TensorId t : g_.outputs(o)) {
      set_resident(t, true);  // space was reserved in load_missing
      policy_.on_insert(t, i);
    }
    // Outputs are new and updates were rewritten: neither has a valid DRAM copy now.
    for (TensorId t : g_.outputs(o)) {
      ready_at_[t] = end;
      dirty_[t] = 1;
      set_in_dram(t, false);
    }
    for (TensorId t : g_.updates(o)) {
      ready_at_[t] = end;
      dirty_[t] = 1;
      set_in_dram(t, false);
    }
    now_ = end;
    pin_current(o, false);
    // Op o is done: free what died, store required outputs.
    for (auto list : {g_.inputs(o), g_.updates(o)})
      for (TensorId t : list)
        if (--remaining_uses_[t] == 0 && !stays_in_cache_after_last_use(g_.tensor(t)) &&
            resident(t))
          drop(t, std::max(now_, store_end_[t]));
    for (auto list : {g_.outputs(o), g_.updates(o)})
      for (TensorId t : list) {
        if (g_.tensor(t).required_output && dirty_[t]) store(t);
        if (remaining_uses_[t] == 0 && !stays_in_cache_after_last_use(g_.tensor(t)) && resident(t))
          drop(t, now_);
      }
  }

  const Graph& g_;
  std::span<const OpId> order_;
  const Machine& m_;
  EvictionPolicy& policy_;
  std::uint32_t lookahead_;
  StepSink& sink_;
  DramChannels channels_;
  std::vector<std::uint8_t> state_;  // kResident | kInDram
  std::vector<std::uint8_t> dirty_;  // resident and no store issued since it last changed
  std::vector<double> ready_at_;     // when the cache copy is valid
  std::vector<double> store_end_;    // when the last store of the tensor ends
  std::vector<std::uint32_t> remaining_uses_;
  std::vector<std::uint16_t> pins_;  // kWindowMask: ops i..i+L; kCurrentBit: op i
  std::uint64_t used_ = 0;
  std::uint32_t position_ = 0;
  double now_ = 0;
  double space_ready_ = 0;
  double store_wait_ = 0;
  double compute_busy_ = 0;
  ExecutionTimes times_;
};

}  // namespace

void account_stall(double idle_from, double start, double store_wait, OpId o, StepSink& sink,
                   ExecutionTimes& times) {
  if (start <= idle_from) return;
  const double store_part = std::clamp(store_wait - idle_from, 0.0, start - idle_from);
  if (store_part > 0) sink.on_stall(idle_from, idle_from + store_part, o, true);
  if (start - idle_from - store_part > 0) sink.on_stall(idle_from + store_part, start, o, false);
  times.stall_store += store_part;
  times.stall_load += start - idle_from - store_part;
}

ExecutionTimes execute(const Graph& graph, std::span<const OpId> order, const Machine& machine,
                       EvictionPolicy& policy, const ExecutorOptions& options, StepSink& sink) {
  return Run(graph, order, machine, policy, options, sink).run();
}

}  // namespace memsim
