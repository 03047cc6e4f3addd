#pragma once
// An explicit tiling in a layer's table, `tiles = { m = 512, n = 512, k = 128, order = "mnk" }`,
// checked against the layer's loop nest (policies/models/layer_nests.h):
//   - each key is a dimension of the nest (or `order`); its value a tile size from 1 to the
//     dimension's extent, a multiple of the dimension's step unless it is the whole extent,
//     and only for dimensions that may be tiled (never a kernel window r, s);
//   - `order` names dimensions outermost first, each at most once; dimensions it leaves out
//     run inside them in the nest's order. Default: the nest's order (dense m n k, conv
//     n k c p q r s).
// Errors point at the offending value and say what the layer takes.
#include <string>

#include "sim/model/layer_graph.h"
#include "sim/scenario/scenario_spec.h"

namespace memsim {

TileRequest read_tile_request(const LayerSpec& spec, const std::string& layer_name,
                              const std::string& type, const NestTemplate& nest);

// "m, n, k"
std::string dimension_list(const std::vector<LoopDim>& dims);

}  // namespace memsim
