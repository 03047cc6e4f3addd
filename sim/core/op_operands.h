#pragma once
// The operand lists an op's rules walk together (docs/model.md §1): an op reads its inputs and
// its updates, and writes its outputs and its updates. Walking a list of the two spans
// (`for (auto list : {inputs, updates})`) builds that list on the stack and loops over it for
// every op, even when an op updates nothing; these walk the graph's operand array directly
// (issue 16: 2 % of run_simulation's instructions on a reference string, 6 % of the executor's
// on a dense chain).
#include <span>

#include "sim/core/graph.h"

namespace memsim {

// Outputs, then updates: one span, as the graph stores them side by side.
inline std::span<const TensorId> written_by(const Graph& g, OpId o) {
  return g.working_set(o).subspan(g.op(o).input_count);
}

// Calls f(t) for each input of op o, then for each of its updates: the tensors it reads, in
// that order.
template <typename F>
inline void for_each_read(const Graph& g, OpId o, F&& f) {
  const Op& op = g.op(o);
  const std::span<const TensorId> ws = g.working_set(o);
  for (TensorId t : ws.first(op.input_count)) f(t);
  if (op.update_count != 0)
    for (TensorId t : ws.last(op.update_count)) f(t);
}

}  // namespace memsim
