// The peak-live and out-of-memory lines of `memsim run`'s text summary
// (sim/report/peak_memory_text.h): how many bytes, at which op, and of which tensor kinds.
#include <catch2/catch.hpp>
#include <cstdio>
#include <memory>

#include "sim/report/peak_memory_text.h"
#include "sim/report/report.h"
#include "support/scenario_text.h"

using namespace memsim;
using Catch::Matchers::Contains;
using memsim::test::load_text;

namespace {
// Two dense layers of width 256 on 256 input features, batch 256, fp32: every weight, optimizer
// state, gradient and activation is 256 * 256 * 4 B = 0.25 MiB. Adam, fused loss, no
// checkpointing. The cache holds adam's update (G, W, M, V = 1 MiB).
std::string scenario(const std::string& dram) {
  return R"([hardware.cache]
capacity = "2 MiB"
[hardware.dram]
bandwidth = "768 GB/s"
capacity = ")" +
         dram + R"("
[hardware.compute]
throughput = "38.7 TFLOP/s"
[model]
batch = 256
input = 256
layers = [{ type = "dense", out = 256, repeat = 2 }]
[schedule]
kind = "training"
loss = "fused"
optimizer = "adam"
)";
}
}  // namespace

TEST_CASE("out of memory: how much, where, and of which kinds", "[training][oom]") {
  // Live tensors (0.25 MiB each) op by op, order fwd1 fwd2 bwdW2 bwdX2 upd2 bwdW1 upd1:
  //   always: W1 W2 M1 V1 M2 V2 (6)
  //   fwd1 +X0 X1 = 8; fwd2 +X0 X1 X2 = 9; bwdW2 +X0 X1 X2 G2 = 10 (X1 dies here);
  //   bwdX2 +X0 X2 dX1 G2 = 10; upd2 +X0 dX1 G2 = 9; bwdW1 +X0 dX1 G1 = 9; upd1 +G1 = 7.
  // Peak 10 * 0.25 = 2.5 MiB, first at bwdW2: weights 0.5, optimizer 1.0, gradients (G2) 0.25,
  // activations (X1, X2) 0.5, inputs (X0) 0.25.
  const Simulation sim = load_text(scenario("1 MiB"));
  const RunResult r = run_simulation(sim);
  CHECK(r.liveness.peak_live_bytes == 10 * 256 * 1024);
  CHECK(r.oom);
  CHECK(out_of_memory_verdict(sim.graph, r.liveness, sim.machine.dram_capacity) ==
        "out of memory: needs 2.50 MiB at op dense2.dW, DRAM holds 1.00 MiB (weights 0.50, "
        "optimizer 1.00, gradients 0.25, activations 0.50, inputs 0.25)");
  const std::string text = run_report_text(sim, r);
  CHECK_THAT(text,
             Contains("\npeak live      2.50 MiB at op dense2.dW  (weights 0.50, optimizer 1.00, "
                      "gradients 0.25, activations 0.50, inputs 0.25)\n"
                      "out of memory: needs 2.50 MiB at op dense2.dW, DRAM holds 1.00 MiB"));

  SECTION("enough DRAM: the same peak, no verdict") {
    const Simulation fits = load_text(scenario("48 GiB"));
    const RunResult f = run_simulation(fits);
    CHECK_FALSE(f.oom);
    const std::string t = run_report_text(fits, f);
    CHECK_THAT(t, Contains("\npeak live      2.50 MiB at op dense2.dW  (weights 0.50"));
    CHECK_THAT(t, !Contains("out of memory"));
  }
}

TEST_CASE("peak breakdown: only kinds present, in the total's unit, tensors in uniform mode",
          "[training][oom]") {
  LivenessReport report;
  report.peak_live_bytes = (3ull << 30) + 1024;  // 3 GiB + 1 KiB: GiB
  report.peak_by_kind[int(TensorKind::activation)] = 3ull << 30;
  report.peak_by_kind[int(TensorKind::label)] = 1024;  // 1e-6 GiB: present, too small to show
  CHECK(peak_breakdown(report, false) == "activations 3.00, labels <0.01");
  LivenessReport tensors;
  tensors.peak_live_bytes = 9;
  tensors.peak_by_kind[int(TensorKind::weight)] = 3;
  tensors.peak_by_kind[int(TensorKind::gradient)] = 2;
  tensors.peak_by_kind[int(TensorKind::other)] = 4;
  CHECK(peak_breakdown(tensors, true) == "weights 3, gradients 2, other 4");
  LivenessReport small;  // under 1 KiB: whole bytes
  small.peak_live_bytes = 700;
  small.peak_by_kind[int(TensorKind::input)] = 700;
  CHECK(peak_breakdown(small, false) == "inputs 700");
}

TEST_CASE("the out-of-memory scenario runs out of an RTX A6000's 48 GiB", "[training][oom][cli]") {
  // scenarios/lecture/out-of-memory.toml: n = 10240 dense layers 512 -> 512, batch 1024, fp32,
  // adam, separate loss, no checkpointing. W = 1 MiB, M = V = 1 MiB, activations 2 MiB. At op
  // loss everything of the forward pass is live: weights n MiB = 10 GiB, optimizer 2n MiB =
  // 20 GiB, X1..Xn 2n MiB = 20 GiB, and X0, Y, dXn 2 MiB each (inputs, labels, gradients):
  // 51206 MiB = 50.006 GiB. Later ops hold less (X_n and Y die at loss, G_n is 1 MiB).
  const std::string command = std::string(MEMSIM_BINARY) + " run " + MEMSIM_SOURCE_DIR +
                              "/scenarios/lecture/out-of-memory.toml 2>&1";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  REQUIRE(pipe);
  std::string out;
  char buf[4096];
  while (std::size_t n = fread(buf, 1, sizeof buf, pipe.get())) out.append(buf, n);
  CHECK_THAT(out, Contains("\nout of memory: needs 50.01 GiB at op loss.dX, DRAM holds 48.00 GiB "
                           "(weights 10.00, optimizer 20.00, gradients <0.01, activations 20.00, "
                           "inputs <0.01, labels <0.01)\n"));
}
