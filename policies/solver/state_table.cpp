#include "policies/solver/state_table.h"

namespace memsim::solver {

StateTable::StateTable() : slots_(std::size_t{1} << 10, Node::kNone) {}

std::uint64_t StateTable::hash(const State& s) {
  // splitmix64-style mixing of the key words.
  auto mix = [](std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
  };
  return mix(s.computed ^ mix(s.resident.w[0] ^ mix(s.resident.w[1])));
}

std::uint32_t* StateTable::find_slot(const State& s) {
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = hash(s) & mask;; i = (i + 1) & mask) {
    const std::uint32_t head = slots_[i];
    if (head == Node::kNone) return &slots_[i];
    const State& h = (*this)[head].state;
    if (h.computed == s.computed && h.resident == s.resident) return &slots_[i];
  }
}

void StateTable::grow() {
  std::vector<std::uint32_t> old(slots_.size() * 2, Node::kNone);
  old.swap(slots_);
  for (std::uint32_t head : old)
    if (head != Node::kNone) *find_slot((*this)[head].state) = head;
}

std::uint32_t StateTable::insert(const Node& node) {
  std::uint32_t* slot = find_slot(node.state);
  // A chain emptied below is refilled by this node, so the slot never turns back to empty
  // (which would break linear probing).
  const bool was_empty = *slot == Node::kNone;
  std::uint32_t prev = Node::kNone;
  for (std::uint32_t i = *slot; i != Node::kNone;) {
    Node& e = (*this)[i];
    const std::uint32_t next = e.next_same;
    if (node.state.in_dram.subset_of(e.state.in_dram) && e.g <= node.g) return Node::kNone;
    if (e.state.in_dram.subset_of(node.state.in_dram) && node.g <= e.g) {
      // Unlink the dominated node; it stays in storage for the open list to skip.
      e.dominated = true;
      if (prev == Node::kNone) {
        *slot = next;
      } else {
        (*this)[prev].next_same = next;
      }
    } else {
      prev = i;
    }
    i = next;
  }
  if ((count_ >> kChunkBits) == chunks_.size())
    chunks_.push_back(std::make_unique<Node[]>(std::size_t{1} << kChunkBits));
  const std::uint32_t index = count_++;
  Node& stored = (*this)[index];
  stored = node;
  stored.dominated = false;
  stored.next_same = *slot;
  *slot = index;
  if (was_empty && ++used_slots_ * 2 > slots_.size()) grow();
  return index;
}

}  // namespace memsim::solver
