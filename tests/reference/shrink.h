#pragma once
// Shrinks a case on which memsim and the reference disagree to a small one that still
// disagrees: removes ops, operands and required outputs, lowers the lookahead, the channels,
// the latency, the sizes and the capacity, one edit at a time, while the disagreement stays.
// Used by hand (the hidden "[.reference-shrink]" test) to write reference-notes.md.
#include <algorithm>
#include <functional>

#include "tests/reference/random_case.h"

namespace memsim_reference {

inline std::uint64_t largest_working_set(const Case& c) {
  std::uint64_t largest = 0;
  for (const Op& op : c.graph.ops) {
    std::uint64_t ws = 0;
    for (const auto* list : {&op.inputs, &op.outputs, &op.updates})
      for (int t : *list) ws += c.machine.uniform ? 1 : c.graph.tensors[t].bytes;
    largest = std::max(largest, ws);
  }
  return largest;
}

// Every case one edit smaller than `c`.
inline std::vector<Case> smaller_cases(const Case& c) {
  std::vector<Case> out;
  // Remove an op (its outputs then start in DRAM).
  for (std::size_t k = c.graph.ops.size(); k-- > 0;) {
    Case x = c;
    x.graph.ops.erase(x.graph.ops.begin() + static_cast<std::ptrdiff_t>(k));
    out.push_back(x);
  }
  // Remove one operand.
  for (std::size_t k = 0; k < c.graph.ops.size(); ++k)
    for (int list = 0; list < 3; ++list) {
      const Op& op = c.graph.ops[k];
      const std::vector<int>* lists[] = {&op.inputs, &op.outputs, &op.updates};
      for (std::size_t j = 0; j < lists[list]->size(); ++j) {
        Case x = c;
        Op& xo = x.graph.ops[k];
        std::vector<int>* xlists[] = {&xo.inputs, &xo.outputs, &xo.updates};
        xlists[list]->erase(xlists[list]->begin() + static_cast<std::ptrdiff_t>(j));
        out.push_back(x);
      }
    }
  // Fewer required outputs; weights and optimizer state become plain inputs.
  for (std::size_t t = 0; t < c.graph.tensors.size(); ++t) {
    const Tensor& tensor = c.graph.tensors[t];
    if (tensor.required) {
      Case x = c;
      x.graph.tensors[t].required = false;
      out.push_back(x);
    }
    if (tensor.kind != Kind::input && tensor.kind != Kind::activation) {
      Case x = c;
      x.graph.tensors[t].kind = tensor.initial_dram ? Kind::input : Kind::activation;
      out.push_back(x);
    }
  }
  // A simpler schedule and machine.
  if (c.options.lookahead > 0) {
    Case x = c;
    x.options.lookahead -= 1;
    x.overlap =
        x.options.lookahead == 0 ? "none" : "lookahead:" + std::to_string(x.options.lookahead);
    out.push_back(x);
  }
  if (c.options.policy != Policy::lru) {
    Case x = c;
    x.options.policy = Policy::lru;
    out.push_back(x);
  }
  if (c.machine.channels > 1) {
    Case x = c;
    x.machine.channels = 1;
    out.push_back(x);
  }
  if (!c.machine.uniform && c.machine.latency != 0) {
    Case x = c;
    x.machine.latency = 0;
    out.push_back(x);
  }
  if (c.machine.capacity > largest_working_set(c)) {
    Case x = c;
    x.machine.capacity = largest_working_set(c);
    out.push_back(x);
    x.machine.capacity = c.machine.capacity - 1;
    out.push_back(x);
  }
  // Smaller tensors (byte mode), with and without a smaller cache.
  if (!c.machine.uniform)
    for (std::size_t t = 0; t < c.graph.tensors.size(); ++t) {
      const std::uint64_t b = c.graph.tensors[t].bytes;
      if (b == 1) continue;
      Case x = c;
      x.graph.tensors[t].bytes = b / 2;
      out.push_back(x);
      if (x.machine.capacity > b - b / 2) {
        x.machine.capacity -= b - b / 2;
        out.push_back(x);
      }
    }
  return out;
}

// `fails(c)` must be true for the case given; returns a case found with fails() true that no
// single edit makes smaller.
inline Case shrink(Case c, const std::function<bool(const Case&)>& fails) {
  for (bool progress = true; progress;) {
    progress = false;
    for (Case x : smaller_cases(c)) {
      x = normalized(x);
      if (x.graph.ops.empty() || largest_working_set(x) > x.machine.capacity) continue;
      if (!fails(x)) continue;
      c = x;
      progress = true;
      break;
    }
  }
  return c;
}

}  // namespace memsim_reference
