// The traffic model and the auto tiler (policies/tiling/traffic_model.h, auto_tiler.h): the
// model's figures derived by formula for a tiled matrix product, checked against what the
// executor and the verifier count for the same tiling; the auto tiler's choices checked
// against the simulation on single layers of every kind; its candidate sizes.
#include <catch2/catch.hpp>

#include "policies/tiling/auto_tiler.h"
#include "policies/tiling/model_tiling.h"
#include "support/element_wise_nest.h"
#include "support/scenario_text.h"

using namespace memsim;
using namespace memsim::test;

namespace {

std::string scenario(const std::string& capacity, const std::string& model,
                     const std::string& overlap = "none") {
  return "[hardware.cache]\ncapacity = \"" + capacity +
         "\"\n[hardware.dram]\nbandwidth = \"768 GB/s\"\n[hardware.compute]\nthroughput = "
         "\"38.7 TFLOP/s\"\n[schedule]\noverlap = \"" +
         overlap + "\"\n" + model;
}

struct Figures {
  std::uint64_t predicted = 0;          // the model's loads + stores, summed over the ops
  std::uint64_t loads = 0, stores = 0;  // the verifier's bytes
};

Figures figures(const std::string& text) {
  const ScenarioSpec spec = parse_scenario_text(text, "s.toml", {});
  const ModelTiling plan = plan_model_tiling(spec);
  Figures f;
  for (const OpTilingDecision& d : plan.plan.ops) f.predicted += d.prediction.traffic();
  const RunResult r = run_simulation(load_text(text));
  f.loads = r.counts.load_bytes;
  f.stores = r.counts.store_bytes;
  return f;
}

// C = A . B with M = N = K = 64 (fp32: every matrix 16 KiB), tiles 32 x 32 x 8, loops m, n, k.
const std::string kGemm = R"([model]
batch = 64
input = 64
layers = [{ type = "dense", out = 64, tiles = { m = 32, n = 32, k = 8, order = "mnk" } }]
)";

}  // namespace

TEST_CASE("the traffic model of an output-stationary product, by formula and by simulation",
          "[tiling][model]") {
  // A tile op holds a 32x8 slab of A (1 KiB), an 8x32 slab of B (1 KiB) and the 32x32 partial
  // sums of C (4 KiB); C is the required output, so an epilogue piece (4 KiB / 16) comes on top.
  // Levels m, n, k. Reuse across an iteration of n needs A's 32x64 panel (8 KiB), B's 64x32
  // panel (8 KiB) and two C tiles (the old and the new: 8 KiB) = 24 KiB; across m, A's panel
  // (8 KiB), all of B (16 KiB) and C's 32x64 rows (8 KiB) = 32 KiB; everything: 48 KiB.
  SECTION("8 KiB: only the k loop streams") {
    // A moves once per n tile: 64*64*2 floats = 32 KiB; B once per m tile: 32 KiB; C is stored
    // once (16 KiB) and never loaded (its first tile writes it).
    const Figures f = figures(scenario("8 KiB", kGemm));
    CHECK(f.loads == 65536);
    CHECK(f.stores == 16384);
    CHECK(f.predicted == 65536 + 16384);
  }
  SECTION("40 KiB: the n loop streams, A's panel stays across it") {
    // 32 KiB <= 40 KiB - 256 B: reuse across m too, so A and B both move once.
    const Figures f = figures(scenario("40 KiB", kGemm));
    CHECK(f.loads == 32768);
    CHECK(f.stores == 16384);
    CHECK(f.predicted == 32768 + 16384);
  }
  SECTION("1 MiB: everything fits, every operand moves once") {
    const Figures f = figures(scenario("1 MiB", kGemm));
    CHECK(f.loads == 32768);
    CHECK(f.stores == 16384);
    CHECK(f.predicted == f.loads + f.stores);
  }
}

TEST_CASE("the model predicts what the verifier counts for the auto tiler's choices",
          "[tiling][model]") {
  // Single layers of every kind the tiler meets, on caches that force tiling, without and with
  // double buffering: the model's loads + stores equal the verifier's exactly.
  const std::vector<std::string> layers{
      R"(batch = 512
input = 512
layers = [{ type = "dense", out = 768 }])",
      R"(batch = 8
input = [64, 56, 56]
layers = [{ type = "conv2d", out = 64, kernel = 3, padding = 1 }])",
      R"(batch = 4
input = [128, 28, 28]
layers = [{ type = "conv2d", out = 256, kernel = 3, padding = 1, stride = 2 }])",
      R"(batch = 8
input = [256, 28, 28]
layers = [{ type = "conv2d", out = 512, kernel = 1, stride = 2 }])",
      R"(batch = 8
input = [192, 28, 28]
layers = [{ type = "depthwise", kernel = 3, padding = 1 }])",
      R"(batch = 8
input = [64, 56, 56]
layers = [{ type = "maxpool", kernel = 3, stride = 2, padding = 1 }])",
      R"(batch = 8
input = [128, 28, 28]
layers = [{ type = "relu" }])",
  };
  for (const char* capacity : {"256 KiB", "1 MiB"})
    for (const char* overlap : {"none", "double-buffer"})
      for (const std::string& layer : layers) {
        const Figures f = figures(scenario(capacity, "[model]\n" + layer + "\n", overlap));
        INFO(capacity << ", " << overlap << ":\n" << layer);
        CHECK(f.predicted == f.loads + f.stores);
      }
}

TEST_CASE("the auto tiler keeps a product's output tile stationary", "[tiling][model]") {
  // 4096^3 fp32 on 6 MiB: the reduction k is the innermost cut loop (C stays while A and B
  // stream), and the traffic is M*K*ceil(N/tn) + K*N*ceil(M/tm) + M*N floats.
  const ScenarioSpec spec = parse_scenario_text(
      scenario("6 MiB",
               "[model]\nbatch = 4096\ninput = 4096\nlayers = [{ type = \"dense\", out "
               "= 4096 }]\n"),
      "s.toml", {});
  const ModelTiling plan = plan_model_tiling(spec);
  REQUIRE(plan.plan.ops.size() == 1);
  const OpTilingDecision& d = plan.plan.ops[0];
  REQUIRE(d.cut);
  const std::vector<std::uint8_t>& order = d.tiling.order;
  std::vector<char> cut;
  for (std::uint8_t k : order)
    if (d.tiling.tile[k] < d.problem.dims[k].extent) cut.push_back(d.problem.dims[k].name);
  REQUIRE(!cut.empty());
  CHECK(cut.back() == 'k');
  const std::uint64_t tm = d.tiling.tile[0], tn = d.tiling.tile[1], n = 4096;
  const std::uint64_t floats = n * n * ((n + tn - 1) / tn) + n * n * ((n + tm - 1) / tm) + n * n;
  CHECK(d.prediction.traffic() == 4 * floats);
}

TEST_CASE("an op whose working set fits is never cut", "[tiling][model]") {
  NestProblem p;
  p.dims = {{'n', 4}};
  OperandInfo x;
  x.maps = {AxisMap::of(0)};
  x.extents = {4};
  x.element_bytes = 4;
  p.operands = {x, x};
  p.operands[1].access = Access::write;
  const TilingChoice c = choose_tiling(p, {32, 0});  // 16 + 16 bytes fit 32
  CHECK_FALSE(c.cut());
  CHECK(c.prediction.traffic() == 32);
  const TilingChoice cut = choose_tiling(p, {16, 0});  // two tiles of 8 + 8
  CHECK(cut.cut());
  CHECK(cut.tiling.tile[0] == 2);
  CHECK(cut.prediction.traffic() == 32);  // element-wise: every byte once, however it is cut
}

TEST_CASE("an element-wise op cuts outer dimensions before thin inner tiles", "[tiling][model]") {
  // n = 2, h = 8; an input and an output of 4 B per element: a tile of e elements needs 8e
  // bytes, so 32 B holds 4 elements. Every tiling moves each byte once (64 + 64 B), so the tie
  // rules decide (§16.7): with no reduction, the innermost cut dimension (h either way) gets
  // its largest tile: n = 1, h = 4 (4 tiles) beats n = 2, h = 2 (4 tiles, one cut dimension),
  // which the older rule (fewest cut dimensions first) took. A producer tiled by n then shares
  // whole blocks with it instead of thin rows.
  const NestProblem p = element_wise_nest();
  const TilingChoice c = choose_tiling(p, {32, 0});
  CHECK(c.tiling.tile == std::vector<std::uint64_t>{1, 4});
  CHECK(c.prediction.traffic() == 128);
  // With a reduction (the output does not name h) the older rules stand: fewest cut
  // dimensions first. Input n x h, output n: 2 * 4 B out; a tile of n = 2 whole and h = t
  // reads 2t elements: 8t + 8 <= 32 gives t = 3 (h tiles 3 3 2), one cut dimension; n = 1
  // and h = 8 (8 * 4 + 4 = 36 B) does not fit.
  NestProblem r = p;
  r.operands[1].maps = {AxisMap::of(0)};
  r.operands[1].extents = {2};
  const TilingChoice rc = choose_tiling(r, {32, 0});
  CHECK(rc.tiling.tile == std::vector<std::uint64_t>{2, 3});
}

TEST_CASE("candidate tile sizes: one per trip count, in steps", "[tiling][model]") {
  // Extent 10: trip counts 1..10 give ceil(10 / T) = 10 5 4 3 2 2 2 2 2 1.
  CHECK(candidate_sizes({'n', 10}, 1.2) == std::vector<std::uint64_t>{1, 2, 3, 4, 5, 10});
  // Step 4 over 16 (a dense k over 4 positions per channel): multiples of 4.
  CHECK(candidate_sizes({'k', 16, 4}, 1.2) == std::vector<std::uint64_t>{4, 8, 16});
  // Never tiled: the whole extent only.
  CHECK(candidate_sizes({'r', 3, 1, false}, 1.2) == std::vector<std::uint64_t>{3});
}
