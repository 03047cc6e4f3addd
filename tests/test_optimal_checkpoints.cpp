// `[schedule] checkpoint = "optimal"`: the kept activations that fit the DRAM at the least
// recompute (policies/generators/optimal_checkpoints.h), derived by hand on a small chain and
// checked against every kept set on others.
#include <catch2/catch.hpp>

#include "policies/generators/optimal_checkpoints.h"
#include "policies/models/layer_graph_builder.h"
#include "sim/core/liveness.h"
#include "support/scenario_text.h"

using namespace memsim;
using memsim::test::load_text;

namespace {

// Uniform mode (every tensor one unit, so live bytes count tensors); four dense layers with
// out = 16, 4, 32, 8 from 8 input features, batch 1, a separate loss, no optimizer.
const std::string kChain = R"([hardware.cache]
capacity = "8 tensors"
[hardware.dram]
capacity = "10 B"
[model]
batch = 1
input = 8
layers = [{ type = "dense", out = 16 }, { type = "dense", out = 4 },
          { type = "dense", out = 32 }, { type = "dense", out = 8 }]
[schedule]
kind = "training"
loss = "separate"
checkpoint = "optimal"
)";

}  // namespace

TEST_CASE("checkpoint optimal: the cheapest activation to recompute that fits the DRAM",
          "[training][checkpoint]") {
  // Keeping everything, the ops run forward 1..4, the loss, then for layers 4..1 dW and dX
  // (none for layer 1). Live at the loss: W1..W4, X0, Y, X1..X4 and dX4 = 11 tensors;
  // everywhere else at most 10 (after the loss Y and X4 die and one gradient appears per op:
  // e.g. at layer 1's dW: W1..W4, X0, dX1, G1..G4 = 10). With a DRAM of 10 one of X1, X2, X3
  // must go (X4 is always kept), and dropping any one fits: X_j lives only until layer j+1's
  // forward, its recomputed copy from just before layer j+1's dW, where the count is 10 again.
  // Each dropped X_j costs layer j's forward FLOPs once: 2 * 8 * 16 = 256, 2 * 16 * 4 = 128,
  // 2 * 4 * 32 = 256. The optimum drops X2: 128 FLOPs.
  const Simulation sim = load_text(kChain);
  const RunResult r = run_simulation(sim);
  CHECK(r.liveness.peak_live_bytes == 10);
  CHECK(r.flops[static_cast<int>(OpPhase::recompute)] == 128);
  CHECK(sim.graph.find_op("dense2.recompute") != Graph::kNoOp);
  CHECK(sim.graph.find_op("dense1.recompute") == Graph::kNoOp);
  CHECK(sim.graph.find_op("dense3.recompute") == Graph::kNoOp);
  CHECK_FALSE(r.oom);

  // A DRAM of 11 holds everything: nothing is recomputed.
  const Simulation roomy = load_text(kChain, {"hardware.dram.capacity=\"11 B\""});
  const RunResult all = run_simulation(roomy);
  CHECK(all.liveness.peak_live_bytes == 11);
  CHECK(all.flops[static_cast<int>(OpPhase::recompute)] == 0);

  // No DRAM size given: no limit, nothing recomputed.
  std::string unlimited = kChain;
  unlimited.replace(unlimited.find("capacity = \"10 B\"\n"), 18, "bandwidth = \"1 GB/s\"\n");
  CHECK(run_simulation(load_text(unlimited)).flops[static_cast<int>(OpPhase::recompute)] == 0);
}

TEST_CASE("checkpoint optimal: every kept set compared on chains and a residual DAG",
          "[training][checkpoint]") {
  // Brute force over all 2^(n-1) kept sets with the same generator and liveness: the least
  // recompute FLOPs among the sets whose peak fits must be what the search returns.
  const auto check = [](const std::string& layers, const std::string& loss, std::uint64_t cap) {
    const std::string toml =
        "[hardware.cache]\ncapacity = \"64 tensors\"\n[model]\nbatch = 2\n"
        "input = 6\nlayers = [" +
        layers + "]\n[schedule]\nkind = \"training\"\nloss = \"" + loss + "\"\n";
    CHECK(load_text(toml).graph.op_count() > 0);  // the scenario is valid as written
    ScenarioSpec spec = parse_scenario_text(toml, "s.toml");
    const LayerGraph model = build_layer_graph(*spec.model);
    const std::size_t n = model.size();
    TrainingOptions options;
    options.fused_loss = loss == "fused";
    double best = -1;
    for (std::uint32_t mask = 0; mask < (1u << (n - 1)); ++mask) {
      std::vector<std::uint8_t> kept(n + 1, 1);
      for (std::size_t j = 1; j < n; ++j) kept[j] = (mask >> (j - 1)) & 1u;
      options.kept = kept;
      const GeneratedSchedule s = generate_training_graph(model, options, true);
      if (analyze_liveness(s.graph, s.order).peak_live_bytes > cap) continue;
      double flops = 0;
      for (OpId o = 0; o < s.graph.op_count(); ++o)
        if (s.graph.op(o).phase == OpPhase::recompute) flops += s.graph.op(o).flops;
      if (best < 0 || flops < best) best = flops;
    }
    const OptimalCheckpoints found = optimal_checkpoints(model, options, true, cap);
    INFO(layers << " loss " << loss << " cap " << cap);
    CHECK(found.fits == (best >= 0));
    if (best >= 0) {
      CHECK(found.proven);
      CHECK(found.recompute_flops == best);
      CHECK(found.peak_live_bytes <= cap);
    }
  };
  const std::string chain =
      "{ type = \"dense\", out = 12 }, { type = \"dense\", out = 5 }, { type = \"dense\", out = 9 "
      "}, { type = \"dense\", out = 3 }, { type = \"dense\", out = 7 }, { type = \"dense\", out = "
      "4 }";
  const std::string residual =
      "{ type = \"dense\", out = 6, name = \"a\" }, { type = \"relu\", name = \"r\" }, "
      "{ type = \"dense\", out = 6, name = \"b\" }, { type = \"add\", inputs = [\"b\", \"a\"] }, "
      "{ type = \"dense\", out = 3 }";
  for (std::uint64_t cap = 10; cap <= 18; ++cap) {
    check(chain, "separate", cap);
    check(chain, "fused", cap);
    check(residual, "separate", cap);
  }
}
