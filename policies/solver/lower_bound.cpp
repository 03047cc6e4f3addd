#include "policies/solver/lower_bound.h"

namespace memsim::solver {

std::uint64_t lower_bound(const Problem& p, const State& s) {
  TensorSet needed;
  for (OpSet rest = p.all_ops() & ~s.computed; rest; rest &= rest - 1)
    needed = needed | p.op(static_cast<OpId>(std::countr_zero(rest))).reads;
  TensorSet must_load = (s.in_dram - s.resident) & needed;
  if (p.recompute()) must_load = must_load & p.sources();
  const TensorSet must_store = p.required() - s.in_dram;
  return p.cost_of(must_load) + p.cost_of(must_store);
}

}  // namespace memsim::solver
