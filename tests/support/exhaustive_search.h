#pragma once
// An independent reference for the exact solver: plain Dijkstra over every state the verifier
// can be in (ops run, tensors in the cache, tensors with a valid DRAM copy), taking every step
// the verifier accepts (load, store, drop, compute) with no reduction, no bound and no pruning.
// Shares no code with policies/solver/. Small graphs only (at most 16 ops and 16 tensors).
#include <cstdint>
#include <optional>
#include <queue>
#include <stdexcept>
#include <unordered_map>
#include <vector>

#include "sim/core/graph.h"

namespace memsim::test {

struct ExhaustiveOptions {
  bool bytes_objective = false;  // cost of a move: its bytes instead of 1
  bool allow_recompute = false;
};

// The minimum cost of a schedule the verifier accepts, or nullopt if there is none.
inline std::optional<std::uint64_t> exhaustive_minimum(const Graph& g, std::uint64_t capacity,
                                                       ExhaustiveOptions options = {}) {
  const std::size_t n_ops = g.op_count(), n_t = g.tensor_count();
  if (n_ops > 16 || n_t > 16) throw std::invalid_argument("exhaustive_minimum: graph too large");
  // State word: computed ops in bits 0..15, resident tensors 16..31, DRAM copies 32..47.
  const auto bit = [](std::size_t i) { return std::uint64_t{1} << i; };
  const auto computed = [&](std::uint64_t s, std::size_t o) { return (s >> o) & 1u; };
  const auto resident = [&](std::uint64_t s, std::size_t t) { return (s >> (16 + t)) & 1u; };
  const auto in_dram = [&](std::uint64_t s, std::size_t t) { return (s >> (32 + t)) & 1u; };
  const auto used = [&](std::uint64_t s) {
    std::uint64_t u = 0;
    for (std::size_t t = 0; t < n_t; ++t)
      if (resident(s, t)) u += g.tensor(static_cast<TensorId>(t)).bytes;
    return u;
  };
  const auto move_cost = [&](std::size_t t) {
    return options.bytes_objective ? g.tensor(static_cast<TensorId>(t)).bytes : 1;
  };
  // Still needed: an op that has not run reads or updates it, or it is a required output.
  std::vector<std::uint64_t> readers(n_t, 0);
  for (std::size_t o = 0; o < n_ops; ++o)
    for (auto list : {g.inputs(static_cast<OpId>(o)), g.updates(static_cast<OpId>(o))})
      for (TensorId x : list) readers[x] |= bit(o);
  const auto needed = [&](std::uint64_t s, TensorId t) {
    return g.tensor(t).required_output || (readers[t] & ~s & 0xffffu) != 0;
  };
  const auto is_goal = [&](std::uint64_t s) {
    for (std::size_t o = 0; o < n_ops; ++o)
      if (!computed(s, o)) return false;
    for (std::size_t t = 0; t < n_t; ++t)
      if (g.tensor(static_cast<TensorId>(t)).required_output && !in_dram(s, t)) return false;
    return true;
  };

  std::uint64_t start = 0;
  for (std::size_t t = 0; t < n_t; ++t)
    if (g.tensor(static_cast<TensorId>(t)).initial_in_dram) start |= bit(32 + t);
  std::unordered_map<std::uint64_t, std::uint64_t> best{{start, 0}};
  best.reserve(1 << 16);
  using Item = std::pair<std::uint64_t, std::uint64_t>;  // cost, state
  std::priority_queue<Item, std::vector<Item>, std::greater<>> queue;
  queue.push({0, start});
  while (!queue.empty()) {
    const auto [cost, s] = queue.top();
    queue.pop();
    if (best[s] < cost) continue;
    if (is_goal(s)) return cost;
    const auto relax = [&](std::uint64_t next, std::uint64_t c) {
      auto it = best.find(next);
      if (it != best.end() && it->second <= c) return;
      best[next] = c;
      queue.push({c, next});
    };
    const std::uint64_t u = used(s);
    for (std::size_t t = 0; t < n_t; ++t) {
      const TensorId id = static_cast<TensorId>(t);
      if (!resident(s, t) && in_dram(s, t) && u + g.tensor(id).bytes <= capacity)
        relax(s | bit(16 + t), cost + move_cost(t));                                      // load
      if (resident(s, t) && !in_dram(s, t)) relax(s | bit(32 + t), cost + move_cost(t));  // store
      if (resident(s, t) && (in_dram(s, t) || !needed(s, id) || options.allow_recompute))
        relax(s & ~bit(16 + t), cost);  // drop
    }
    for (std::size_t o = 0; o < n_ops; ++o) {
      const OpId op = static_cast<OpId>(o);
      if (computed(s, o) && (!options.allow_recompute || !g.updates(op).empty())) continue;
      bool ready = true;
      for (auto list : {g.inputs(op), g.updates(op)})
        for (TensorId x : list) ready = ready && resident(s, x);
      if (!ready) continue;
      std::uint64_t next = s | bit(o);
      std::uint64_t grow = 0;
      for (TensorId x : g.outputs(op)) {
        if (!resident(s, x)) grow += g.tensor(x).bytes;
        next = (next | bit(16 + x)) & ~bit(32 + x);
      }
      for (TensorId x : g.updates(op)) next &= ~bit(32 + x);
      if (u + grow <= capacity) relax(next, cost);
    }
  }
  return std::nullopt;
}

}  // namespace memsim::test
