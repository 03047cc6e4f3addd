#pragma once
// The solver's memory: every generated search state (with how it was reached, for rebuilding
// the schedule) and a transposition table with dominance. Two states with the same ops run and
// the same cache contents compare by their DRAM copies: one whose DRAM copies include the
// other's, reached at no higher cost, is at least as good (whatever the other can do next, it
// can do too, paying no more: a clean tensor is dropped free where a dirty one is stored), so
// the other is never expanded.
#include <cstdint>
#include <memory>
#include <vector>

#include "policies/solver/solver_problem.h"

namespace memsim::solver {

struct Node {
  State state;
  std::uint64_t g = 0;  // cost from the start
  std::uint32_t parent = kNone;
  std::uint32_t next_same = kNone;  // next node with the same (computed, resident)
  std::uint16_t op = 0;             // the op run to get here
  bool dominated = false;           // a better node for the same situation exists
  static constexpr std::uint32_t kNone = 0xffffffffu;
};

class StateTable {
 public:
  StateTable();
  std::size_t size() const { return count_; }
  Node& operator[](std::uint32_t i) { return chunks_[i >> kChunkBits][i & kChunkMask]; }
  const Node& operator[](std::uint32_t i) const { return chunks_[i >> kChunkBits][i & kChunkMask]; }
  // Adds `node` unless an existing node dominates it; marks nodes it dominates. Returns its
  // index, or Node::kNone when it was dominated.
  std::uint32_t insert(const Node& node);

 private:
  static constexpr unsigned kChunkBits = 12;  // small: the first chunk is touched at once
  static constexpr std::uint32_t kChunkMask = (1u << kChunkBits) - 1;
  static std::uint64_t hash(const State& s);
  std::uint32_t* find_slot(const State& s);
  void grow();

  std::vector<std::unique_ptr<Node[]>> chunks_;
  std::uint32_t count_ = 0;
  std::vector<std::uint32_t> slots_;  // head node of each (computed, resident) chain, or kNone
  std::size_t used_slots_ = 0;
};

}  // namespace memsim::solver
