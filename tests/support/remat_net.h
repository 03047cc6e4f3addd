#pragma once
// A small graph for the recompute planner's tests: ops each writing one tensor named after
// the op, in byte mode, in the order they are added.
#include <map>
#include <string>
#include <vector>

#include "sim/core/graph.h"

namespace memsim::test {

struct Net {
  GraphBuilder b;
  std::map<std::string, TensorId> out;
  std::vector<OpId> order;
  void op(const std::string& name, std::uint64_t bytes, double flops,
          std::vector<std::string> inputs = {}) {
    std::vector<TensorId> in;
    for (const auto& i : inputs) in.push_back(out.at(i));
    const TensorId t = b.add_tensor(name, bytes, TensorKind::activation, false);
    out[name] = t;
    const TensorId o[] = {t};
    order.push_back(b.add_op(name, in, o, {}, flops, OpPhase::forward));
  }
};

}  // namespace memsim::test
