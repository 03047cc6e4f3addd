#pragma once
// The tiling pass (docs/model.md "Tiled execution"): a generated schedule and a tiling per op
// become a tiled schedule in the same graph form — tensors, ops and an order — so everything
// that runs, checks or draws a schedule works on it unchanged.
//
//   - An op that is cut becomes one tile op per box of its loop nest, in its loop order
//     (outermost first, the last dimension fastest), named "<op>.tile<k>" (k from 0). Its FLOPs
//     are the op's times the box's share of the nest's iterations.
//   - Every tensor is split into blocks along its axes at the common refinement of every
//     region any tile op touches (region.h): its producer's tiles, every consumer's tiles, halo
//     edges included. Blocks are numbered row-major (the last axis fastest) and named
//     "<tensor>.tile<k>"; a tensor left in one block keeps its name. A tile op lists exactly
//     the blocks of its regions, in operand order and row-major within a tensor.
//   - The first tile op (in order) that writes a block lists it as an output; later ones, which
//     add partial sums (a cut reduction) or overlapping halos, list it as an update.
//   - A required output that several tiles write is accumulated in a partial copy (blocks
//     "<tensor>.partial[.tile<k>]", same blocks, not required) and, right after the last tile
//     op that writes a block, an epilogue op "<op>.epilogue<j>" (0 FLOPs) reads the partial
//     block and writes the block itself, so it is written back once. For this the block
//     refinement also cuts each tile's region of it into kEpiloguePieces pieces along its
//     first axis longer than 1 (fewer when the region is shorter).
//   - An op that is not cut keeps its name and reads and writes every block of its tensors.
#include <cstdint>
#include <span>
#include <vector>

#include "policies/tiling/traffic_model.h"
#include "sim/core/graph.h"
#include "sim/model/loop_nest.h"

namespace memsim {

struct OpPlan {
  bool cut = false;
  Tiling tiling;
};

struct TiledGraph {
  Graph graph;
  std::vector<OpId> order;
  std::vector<OpId> op_origin;          // tiled op -> the op it is a tile (or epilogue) of
  std::vector<TensorId> tensor_origin;  // block -> the tensor it is a block of
};

// `plans` has one entry per op of `graph`. Throws std::length_error when a tile op would list
// more than 65535 blocks in one of its lists.
TiledGraph tile_graph(const Graph& graph, std::span<const OpId> order, const Workload& workload,
                      const std::vector<OpPlan>& plans);

}  // namespace memsim
