#pragma once
// The auto tiler (docs/model.md "How the auto tiler decides"): per op, the tile sizes and loop
// order that the traffic model (traffic_model.h) predicts to move the fewest bytes, among
// tilings whose tile op fits the cache together with the room lookahead needs.
//
//   - An op whose whole working set fits the cache is not cut.
//   - Candidate sizes of a dimension (extent E, step s, u = ceil(E / s) steps) are
//     s * ceil(u / T) for trip counts T = 1, 2, 3, ... growing by a factor (1.2, or 1.5 or 2
//     when the nest has many dimensions, so that at most kLeafBudget size combinations are
//     tried), capped at E; dimensions that are never tiled keep E.
//   - Every combination is tried, the last dimension taking only its largest size that fits;
//     for each, every order of its cut dimensions (the uncut ones come after them, in the
//     nest's order).
//   - The least predicted traffic wins; then the fewest tiles; then the first found (sizes
//     are tried smallest first for every dimension but the last, so ties split the outer
//     dimensions, batch first).
//   - The first round cuts the primary dimensions only (a nest's last spatial dimension, q or
//     w, stays whole) and requires room for the lookahead window; if nothing fits, the window
//     is dropped, then the secondary dimension is cut too. When nothing fits at all the op
//     stays whole (and the schedule's working-set check reports it).
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "policies/tiling/traffic_model.h"

namespace memsim {

inline constexpr std::uint64_t kLeafBudget = 4096;
inline constexpr std::uint64_t kSplitTileFactor = 4;
inline constexpr std::uint64_t kSplitMaxTrips = 4;

struct TilerOptions {
  std::uint64_t capacity = 0;
  std::uint32_t lookahead = 0;
  // A bound on the search's work, for callers that must answer quickly whatever the input (the
  // scenario fuzzer: one tiled dense layer costs seconds under its sanitizers). Each tile shape
  // whose cost the search computes counts one in *shapes_tried (when given); once the count
  // passes shape_limit (0: no bound) the search throws TilerLimitReached.
  std::uint64_t shape_limit = 0;
  std::uint64_t* shapes_tried = nullptr;
};

struct TilerLimitReached : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct TilingChoice {
  Tiling tiling;
  Prediction prediction;
  // For a split tiling: the best single tile shape it beat (what `memsim info` explains).
  Tiling uniform;
  Prediction uniform_prediction;
  bool cut() const { return prediction.tiles > 1; }
};

// Tile sizes tried for one dimension, ascending, given the growth factor of trip counts.
std::vector<std::uint64_t> candidate_sizes(const LoopDim& dim, double growth);

// The whole op as one tile, in the nest's order.
Tiling whole_tiling(const NestProblem& problem);

// The best tiling of one tile shape (the rounds above).
TilingChoice choose_uniform_tiling(const NestProblem& problem, const TilerOptions& options);

// The best uniform tiling, or a split tiling (traffic_model.h) when one predicts at least
// 1/32 less traffic: per splittable dimension (not q or w) that the uniform tiling cuts into
// 2 .. kSplitMaxTrips tiles, split
// points at 1/8 .. 7/8 of its steps, then three rounds halving the distance around the best;
// each part takes its own best uniform tiling; at most kSplitTileFactor times the uniform
// tiling's tiles.
TilingChoice choose_tiling(const NestProblem& problem, const TilerOptions& options);

}  // namespace memsim
