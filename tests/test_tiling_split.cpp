// Split tilings (docs/model.md §16.3, §16.6, §16.7): an op cut along one dimension into two
// parts, each tiled with its own tile shape. Which dimensions may be split, the tiles and
// blocks of a split op, the executor's and the model's traffic for it (derived by hand), and
// the auto tiler choosing one where no single tile shape fits the cache well.
#include <catch2/catch.hpp>
#include <map>
#include <random>

#include "policies/tiling/auto_tiler.h"
#include "policies/tiling/model_tiling.h"
#include "policies/tiling/tile_schedule.h"
#include "policies/tiling/tiling_pass.h"
#include "support/dram_reads.h"
#include "support/graph_names.h"
#include "support/load_counter.h"
#include "support/scenario_text.h"

using namespace memsim;
using namespace memsim::test;

namespace {

// The decision for the op named `op` (its problem: the nest and operands).
const OpTilingDecision& decision(const ModelTiling& mt, const std::string& op) {
  for (const OpTilingDecision& d : mt.plan.ops)
    if (mt.graph.op_name(d.op) == op) return d;
  FAIL("no op " << op);
  throw std::logic_error("unreachable");
}

std::size_t dim(const NestProblem& p, char name) {
  for (std::size_t d = 0; d < p.dims.size(); ++d)
    if (p.dims[d].name == name) return d;
  FAIL("no dimension " << name);
  return 0;
}

// A dense layer, batch 4, 6 inputs, 4 outputs, fp32, no bias: Y (4 x 4) = X (4 x 6) . W.
const std::string kDense = R"([model]
batch = 4
input = 6
layers = [{ type = "dense", out = 4 }]
)";

}  // namespace

TEST_CASE("which dimensions of a nest may be split", "[tiling][split]") {
  // Training a dense layer and a 3x3 convolution (the cache is large: nothing is cut, the
  // problems are what the tiler would see).
  const ModelTiling mt = plan_model_tiling(parse_scenario_text(byte_hardware("1 GiB") + R"([model]
batch = 8
input = [16, 12, 12]
layers = [
  { type = "conv2d", name = "conv", out = 32, kernel = 3, padding = 1 },
  { type = "flatten" },
  { type = "dense", name = "fc", out = 10 },
]
[schedule]
kind = "training"
)",
                                                               "s.toml", {}));
  // fc forward: Y[m, n] += X[m, k] W[k, n]. m and n index the output and one input each,
  // alone and over their whole length: split. k is a reduction (Y does not depend on it): a
  // part of k would only add partial sums to the other's, so it is not split.
  const NestProblem& fc = decision(mt, "fc.forward").problem;
  REQUIRE(fc.dims.size() == 3);
  CHECK(splittable(fc, dim(fc, 'm')));
  CHECK(splittable(fc, dim(fc, 'n')));
  CHECK_FALSE(splittable(fc, dim(fc, 'k')));
  // fc dL/dW writes dW[k, n]: m (the batch) is its reduction: not split; n is.
  const NestProblem& fc_dw = decision(mt, "fc.dW").problem;
  CHECK_FALSE(splittable(fc_dw, dim(fc_dw, 'm')));
  CHECK(splittable(fc_dw, dim(fc_dw, 'n')));
  // conv forward: n and k (out channels) index output and input or weight alone: split. c is
  // a reduction; p projects with r onto the input rows (the halo): not split; r, s are never
  // tiled.
  const NestProblem& conv = decision(mt, "conv.forward").problem;
  CHECK(splittable(conv, dim(conv, 'n')));
  CHECK(splittable(conv, dim(conv, 'k')));
  CHECK_FALSE(splittable(conv, dim(conv, 'c')));
  CHECK_FALSE(splittable(conv, dim(conv, 'p')));
  CHECK_FALSE(splittable(conv, dim(conv, 'r')));
}

TEST_CASE("a split op: tiles of two shapes, blocks, and the traffic counted and predicted",
          "[tiling][split]") {
  // Split m at 1: part 0 is row 0, whole (1 tile); part 1 rows 1..3 cut at n = 2 (2 tiles).
  const ScenarioSpec spec = parse_scenario_text(byte_hardware("144 B") + kDense, "s.toml", {});
  const ModelTiling mt = plan_model_tiling(spec);
  const OpTilingDecision& d = decision(mt, "dense1.forward");
  const NestProblem& p = d.problem;
  REQUIRE(p.dims.size() == 3);  // m, n, k
  Tiling split;
  split.tile = {1, 4, 6};
  split.order = {0, 1, 2};
  split.split_dim = 0;
  split.split_at = 1;
  split.rest_tile = {3, 2, 6};
  split.rest_order = {1, 0, 2};
  CHECK(split.tiles(p.dims) == 3);
  // How `memsim info` writes it: each part's cut dimensions, the whole part as "whole".
  CHECK(tiling_text(p, split) == "m<1: whole, m>=1: n=2 order n");
  std::vector<OpPlan> plans(mt.graph.op_count());
  plans[d.op] = {true, split};
  const TiledGraph tiled = tile_graph(mt.graph, mt.order, mt.workload, plans);
  const Graph& g = tiled.graph;
  // Tiles in order: tile0 = m [0,1) whole; tile1 = m [1,4), n [0,2); tile2 = m [1,4), n [2,4).
  Names ops;
  for (OpId o : tiled.order) ops.push_back(g.op_name(o));
  CHECK(ops == Names{"dense1.tile0.forward", "dense1.tile1.forward", "dense1.tile2.forward"});
  // Blocks: X is cut at row 1 (1 x 6 and 3 x 6 floats: 24 B, 72 B); W (6 x 4) at column 2
  // (48 B each; tile0's region, every column, adds no cut); Y at row 1 and column 2: four
  // blocks, row-major: 2 floats (8 B), 8 B, 6 floats (24 B), 24 B. Y is written once per block
  // (k is whole): no partial copy, no epilogue.
  const auto bytes = [&](const std::string& n) { return g.tensor(g.find_tensor(n)).bytes; };
  CHECK(bytes("input.tile0") == 24);
  CHECK(bytes("input.tile1") == 72);
  CHECK(bytes("dense1.tile0.weight") == 48);
  CHECK(bytes("dense1.tile1.weight") == 48);
  CHECK(bytes("dense1.tile1.out") == 8);
  CHECK(bytes("dense1.tile3.out") == 24);
  CHECK(g.find_tensor("dense1.tile0.out.partial") == Graph::kNoTensor);
  const auto op = [&](const std::string& n) { return g.find_op(n); };
  CHECK(names(g, g.inputs(op("dense1.tile0.forward"))) ==
        Names{"dense1.tile0.weight", "dense1.tile1.weight", "input.tile0"});
  CHECK(names(g, g.outputs(op("dense1.tile0.forward"))) ==
        Names{"dense1.tile0.out", "dense1.tile1.out"});
  CHECK(names(g, g.inputs(op("dense1.tile1.forward"))) ==
        Names{"dense1.tile0.weight", "input.tile1"});
  CHECK(names(g, g.outputs(op("dense1.tile1.forward"))) == Names{"dense1.tile2.out"});
  CHECK(names(g, g.inputs(op("dense1.tile2.forward"))) ==
        Names{"dense1.tile1.weight", "input.tile1"});
  CHECK(names(g, g.outputs(op("dense1.tile2.forward"))) == Names{"dense1.tile3.out"});
  // FLOPs 2 * 4 * 4 * 6 = 192: tile0 has 1/4 of the rows (48), the others 3/4 x 1/2 (72).
  CHECK(g.op(op("dense1.tile0.forward")).flops == 48);
  CHECK(g.op(op("dense1.tile2.forward")).flops == 72);

  // The executor on 144 B (the largest tile op: W0 48 + X1 72 + Y block 24), LRU, no overlap:
  //   tile0 loads W0, W1, X0 (120 B) and writes Y0, Y1 (16 B): 136 B held.
  //   After it X0 is dead (dropped) and Y0, Y1 are stored. tile1 needs X1 (72 B) with 32 B
  //   free: LRU evicts W1 (touched after W0, which tile1 pins), then Y0 and Y1 for Y2.
  //   After tile1 W0 is dead; tile2 loads W1 (48 B) again and evicts Y2 for Y3.
  //   Loads 120 + 72 + 48 = 240 B (W1 twice); stores: Y once, 64 B.
  Simulation sim = load_text(byte_hardware("144 B") + kDense);
  sim.graph = tiled.graph;
  sim.order = tiled.order;
  sim.tiling = nullptr;
  LoadCounter counter;
  counter.g = &sim.graph;
  const RunResult r = run_simulation(sim, &counter);
  CHECK(r.counts.load_bytes == 240);
  CHECK(r.counts.store_bytes == 64);
  CHECK(counter.loads["dense1.tile1.weight"] == 2);
  CHECK(counter.loads["dense1.tile0.weight"] == 1);

  // The model (§16.6) takes each part as a nest of its own, from an empty cache:
  //   part 0 (row 0: W 96 + X0 24 + Y 16 = 136 B <= 144): every operand once, loads 120,
  //   stores 16;
  //   part 1 (rows 1..3, n cut in 2): everything (W 96 + X1 72 + Y 48 = 216 B) does not fit;
  //   the only level, n, streams: W, X1 and Y move once each: loads 168, stores 48.
  //   Sum: loads 288, stores 64. The executor kept W0 across the boundary: 48 B less.
  const Prediction pr = predict(p, split, 144, 0);
  CHECK(pr.fits);
  CHECK(pr.tiles == 3);
  CHECK(pr.loads == 288);
  CHECK(pr.stores == 64);
  CHECK(pr.working_set == 144);
}

TEST_CASE("a split into parts tiled alike is the uniform tiling", "[tiling][split]") {
  // m split at 2 with both parts tiled m = 2, k = 3, order mk: the same four tiles, in the
  // same order, as the uniform tiling m = 2, k = 3 (test_tiling_pass.cpp's worked example).
  const ScenarioSpec spec = parse_scenario_text(byte_hardware("1 KiB") + kDense, "s.toml", {});
  const ModelTiling mt = plan_model_tiling(spec);
  const OpTilingDecision& d = decision(mt, "dense1.forward");
  Tiling uniform;
  uniform.tile = {2, 4, 3};
  uniform.order = {0, 2, 1};
  Tiling split = uniform;
  split.split_dim = 0;
  split.split_at = 2;
  split.rest_tile = uniform.tile;
  split.rest_order = uniform.order;
  std::vector<OpPlan> a(mt.graph.op_count()), b(mt.graph.op_count());
  a[d.op] = {true, uniform};
  b[d.op] = {true, split};
  const TiledGraph ta = tile_graph(mt.graph, mt.order, mt.workload, a);
  const TiledGraph tb = tile_graph(mt.graph, mt.order, mt.workload, b);
  REQUIRE(ta.order.size() == tb.order.size());
  CHECK(ta.order.size() == 8);  // 4 tiles, 4 epilogues
  for (std::size_t i = 0; i < ta.order.size(); ++i) {
    CHECK(ta.graph.op_name(ta.order[i]) == tb.graph.op_name(tb.order[i]));
    CHECK(names(ta.graph, ta.graph.inputs(ta.order[i])) ==
          names(tb.graph, tb.graph.inputs(tb.order[i])));
    CHECK(names(ta.graph, ta.graph.updates(ta.order[i])) ==
          names(tb.graph, tb.graph.updates(tb.order[i])));
  }
  const Prediction pa = predict(d.problem, uniform, 120, 0);
  const Prediction pb = predict(d.problem, split, 120, 0);
  CHECK(pa.tiles == pb.tiles);
  CHECK(pa.working_set == pb.working_set);
}

TEST_CASE("the auto tiler splits a product that no single tile shape fits well",
          "[tiling][split]") {
  // C (1024 x 1024) = A . B, K = 1024, fp16, a 1 MiB cache (S = 512 Ki elements, sqrt(S) =
  // 724). One tile shape: a T_m x T_n grid of output tiles reads A T_n times and B T_m times,
  // (T_m + T_n + 1) M^2 elements, and an output tile with its k slabs must fit S, so T_m T_n
  // >= 3: at best 5 M^2 = 5,242,880 elements = 10 MiB. Two shapes do better: e.g. a 1024 x 400
  // column strip, then the other 624 columns in two 512-row tiles, read A twice and B
  // (400 + 2 * 624) / 1024 times: 4,833,280 elements.
  const ScenarioSpec spec = parse_scenario_text(R"([hardware.cache]
capacity = "1 MiB"
[hardware.dram]
bandwidth = "768 GB/s"
[hardware.compute]
throughput = "38.7 TFLOP/s"
[model]
batch = 1024
input = 1024
dtype = "fp16"
layers = [{ type = "dense", out = 1024 }]
)",
                                                "s.toml", {});
  const ModelTiling mt = plan_model_tiling(spec);
  const OpTilingDecision& d = decision(mt, "dense1.forward");
  const TilingChoice uniform = choose_uniform_tiling(d.problem, {1 << 20, 0});
  CHECK(uniform.prediction.traffic() == 5 * 1024 * 1024 * 2);
  REQUIRE(d.cut);
  CHECK(d.tiling.split());
  // At least 1/32 less than the best single shape, within 1.25 x (2 M N K / sqrt(S) + M N) =
  // 1.25 x 4,014,396 elements, and more than the compulsory 3 M^2.
  CHECK(d.prediction.traffic() <= uniform.prediction.traffic() / 32 * 31);
  CHECK(d.prediction.traffic() <= 1.25 * 4014396 * 2);
  CHECK(d.prediction.traffic() > 3 * 1024 * 1024 * 2);
  // Each part fits the cache on its own.
  for (int part : {0, 1}) {
    const Prediction p =
        predict(part_problem(d.problem, d.tiling, part), part_tiling(d.tiling, part), 1 << 20, 0);
    CHECK(p.fits);
  }
}

TEST_CASE("random layers whose tiler splits them run and verify", "[tiling][split][random]") {
  // Dense layers and convolutions of random shapes on caches of a third to a twelfth of their
  // working set, inference and training: whatever the auto tiler picks, split or not, the
  // tiling pass covers every block (it throws otherwise), the verifier accepts the run
  // (run_simulation throws otherwise), and every tensor read from DRAM is loaded at least once.
  // (1,500 cases, 80 of them split, passed once by hand; the suite keeps 60.)
  std::mt19937 rng(11);
  const auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  int splits = 0;
  for (int i = 0; i < 60; ++i) {
    std::string model;
    std::uint64_t bytes = 0;
    const bool fp16 = pick(0, 1) == 1;
    const int e = fp16 ? 2 : 4;
    if (i % 2 == 0) {
      const int m = pick(8, 200), n = pick(8, 200), k = pick(8, 200);
      model = "batch = " + std::to_string(m) + "\ninput = " + std::to_string(k) +
              "\nlayers = [{ type = \"dense\", out = " + std::to_string(n) + " }]\n";
      bytes = static_cast<std::uint64_t>(e) * (m * k + k * n + m * n);
    } else {
      const int n = pick(1, 8), c = pick(2, 24), k = pick(2, 24), h = pick(8, 24);
      model = "batch = " + std::to_string(n) + "\ninput = [" + std::to_string(c) + ", " +
              std::to_string(h) + ", " + std::to_string(h) +
              "]\nlayers = [{ type = \"conv2d\", out = " + std::to_string(k) +
              ", kernel = 3, padding = 1 }]\n";
      bytes = static_cast<std::uint64_t>(e) * (n * c * h * h + k * c * 9 + n * k * h * h);
    }
    // At least 4 KiB, so that some tile of every op fits (a 3x3 kernel's slab and halo rows).
    const std::uint64_t capacity =
        std::max<std::uint64_t>(4096, bytes / static_cast<std::uint64_t>(pick(3, 12)));
    const std::string kind = pick(0, 1) ? "training" : "inference";
    const std::string text = byte_hardware(std::to_string(capacity) + " B") +
                             "[schedule]\nkind = \"" + kind + "\"\n[model]\ndtype = \"" +
                             (fp16 ? "fp16" : "fp32") + "\"\n" + model;
    INFO(text);
    const ScenarioSpec spec = parse_scenario_text(text, "s.toml", {});
    for (const OpTilingDecision& d : plan_model_tiling(spec).plan.ops)
      splits += d.tiling.split() ? 1 : 0;
    const Simulation sim = load_text(text);
    const RunResult r = run_simulation(sim);
    CHECK(r.counts.load_bytes >= initial_bytes_read(sim));
    CHECK(r.counts.peak_cache_bytes <= capacity);
  }
  CHECK(splits > 0);  // the sample does exercise split tilings
}
