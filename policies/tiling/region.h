#pragma once
// The region of a tensor a tile touches: the projection of a box of loop dimensions onto each
// of the tensor's axes (docs/model.md "Tiled execution", the region rules):
//   - an axis with no terms is touched whole;
//   - otherwise the touched indices run from offset + sum coeff * floor(lo_d / div) to
//     offset + sum coeff * floor((hi_d - 1) / div), clipped to the axis;
//   - the head and tail rules: when every dimension of the axis's terms starts at 0 the
//     region starts at 0, and when every one ends at its extent the region ends at the axis's
//     end (so padding never leaves a row out, and a bias row rides with the last tile);
//   - the cover rule: when exactly one dimension of the terms is cut, the region reaches at
//     least to where the next tile along that dimension starts (a strided convolution's
//     skipped rows belong to the tile before them), so the regions of consecutive tiles leave
//     no gap.
#include <cstdint>
#include <span>

#include "sim/model/loop_nest.h"

namespace memsim {

struct Interval {
  std::uint64_t lo = 0, hi = 0;
  std::uint64_t size() const { return hi - lo; }
  friend bool operator==(const Interval&, const Interval&) = default;
};

// The interval of an axis of `extent` that the box [lo[d], hi[d]) of `dims` touches.
Interval project(const AxisMap& map, std::uint64_t extent, std::span<const LoopDim> dims,
                 const std::uint64_t* lo, const std::uint64_t* hi);

inline constexpr std::size_t kMaxNestDims = 16;

// Calls fn(interval) for every position of the dimensions in `mask` that the map names, each
// at its tile of size tile[d] (trips[d] of them), every other dimension whole.
template <typename Fn>
void for_each_interval(const AxisMap& map, std::uint64_t extent, std::span<const LoopDim> dims,
                       const std::uint64_t* tile, const std::uint64_t* trips, std::uint32_t mask,
                       Fn&& fn) {
  std::uint64_t lo[kMaxNestDims] = {}, hi[kMaxNestDims] = {};
  for (std::size_t d = 0; d < dims.size(); ++d) hi[d] = dims[d].extent;
  std::uint8_t cut[3] = {};
  std::uint64_t pos[3] = {};
  int n = 0;
  for (int i = 0; i < map.count; ++i) {
    const std::uint8_t d = map.terms[i].dim;
    if (!((mask >> d) & 1u) || trips[d] <= 1) continue;
    bool seen = false;
    for (int j = 0; j < n; ++j) seen = seen || cut[j] == d;
    if (!seen) cut[n++] = d;
  }
  while (true) {
    for (int i = 0; i < n; ++i) {
      const std::uint8_t d = cut[i];
      lo[d] = pos[i] * tile[d];
      hi[d] = lo[d] + tile[d] < dims[d].extent ? lo[d] + tile[d] : dims[d].extent;
    }
    fn(project(map, extent, dims, lo, hi));
    int i = 0;
    for (; i < n; ++i) {
      if (++pos[i] < trips[cut[i]]) break;
      pos[i] = 0;
    }
    if (i == n) break;
  }
}

struct IntervalStats {
  std::uint64_t sum = 0, max = 0;
};

// for_each_interval's lengths, summed and their largest. With one cut dimension of many tiles,
// the tiles away from the ends touch intervals of one length (the projections are affine), so
// only the first and last few are projected (checked: when those do not agree, every tile is).
IntervalStats interval_stats(const AxisMap& map, std::uint64_t extent,
                             std::span<const LoopDim> dims, const std::uint64_t* tile,
                             const std::uint64_t* trips, std::uint32_t mask);

}  // namespace memsim
