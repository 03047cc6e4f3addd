// The tiling pass (policies/tiling/tiling_pass.h; docs/model.md "Tiled execution"): blocks at
// the common refinement of every region, names, the first-write / update rule, the epilogue of
// a required output, FLOPs by share, the roll-up map, and a halo block counted every time it
// moves. Every expected list and count is derived by hand in the comments.
#include <catch2/catch.hpp>
#include <map>

#include "policies/solver/solver.h"
#include "support/graph_names.h"
#include "support/load_counter.h"
#include "support/scenario_text.h"

using namespace memsim;
using namespace memsim::test;

namespace {

// A dense layer, batch 4, 6 inputs, 4 outputs, no bias, fp32, tiled m = 2, k = 3 (n whole).
const std::string kDense = R"([model]
batch = 4
input = 6
layers = [{ type = "dense", out = 4, tiles = { m = 2, k = 3, order = "mk" } }]
)";

}  // namespace

TEST_CASE("a tiled dense layer: blocks, names, partial sums and the epilogue", "[tiling][pass]") {
  const Simulation sim = load_text(byte_hardware("1 KiB") + kDense);
  const Graph& g = sim.graph;
  // Tiles in loop order m, k: (m0,k0) (m0,k1) (m1,k0) (m1,k1). Y = input . W is the required
  // output and two k tiles write each of its rows: partial sums go to dense1[.tile<k>].out.partial
  // and an epilogue writes each block once its last tile is done. The epilogue cuts each tile's
  // 2 rows of Y into 2 pieces (kEpiloguePieces, at most the region's length): Y's blocks are its
  // 4 rows.
  Names ops;
  for (OpId o : sim.order) ops.push_back(g.op_name(o));
  CHECK(ops == Names{"dense1.tile0.forward", "dense1.tile1.forward", "dense1.tile0.epilogue",
                     "dense1.tile1.epilogue", "dense1.tile2.forward", "dense1.tile3.forward",
                     "dense1.tile2.epilogue", "dense1.tile3.epilogue"});
  // The input (4 x 6) is cut at rows 2 and columns 3: 4 blocks of 2 x 3 floats (24 B), row-major;
  // the weight (6 x 4) at row 3: 2 blocks of 48 B.
  for (int k = 0; k < 4; ++k)
    CHECK(g.tensor(g.find_tensor("input.tile" + std::to_string(k))).bytes == 24);
  CHECK(g.tensor(g.find_tensor("dense1.tile1.weight")).bytes == 48);
  CHECK(g.find_tensor("input") == Graph::kNoTensor);  // split tensors keep no whole copy
  const auto op = [&](const std::string& n) { return g.find_op(n); };
  // Operand order: the forward op reads its weight, then its input.
  CHECK(names(g, g.inputs(op("dense1.tile0.forward"))) ==
        Names{"dense1.tile0.weight", "input.tile0"});
  CHECK(names(g, g.outputs(op("dense1.tile0.forward"))) ==
        Names{"dense1.tile0.out.partial", "dense1.tile1.out.partial"});
  CHECK(names(g, g.inputs(op("dense1.tile1.forward"))) ==
        Names{"dense1.tile1.weight", "input.tile1"});
  CHECK(g.outputs(op("dense1.tile1.forward")).empty());
  CHECK(names(g, g.updates(op("dense1.tile1.forward"))) ==
        Names{"dense1.tile0.out.partial", "dense1.tile1.out.partial"});
  CHECK(names(g, g.inputs(op("dense1.tile2.forward"))) ==
        Names{"dense1.tile0.weight", "input.tile2"});
  CHECK(names(g, g.inputs(op("dense1.tile3.epilogue"))) == Names{"dense1.tile3.out.partial"});
  CHECK(names(g, g.outputs(op("dense1.tile3.epilogue"))) == Names{"dense1.tile3.out"});
  CHECK(g.tensor(g.find_tensor("dense1.tile3.out")).required_output);
  CHECK_FALSE(g.tensor(g.find_tensor("dense1.tile3.out.partial")).required_output);
  // FLOPs: 2 * 4 * 6 * 4 = 192 in all, a quarter per tile op, none for an epilogue.
  CHECK(g.op(op("dense1.tile2.forward")).flops == 48);
  CHECK(g.op(op("dense1.tile2.epilogue")).flops == 0);
  // Roll-up: every op comes from dense1.forward, every block from its tensor.
  REQUIRE(sim.tiling);
  for (OpId o = 0; o < g.op_count(); ++o)
    CHECK(sim.tiling->op_names[sim.tiling->op_origin[o]] == "dense1.forward");
  CHECK(sim.tiling->tensor_names[sim.tiling->tensor_origin[g.find_tensor("input.tile2")]] ==
        "input");
  CHECK(sim.tiling
            ->tensor_names[sim.tiling->tensor_origin[g.find_tensor("dense1.tile1.out.partial")]] ==
        "dense1.out");
  // With everything fitting, each block moves once: loads 96 B of input and 96 B of weight;
  // stores each row of Y once (64 B); partial sums die in the cache.
  const RunResult r = run_simulation(sim);
  CHECK(r.counts.load_bytes == 192);
  CHECK(r.counts.store_bytes == 64);
  CHECK(r.flops[0] == 192);
}

TEST_CASE("an output that is not required takes partial sums in place", "[tiling][pass]") {
  // dense1 (batch 2, 6 -> 4) cut along k = 3 feeds dense2: its output is written by the first k
  // tile and updated by the second, one block (nothing cuts it).
  const Simulation sim = load_text(byte_hardware("1 KiB") + R"([model]
batch = 2
input = 6
layers = [{ type = "dense", out = 4, tiles = { k = 3 } }, { type = "dense", out = 2 }]
)");
  const Graph& g = sim.graph;
  CHECK(names(g, g.outputs(g.find_op("dense1.tile0.forward"))) == Names{"dense1.out"});
  CHECK(names(g, g.updates(g.find_op("dense1.tile1.forward"))) == Names{"dense1.out"});
  CHECK(g.find_tensor("dense1.out.partial") == Graph::kNoTensor);
  CHECK(g.find_op("dense2.forward") != Graph::kNoOp);  // not cut: keeps its name
}

TEST_CASE("halo blocks are read by both neighbours and move again when evicted between",
          "[tiling][pass]") {
  // A 3x1 convolution, padding 1, over one 12-row channel (fp32), 2 output channels, tiled
  // k = 1, p = 4 in order k, p: tiles (k0,p0) (k0,p1) (k0,p2) (k1,p0) (k1,p1) (k1,p2).
  // Input rows read: p0 [0,5), p1 [3,9), p2 [7,12) -> cuts 0 3 5 7 9 12 -> blocks
  // b0 [0,3) 12 B, b1 [3,5) 8 B (halo of p0|p1), b2 [5,7) 8 B, b3 [7,9) 8 B (halo of p1|p2),
  // b4 [9,12) 12 B. The weight (2 x 3 floats) is cut by k: 12 B each. The output (2 x 12 rows)
  // has one block per tile: 4 rows, 16 B.
  const std::string model = R"([model]
batch = 1
input = [1, 12, 1]
layers = [
  { type = "conv2d", name = "conv", out = 2, kernel = [3, 1], padding = [1, 0], tiles = { k = 1, p = 4, order = "kp" } },
]
)";
  const Simulation big = load_text(byte_hardware("1 KiB") + model);
  const Graph& g = big.graph;
  const std::vector<std::uint64_t> bytes{12, 8, 8, 8, 12};
  for (std::size_t k = 0; k < bytes.size(); ++k)
    CHECK(g.tensor(g.find_tensor("input.tile" + std::to_string(k))).bytes == bytes[k]);
  CHECK(names(g, g.inputs(g.find_op("conv.tile0.forward"))) ==
        Names{"conv.tile0.weight", "input.tile0", "input.tile1"});
  CHECK(names(g, g.inputs(g.find_op("conv.tile1.forward"))) ==
        Names{"conv.tile0.weight", "input.tile1", "input.tile2", "input.tile3"});
  CHECK(names(g, g.inputs(g.find_op("conv.tile5.forward"))) ==
        Names{"conv.tile1.weight", "input.tile3", "input.tile4"});
  CHECK(names(g, g.outputs(g.find_op("conv.tile4.forward"))) == Names{"conv.tile4.out"});
  // A cache that holds everything: the input (48 B) and weight (24 B) load once; the six
  // output blocks are stored once (96 B).
  const RunResult all = run_simulation(big);
  CHECK(all.counts.load_bytes == 72);
  CHECK(all.counts.store_bytes == 96);
  // A cache of 52 B, the largest tile (p1: 24 + 12 + 16). LRU (touches in operand order:
  // weight, input blocks, output):
  //   (k0,p0) loads W0 b0 b1 (32 B). (k0,p1) loads b2 (evicting b0), b3 (12+8 B free after),
  //   and evicts the stored output block for its own. (k0,p2) loads b4, evicting b1 and b2.
  //   (k1,p0) loads W1 (evicting W0), b0 (evicting b3), b1 (evicting b4): the halo b1 moves
  //   again. (k1,p1) loads b2, b3 (b0 died after (k1,p0)). (k1,p2) loads b4.
  //   Loads: 32 + 16 + 12 + 32 + 16 + 12 = 120 B; each halo block moved twice.
  LoadCounter counter;
  const Simulation small = load_text(byte_hardware("52 B") + model);
  counter.g = &small.graph;
  const RunResult r = run_simulation(small, &counter);
  CHECK(r.counts.load_bytes == 120);
  CHECK(r.counts.loads == 12);
  CHECK(r.counts.store_bytes == 96);
  CHECK(counter.loads["input.tile1"] == 2);
  CHECK(counter.loads["input.tile3"] == 2);
  CHECK(counter.loads["conv.tile0.weight"] == 1);
}

TEST_CASE("a strided convolution's blocks cover every input row", "[tiling][pass]") {
  // 1x1 stride 2 over 8 rows, tiled p = 2: the tiles read rows [0, 4) and [4, 8) (region
  // rules), so its input splits in two blocks of 4 rows and every row belongs to one.
  const Simulation sim = load_text(byte_hardware("1 KiB") + R"([model]
batch = 1
input = [1, 8, 1]
layers = [{ type = "conv2d", name = "c", out = 1, kernel = 1, stride = [2, 1], tiles = { p = 2 } }]
)");
  CHECK(sim.graph.tensor(sim.graph.find_tensor("input.tile0")).bytes == 16);
  CHECK(sim.graph.tensor(sim.graph.find_tensor("input.tile1")).bytes == 16);
  CHECK(sim.graph.find_tensor("input.tile2") == Graph::kNoTensor);
}

TEST_CASE("the exact solver plans a tiled graph like any other", "[tiling][pass][solver]") {
  // The tiled dense layer above: 8 ops over 14 blocks. Working sets: a forward tile reads a
  // weight block (3 x 4 floats, 48 B) and an input block (2 x 3, 24 B) and writes or updates
  // two partial rows (16 B each): 104 B; an epilogue 32 B.
  const Simulation sim = load_text(byte_hardware("1 KiB") + kDense);
  const Graph& g = sim.graph;
  // 1 KiB holds everything: each of the 6 blocks read from DRAM is loaded once (4 input, 2
  // weight) and each of the 4 rows of Y stored once: 10 moves, the compulsory minimum.
  const SolveResult roomy = solve(g, 1024);
  CHECK(roomy.optimal);
  CHECK(roomy.cost == 10);
  // 120 B is the least this tiling accepts (§16: a tile's working set, 104 B, plus room for
  // an epilogue piece, 16 B). tile1 needs W1 and I1 (72 B) beside the two partial rows with 16
  // B free, so W0 and I0 must go (a partial could go instead only by a store and a reload, 2
  // moves); tile2 (m1, k0) needs 104 B again and W1 (48 B) cannot stay beside it, so tile3
  // reloads W1 as tile2 reloads W0: loads W0 I0 W1 I1 W0 I2 W1 I3 = 8, plus the 4 stores of Y:
  // 12 moves.
  const SolveResult tight = solve(g, 120);
  CHECK(tight.optimal);
  CHECK(tight.cost == 12);
  CHECK(tight.counts.loads == 8);
  CHECK(tight.counts.stores == 4);
  // The executor's LRU run at 120 B moves the same 8 loads (288 B) and 4 stores (64 B).
  const Simulation small = load_text(byte_hardware("120 B") + kDense);
  const RunResult r = run_simulation(small);
  CHECK(r.counts.loads == 8);
  CHECK(r.counts.load_bytes == 288);
  CHECK(r.counts.stores == 4);
  CHECK(r.counts.store_bytes == 64);
}
