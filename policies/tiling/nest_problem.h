#pragma once
// An op of a generated schedule as a NestProblem (traffic_model.h): its workload nest with,
// for every tensor of its working set in operand order (inputs, outputs, updates), how it is
// accessed, its axes and its element size.
#include "policies/tiling/traffic_model.h"
#include "sim/core/graph.h"
#include "sim/model/loop_nest.h"

namespace memsim {

// Empty dims when the op cannot be tiled: no nest, a tensor without axes or a projection, or
// bytes that are not a whole number of elements.
NestProblem nest_problem(const Graph& graph, const Workload& workload, OpId op);

// The element size of tensor t (its bytes over its axes' elements), or 0 when it has no axes
// or its bytes are not a whole number of elements.
std::uint64_t element_bytes(const Graph& graph, const Workload& workload, TensorId t);

}  // namespace memsim
