#pragma once
// What tiling decides for a scenario's [model], for `memsim info`: the schedule before tiling
// (inference or training, as the scenario's kind says) and the plan (tile_schedule.h), with
// each cut op's predicted traffic and its lower bound.
//
// Lower bound of an op: every operand once (compulsory traffic: reads loaded, outputs stored,
// updates loaded and stored); for a matrix product (a dense or GEMM layer's forward, dL/dX and
// dL/dW: V = M*N*K multiply-adds, or b of them) also Hong and Kung's 2 * V / sqrt(S) elements
// for a cache of S elements (Smith et al. 2019 give the constant), whichever is larger.
#include <cstdint>
#include <string>
#include <vector>

#include "policies/tiling/tile_schedule.h"
#include "sim/scenario/scenario_spec.h"

namespace memsim {

struct ModelTiling {
  LayerGraph model;
  Graph graph;  // the schedule before tiling
  std::vector<OpId> order;
  Workload workload;  // its loop nests
  TilingPlan plan;
  std::uint64_t capacity = 0;
  std::uint32_t lookahead = 0;
};

// Throws ScenarioError for a raw [graph] or a model the generators reject, and when the auto
// tiler would try more than `shape_limit` tile shapes (TilingInput; 0: no bound).
ModelTiling plan_model_tiling(const ScenarioSpec& spec, std::uint64_t shape_limit = 0);

// The lower bound of one op (above), in bytes.
std::uint64_t traffic_lower_bound(const LayerGraph& model, const OpTilingDecision& op,
                                  std::uint64_t capacity);

}  // namespace memsim
