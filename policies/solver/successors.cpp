#include "policies/solver/successors.h"

#include <algorithm>

namespace memsim::solver {

bool is_goal(const Problem& p, const State& s) {
  return s.computed == p.all_ops() && p.required().subset_of(s.resident | s.in_dram);
}

std::uint64_t final_store_cost(const Problem& p, const State& s) {
  return p.cost_of(p.required() - s.in_dram);
}

void SuccessorGenerator::expand(const State& s, bool first_runs_only, std::vector<Successor>& out) {
  out.clear();
  live_ = p_.live(s.computed);
  const TensorSet available = s.resident | s.in_dram;
  const std::uint64_t used = p_.bytes_of(s.resident);
  for (OpId o = 0; o < p_.op_count(); ++o) {
    const OpInfo& op = p_.op(o);
    if (s.computed & op_bit(o)) {
      // A rerun: only with recompute, never for in-place updates, and only if it brings back
      // an output that is not in the cache (otherwise it changes nothing but dirties it).
      if (first_runs_only || !p_.recompute() || op.has_updates) continue;
      if (op.outputs.subset_of(s.resident)) continue;
    }
    if (!op.reads.subset_of(available)) continue;  // an input is not produced yet (or lost)
    loads_ = op.reads - s.resident;
    const std::uint64_t need = p_.bytes_of(loads_) + p_.bytes_of(op.outputs - s.resident);
    const std::int64_t deficit =
        static_cast<std::int64_t>(used + need) - static_cast<std::int64_t>(p_.capacity());
    const TensorSet candidates = s.resident - op.working_set;
    if (deficit <= 0) {
      emit_for_eviction(s, o, TensorSet{}, first_runs_only, out);
    } else {
      minimal_evictions(candidates, deficit, s, o, first_runs_only, out);
    }
  }
}

// Enumerates inclusion-minimal subsets of `candidates` freeing at least `deficit` bytes: sets
// are built in increasing id order and closed as soon as they free enough; a closed set is
// minimal iff dropping its smallest member would not free enough.
void SuccessorGenerator::minimal_evictions(const TensorSet& candidates, std::int64_t deficit,
                                           const State& s, OpId o, bool first_runs_only,
                                           std::vector<Successor>& out) {
  pool_.clear();
  candidates.for_each([&](TensorId t) { pool_.push_back(t); });
  pick_.clear();
  const auto target = static_cast<std::uint64_t>(deficit);
  // Recursive lambda keeps the code short; depth is at most the cache's tensor count.
  auto recurse = [&](auto&& self, std::size_t next, std::uint64_t freed) -> void {
    for (std::size_t i = next; i < pool_.size(); ++i) {
      const TensorId t = pool_[i];
      const std::uint64_t now = freed + p_.bytes(t);
      pick_.push_back(t);
      if (now >= target) {
        std::uint64_t smallest = p_.bytes(pick_.front());
        for (TensorId x : pick_) smallest = std::min(smallest, p_.bytes(x));
        if (now - smallest < target) {
          TensorSet evicted;
          for (TensorId x : pick_) evicted.set(x);
          emit_for_eviction(s, o, evicted, first_runs_only, out);
        }
      } else {
        self(self, i + 1, now);
      }
      pick_.pop_back();
    }
  };
  recurse(recurse, 0, 0);
}

void SuccessorGenerator::emit_for_eviction(const State& s, OpId o, const TensorSet& evicted,
                                           bool first_runs_only, std::vector<Successor>& out) {
  const OpInfo& op = p_.op(o);
  const std::uint64_t load_cost = p_.cost_of(loads_);
  // Dirty tensors still needed: stored before they are dropped (or, with recompute, maybe lost).
  const TensorSet must_decide = (evicted - s.in_dram) & live_;
  const bool may_lose = p_.recompute() && !first_runs_only;
  std::vector<TensorId> optional;
  if (may_lose) must_decide.for_each([&](TensorId t) { optional.push_back(t); });
  const std::uint32_t variants = may_lose ? (1u << optional.size()) : 1u;
  for (std::uint32_t mask = 0; mask < variants; ++mask) {
    TensorSet stored = must_decide;
    if (may_lose)
      for (std::size_t i = 0; i < optional.size(); ++i)
        if (!((mask >> i) & 1u)) stored.reset(optional[i]);
    Successor next;
    next.op = o;
    next.cost = load_cost + p_.cost_of(stored);
    State& n = next.next;
    n.computed = s.computed | op_bit(o);
    n.resident = (s.resident - evicted) | loads_ | op.outputs;
    n.in_dram = ((s.in_dram | stored) - op.outputs) - op.updates;
    if (!p_.recompute()) {
      // Drop what died with this op; forget DRAM copies nobody will read.
      const TensorSet live_after = p_.live(n.computed);
      n.resident = n.resident & live_after;
      n.in_dram = n.in_dram & live_after;
    } else {
      // Outputs nobody reads and nobody wants are useless even for reruns.
      op.outputs.for_each([&](TensorId t) {
        if (p_.readers(t) == 0 && !p_.required().test(t)) n.resident.reset(t);
      });
    }
    out.push_back(next);
  }
}

}  // namespace memsim::solver
