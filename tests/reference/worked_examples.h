#pragma once
// The worked examples of docs/model.md §12 (issue 9's four reproducers), issue 9's two decision
// examples and the textbook paging string, as reference cases. Their figures are derived by hand
// in tests/test_reference_examples.cpp; the differential test also runs them through memsim.
#include <string>
#include <vector>

#include "tests/reference/hand_case.h"

namespace memsim_reference {

inline Options with(Policy policy, int lookahead) {
  Options o;
  o.policy = policy;
  o.lookahead = lookahead;
  return o;
}

// Issue 9 reproducer 1, §12 "Space is reused only after its write-back ends".
inline Case space_reused_after_write_back() {
  return hand_case(uniform_machine(3, 4), with(Policy::lru, 2), "lookahead:2",
                   {{"w1", Kind::weight}, {"w2", Kind::weight}, {"x", Kind::input}},
                   {{"op1", {}, {"a"}},
                    {"op2", {}, {"b"}},
                    {"op3", {"b"}, {"c", "d"}},
                    {"op4", {"w1", "w2", "x"}, {}}},
                   {"a"});
}

// Issue 9 reproducer 2, §12 "A prefetch that does not fit evicts nothing".
inline Case prefetch_that_does_not_fit() {
  return hand_case(
      uniform_machine(4), with(Policy::lru, 1), "double-buffer",
      {{"c", Kind::input}, {"w1", Kind::weight}, {"w2", Kind::weight}, {"w3", Kind::weight}},
      {{"op1", {}, {"a"}},
       {"op2", {"c"}, {"b"}},
       {"op3", {"w1", "w2", "w3"}, {}},
       {"op4", {"a"}, {}}});
}

// Issue 9 reproducer 3, §12 "A tensor whose store is still running is dirty".
inline Case store_running_is_dirty() {
  return hand_case(
      uniform_machine(3, 2), with(Policy::belady, 0), "none",
      {{"r1", Kind::activation}, {"r0", Kind::activation}},
      {{"op0", {}, {"r0"}}, {"op1", {}, {"r1"}}, {"op2", {}, {"c"}}, {"op3", {"c"}, {"d"}}},
      {"r0", "r1"});
}

// Issue 9 reproducer 4, §12 "The stall split follows the store that frees the space".
inline Case stall_split_follows_store() {
  return hand_case(
      uniform_machine(2, 3), with(Policy::lru, 1), "double-buffer", {{"w", Kind::weight}},
      {{"op1", {}, {"a"}}, {"op2", {}, {"b"}}, {"op3", {"w", "b"}, {}}, {"op4", {"a"}, {}}});
}

// Issue 9, "Prefetch per tensor, never wasteful" (7 -> 6 units).
inline Case prefetch_per_tensor() {
  return hand_case(uniform_machine(3, 2), with(Policy::lru, 1), "double-buffer",
                   {{"w1", Kind::weight}, {"w2", Kind::weight}},
                   {{"op1", {}, {"a"}}, {"op2", {"a"}, {"b"}}, {"op3", {"w1", "w2", "b"}, {}}});
}

// Issue 9, "A load waits only for the bytes it needs" (7 -> 6 units).
inline Case load_waits_only_for_its_bytes() {
  return hand_case(uniform_machine(3, 1, 2), with(Policy::lru, 0), "none", {{"w0", Kind::weight}},
                   {{"op0", {}, {"t0"}},
                    {"op2", {}, {"t2"}},
                    {"op3", {"w0", "t0"}, {"t3"}},
                    {"op4", {"t2"}, {}}});
}

// The page-reference string 7 0 1 2 0 3 0 4 2 3 0 3 2 1 2 0 1 7 0 1 with 3 frames
// (scenarios/lecture/paging.toml): pages are weights, so only the policy evicts.
inline Case paging(Policy policy) {
  const std::vector<int> pages = {7, 0, 1, 2, 0, 3, 0, 4, 2, 3, 0, 3, 2, 1, 2, 0, 1, 7, 0, 1};
  std::vector<HandTensor> declared;
  for (int p : {0, 1, 2, 3, 4, 7}) declared.push_back({"p" + std::to_string(p), Kind::weight});
  std::vector<HandOp> ops;
  for (std::size_t k = 0; k < pages.size(); ++k)
    ops.push_back({"r" + std::to_string(k + 1), {"p" + std::to_string(pages[k])}, {}});
  return hand_case(uniform_machine(3), with(policy, 0), "none", declared, ops);
}

// A byte-mode machine: `capacity` bytes, 1 B/s per channel, 1 FLOP/s, no latency.
inline Machine one_byte_per_second(std::uint64_t capacity, int channels = 1) {
  Machine m;
  m.capacity = capacity;
  m.bandwidth = 1;
  m.throughput = 1;
  m.channels = channels;
  return m;
}

// §4.3 "the instant its previous copy (if any) was dropped": a mandatory allocation evicts w,
// prefetched for op3 and still loading, and the prefetch at the same decision point brings w
// back into space that was free earlier (found by the reference; see reference-notes.md).
inline Case reload_waits_for_previous_copy() {
  return hand_case(one_byte_per_second(12), with(Policy::belady, 2), "lookahead:2",
                   {{"w", Kind::input, 2},
                    {"big", Kind::input, 5},
                    {"x", Kind::input, 1},
                    {"y", Kind::activation, 7}},
                   {{"op1", {"big"}, {}, {}, 1},
                    {"op2", {"x"}, {"y"}, {}, 1},
                    {"op3", {"w", "big"}, {}, {}, 1}});
}

// Two pieces free from the same instant, one freed by a drop that waited for its store, the
// other by a drop that waited for a load; an allocation takes part of them (§4.2 steps 2-3).
inline Case pieces_with_the_same_instant() {
  return hand_case(one_byte_per_second(3, 2), with(Policy::lru, 2), "lookahead:2",
                   {{"v1", Kind::activation, 1},
                    {"v2", Kind::input, 2},
                    {"o", Kind::activation, 2},
                    {"p", Kind::activation, 1}},
                   {{"opA", {}, {"v1"}, {}, 1},
                    {"opB", {}, {"o"}, {}, 1},
                    {"opC", {"v2"}, {}, {}, 1},
                    {"opD", {}, {"p"}, {}, 1},
                    {"opE", {"v1"}, {}, {}, 1}});
}

}  // namespace memsim_reference
