// memsim fit (sim/study/fit.h): the search on made-up peaks whose answer is known, the answer on
// a dense MLP whose peak live is derived by hand as a function of the batch, the DRAM reserve,
// `run --fail-on-oom`, and the exact errors.
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <vector>

#include "policies/register_builtin.h"
#include "sim/report/peak_memory_text.h"
#include "sim/study/fit.h"
#include "support/run_memsim.h"
#include "support/scenario_text.h"

using namespace memsim;
using namespace memsim::test;

namespace {

// Peak = 1000 + 37 v bytes of activations against 10000 bytes.
FitProbe linear_probe(std::int64_t v, std::vector<std::int64_t>& seen) {
  seen.push_back(v);
  FitProbe p;
  p.liveness.peak_live_bytes = 1000 + 37 * static_cast<std::uint64_t>(v);
  p.liveness.peak_by_kind[int(TensorKind::weight)] = 1000;
  p.liveness.peak_by_kind[int(TensorKind::activation)] = 37 * static_cast<std::uint64_t>(v);
  p.fits = p.liveness.peak_live_bytes <= 10000;
  return p;
}

// Dense 12 -> 20 -> 16 -> 7, fp32, separate loss, sgd, update after backward. Live bytes per op
// as functions of the batch N (sizes: X0 48N, X1 80N, X2 64N, X3 = Y = dX3 28N, dX2 64N,
// dX1 80N; weights = gradients = 960 + 1280 + 448 = 2688):
//   loss  W + X0 + X1 + X2 + X3 + Y + dX3              = 2688 + 276N
//   bwdW2 W + G3 + G2 + X0 + X1 + dX2                  = 4416 + 192N
//   bwdW1 W + G1 + G2 + G3 + X0 + dX1                  = 5376 + 128N
// (every other op is below one of these; test_training derives the N = 5 column). For
// N >= 19, 276N dominates: the peak is 2688 + 276N, at op loss.
const std::string kMlp = R"([hardware.cache]
capacity = "1 GiB"
[hardware.dram]
bandwidth = "768 GB/s"
capacity = "1 MiB"
[hardware.compute]
throughput = "38.7 TFLOP/s"
[model]
batch = 5
input = 12
layers = [{ type = "dense", out = 20 }, { type = "dense", out = 16 }, { type = "dense", out = 7 }]
[schedule]
kind = "training"
optimizer = "sgd"
)";

}  // namespace

TEST_CASE("fit: doubling then bisection finds the largest fitting value", "[fit]") {
  // 1000 + 37v <= 10000  <=>  v <= 243.24: 243 fits (9991 B), 244 does not (10028 B).
  // Probes: doubling 1, 2, 4, ..., 128 fit and 256 does not (9 probes); bisection between 128
  // and 256: 192 y, 224 y, 240 y, 248 n, 244 n, 242 y, 243 y (7 probes).
  std::vector<std::int64_t> seen;
  const FitResult r = find_largest_fit([&](std::int64_t v) { return linear_probe(v, seen); });
  REQUIRE(r.largest);
  CHECK(r.largest->value == 243);
  CHECK(r.largest->liveness.peak_live_bytes == 9991);
  REQUIRE(r.next);
  CHECK(r.next->value == 244);
  CHECK(r.next->liveness.peak_live_bytes == 10028);
  CHECK(r.overflowing_kind == int(TensorKind::activation));
  CHECK(seen == std::vector<std::int64_t>{1, 2, 4, 8, 16, 32, 64, 128, 256, 192, 224, 240, 248, 244,
                                          242, 243});
  CHECK(r.probes == 16);
}

TEST_CASE("fit: nothing fits, or everything up to the limit fits", "[fit]") {
  SECTION("1 does not fit: no answer, one probe, the largest kind at its peak") {
    const FitResult r = find_largest_fit([](std::int64_t) {
      FitProbe p;
      p.liveness.peak_live_bytes = 5;
      p.liveness.peak_by_kind[int(TensorKind::gradient)] = 3;
      p.liveness.peak_by_kind[int(TensorKind::weight)] = 2;
      return p;
    });
    CHECK_FALSE(r.largest);
    REQUIRE(r.next);
    CHECK(r.next->value == 1);
    CHECK(r.overflowing_kind == int(TensorKind::gradient));
    CHECK(r.probes == 1);
  }
  SECTION("every value fits: doubling stops at 2^40 after 41 probes") {
    const FitResult r = find_largest_fit([](std::int64_t) {
      FitProbe p;
      p.fits = true;
      return p;
    });
    REQUIRE(r.largest);
    CHECK(r.largest->value == kFitLimit);
    CHECK_FALSE(r.next);
    CHECK(r.probes == 41);
  }
}

TEST_CASE("fit: the largest batch of a dense MLP, derived by hand", "[fit]") {
  const Registry registry = builtin_registry();
  SECTION("1 MiB: 2688 + 276N <= 1048576 gives N = 3789") {
    // 2688 + 276 * 3789 = 1048452 <= 1048576 < 1048728 = 2688 + 276 * 3790.
    const FitResult r = fit_scenario("s.toml", kMlp, {}, "model.batch", registry);
    REQUIRE(r.largest);
    CHECK(r.largest->value == 3789);
    CHECK(r.largest->liveness.peak_live_bytes == 1048452);
    CHECK(r.largest->peak_op == "loss.dX");
    REQUIRE(r.next);
    CHECK(r.next->liveness.peak_live_bytes == 1048728);
    // Per sample at op loss: activations X1 + X2 + X3 = 172 B, input 48, label 28, dX3 28.
    CHECK(r.overflowing_kind == int(TensorKind::activation));
    // Doubling 1 .. 4096 (13 probes), bisection between 2048 and 4096 (11).
    CHECK(r.probes == 24);
  }
  SECTION("a 100 KiB reserve: 2688 + 276N <= 946176 gives N = 3418") {
    // 2688 + 276 * 3418 = 946056 <= 946176 < 946332.
    const FitResult r = fit_scenario("s.toml", kMlp, {"hardware.dram.reserved=\"100 KiB\""},
                                     "model.batch", registry);
    REQUIRE(r.largest);
    CHECK(r.largest->value == 3418);
    CHECK(r.dram_reserved == 102400);
  }
  SECTION("any integer key: the input width d at batch 64") {
    // Weights W1 80d + W2 1280 + W3 448 = 80d + 1728; X0 = 4 * 64 * d = 256d.
    //   loss: W + X0 + (X1 + X2 + X3 + Y + dX3) = 80d + 1728 + 256d + 4*64*57  = 336d + 16320
    //   bwdW1: W + G (the same again) + X0 + dX1 4*64*20                      = 416d + 8576
    //   (bwdW2: W + G3 + G2 + X0 + X1 + dX2 = 336d + 12672, below loss.)
    // Against 1 MiB: bwdW1 gives d <= 2500 exactly (416 * 2500 + 8576 = 1048576).
    // At d = 2501 X0 grows by 256 B, weights and gradients by 80 B each: inputs overflow.
    const FitResult r = fit_scenario("s.toml", kMlp, {"model.batch=64"}, "model.input", registry);
    REQUIRE(r.largest);
    CHECK(r.largest->value == 2500);
    CHECK(r.largest->liveness.peak_live_bytes == 1048576);
    CHECK(r.largest->peak_op == "dense1.dW");
    CHECK(r.overflowing_kind == int(TensorKind::input));
  }
}

TEST_CASE("fit: machines it cannot answer for are input errors", "[fit][errors]") {
  const Registry registry = builtin_registry();
  std::string no_capacity = kMlp;
  no_capacity.erase(no_capacity.find("capacity = \"1 MiB\"\n"), 19);
  try {
    fit_scenario("s.toml", no_capacity, {}, "model.batch", registry);
    FAIL("no error");
  } catch (const ScenarioError& e) {
    CHECK(std::string(e.what()) ==
          "s.toml:1:1: memsim fit needs hardware.dram.capacity (e.g. \"48 GiB\", or a [hardware] "
          "preset)");
  }
  try {
    fit_scenario("s.toml", kMlp, {"hardware.cache.capacity=\"4 tensors\""}, "model.batch",
                 registry);
    FAIL("no error");
  } catch (const ScenarioError& e) {
    CHECK(std::string(e.what()) ==
          "s.toml:1:1: memsim fit compares peak live bytes with the DRAM; this scenario's cache "
          "counts tensors (uniform mode), not bytes");
  }
  CHECK(load_error(kMlp, {"hardware.dram.reserved=\"2 MiB\""}) ==
        "--set: hardware.dram.reserved: 2.00 MiB is not less than hardware.dram.capacity "
        "(1.00 MiB)");
}

TEST_CASE("a DRAM reserve moves the out-of-memory verdict", "[fit][oom]") {
  // N = 3000: 2688 + 276 * 3000 = 830688 B, under 1 MiB; with 256 KiB reserved 786432 B remain.
  const Registry registry = builtin_registry();
  Simulation sim = load_text(kMlp, {"model.batch=3000"});
  CHECK_FALSE(run_simulation(sim).oom);
  sim = load_text(kMlp, {"model.batch=3000", "hardware.dram.reserved=\"256 KiB\""});
  const RunResult r = run_simulation(sim);
  CHECK(r.liveness.peak_live_bytes == 830688);
  CHECK(r.oom);
  CHECK(
      out_of_memory_verdict(sim.graph, r.liveness, sim.machine.dram_capacity,
                            sim.machine.dram_reserved) ==
      "out of memory: needs 811.22 KiB at op loss.dX, DRAM holds 1.00 MiB less 256.00 KiB reserved "
      "(weights 2.62, gradients 82.03, activations 503.91, inputs 140.62, labels 82.03)");
}

TEST_CASE("memsim fit and run --fail-on-oom on the command line", "[fit][cli]") {
  const TempDir dir;
  const std::string path = dir.file("mlp.toml");
  {
    std::ofstream out(path);
    out << kMlp;
  }
  SECTION("text answer") {
    const CommandResult r = run_memsim("fit " + path);
    CHECK(r.status == 0);
    CHECK(r.out.find("largest    model.batch = 3789\n") != std::string::npos);
    CHECK(r.out.find("next       model.batch = 3790 needs") != std::string::npos);
    CHECK(r.out.find("; activations overflow\n") != std::string::npos);
    CHECK(r.out.find("DRAM       1.00 MiB: 1048576 B for tensors\n") != std::string::npos);
  }
  SECTION("json answer, and --compare checkpoint gives one answer per option") {
    CommandResult r = run_memsim("fit " + path + " --format json");
    REQUIRE(r.status == 0);
    nlohmann::json j = nlohmann::json::parse(r.out);
    CHECK(j["largest"] == 3789);
    CHECK(j["at_largest"]["peak_live_bytes"] == 1048452);
    CHECK(j["at_next"]["value"] == 3790);
    CHECK(j["overflowing_kind"] == "activation");
    r = run_memsim("fit " + path + " --format json --compare checkpoint");
    REQUIRE(r.status == 0);
    j = nlohmann::json::parse(r.out);
    REQUIRE(j["results"].size() == 2);
    CHECK(j["results"][0]["checkpoint"] == "none");
    CHECK(j["results"][0]["largest"] == 3789);
    CHECK(j["results"][1]["checkpoint"] == "sqrt");
  }
  SECTION("nothing fits: exit 3") {
    const CommandResult r = run_memsim("fit " + path + " --set 'hardware.dram.capacity=\"1 KiB\"'");
    CHECK(r.status == 3);
    CHECK(r.out.find("largest    none: model.batch = 1 does not fit\n") != std::string::npos);
  }
  SECTION("run --fail-on-oom exits 3 only when the peak does not fit") {
    CHECK(run_memsim("run " + path + " --set model.batch=3789 --fail-on-oom").status == 0);
    const CommandResult r = run_memsim("run " + path + " --set model.batch=3790 --fail-on-oom");
    CHECK(r.status == 3);
    CHECK(r.out.find("out of memory: needs 1.00 MiB at op loss.dX, DRAM holds 1.00 MiB") !=
          std::string::npos);
    CHECK(run_memsim("run " + path + " --set model.batch=3790").status == 0);
  }
  SECTION("bad usage") {
    const CommandResult r = run_memsim("fit " + path + " --compare optimizer");
    CHECK(r.status == 2);
    CHECK(r.err == "memsim fit: --compare takes 'checkpoint', not 'optimizer'\n");
  }
}
