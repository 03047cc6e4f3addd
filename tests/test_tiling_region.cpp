// The region a tile touches (policies/tiling/region.h; docs/model.md "Tiled execution", the
// region rules), each case derived by hand from the projection, the head, tail and cover rules.
#include <catch2/catch.hpp>

#include "policies/models/layer_nests.h"
#include "policies/tiling/region.h"

using namespace memsim;

namespace {

Interval box(const AxisMap& map, std::uint64_t extent, const std::vector<LoopDim>& dims,
             std::vector<std::uint64_t> lo, std::vector<std::uint64_t> hi) {
  return project(map, extent, dims, lo.data(), hi.data());
}

}  // namespace

TEST_CASE("an identity axis touches exactly the box", "[tiling][region]") {
  const std::vector<LoopDim> dims{{'n', 10}};
  const AxisMap m = AxisMap::of(0);
  CHECK(box(m, 10, dims, {2}, {5}) == Interval{2, 5});
  CHECK(box(m, 10, dims, {0}, {3}) == Interval{0, 3});
  CHECK(box(m, 10, dims, {7}, {10}) == Interval{7, 10});
  // No terms: the whole axis, whatever the box.
  CHECK(box(AxisMap::whole(), 4, dims, {2}, {5}) == Interval{0, 4});
}

TEST_CASE("a convolution's input rows: halo, padding and the head and tail rules",
          "[tiling][region]") {
  // 3x3, stride 1, padding 1 on 8 rows: row = p + r - 1, r in [0, 3).
  const std::vector<LoopDim> dims{{'p', 8}, {'r', 3, 1, false}};
  const AxisMap rows = AxisMap::of(0, 1, -1).plus(1);
  // p in [0, 4): rows -1 .. 3 + 2 - 1 = 4; the head rule starts it at 0 -> [0, 5).
  CHECK(box(rows, 8, dims, {0, 0}, {4, 3}) == Interval{0, 5});
  // p in [4, 8): rows 3 .. 7 + 2 - 1 = 8 (past the end); the tail rule ends it at 8 -> [3, 8).
  CHECK(box(rows, 8, dims, {4, 0}, {8, 3}) == Interval{3, 8});
  // A middle tile p in [2, 5): rows 1 .. 5 -> [1, 6); rows 3 and 4 are shared with neighbours.
  CHECK(box(rows, 8, dims, {2, 0}, {5, 3}) == Interval{1, 6});
}

TEST_CASE("a strided 1x1 convolution's skipped rows belong to the tile before them",
          "[tiling][region]") {
  // stride 2, kernel 1, no padding, 8 input rows, 4 output rows: row = 2p.
  const std::vector<LoopDim> dims{{'p', 4}, {'r', 1, 1, false}};
  const AxisMap rows = AxisMap::of(0, 2).plus(1);
  // p in [0, 2) reads rows 0 and 2; the cover rule stretches it to where p = 2 starts (row 4).
  CHECK(box(rows, 8, dims, {0, 0}, {2, 1}) == Interval{0, 4});
  // p in [2, 4) reads rows 4 and 6; the tail rule ends it at 8 (row 7 has no reader).
  CHECK(box(rows, 8, dims, {2, 0}, {4, 1}) == Interval{4, 8});
}

TEST_CASE("divided terms: whole channels of a flattened input, whole groups", "[tiling][region]") {
  // A dense layer over a 4-channel 2x2 input: feature k is channel k / 4.
  const std::vector<LoopDim> dense{{'k', 16, 4}};
  CHECK(box(AxisMap::of(0).divided(4), 4, dense, {8}, {16}) == Interval{2, 4});
  CHECK(box(AxisMap::of(0).divided(4), 4, dense, {4}, {8}) == Interval{1, 2});
  // A grouped convolution, 2 input and 4 output channels per group: input channel
  // 2 * (k / 4) + c. k in [4, 8) with c whole is group 1: channels [2, 4).
  const std::vector<LoopDim> grouped{{'k', 8, 4}, {'c', 2, 1, false}};
  const AxisMap channel = AxisMap::of(0, 2).divided(4).plus(1);
  CHECK(box(channel, 4, grouped, {4, 0}, {8, 2}) == Interval{2, 4});
  CHECK(box(channel, 4, grouped, {0, 0}, {4, 2}) == Interval{0, 2});
}

TEST_CASE("the bias row rides with the last k tile", "[tiling][region]") {
  // A dense weight with a bias: rows k = 0..7 and row 8 for the bias.
  const NestTemplate t = dense_nest(2, Shape{8, 1, 1}, 3, true);
  REQUIRE(t.weight_axes.extents == std::vector<std::uint64_t>{9, 3});
  const AxisMap& rows = t.slot(NestSlot::Kind::weight)->axes[0];
  CHECK(project(rows, 9, t.dims, std::vector<std::uint64_t>{0, 0, 0}.data(),
                std::vector<std::uint64_t>{2, 3, 4}.data()) == Interval{0, 4});
  CHECK(project(rows, 9, t.dims, std::vector<std::uint64_t>{0, 0, 4}.data(),
                std::vector<std::uint64_t>{2, 3, 8}.data()) == Interval{4, 9});
}

TEST_CASE("interval statistics skip the uniform middle of many tiles", "[tiling][region]") {
  // 3x3 stride 1 padding 1 over 200 rows, tiles of 2 rows (100 tiles): the first tile reads
  // rows [0, 3) (3 rows), the last [197, 200) (3), the 98 others 4 rows each.
  const std::vector<LoopDim> dims{{'p', 200}, {'r', 3, 1, false}};
  const AxisMap rows = AxisMap::of(0, 1, -1).plus(1);
  const std::uint64_t tile[] = {2, 3}, trips[] = {100, 1};
  const IntervalStats s = interval_stats(rows, 200, dims, tile, trips, 1u);
  CHECK(s.sum == 3 + 3 + 98 * 4);
  CHECK(s.max == 4);
  std::uint64_t sum = 0;
  for_each_interval(rows, 200, dims, tile, trips, 1u, [&](const Interval& i) { sum += i.size(); });
  CHECK(sum == s.sum);
}
