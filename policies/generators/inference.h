#pragma once
// Inference schedule (schedule.kind = "inference"): one forward op per layer, in layer order.
// Op fwd<i> reads W<i> (when the layer has parameters) and its inputs' activations, and writes
// X<i>; the activation is fused. X0 and the weights start in DRAM; the last layer's output is
// the required output.
#include "sim/model/generator.h"
#include "sim/model/layer_graph.h"
#include "sim/model/loop_nest.h"

namespace memsim {

struct TilingBounds;  // policies/tiling/tile_schedule.h

// The schedule before tiling.
GeneratedSchedule generate_inference_graph(const LayerGraph& model, bool uniform);
// The same, with its ops' and tensors' loop nests in `nests`.
GeneratedSchedule generate_inference_graph(const LayerGraph& model, bool uniform, Workload& nests);

// The registered generator: builds the LayerGraph, then tiles (policies/tiling/tile_schedule.h).
GeneratedSchedule generate_inference(const GeneratorInput& in);
// The same within bounds on tiling's work (TilingBounds; the scenario fuzzer registers it).
GeneratedSchedule generate_inference(const GeneratorInput& in, const TilingBounds& bounds);

}  // namespace memsim
