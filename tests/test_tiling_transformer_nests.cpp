// The loop nests of the transformer layers and of the tensors autograd saves (extras):
// policies/models/layer_nests.h, docs/model.md "Tiled execution" (the nest table). Each region
// is derived by hand from the projection written in the comment: a tile is a box [lo, hi) of
// the nest's dimensions, and a tensor's region is its slot's axis maps applied to the box.
#include <catch2/catch.hpp>

#include "policies/models/layer_nests.h"
#include "policies/tiling/region.h"

using namespace memsim;

namespace {

using Kind = NestSlot::Kind;

// The region, axis by axis, that the box [lo, hi) of `t` touches of the tensor in `slot`.
std::vector<Interval> region(const NestTemplate& t, const NestSlot& slot, const TensorAxes& axes,
                             std::vector<std::uint64_t> lo, std::vector<std::uint64_t> hi) {
  REQUIRE(slot.axes.size() == axes.extents.size());
  std::vector<Interval> r;
  for (std::size_t a = 0; a < axes.extents.size(); ++a)
    r.push_back(project(slot.axes[a], axes.extents[a], t.dims, lo.data(), hi.data()));
  return r;
}

std::string names(const NestTemplate& t) {
  std::string s;
  for (const LoopDim& d : t.dims) s += d.name;
  return s;
}

}  // namespace

TEST_CASE("a linear layer is a GEMM over positions: nn.Linear's out x in weight",
          "[tiling][nests]") {
  // batch 2, 8 features at 6 positions (h = 6, w = 1) -> 4 outputs, with bias.
  const NestTemplate t = linear_nest(2, Shape{8, 6, 1}, 4, true);
  CHECK(names(t) == "bmnk");
  CHECK(t.dims[1].extent == 6);  // m: h * w positions
  // The weight is out x (in + 1): 4 x 9 = 36 = the layer's 8 * 4 + 4 parameters.
  CHECK(t.weight_axes.names == "oi");
  CHECK(t.weight_axes.extents == std::vector<std::uint64_t>{4, 9});
  const TensorAxes x = activation_axes(Shape{8, 6, 1}, 2);
  const TensorAxes y = activation_axes(Shape{4, 6, 1}, 2);
  // Box b [1, 2), m [0, 3), n [2, 4), k [0, 4): X[b, k, m] -> b [1, 2), c [0, 4), h [0, 3),
  // w whole; W[n, k] -> rows [2, 4), columns [0, 4) (the bias column 8 belongs to the last k
  // tile, whose box ends at k = 8); Y[b, n, m] -> [1, 2), [2, 4), [0, 3), whole.
  CHECK(region(t, *t.slot(Kind::input), x, {1, 0, 2, 0}, {2, 3, 4, 4}) ==
        std::vector<Interval>{{1, 2}, {0, 4}, {0, 3}, {0, 1}});
  CHECK(region(t, *t.slot(Kind::weight), t.weight_axes, {1, 0, 2, 0}, {2, 3, 4, 4}) ==
        std::vector<Interval>{{2, 4}, {0, 4}});
  CHECK(region(t, *t.slot(Kind::weight), t.weight_axes, {1, 0, 2, 4}, {2, 3, 4, 8}) ==
        std::vector<Interval>{{2, 4}, {4, 9}});
  CHECK(region(t, *t.slot(Kind::output), y, {1, 0, 2, 0}, {2, 3, 4, 4}) ==
        std::vector<Interval>{{1, 2}, {2, 4}, {0, 3}, {0, 1}});
}

TEST_CASE("a linear layer on a 2-d grid tiles whole rows of positions", "[tiling][nests]") {
  // 3 x 4 positions (h = 3, w = 4): m runs over 12 positions in steps of w = 4, and row
  // h = m / 4. The box m [4, 12) is rows [1, 3), every column.
  const NestTemplate t = linear_nest(1, Shape{5, 3, 4}, 7, false);
  CHECK(t.dims[1].extent == 12);
  CHECK(t.dims[1].step == 4);
  const TensorAxes x = activation_axes(Shape{5, 3, 4}, 1);
  CHECK(region(t, *t.slot(Kind::input), x, {0, 4, 0, 0}, {1, 12, 7, 5}) ==
        std::vector<Interval>{{0, 1}, {0, 5}, {1, 3}, {0, 4}});
  CHECK(t.weight_axes.extents == std::vector<std::uint64_t>{7, 5});  // no bias column
}

TEST_CASE("attention's two matrix products are batched GEMMs per head", "[tiling][nests]") {
  // 2 heads of dh = 3 features (dim 6) over 5 positions, batch 1.
  const Shape qkv{6, 5, 1};
  const NestTemplate s = attention_scores_nest(1, qkv, 2);
  CHECK(names(s) == "bgmnk");
  // S[b, g, m, n] = sum_k Q[b, 3g + k, m] K[b, 3g + k, n]. Box g [1, 2), m [0, 2), n [2, 5),
  // k whole: Q features [3, 6) at positions [0, 2); K features [3, 6) at positions [2, 5);
  // S heads [1, 2), rows [0, 2), columns [2, 5).
  const TensorAxes q = activation_axes(qkv, 1);
  const TensorAxes scores = activation_axes(Shape{2, 5, 5}, 1);
  const std::vector<std::uint64_t> lo{0, 1, 0, 2, 0}, hi{1, 2, 2, 5, 3};
  CHECK(region(s, *s.slot(Kind::input, 0), q, lo, hi) ==
        std::vector<Interval>{{0, 1}, {3, 6}, {0, 2}, {0, 1}});
  CHECK(region(s, *s.slot(Kind::input, 1), q, lo, hi) ==
        std::vector<Interval>{{0, 1}, {3, 6}, {2, 5}, {0, 1}});
  CHECK(region(s, *s.slot(Kind::output), scores, lo, hi) ==
        std::vector<Interval>{{0, 1}, {1, 2}, {0, 2}, {2, 5}});
  CHECK(s.slot(Kind::weight) == nullptr);  // no parameters

  const NestTemplate c = attention_context_nest(1, qkv, 2);
  CHECK(names(c) == "bgmnk");
  // O[b, 3g + n, m] = sum_k P[b, g, m, k] V[b, 3g + n, k]. Box g [0, 1), m [3, 5), n [1, 3),
  // k [0, 2): P head 0, rows [3, 5), columns [0, 2); V features [1, 3) at positions [0, 2);
  // O features [1, 3) at positions [3, 5).
  const std::vector<std::uint64_t> lo2{0, 0, 3, 1, 0}, hi2{1, 1, 5, 3, 2};
  CHECK(region(c, *c.slot(Kind::input, 0), scores, lo2, hi2) ==
        std::vector<Interval>{{0, 1}, {0, 1}, {3, 5}, {0, 2}});
  CHECK(region(c, *c.slot(Kind::input, 1), q, lo2, hi2) ==
        std::vector<Interval>{{0, 1}, {1, 3}, {0, 2}, {0, 1}});
  CHECK(region(c, *c.slot(Kind::output), q, lo2, hi2) ==
        std::vector<Interval>{{0, 1}, {1, 3}, {3, 5}, {0, 1}});
}

TEST_CASE("an embedding tiles its features and reads every vocabulary row of them",
          "[tiling][nests]") {
  // vocab 10, dim 6, 4 positions, batch 2, shared position ids.
  const NestTemplate t = embedding_nest(2, 4, 10, 6, true);
  CHECK(names(t) == "nhc");
  CHECK(t.weight_axes.extents == std::vector<std::uint64_t>{10, 6});
  const TensorAxes ids = activation_axes(Shape{1, 4, 1}, 2);
  const TensorAxes y = activation_axes(Shape{6, 4, 1}, 2);
  // Box n [1, 2), h [2, 4), c [0, 3): ids of sample 1 at positions [2, 4); W all 10 rows,
  // columns [0, 3); Y sample 1, features [0, 3), positions [2, 4); the shared ids [2, 4).
  const std::vector<std::uint64_t> lo{1, 2, 0}, hi{2, 4, 3};
  CHECK(region(t, *t.slot(Kind::input), ids, lo, hi) ==
        std::vector<Interval>{{1, 2}, {0, 1}, {2, 4}, {0, 1}});
  CHECK(region(t, *t.slot(Kind::weight), t.weight_axes, lo, hi) ==
        std::vector<Interval>{{0, 10}, {0, 3}});
  CHECK(region(t, *t.slot(Kind::output), y, lo, hi) ==
        std::vector<Interval>{{1, 2}, {0, 3}, {2, 4}, {0, 1}});
  REQUIRE(t.extra_axes.size() == 1);
  CHECK(region(t, *t.slot(Kind::extra, 0), t.extra_axes[0], lo, hi) ==
        std::vector<Interval>{{2, 4}});
  // Without shared ids there is no extra.
  CHECK(embedding_nest(2, 4, 10, 6, false).extra_axes.empty());
}

TEST_CASE("layer-norm keeps a row whole and softmax its last axis", "[tiling][nests]") {
  const NestTemplate ln = layernorm_nest(2, Shape{8, 5, 1});
  CHECK(names(ln) == "nchw");
  CHECK_FALSE(ln.dims[1].tileable);  // c: the mean and variance of a row need all of it
  CHECK(ln.dims[2].tileable);
  // Its statistics are one per row (n, h, w): 2 * 5 * 1 each, fp32 per Layer::extras.
  REQUIRE(ln.extra_axes.size() == 2);
  CHECK(ln.extra_axes[0].elements() == 10);
  const std::vector<std::uint64_t> lo{1, 0, 2, 0}, hi{2, 8, 4, 1};
  CHECK(region(ln, *ln.slot(Kind::extra, 1), ln.extra_axes[1], lo, hi) ==
        std::vector<Interval>{{1, 2}, {2, 4}, {0, 1}});
  const NestTemplate sm = softmax_nest(1, Shape{2, 5, 5});
  CHECK(sm.dims[2].tileable);
  CHECK_FALSE(sm.dims[3].tileable);  // w: the axis it normalizes
}

TEST_CASE("saved extras take their tile: max-pool indices, batch-norm statistics, a mask",
          "[tiling][nests]") {
  // Batch-norm over 4 channels: mean and invstd are per channel; the box c [1, 3) touches
  // statistics [1, 3).
  NestTemplate bn = elementwise_nest(2, Shape{4, 3, 3}, 1, true);
  add_channel_stats(bn, 4);
  REQUIRE(bn.extra_axes.size() == 2);
  CHECK(bn.extra_axes[0].elements() == 4);
  const std::vector<std::uint64_t> lo{0, 1, 0, 0}, hi{2, 3, 3, 3};
  CHECK(region(bn, *bn.slot(Kind::extra, 0), bn.extra_axes[0], lo, hi) ==
        std::vector<Interval>{{1, 3}});
  CHECK(region(bn, *bn.slot(Kind::extra, 1), bn.extra_axes[1], lo, hi) ==
        std::vector<Interval>{{1, 3}});
  // A 2x2 stride-2 max-pool from 4x4 to 2x2: its indices are shaped like the output and a
  // tile's are exactly its output region (p [1, 2), q [0, 2) -> rows [1, 2), columns [0, 2)).
  Window w;
  w.kernel = {2, 2};
  w.stride = {2, 2};
  NestTemplate pool = pool_nest(1, Shape{3, 4, 4}, w, Pair{2, 2});
  add_output_shaped_extra(pool, Shape{3, 2, 2}, 1);
  REQUIRE(pool.extra_axes.size() == 1);
  CHECK(pool.extra_axes[0].elements() == 12);
  const std::vector<std::uint64_t> plo{0, 0, 1, 0, 0, 0}, phi{1, 3, 2, 2, 2, 2};
  CHECK(region(pool, *pool.slot(Kind::extra, 0), pool.extra_axes[0], plo, phi) ==
        std::vector<Interval>{{0, 1}, {0, 3}, {1, 2}, {0, 2}});
  CHECK(region(pool, *pool.slot(Kind::extra, 0), pool.extra_axes[0], plo, phi) ==
        region(pool, *pool.slot(Kind::output), pool.extra_axes[0], plo, phi));
}
