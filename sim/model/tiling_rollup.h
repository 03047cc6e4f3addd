#pragma once
// How a tiled schedule's ops and tensors roll up to the schedule before tiling
// (docs/model.md "Tiled execution"): every tile op (and epilogue op) comes from one op, every
// block (and partial block) from one tensor. Per-layer reports group counts by these.
#include <cstdint>
#include <string>
#include <vector>

#include "sim/core/graph.h"
#include "sim/model/loop_nest.h"

namespace memsim {

struct TilingRollup {
  // The schedule before tiling: its ops' and tensors' names, and each op's layer and role.
  std::vector<std::string> op_names, tensor_names;
  std::vector<Workload::Origin> op_origins;
  // By id in the tiled graph: the op or tensor of the schedule before tiling it comes from.
  std::vector<OpId> op_origin;
  std::vector<TensorId> tensor_origin;
};

}  // namespace memsim
