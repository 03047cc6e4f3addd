#pragma once
// Small graphs written as text-like lists: tensors that start in DRAM, ops with inputs /
// outputs / updates by name (produced tensors are created on first mention), required outputs.
#include <map>
#include <string>
#include <vector>

#include "sim/core/graph.h"

namespace memsim::test {

struct SketchOp {
  std::string name;
  std::vector<std::string> inputs, outputs, updates;
};

struct GraphSketch {
  std::vector<std::pair<std::string, std::uint64_t>> sources;  // start in DRAM, with bytes
  std::vector<SketchOp> ops;
  std::vector<std::string> required;
  std::map<std::string, std::uint64_t> produced_bytes;  // default 1

  Graph build() const {
    GraphBuilder b;
    std::map<std::string, TensorId> ids;
    for (const auto& [name, bytes] : sources)
      ids[name] = b.add_tensor(name, bytes, TensorKind::input, true);
    for (const SketchOp& op : ops)
      for (const std::string& n : op.outputs) {
        const auto it = produced_bytes.find(n);
        ids[n] = b.add_tensor(n, it == produced_bytes.end() ? 1 : it->second,
                              TensorKind::activation, false);
      }
    const auto resolve = [&](const std::vector<std::string>& names) {
      std::vector<TensorId> out;
      for (const auto& n : names) out.push_back(ids.at(n));
      return out;
    };
    for (const SketchOp& op : ops)
      b.add_op(op.name, resolve(op.inputs), resolve(op.outputs), resolve(op.updates), 1,
               OpPhase::forward);
    for (const auto& n : required) b.mark_required_output(ids.at(n));
    return std::move(b).build();
  }
};

}  // namespace memsim::test
