#pragma once
// The names of a list of tensors of a graph, for tests that compare operand lists by name.
#include <span>
#include <string>
#include <vector>

#include "sim/core/graph.h"

namespace memsim::test {

using Names = std::vector<std::string>;

inline Names names(const Graph& g, std::span<const TensorId> ids) {
  Names out;
  for (TensorId t : ids) out.push_back(std::string(g.tensor_name(t)));
  return out;
}

}  // namespace memsim::test
