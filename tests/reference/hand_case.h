#pragma once
// Hand-written cases for the reference executor, spelled like a scenario's [graph]: declared
// tensors first, then tensors named only by ops in order of first mention (§5 Belady's id
// order). A tensor some op produces starts nowhere; any other starts in DRAM.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "tests/reference/random_case.h"
#include "tests/reference/reference_executor.h"

namespace memsim_reference {

struct HandTensor {
  std::string name;
  Kind kind = Kind::activation;
  std::uint64_t bytes = 1;
};

struct HandOp {
  HandOp(std::string name_, std::vector<std::string> inputs_, std::vector<std::string> outputs_,
         std::vector<std::string> updates_ = {}, double flops_ = 0)
      : name(std::move(name_)),
        inputs(std::move(inputs_)),
        outputs(std::move(outputs_)),
        updates(std::move(updates_)),
        flops(flops_) {}
  std::string name;
  std::vector<std::string> inputs;
  std::vector<std::string> outputs;
  std::vector<std::string> updates;
  double flops = 0;
};

inline Case hand_case(const Machine& machine, const Options& options, const std::string& overlap,
                      const std::vector<HandTensor>& declared, const std::vector<HandOp>& ops,
                      const std::vector<std::string>& required = {}) {
  Case c;
  c.machine = machine;
  c.options = options;
  c.overlap = overlap;
  Graph& g = c.graph;
  const auto id = [&](const std::string& name) {
    for (std::size_t t = 0; t < g.tensors.size(); ++t)
      if (g.tensors[t].name == name) return static_cast<int>(t);
    Tensor t;
    t.name = name;
    g.tensors.push_back(t);
    return static_cast<int>(g.tensors.size()) - 1;
  };
  for (const HandTensor& h : declared) {
    const int t = id(h.name);
    g.tensors[t].kind = h.kind;
    g.tensors[t].bytes = h.bytes;
  }
  for (const HandOp& h : ops) {
    Op op;
    op.name = h.name;
    op.flops = h.flops;
    for (const auto& n : h.inputs) op.inputs.push_back(id(n));
    for (const auto& n : h.outputs) op.outputs.push_back(id(n));
    for (const auto& n : h.updates) op.updates.push_back(id(n));
    g.ops.push_back(op);
  }
  for (const auto& n : required) g.tensors[id(n)].required = true;
  for (Tensor& t : g.tensors) {
    const bool produced = std::any_of(g.ops.begin(), g.ops.end(), [&](const Op& op) {
      return std::any_of(op.outputs.begin(), op.outputs.end(),
                         [&](int o) { return g.tensors[o].name == t.name; });
    });
    t.initial_dram = !produced;
  }
  return c;
}

// Uniform mode: `tensors` units of cache, each transfer `transfer_time`, each op `op_time`.
inline Machine uniform_machine(std::uint64_t tensors, double transfer_time = 1, int channels = 1,
                               double op_time = 1) {
  Machine m;
  m.uniform = true;
  m.capacity = tensors;
  m.transfer_time = transfer_time;
  m.channels = channels;
  m.op_time = op_time;
  return m;
}

}  // namespace memsim_reference
