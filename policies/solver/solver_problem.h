#pragma once
// The solver's view of a graph: fixed-size bitsets for sets of ops and tensors, precomputed
// per-op masks, and the search state (which ops ran, what is in the cache, what DRAM holds).
#include <bit>
#include <cstdint>
#include <vector>

#include "policies/solver/solver.h"

namespace memsim::solver {

// A set of up to 128 tensors.
struct TensorSet {
  std::uint64_t w[2] = {0, 0};
  bool test(TensorId t) const { return (w[t >> 6] >> (t & 63)) & 1u; }
  void set(TensorId t) { w[t >> 6] |= std::uint64_t{1} << (t & 63); }
  void reset(TensorId t) { w[t >> 6] &= ~(std::uint64_t{1} << (t & 63)); }
  bool empty() const { return (w[0] | w[1]) == 0; }
  int count() const { return std::popcount(w[0]) + std::popcount(w[1]); }
  bool subset_of(const TensorSet& o) const {
    return (w[0] & ~o.w[0]) == 0 && (w[1] & ~o.w[1]) == 0;
  }
  friend TensorSet operator&(TensorSet a, const TensorSet& b) {
    a.w[0] &= b.w[0], a.w[1] &= b.w[1];
    return a;
  }
  friend TensorSet operator|(TensorSet a, const TensorSet& b) {
    a.w[0] |= b.w[0], a.w[1] |= b.w[1];
    return a;
  }
  // a \ b
  friend TensorSet operator-(TensorSet a, const TensorSet& b) {
    a.w[0] &= ~b.w[0], a.w[1] &= ~b.w[1];
    return a;
  }
  friend bool operator==(const TensorSet&, const TensorSet&) = default;
  // Calls f(t) for every member, in increasing id order.
  template <typename F>
  void for_each(F&& f) const {
    for (int k = 0; k < 2; ++k)
      for (std::uint64_t b = w[k]; b; b &= b - 1)
        f(static_cast<TensorId>(k * 64 + std::countr_zero(b)));
  }
};

using OpSet = std::uint64_t;  // up to 64 ops
inline OpSet op_bit(OpId o) {
  return OpSet{1} << o;
}

// What the search knows at one point of a schedule: the ops that ran (at least once), the
// tensors in the cache, and the tensors with a valid DRAM copy. Without recompute, the DRAM
// bits of dead tensors are cleared so that equal futures share one state.
struct State {
  OpSet computed = 0;
  TensorSet resident;
  TensorSet in_dram;
  friend bool operator==(const State&, const State&) = default;
};

struct OpInfo {
  TensorSet reads;    // inputs and updates: must be loaded if absent
  TensorSet outputs;  // written, new
  TensorSet updates;  // read and rewritten in place
  TensorSet working_set;
  bool has_updates = false;
};

// The graph, the capacity and the objective, as masks and per-tensor costs.
class Problem {
 public:
  Problem(const Graph& graph, std::uint64_t capacity, const SolveOptions& options);

  const Graph& graph() const { return graph_; }
  std::size_t op_count() const { return ops_.size(); }
  std::size_t tensor_count() const { return bytes_.size(); }
  std::uint64_t capacity() const { return capacity_; }
  bool recompute() const { return recompute_; }
  const OpInfo& op(OpId o) const { return ops_[o]; }
  OpSet all_ops() const { return all_ops_; }
  const TensorSet& required() const { return required_; }
  // Tensors no op produces (they can only enter the cache by a load).
  const TensorSet& sources() const { return sources_; }
  // Ops that read or update t.
  OpSet readers(TensorId t) const { return readers_[t]; }
  std::uint64_t bytes(TensorId t) const { return bytes_[t]; }
  // What moving t costs in the objective's unit.
  std::uint64_t move_cost(TensorId t) const { return cost_[t]; }
  std::uint64_t bytes_of(const TensorSet& s) const;
  std::uint64_t cost_of(const TensorSet& s) const;

  // Tensors still needed once the ops in `computed` ran: a reader has not run, or a required
  // output.
  TensorSet live(OpSet computed) const;
  State initial_state() const;

 private:
  const Graph& graph_;
  std::uint64_t capacity_;
  bool recompute_;
  bool uniform_cost_;
  bool unit_bytes_;
  std::vector<OpInfo> ops_;
  std::vector<OpSet> readers_;
  std::vector<std::uint64_t> bytes_;
  std::vector<std::uint64_t> cost_;
  TensorSet required_;
  TensorSet sources_;
  OpSet all_ops_ = 0;
};

}  // namespace memsim::solver
