// Training schedules (policies/generators/training.h): the lecture's FLOP table, the order of
// forward / backward / update / recompute ops, checkpointing's peak and recompute cost derived
// by formula, optimizer state in peak live memory, fan-out gradients on a hand-made DAG, and
// every schedule accepted by the verifier under every policy and overlap.
#include <catch2/catch.hpp>
#include <cmath>

#include "policies/generators/optimizer_costs.h"
#include "policies/generators/training.h"
#include "policies/register_builtin.h"
#include "support/builders.h"
#include "support/scenario_text.h"

using namespace memsim;
using namespace memsim::test;

namespace {

const std::string kBigByteMachine = R"([hardware.cache]
capacity = "1 GiB"
[hardware.dram]
bandwidth = "768 GB/s"
[hardware.compute]
throughput = "38.7 TFLOP/s"
)";

// A [model] of dense layers with the given widths, batch and input features.
std::string dense_model(std::uint64_t batch, std::uint64_t input,
                        const std::vector<std::uint64_t>& widths) {
  std::string s = "[model]\nbatch = " + std::to_string(batch) +
                  "\ninput = " + std::to_string(input) + "\nlayers = [\n";
  for (std::uint64_t w : widths) s += "  { type = \"dense\", out = " + std::to_string(w) + " },\n";
  return s + "]\n";
}

std::string training_schedule(const std::string& loss, const std::string& optimizer,
                              const std::string& checkpoint,
                              const std::string& update = "after-backward") {
  return "[schedule]\nkind = \"training\"\nloss = \"" + loss + "\"\noptimizer = \"" + optimizer +
         "\"\ncheckpoint = " + checkpoint + "\nupdate = \"" + update + "\"\n";
}

std::vector<std::string> op_names(const Simulation& sim) {
  std::vector<std::string> names;
  for (OpId o : sim.order) names.emplace_back(sim.graph.op_name(o));
  return names;
}

std::vector<std::string> tensor_names(const Graph& g, std::span<const TensorId> ids) {
  std::vector<std::string> names;
  for (TensorId t : ids) names.emplace_back(g.tensor_name(t));
  return names;
}

using Names = std::vector<std::string>;

}  // namespace

TEST_CASE("the lecture's three-layer FLOP table, exactly", "[training][flops]") {
  // y^ = W3 s(W2 s(W1 X0)), X0: d x N, W1: h x d, W2: h x h, W3: k x h, no bias. Lecture table:
  //   forward  = 2hkN + 2h^2N + 2dhN
  //   backward = dL/dW3 2hkN + dL/dW2 2h^2N + dL/dW1 2dhN   (every layer)
  //            + dL/dX2 2hkN + dL/dX1 2h^2N                 (no dL/dX0)
  // With loss = "fused" (X3 is dL/dy^) nothing else is counted. d, h, k all differ so a
  // swapped dimension would show.
  const double d = 12, h = 20, k = 7, N = 5;
  const std::string model = dense_model(5, 12, {20, 20, 7});
  const Simulation sim =
      load_text(kBigByteMachine + model + training_schedule("fused", "none", "\"none\""));
  const RunResult r = run_simulation(sim);
  const double forward = 2 * N * (d * h + h * h + h * k);
  CHECK(r.flops[0] == forward);
  CHECK(r.flops[1] == forward + 2 * N * (h * h + h * k));
  CHECK(r.flops[2] == 0);  // optimizer none
  CHECK(r.flops[3] == 0);  // checkpoint none

  SECTION("a separate loss adds dL/dy^ = y^ - y: one subtraction per element of X3") {
    const RunResult s = run_simulation(
        load_text(kBigByteMachine + model + training_schedule("separate", "none", "\"none\"")));
    CHECK(s.flops[0] == forward);
    CHECK(s.flops[1] == forward + 2 * N * (h * h + h * k) + N * k);
  }
  SECTION("update FLOPs are the optimizer's per-parameter constant times P = dh + h^2 + hk") {
    // Constants derived in optimizer_costs.h: sgd theta -= a*g (2); momentum m = mu*m + g,
    // theta -= a*m (4); adam, Algorithm 1: m (3) + v (4) + m^ (1) + v^ (1) + theta (5) = 14.
    const double P = d * h + h * h + h * k;
    const auto [name, per_param] =
        GENERATE(table<std::string, double>({{"sgd", 2.0}, {"momentum", 4.0}, {"adam", 14.0}}));
    const RunResult u = run_simulation(
        load_text(kBigByteMachine + model + training_schedule("fused", name, "\"none\"")));
    CHECK(u.flops[2] == per_param * P);
    CHECK(u.flops[1] == forward + 2 * N * (h * h + h * k));  // the update is not backward work
  }
}

TEST_CASE("backward is about twice forward on a deep chain", "[training][flops]") {
  // n equal dense layers of width w: forward n * 2Nw^2; backward dW for n layers and dX for
  // n - 1, (2n - 1) * 2Nw^2. The ratio (2n - 1) / n = 63/32 for n = 32: the rule of thumb's 2x.
  std::vector<std::uint64_t> widths(32, 16);
  const RunResult r = run_simulation(load_text(kBigByteMachine + dense_model(8, 16, widths) +
                                               training_schedule("fused", "sgd", "\"none\"")));
  CHECK(r.flops[1] / r.flops[0] == Approx(63.0 / 32.0));
  CHECK(r.flops[1] / r.flops[0] > 1.9);
}

TEST_CASE("training ops run forward, loss, backward, then the updates", "[training][schedule]") {
  const std::string model = dense_model(4, 8, {8, 8, 8});
  SECTION("update = after-backward (the default): every update after the last backward op") {
    // loss.backward(); optimizer.step(): the step visits the parameters in layer order.
    const std::string schedule = "[schedule]\nkind = \"training\"\noptimizer = \"sgd\"\n";
    const Simulation sim = load_text(kBigByteMachine + model + schedule);
    CHECK(op_names(sim) == Names{"dense1.forward", "dense2.forward", "dense3.forward", "loss.dX",
                                 "dense3.dW", "dense3.dX", "dense2.dW", "dense2.dX", "dense1.dW",
                                 "dense1.update", "dense2.update", "dense3.update"});
  }
  SECTION("per-layer, separate loss, sgd: the update follows the layer's dX (old W)") {
    const Simulation sim = load_text(kBigByteMachine + model +
                                     training_schedule("separate", "sgd", "\"none\"", "per-layer"));
    CHECK(op_names(sim) == Names{"dense1.forward", "dense2.forward", "dense3.forward", "loss.dX",
                                 "dense3.dW", "dense3.dX", "dense3.update", "dense2.dW",
                                 "dense2.dX", "dense2.update", "dense1.dW", "dense1.update"});
    const Graph& g = sim.graph;
    CHECK(tensor_names(g, g.inputs(g.find_op("loss.dX"))) == Names{"dense3.out", "label"});
    CHECK(tensor_names(g, g.outputs(g.find_op("loss.dX"))) == Names{"dense3.out.grad"});
    CHECK(g.tensor(g.find_tensor("label")).kind == TensorKind::label);
    CHECK(g.tensor(g.find_tensor("label")).initial_in_dram);
    CHECK(g.tensor(g.find_tensor("label")).bytes == g.tensor(g.find_tensor("dense3.out")).bytes);
    CHECK(tensor_names(g, g.inputs(g.find_op("dense2.dW"))) ==
          Names{"dense2.out.grad", "dense1.out"});
    CHECK(tensor_names(g, g.outputs(g.find_op("dense2.dW"))) == Names{"dense2.weight.grad"});
    CHECK(tensor_names(g, g.inputs(g.find_op("dense2.dX"))) ==
          Names{"dense2.weight", "dense2.out.grad"});
    CHECK(tensor_names(g, g.outputs(g.find_op("dense2.dX"))) == Names{"dense1.out.grad"});
    CHECK(tensor_names(g, g.inputs(g.find_op("dense1.dW"))) == Names{"dense1.out.grad", "input"});
    CHECK(tensor_names(g, g.inputs(g.find_op("dense2.update"))) == Names{"dense2.weight.grad"});
    CHECK(tensor_names(g, g.updates(g.find_op("dense2.update"))) == Names{"dense2.weight"});
    CHECK(g.op(g.find_op("dense2.update")).phase == OpPhase::update);
    CHECK(g.op(g.find_op("dense2.dX")).phase == OpPhase::backward);
    // Updated weights are required outputs; gradients are not (they die after the update).
    CHECK(g.tensor(g.find_tensor("dense2.weight")).required_output);
    CHECK_FALSE(g.tensor(g.find_tensor("dense2.weight.grad")).required_output);
  }
  SECTION("fused loss, no optimizer: X3 is dL/dy^ and the gradients are required outputs") {
    const Simulation sim =
        load_text(kBigByteMachine + model + training_schedule("fused", "none", "\"none\""));
    CHECK(op_names(sim) == Names{"dense1.forward", "dense2.forward", "dense3.forward", "dense3.dW",
                                 "dense3.dX", "dense2.dW", "dense2.dX", "dense1.dW"});
    const Graph& g = sim.graph;
    CHECK(tensor_names(g, g.inputs(g.find_op("dense3.dW"))) == Names{"dense3.out", "dense2.out"});
    CHECK(g.find_tensor("label") == Graph::kNoTensor);
    for (const char* grad : {"dense1.weight.grad", "dense2.weight.grad", "dense3.weight.grad"})
      CHECK(g.tensor(g.find_tensor(grad)).required_output);
    CHECK_FALSE(
        g.tensor(g.find_tensor("dense1.weight")).required_output);  // unchanged, still in DRAM
  }
  SECTION("adam: state M and V start in DRAM, are updated in place and are required outputs") {
    const Simulation sim =
        load_text(kBigByteMachine + model + training_schedule("fused", "adam", "\"none\""));
    const Graph& g = sim.graph;
    CHECK(tensor_names(g, g.updates(g.find_op("dense1.update"))) ==
          Names{"dense1.weight", "dense1.weight.m", "dense1.weight.v"});
    for (const char* s : {"dense1.weight.m", "dense1.weight.v"}) {
      const Tensor& t = g.tensor(g.find_tensor(s));
      CHECK(t.kind == TensorKind::optimizer_state);
      CHECK(t.initial_in_dram);
      CHECK(t.required_output);
      CHECK(t.bytes == g.tensor(g.find_tensor("dense1.weight")).bytes);
    }
  }
}

TEST_CASE("checkpointing every:k on a chain: recompute order by segment",
          "[training][checkpoint]") {
  // n = 8, every:4: checkpoints X4 (and X0, X8). Backward of layer 8 needs X7: recompute the
  // segment above X4 (re5, re6, re7) first; layers 7..5 then read X6.re, X5.re and the
  // checkpoint X4; layer 4 needs X3: recompute re1..re3 from X0.
  std::vector<std::uint64_t> widths(8, 8);
  const Simulation sim = load_text(uniform_hardware(6) + dense_model(2, 8, widths) +
                                   training_schedule("fused", "sgd", "\"every:4\"", "per-layer"));
  CHECK(op_names(sim) ==
        Names{"dense1.forward",   "dense2.forward",   "dense3.forward",   "dense4.forward",
              "dense5.forward",   "dense6.forward",   "dense7.forward",   "dense8.forward",
              "dense5.recompute", "dense6.recompute", "dense7.recompute", "dense8.dW",
              "dense8.dX",        "dense8.update",    "dense7.dW",        "dense7.dX",
              "dense7.update",    "dense6.dW",        "dense6.dX",        "dense6.update",
              "dense5.dW",        "dense5.dX",        "dense5.update",    "dense1.recompute",
              "dense2.recompute", "dense3.recompute", "dense4.dW",        "dense4.dX",
              "dense4.update",    "dense3.dW",        "dense3.dX",        "dense3.update",
              "dense2.dW",        "dense2.dX",        "dense2.update",    "dense1.dW",
              "dense1.update"});
  const Graph& g = sim.graph;
  CHECK(tensor_names(g, g.inputs(g.find_op("dense5.recompute"))) ==
        Names{"dense5.weight", "dense4.out"});
  CHECK(tensor_names(g, g.inputs(g.find_op("dense6.recompute"))) ==
        Names{"dense6.weight", "dense5.out.recomputed"});
  CHECK(tensor_names(g, g.inputs(g.find_op("dense8.dW"))) ==
        Names{"dense8.out", "dense7.out.recomputed"});
  CHECK(tensor_names(g, g.inputs(g.find_op("dense5.dW"))) ==
        Names{"dense5.out.grad", "dense4.out"});
  CHECK(g.op(g.find_op("dense5.recompute")).phase == OpPhase::recompute);
}

TEST_CASE("checkpointing: peak live tensors and recompute FLOPs by formula",
          "[training][checkpoint]") {
  // update = "per-layer", so that gradients die at once and activations decide the peak (with
  // after-backward all n gradients are live at the end of backward; see the next test case).
  // Uniform mode counts tensors. A chain of n dense layers, fused loss, sgd, checkpoints
  // C = {k, 2k, ..., (q-1)k} with n = qk (X0 and Xn are always there). Live tensors:
  //   weights: n, always; X0: until bwdW1; a checkpoint X_c: until bwdW(c+1);
  //   a recomputed X_j.re: from re_j to bwdW(j+1); dX_i: bwdX(i+1) .. bwdX(i); G_i: bwdW_i ..
  //   upd_i.
  // At bwdW_n (after re_{(q-1)k+1} .. re_{n-1}): n weights + X0 + (q-1) checkpoints
  //   + (k-1) recomputed + X_n (= dX_n) + G_n = n + q + k + 1.
  // Lower segments hold fewer checkpoints below them, and the forward pass peaks at fwd_n with
  //   n + 1 (X0) + (q-1) + X_{n-1} + X_n <= n + q + k + 1, so the peak is n + q + k + 1, first
  //   reached at bwdW_n. Activations there (X0, checkpoints, recomputed, X_n): q + k, which is
  //   Chen et al.'s 2*sqrt(n) when k = sqrt(n).
  // Every non-checkpointed X_1..X_{n-1} is recomputed once: n - q recompute ops of 2*N*w^2.
  const std::uint64_t n = 16, w = 8, N = 2;
  const std::vector<std::uint64_t> widths(n, w);
  const auto [checkpoint, k] = GENERATE(table<std::string, std::uint64_t>({
      {"\"every:1\"", 1},
      {"\"every:2\"", 2},
      {"\"every:4\"", 4},
      {"\"every:8\"", 8},
      {"\"every:16\"", 16},
      {"\"sqrt\"", 4},  // round(sqrt(16)) = 4
      {"[4, 8, 12]", 4},
      {"\"none\"", 1},  // every activation is a checkpoint
  }));
  CAPTURE(checkpoint);
  const std::uint64_t q = n / k;
  const Simulation sim = load_text(uniform_hardware(6) + dense_model(N, w, widths) +
                                   training_schedule("fused", "sgd", checkpoint, "per-layer"));
  const RunResult r = run_simulation(sim);
  CHECK(r.liveness.peak_live_bytes == n + q + k + 1);
  CHECK(sim.graph.op_name(r.liveness.peak_op) == "dense" + std::to_string(n) + ".dW");
  const auto& by_kind = r.liveness.peak_by_kind;
  CHECK(by_kind[int(TensorKind::activation)] + by_kind[int(TensorKind::input)] == q + k);
  CHECK(r.flops[3] == double(n - q) * 2 * N * w * w);
  std::size_t recomputes = 0;
  for (OpId o = 0; o < sim.graph.op_count(); ++o)
    recomputes += sim.graph.op(o).phase == OpPhase::recompute;
  CHECK(recomputes == n - q);
}

TEST_CASE("sqrt on 25 layers keeps 2*sqrt(n) activations for one extra forward pass",
          "[training][checkpoint]") {
  // update = "per-layer", as in the formula above.
  // n = 25, k = 5, q = 5 (formula above): peak 25 + 5 + 5 + 1 = 36 tensors, 10 activations
  // (= 2 sqrt(25)); 20 of the 25 layers recomputed: flops_recompute = 20/25 of flops_forward.
  const std::vector<std::uint64_t> widths(25, 8);
  const RunResult r =
      run_simulation(load_text(uniform_hardware(6) + dense_model(2, 8, widths) +
                               training_schedule("fused", "sgd", "\"sqrt\"", "per-layer")));
  CHECK(r.liveness.peak_live_bytes == 36);
  CHECK(r.liveness.peak_by_kind[int(TensorKind::activation)] +
            r.liveness.peak_by_kind[int(TensorKind::input)] ==
        10);
  CHECK(r.flops[3] == Approx(r.flops[0] * 20.0 / 25.0));
}

TEST_CASE("update placement: peak live after-backward vs per-layer, derived by hand",
          "[training][update]") {
  // Dense 12 -> 20 -> 16 -> 7, batch 5, fp32, separate loss, sgd (no state). Bytes:
  //   X0 240, X1 400, X2 320, X3 140, Y 140, dX3 140, dX2 320, dX1 400
  //   W1 = G1 960, W2 = G2 1280, W3 = G3 448; weights 2688, always live.
  // A tensor is live from its producer (position 0 if it starts in DRAM) to its last use.
  // after-backward: fwd1 fwd2 fwd3 loss bwdW3 bwdX3 bwdW2 bwdX2 bwdW1 upd1 upd2 upd3
  //   fwd1  W + X0 + Y + X1                     = 2688 + 240 + 140 + 400   = 3468
  //   fwd2  + X2 320 = 3788; fwd3 + X3 140 = 3928; loss + dX3 140         = 4068
  //   bwdW3 - X3 - Y (last use: loss) + G3 448                             = 4236
  //   bwdX3 - X2 (last use: bwdW3) + dX2 320                               = 4236
  //   bwdW2 - dX3 + G2 1280                                                = 5376
  //   bwdX2 - X1 + dX1 400                                                 = 5376
  //   bwdW1 - dX2 + G1 960                                                 = 6016  <- peak
  //         = weights 2688 + gradients G1+G2+G3 2688 + X0 240 + dX1 400
  //   upd1  - X0 - dX1 = 5376; upd2 - G1 = 4416; upd3 - G2 = 3136
  // per-layer: fwd1 fwd2 fwd3 loss bwdW3 bwdX3 upd3 bwdW2 bwdX2 upd2 bwdW1 upd1
  //   up to bwdX3 as above (4236); upd3 - dX3 = 4096; bwdW2 - G3 + G2 = 4928  <- peak
  //   bwdX2 - X1 + dX1 = 4928; upd2 - dX2 = 4608; bwdW1 - G2 + G1 = 4288; upd1 3648
  //   at bwdW2: weights 2688 + G2 1280 + X0 240 + X1 400 + dX2 320
  const std::string model = dense_model(5, 12, {20, 16, 7});
  const RunResult after =
      run_simulation(load_text(kBigByteMachine + model +
                               training_schedule("separate", "sgd", "\"none\"", "after-backward")));
  const RunResult per_layer = run_simulation(load_text(
      kBigByteMachine + model + training_schedule("separate", "sgd", "\"none\"", "per-layer")));
  CHECK(after.liveness.peak_live_bytes == 6016);
  CHECK(after.liveness.peak_by_kind[int(TensorKind::gradient)] == 2688 + 400);
  CHECK(after.liveness.peak_by_kind[int(TensorKind::weight)] == 2688);
  CHECK(after.liveness.peak_by_kind[int(TensorKind::input)] == 240);
  CHECK(per_layer.liveness.peak_live_bytes == 4928);
  CHECK(per_layer.liveness.peak_by_kind[int(TensorKind::gradient)] == 1280 + 320);
  CHECK(per_layer.liveness.peak_by_kind[int(TensorKind::activation)] == 400);
  // Same ops, so the same FLOPs.
  CHECK(after.flops == per_layer.flops);
  SECTION("the default is after-backward") {
    const std::string schedule = "[schedule]\nkind = \"training\"\noptimizer = \"sgd\"\n";
    CHECK(run_simulation(load_text(kBigByteMachine + model + schedule)).liveness.peak_live_bytes ==
          6016);
  }
}

TEST_CASE("optimizer state: adam holds 2 x parameter bytes more than sgd, momentum 1 x",
          "[training][optimizer]") {
  // State tensors start in DRAM and stay live to the end (liveness.h); nothing else differs
  // between the three schedules (same ops, order and sizes), so at every op the live bytes
  // differ by exactly the state: momentum P * 4 B, adam 2 * P * 4 B (fp32).
  // P = 12*20 + 20*20 + 20*7 = 780 parameters.
  const std::uint64_t P = 12 * 20 + 20 * 20 + 20 * 7;
  const std::string model = dense_model(5, 12, {20, 20, 7});
  const auto run = [&](const std::string& optimizer) {
    return run_simulation(
        load_text(kBigByteMachine + model + training_schedule("separate", optimizer, "\"none\"")));
  };
  const RunResult sgd = run("sgd"), momentum = run("momentum"), adam = run("adam");
  const int state = int(TensorKind::optimizer_state);
  CHECK(sgd.liveness.peak_by_kind[state] == 0);
  CHECK(momentum.liveness.peak_by_kind[state] == P * 4);
  CHECK(adam.liveness.peak_by_kind[state] == 2 * P * 4);
  CHECK(momentum.liveness.peak_live_bytes - sgd.liveness.peak_live_bytes == P * 4);
  CHECK(adam.liveness.peak_live_bytes - sgd.liveness.peak_live_bytes == 2 * P * 4);
}

namespace {
// A hand-made DAG with a fan-out and a fan-in (a residual block):
//   X0 -> dense1 -> X1 -> dense2 -> X2 ; add3(X1, X2) -> X3 ; dense4(X3) -> X4
// Widths 4 everywhere, batch 3, fp32.
LayerGraph residual_graph() {
  LayerGraph lg;
  lg.batch = 3;
  lg.dtype_bytes = 4;
  lg.input = {4, 1, 1};
  const auto dense = [] {
    Layer l;
    l.type = "dense";
    l.shape = {4, 1, 1};
    l.params = 16;
    l.flops_forward = l.flops_backward_data = l.flops_backward_weight = 2 * 3 * 4 * 4;
    l.backward_data_reads = {{SavedRef::Of::weight, 0}};  // as build_dense sets them
    l.backward_weight_reads = {{SavedRef::Of::input, 0}};
    return l;
  };
  const LayerId x0[] = {kModelInput}, x1[] = {0}, x1_x2[] = {0, 1}, x3[] = {2};
  lg.add(dense(), {"dense1"}, x0);
  lg.add(dense(), {"dense2"}, x1);
  Layer add;
  add.type = "add";
  add.shape = {4, 1, 1};
  add.flops_forward = 3 * 4;  // one add per element
  lg.add(add, {"add3"}, x1_x2);
  lg.add(dense(), {"dense4"}, x3);
  return lg;
}
}  // namespace

TEST_CASE("fan-out: a layer read by two layers receives the sum of their gradients",
          "[training][dag]") {
  // Backward runs layer 4 down to 1. add3 is the highest consumer of both X1 and X2, so its
  // bwdX3 writes dX2 and dX1 (a residual add passes dL/dX3 to both branches). dense2 is the
  // second consumer of X1: its bwdX2 adds its part into dX1 in place (`updates`), for
  // flops_backward_data + one add per element of X1 (3 * 4). add3 has no weights: no bwdW3.
  TrainingOptions options;
  options.fused_loss = true;
  const LayerGraph lg = residual_graph();
  const GeneratedSchedule s = generate_training_graph(lg, options, false);
  const Graph& g = s.graph;
  Names names;
  for (OpId o : s.order) names.emplace_back(g.op_name(o));
  CHECK(names == Names{"dense1.forward", "dense2.forward", "add3.forward", "dense4.forward",
                       "dense4.dW", "dense4.dX", "add3.dX", "dense2.dW", "dense2.dX", "dense1.dW"});
  CHECK(tensor_names(g, g.inputs(g.find_op("add3.forward"))) == Names{"dense1.out", "dense2.out"});
  CHECK(tensor_names(g, g.inputs(g.find_op("add3.dX"))) == Names{"add3.out.grad"});
  CHECK(tensor_names(g, g.outputs(g.find_op("add3.dX"))) ==
        Names{"dense1.out.grad", "dense2.out.grad"});
  CHECK(tensor_names(g, g.inputs(g.find_op("dense2.dX"))) ==
        Names{"dense2.weight", "dense2.out.grad"});
  CHECK(g.outputs(g.find_op("dense2.dX")).empty());
  CHECK(tensor_names(g, g.updates(g.find_op("dense2.dX"))) == Names{"dense1.out.grad"});
  CHECK(g.op(g.find_op("dense2.dX")).flops == 2 * 3 * 4 * 4 + 3 * 4);
  CHECK(tensor_names(g, g.inputs(g.find_op("dense1.dW"))) == Names{"dense1.out.grad", "input"});
  for (const char* grad : {"dense1.weight.grad", "dense2.weight.grad", "dense4.weight.grad"})
    CHECK(g.tensor(g.find_tensor(grad)).required_output);
  CHECK(g.find_tensor("add3.weight.grad") == Graph::kNoTensor);

  SECTION("recomputing X3 from X0 recomputes both branches first, each once") {
    // Only X0 and X4 kept. bwdW4 needs X3: re3 needs X1 and X2, re2 needs X1: re1, re2, re3.
    // bwdW2 later needs X1: X1.re already exists, so nothing more is recomputed.
    options.kept = {1, 0, 0, 0, 1};
    const GeneratedSchedule c = generate_training_graph(lg, options, false);
    Names order;
    for (OpId o : c.order) order.emplace_back(c.graph.op_name(o));
    CHECK(order == Names{"dense1.forward", "dense2.forward", "add3.forward", "dense4.forward",
                         "dense1.recompute", "dense2.recompute", "add3.recompute", "dense4.dW",
                         "dense4.dX", "add3.dX", "dense2.dW", "dense2.dX", "dense1.dW"});
    CHECK(tensor_names(c.graph, c.graph.inputs(c.graph.find_op("add3.recompute"))) ==
          Names{"dense1.out.recomputed", "dense2.out.recomputed"});
    CHECK(tensor_names(c.graph, c.graph.inputs(c.graph.find_op("dense2.dW"))) ==
          Names{"dense2.out.grad", "dense1.out.recomputed"});
  }
  SECTION("the verifier accepts it under every policy and overlap") {
    options.optimizer = Optimizer::adam;
    options.kept = {1, 0, 1, 0, 1};
    const Registry registry = builtin_registry();
    for (const auto& e : registry.evictions())
      for (std::uint32_t lookahead : {0u, 1u, 2u}) {
        CAPTURE(e.name, lookahead);
        Simulation sim = simulation_of(generate_training_graph(lg, options, true).graph,
                                       uniform_machine(5), e.factory, lookahead);
        CHECK_NOTHROW(run_simulation(sim));
      }
  }
}

TEST_CASE("every training schedule passes the verifier under every policy and overlap",
          "[training][verifier]") {
  // run_simulation replays every step through the verifier and throws ScheduleError if it
  // rejects one; the verifier's finish() checks every op ran and every required output
  // (weights, states or gradients) ended in DRAM.
  const Registry registry = builtin_registry();
  std::vector<std::string> evictions;
  for (const auto& e : registry.evictions()) evictions.push_back(e.name);
  const std::string eviction = GENERATE_COPY(from_range(evictions));
  const std::string overlap = GENERATE(as<std::string>{}, "none", "double-buffer", "lookahead:2");
  const std::string loss = GENERATE(as<std::string>{}, "separate", "fused");
  const std::string optimizer = GENERATE(as<std::string>{}, "none", "sgd", "momentum", "adam");
  const std::string checkpoint =
      GENERATE(as<std::string>{}, "\"none\"", "\"sqrt\"", "\"every:2\"", "[3]");
  CAPTURE(eviction, overlap, loss, optimizer, checkpoint);
  const std::string schedule = training_schedule(loss, optimizer, checkpoint) + "overlap = \"" +
                               overlap + "\"\n[policy]\neviction = \"" + eviction + "\"\n";
  // Tight caches so that evictions and stores happen: 5 tensors (adam's update needs 4), and a
  // byte cache of 6 KiB for 1 KiB weights and 0.5-1 KiB activations.
  const std::string model = dense_model(8, 16, {16, 32, 16, 16, 8});
  Simulation uniform = load_text(uniform_hardware(5) + model + schedule);
  RunResult r;
  REQUIRE_NOTHROW(r = run_simulation(uniform));
  CHECK(r.counts.computes == uniform.graph.op_count());
  const std::string bytes =
      "[hardware.cache]\ncapacity = \"10 KiB\"\n[hardware.dram]\nbandwidth = "
      "\"1 GB/s\"\n[hardware.compute]\nthroughput = \"1 GFLOP/s\"\n";
  Simulation byte_mode = load_text(bytes + model + schedule);
  REQUIRE_NOTHROW(r = run_simulation(byte_mode));
  CHECK(r.counts.computes == byte_mode.graph.op_count());
}
