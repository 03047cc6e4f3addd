// Mixed-precision training (schedule.master_weights, optimizer_dtype, grad_dtype): tensor sizes
// per parameter, the ZeRO paper's 16 bytes per parameter for bf16 compute with fp32 master
// weights and fp32 Adam state, peak live by kind, update FLOPs, and the keys' errors.
#include <catch2/catch.hpp>

#include "policies/models/model_info.h"
#include "sim/scenario/scenario_parse.h"
#include "support/scenario_text.h"

using namespace memsim;
using namespace memsim::test;

namespace {

// Dense 16 -> 32 -> 8, batch 4, no bias: P1 = 512, P2 = 256, P = 768 parameters.
const std::string kModel = R"([hardware.cache]
capacity = "1 GiB"
[hardware.dram]
bandwidth = "1 GB/s"
[hardware.compute]
throughput = "1 GFLOP/s"
[model]
batch = 4
dtype = "bf16"
input = 16
layers = [{ type = "dense", out = 32 }, { type = "dense", out = 8 }]
[schedule]
kind = "training"
optimizer = "adam"
)";

std::uint64_t bytes(const Graph& g, const char* name) {
  const TensorId t = g.find_tensor(name);
  REQUIRE(t != Graph::kNoTensor);
  return g.tensor(t).bytes;
}

}  // namespace

TEST_CASE("bf16 with fp32 master weights and fp32 Adam: 16 bytes per parameter", "[precision]") {
  // ZeRO (Rajbhandari et al. 2020), section 3.1: fp16/bf16 weights 2 B + gradients 2 B, fp32
  // master copy 4 B, momentum 4 B, variance 4 B = 16 B per parameter.
  const Simulation sim =
      load_text(kModel, {"schedule.master_weights=fp32", "schedule.optimizer_dtype=fp32"});
  const Graph& g = sim.graph;
  CHECK(bytes(g, "dense1.weight") == 512 * 2);
  CHECK(bytes(g, "dense1.weight.grad") == 512 * 2);
  CHECK(bytes(g, "dense1.weight.master") == 512 * 4);
  CHECK(bytes(g, "dense1.weight.m") == 512 * 4);
  CHECK(bytes(g, "dense1.weight.v") == 512 * 4);
  CHECK(bytes(g, "dense1.weight") + bytes(g, "dense1.weight.grad") +
            bytes(g, "dense1.weight.master") + bytes(g, "dense1.weight.m") +
            bytes(g, "dense1.weight.v") ==
        16 * 512);
  // The update reads G and updates W (written back from the master), P, M and V in place.
  const OpId upd = g.find_op("dense1.update");
  std::vector<std::string> updated;
  for (TensorId t : g.updates(upd)) updated.emplace_back(g.tensor_name(t));
  CHECK(updated == std::vector<std::string>{"dense1.weight", "dense1.weight.master",
                                            "dense1.weight.m", "dense1.weight.v"});
  CHECK(g.tensor(g.find_tensor("dense1.weight.master")).kind == TensorKind::optimizer_state);
  CHECK(g.tensor(g.find_tensor("dense1.weight.master")).required_output);
  // FLOPs: Adam's 14 per parameter on the master copy; the cast back to bf16 counts none.
  const RunResult r = run_simulation(sim);
  CHECK(r.flops[2] == 14.0 * 768);
  // After backward (the default), every gradient is live at bwdW1: weights 2P, gradients 2P
  // plus dX1 (4 * 32 * 2 B), optimizer 12P; inputs X0 4 * 16 * 2.
  CHECK(r.liveness.peak_by_kind[int(TensorKind::weight)] == 2 * 768);
  CHECK(r.liveness.peak_by_kind[int(TensorKind::optimizer_state)] == 12 * 768);
  CHECK(r.liveness.peak_by_kind[int(TensorKind::gradient)] == 2 * 768 + 4 * 32 * 2);
  SECTION("memsim info reports the bytes per parameter") {
    const ScenarioSpec spec = parse_scenario_text(
        kModel, "s.toml", std::vector<std::string>{"schedule.master_weights=fp32"});
    const ModelInfo info = describe_model(spec);
    CHECK(info.per_param.weights == 2);
    CHECK(info.per_param.gradients == 2);
    CHECK(info.per_param.master == 4);
    CHECK(info.per_param.optimizer == 8);  // M and V in the master's dtype by default
    CHECK(info.per_param.total() == 16);
  }
}

TEST_CASE("precision defaults and overrides", "[precision]") {
  SECTION("no master: gradients and state in the model's dtype, no P tensors") {
    const Graph g = load_text(kModel).graph;
    CHECK(bytes(g, "dense1.weight.grad") == 512 * 2);
    CHECK(bytes(g, "dense1.weight.m") == 512 * 2);
    CHECK(g.find_tensor("dense1.weight.master") == Graph::kNoTensor);
  }
  SECTION("grad_dtype fp32 and optimizer_dtype bf16 with an fp32 master") {
    const Graph g = load_text(kModel, {"schedule.master_weights=fp32", "schedule.grad_dtype=fp32",
                                       "schedule.optimizer_dtype=bf16"})
                        .graph;
    CHECK(bytes(g, "dense2.weight.grad") == 256 * 4);
    CHECK(bytes(g, "dense2.weight.master") == 256 * 4);
    CHECK(bytes(g, "dense2.weight.m") == 256 * 2);
  }
}

TEST_CASE("precision keys: exact errors", "[precision][errors]") {
  CHECK(load_error(kModel + "master_weights = \"fp64\"\n") ==
        "s.toml:15:18: schedule.master_weights: unknown dtype 'fp64'; expected none, fp32, fp16, "
        "bf16 or fp8");
  CHECK(load_error(kModel + "grad_dtype = \"int8\"\n") ==
        "s.toml:15:14: schedule.grad_dtype: unknown dtype 'int8'; expected fp32, fp16, bf16 or "
        "fp8");
  std::string inference = kModel;
  inference.replace(inference.find("kind = \"training\"\noptimizer = \"adam\"\n"), 37,
                    "kind = \"inference\"\n");
  CHECK(load_error(inference + "optimizer_dtype = \"fp32\"\n") ==
        "s.toml:14:19: schedule.optimizer_dtype: applies to kind = \"training\"; this schedule's "
        "kind is \"inference\"");
}
