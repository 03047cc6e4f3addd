#pragma once
// Tiling a generated schedule (docs/model.md "Tiled execution"): which ops are cut and how,
// then the tiling pass.
//
//   - Uniform mode never tiles (a layer with `tiles` is an error there).
//   - A layer with `tiles` has its forward, recompute, dL/dX and dL/dW ops cut as given (an
//     error at the tiles when a tile op does not fit the cache).
//   - With schedule.tiling = "auto" (the default), when some op's working set does not fit the
//     cache, every op that does not fit is cut by the auto tiler (auto_tiler.h); ops that fit
//     stay whole. When every op fits, the schedule is not changed at all.
//   - With "none", only explicit tilings apply.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "policies/tiling/traffic_model.h"
#include "sim/model/generator.h"
#include "sim/model/layer_graph.h"
#include "sim/model/loop_nest.h"
#include "sim/scenario/scenario_spec.h"

namespace memsim {

// Bounds on tiling's work, for callers that must answer quickly whatever the input (the scenario
// fuzzer: under its sanitizers one tile shape costs about 50 us, and scenarios/tiling/
// gemm4096.toml's search took 7.9 s); 0: no bound. Over either bound tiling throws a
// ScenarioError at the layer whose op passed it.
//   - shapes: the tile shapes the auto tiler tries (TilerOptions::shape_limit) for the whole
//     schedule;
//   - tile_ops: the tile ops of the cut ops' tilings (their predicted tiles), summed.
struct TilingBounds {
  std::uint64_t shapes = 0;
  std::uint64_t tile_ops = 0;
};

struct TilingInput {
  const LayerGraph& model;
  const ScheduleSpec& schedule;
  std::uint64_t capacity = 0;  // bytes
  bool uniform = false;
  TilingBounds bounds = {};  // (the plan checks shapes; tile_schedule, tile_ops)
};

// What tiling decides for one op of the schedule before tiling.
struct OpTilingDecision {
  OpId op = 0;
  Workload::Origin origin;
  std::uint64_t working_set = 0;  // bytes, whole
  NestProblem problem;            // empty dims: the op has no nest
  bool cut = false;
  bool explicit_tiles = false;
  Tiling tiling;
  Prediction prediction;  // of the tiling (of the whole op when not cut)
  // A split tiling's runner-up: the best single tile shape.
  Tiling uniform;
  Prediction uniform_prediction;
};

struct TilingPlan {
  bool active = false;                // some op is cut
  std::vector<OpTilingDecision> ops;  // in schedule order
  std::uint64_t shapes_tried = 0;     // by the auto tiler, over all ops
};

TilingPlan plan_tiling(const Graph& graph, std::span<const OpId> order, const Workload& workload,
                       const TilingInput& input);

// Whether tiling can change the schedule or reject it: a layer has `tiles`, or, in bytes with
// schedule.tiling = "auto", some op's working set exceeds the cache. When it is false,
// plan_tiling cuts nothing and throws nothing, whatever the loop nests, so a generator need not
// record them.
bool tiling_may_apply(const Graph& graph, std::span<const OpId> order, const TilingInput& input);

// Plans and, when some op is cut, applies the tiling pass; returns the schedule to run.
GeneratedSchedule tile_schedule(GeneratedSchedule untiled, const Workload& workload,
                                const TilingInput& input);

// "m=512 n=512 k=128 order mnk" (cut dimensions only; "whole" when none).
std::string tiling_text(const NestProblem& problem, const Tiling& tiling);

}  // namespace memsim
