// Tiling in training (docs/model.md "Tiled execution"): a layer's forward, recompute, dL/dW
// and dL/dX ops are cut over the same loop nest; a reduction over the batch in dL/dW goes
// through partial sums and an epilogue, dL/dX's overlapping halos are updates, and every tile
// op, epilogue and block rolls up to its layer and phase. Every list and count is derived by
// hand in the comments from §16's rules.
#include <catch2/catch.hpp>

#include "sim/report/per_layer.h"
#include "support/graph_names.h"
#include "support/per_layer_run.h"
#include "support/scenario_text.h"

using namespace memsim;
using namespace memsim::test;

namespace {

// A training scenario; 1 KiB holds every tensor of both models below at once, so each block
// moves at most once.
std::string training(const std::string& schedule, const std::string& model) {
  return "[hardware.cache]\ncapacity = \"1 KiB\"\n[hardware.dram]\nbandwidth = \"1 GB/s\"\n"
         "[hardware.compute]\nthroughput = \"1 GFLOP/s\"\n[schedule]\nkind = \"training\"\n" +
         schedule + model;
}

Names op_names(const Simulation& sim) {
  Names out;
  for (OpId o : sim.order) out.push_back(sim.graph.op_name(o));
  return out;
}

// X0 (1 x 12 x 1 fp32, 48 B) -> act (relu) -> conv (3 x 1 kernel, padding 1, 1 -> 1 channel,
// tiles p = 4) -> head (1 x 1 conv) -> loss. checkpoint [1] keeps X1 (act's output); X2 (conv's)
// is freed after forward and recomputed for head's dL/dW.
const std::string kConv = R"([model]
batch = 1
input = [1, 12, 1]
layers = [
  { type = "relu", name = "act" },
  { type = "conv2d", name = "conv", out = 1, kernel = [3, 1], padding = [1, 0], tiles = { p = 4 } },
  { type = "conv2d", name = "head", out = 1, kernel = 1 },
]
)";

}  // namespace

TEST_CASE("a convolution's forward, recompute, dL/dW and dL/dX ops are all tiled",
          "[tiling][training]") {
  const Simulation sim = load_text(training("checkpoint = [1]\n", kConv));
  const Graph& g = sim.graph;
  // Tiles p0 [0,4) p1 [4,8) p2 [8,12). conv's dL/dW writes all of its 3-element weight gradient
  // in every tile (the reduction over p is cut) and the gradient is a required output: partial
  // sums, then after the last tile (p2) one epilogue per block; the refinement cuts each
  // tile's region of the gradient into min(16, 3) = 3 pieces along its first axis longer than
  // 1 (e: k = 1), so blocks 0, 1, 2 of 4 B each.
  CHECK(op_names(sim) == Names{"act.forward",
                               "conv.tile0.forward",
                               "conv.tile1.forward",
                               "conv.tile2.forward",
                               "head.forward",
                               "loss.dX",
                               "conv.tile0.recompute",
                               "conv.tile1.recompute",
                               "conv.tile2.recompute",
                               "head.dW",
                               "head.dX",
                               "conv.tile0.dW",
                               "conv.tile1.dW",
                               "conv.tile2.dW",
                               "conv.tile0.epilogue",
                               "conv.tile1.epilogue",
                               "conv.tile2.epilogue",
                               "conv.tile0.dX",
                               "conv.tile1.dX",
                               "conv.tile2.dX"});
  // Input rows a tile touches (h = p + r - 1, r in 0..2, head/tail rules): p0 [0,5), p1 [3,9),
  // p2 [7,12): X1 and its gradient are cut at 0 3 5 7 9 12 -> blocks of 3 2 2 2 3 rows.
  const std::vector<std::uint64_t> rows{3, 2, 2, 2, 3};
  for (std::size_t k = 0; k < rows.size(); ++k) {
    CHECK(g.tensor(g.find_tensor("act.tile" + std::to_string(k) + ".out")).bytes == 4 * rows[k]);
    CHECK(g.tensor(g.find_tensor("act.tile" + std::to_string(k) + ".out.grad")).bytes ==
          4 * rows[k]);
  }
  // The recompute is the forward over the kept X1, writing conv's recomputed output (4 rows a
  // tile); the weight (k = 1 whole, e = 3 whole) is one block and keeps its name.
  const auto op = [&](const std::string& n) {
    const OpId id = g.find_op(n);
    REQUIRE(id != Graph::kNoOp);
    return id;
  };
  CHECK(names(g, g.inputs(op("conv.tile1.recompute"))) ==
        Names{"conv.weight", "act.tile1.out", "act.tile2.out", "act.tile3.out"});
  CHECK(names(g, g.outputs(op("conv.tile1.recompute"))) == Names{"conv.tile1.out.recomputed"});
  CHECK(g.tensor(g.find_tensor("conv.tile1.out.recomputed")).bytes == 16);
  // dL/dW reads dL/dY's rows of its tile, then the input rows; the first tile writes the three
  // partial blocks, the later ones update them; each epilogue moves one block to the gradient.
  CHECK(names(g, g.inputs(op("conv.tile1.dW"))) ==
        Names{"conv.tile1.out.grad", "act.tile1.out", "act.tile2.out", "act.tile3.out"});
  const Names partials{"conv.tile0.weight.grad.partial", "conv.tile1.weight.grad.partial",
                       "conv.tile2.weight.grad.partial"};
  CHECK(names(g, g.outputs(op("conv.tile0.dW"))) == partials);
  CHECK(g.outputs(op("conv.tile1.dW")).empty());
  CHECK(names(g, g.updates(op("conv.tile1.dW"))) == partials);
  CHECK(names(g, g.inputs(op("conv.tile2.epilogue"))) == Names{"conv.tile2.weight.grad.partial"});
  CHECK(names(g, g.outputs(op("conv.tile2.epilogue"))) == Names{"conv.tile2.weight.grad"});
  CHECK(g.tensor(g.find_tensor("conv.tile2.weight.grad")).bytes == 4);
  CHECK(g.tensor(g.find_tensor("conv.tile2.weight.grad")).required_output);
  // dL/dX reads the weight and dL/dY's rows, writes the input rows it touches first and
  // updates the halo its left neighbour already wrote (rows 3-4 for p1, 7-8 for p2). dL/dX1 is
  // not a required output: the sums stay in place, no partial copy.
  CHECK(names(g, g.inputs(op("conv.tile1.dX"))) == Names{"conv.weight", "conv.tile1.out.grad"});
  CHECK(names(g, g.outputs(op("conv.tile0.dX"))) ==
        Names{"act.tile0.out.grad", "act.tile1.out.grad"});
  CHECK(g.updates(op("conv.tile0.dX")).empty());
  CHECK(names(g, g.outputs(op("conv.tile1.dX"))) ==
        Names{"act.tile2.out.grad", "act.tile3.out.grad"});
  CHECK(names(g, g.updates(op("conv.tile1.dX"))) == Names{"act.tile1.out.grad"});
  CHECK(names(g, g.outputs(op("conv.tile2.dX"))) == Names{"act.tile4.out.grad"});
  CHECK(names(g, g.updates(op("conv.tile2.dX"))) == Names{"act.tile3.out.grad"});
  CHECK(g.find_tensor("act.tile1.out.grad.partial") == Graph::kNoTensor);
  // FLOPs: conv is 12 outputs x 3 multiply-adds = 72 per pass; a tile has 4 of the 12 rows.
  for (const char* role : {"forward", "recompute", "dW", "dX"})
    CHECK(g.op(op(std::string("conv.tile1.") + role)).flops == 24);
  CHECK(g.op(op("conv.tile1.epilogue")).flops == 0);

  const Accounted a = account(sim);
  // Everything fits 1 KiB: loads are the inputs once (X0 48, conv's weight 12, head's 4, the
  // label 48 = 112 B); stores the two weight gradients once (12 + 4 = 16 B).
  CHECK(a.result.counts.load_bytes == 112);
  CHECK(a.result.counts.store_bytes == 16);
  // FLOPs by phase: forward act 12 + conv 72 + head 24 = 108; backward loss 12 + head dW 24 +
  // head dX 24 + conv dW 72 + conv dX 72 = 204; recompute conv 72.
  CHECK(a.result.flops[0] == 108);
  CHECK(a.result.flops[1] == 204);
  CHECK(a.result.flops[3] == 72);
  // Roll-up to the layer: conv's rows count its tile ops by phase, the epilogues with the
  // dL/dW they complete (backward: 3 dW + 3 epilogues + 3 dX), 3 distinct tiles in each.
  const LayerPhaseRow& fwd = row(sim, a.report, "conv", OpPhase::forward);
  CHECK(fwd.ops == 3);
  CHECK(fwd.tiles == 3);
  CHECK(fwd.flops == 72);
  const LayerPhaseRow& bwd = row(sim, a.report, "conv", OpPhase::backward);
  CHECK(bwd.ops == 9);
  CHECK(bwd.tiles == 3);
  CHECK(bwd.flops == 144);
  CHECK(bwd.store_bytes == 12);  // the weight gradient's three blocks
  const LayerPhaseRow& rec = row(sim, a.report, "conv", OpPhase::recompute);
  CHECK(rec.ops == 3);
  CHECK(rec.tiles == 3);
  CHECK(rec.flops == 72);
}

TEST_CASE("a dense layer's dL/dW sums over batch tiles, its dL/dX writes each block once",
          "[tiling][training]") {
  // dense1 (batch 4, 6 -> 4, not cut) -> dense2 (4 -> 2, tiles m = 2, k = 2, order m k) -> loss.
  // fp32, no bias. Tiles (m, k): 0 = (0,0), 1 = (0,1), 2 = (1,0), 3 = (1,1).
  const Simulation sim = load_text(training("", R"([model]
batch = 4
input = 6
layers = [{ type = "dense", out = 4 }, { type = "dense", out = 2, tiles = { m = 2, k = 2, order = "mk" } }]
)"));
  const Graph& g = sim.graph;
  // dL/dW of dense2 (4 x 2 floats) reduces over the batch m: rows k0 are written by tiles 0
  // and 2, rows k1 by 1 and 3. Each tile's 2 rows are cut into 2 pieces (blocks of 1 row, 8 B),
  // whose epilogues follow the last tile that writes them. dL/dX writes dL/dX1 (4 x 4), cut at
  // row 2 and column 2, one block per tile: no reduction is cut (n is whole), no partial.
  CHECK(op_names(sim) == Names{"dense1.forward", "dense2.tile0.forward", "dense2.tile1.forward",
                               "dense2.tile2.forward", "dense2.tile3.forward", "loss.dX",
                               "dense2.tile0.dW", "dense2.tile1.dW", "dense2.tile2.dW",
                               "dense2.tile0.epilogue", "dense2.tile1.epilogue", "dense2.tile3.dW",
                               "dense2.tile2.epilogue", "dense2.tile3.epilogue", "dense2.tile0.dX",
                               "dense2.tile1.dX", "dense2.tile2.dX", "dense2.tile3.dX",
                               "dense1.dW"});
  const auto op = [&](const std::string& n) {
    const OpId id = g.find_op(n);
    REQUIRE(id != Graph::kNoOp);
    return id;
  };
  // dL/dW tile 2 = (m1, k0): dL/dY's rows 2-3 (loss gradient, 4 x 2, cut at row 2: 16 B
  // blocks), X1's block (rows 2-3, columns 0-1); it updates partial blocks 0 and 1.
  CHECK(names(g, g.inputs(op("dense2.tile2.dW"))) ==
        Names{"dense2.tile1.out.grad", "dense1.tile2.out"});
  CHECK(names(g, g.updates(op("dense2.tile2.dW"))) ==
        Names{"dense2.tile0.weight.grad.partial", "dense2.tile1.weight.grad.partial"});
  CHECK(names(g, g.outputs(op("dense2.tile1.dW"))) ==
        Names{"dense2.tile2.weight.grad.partial", "dense2.tile3.weight.grad.partial"});
  CHECK(g.tensor(g.find_tensor("dense2.tile3.weight.grad")).bytes == 8);
  // dL/dX tile 1 = (m0, k1): the weight's rows 2-3 (16 B), dL/dY's rows 0-1, and writes
  // dL/dX1's block (rows 0-1, columns 2-3), row-major block 1.
  CHECK(names(g, g.inputs(op("dense2.tile1.dX"))) ==
        Names{"dense2.tile1.weight", "dense2.tile0.out.grad"});
  CHECK(names(g, g.outputs(op("dense2.tile1.dX"))) == Names{"dense1.tile1.out.grad"});
  CHECK(g.updates(op("dense2.tile1.dX")).empty());
  CHECK(g.tensor(g.find_tensor("dense1.tile1.out.grad")).bytes == 16);
  // dense1's dL/dW is not cut: it reads all four blocks of dL/dX1 and the whole input.
  CHECK(names(g, g.inputs(op("dense1.dW"))) ==
        Names{"dense1.tile0.out.grad", "dense1.tile1.out.grad", "dense1.tile2.out.grad",
              "dense1.tile3.out.grad", "input"});
  // FLOPs: dense2 is 2 x 4 x 4 x 2 = 64 per pass (forward, dL/dW, dL/dX), a quarter per tile.
  for (const char* role : {"forward", "dW", "dX"})
    CHECK(g.op(op(std::string("dense2.tile3.") + role)).flops == 16);

  const Accounted a = account(sim);
  // Loads: dense1's weight (6 x 4: 96 B), the input (4 x 6: 96 B), dense2's weight (32 B), the
  // label (4 x 2: 32 B) = 256 B. Stores: the weight gradients, 96 + 32 = 128 B.
  CHECK(a.result.counts.load_bytes == 256);
  CHECK(a.result.counts.store_bytes == 128);
  // dense2's backward row: 4 dW + 4 epilogues + 4 dX, 4 tiles, 128 FLOPs, the 32 B gradient.
  const LayerPhaseRow& bwd = row(sim, a.report, "dense2", OpPhase::backward);
  CHECK(bwd.ops == 12);
  CHECK(bwd.tiles == 4);
  CHECK(bwd.flops == 128);
  CHECK(bwd.store_bytes == 32);
  const LayerPhaseRow& fwd = row(sim, a.report, "dense2", OpPhase::forward);
  CHECK(fwd.ops == 4);
  CHECK(fwd.flops == 64);
}

TEST_CASE("what autograd saves is tiled with its layer: a dropout mask, max-pool indices",
          "[tiling][training]") {
  // X0 (1 x 8 x 1 fp32) -> act (relu) -> drop (dropout, tiles h = 4) -> pool (max-pool 2 x 1,
  // stride 2 x 1, tiles p = 2) -> head (1 x 1 conv) -> loss. Every layer's output is kept.
  const std::string model = R"([model]
batch = 1
input = [1, 8, 1]
layers = [
  { type = "relu", name = "act" },
  { type = "dropout", name = "drop", tiles = { h = 4 } },
  { type = "maxpool", name = "pool", kernel = [2, 1], stride = [2, 1], tiles = { p = 2 } },
  { type = "conv2d", name = "head", out = 1, kernel = 1 },
]
)";
  const Simulation sim = load_text(training("", model));
  const Graph& g = sim.graph;
  const auto op = [&](const std::string& n) {
    const OpId id = g.find_op(n);
    REQUIRE(id != Graph::kNoOp);
    return id;
  };
  // drop's two tiles, rows [0, 4) and [4, 8): each writes its rows of the output and of the
  // mask (one byte per element: 4 B a block), and its dL/dX reads the same rows of dL/dY and
  // of the mask (dropout saves only the mask) and writes those rows of act's gradient.
  CHECK(names(g, g.outputs(op("drop.tile1.forward"))) ==
        Names{"drop.tile1.out", "drop.tile1.mask"});
  CHECK(g.tensor(g.find_tensor("drop.tile1.mask")).bytes == 4);
  CHECK(g.tensor(g.find_tensor("drop.tile1.out")).bytes == 16);
  CHECK(names(g, g.inputs(op("drop.tile1.dX"))) == Names{"drop.tile1.out.grad", "drop.tile1.mask"});
  CHECK(names(g, g.outputs(op("drop.tile1.dX"))) == Names{"act.tile1.out.grad"});
  // pool: 4 output rows in tiles p [0, 2) and [2, 4) read input rows [0, 4) and [4, 8) (row
  // = 2p + r) — the same blocks as drop's — and write 2 output rows and their int64 indices
  // (2 x 8 B). Its dL/dX reads the input rows (max-pool saves its input) and the indices.
  CHECK(names(g, g.inputs(op("pool.tile0.forward"))) == Names{"drop.tile0.out"});
  CHECK(names(g, g.outputs(op("pool.tile0.forward"))) ==
        Names{"pool.tile0.out", "pool.tile0.indices"});
  CHECK(g.tensor(g.find_tensor("pool.tile0.indices")).bytes == 16);
  CHECK(names(g, g.inputs(op("pool.tile1.dX"))) ==
        Names{"pool.tile1.out.grad", "drop.tile1.out", "pool.tile1.indices"});
  CHECK(names(g, g.outputs(op("pool.tile1.dX"))) == Names{"drop.tile1.out.grad"});
}
