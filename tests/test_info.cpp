// `memsim info` (policies/models/model_info.h, tools/memsim/cmd_info.cpp): per-layer parameters,
// FLOPs, bytes, arithmetic intensity and roofline verdict against hand formulas.
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "policies/models/model_info.h"
#include "support/scenario_text.h"

using namespace memsim;
using Catch::Matchers::Contains;

namespace {

struct CommandResult {
  int status = -1;
  std::string out;
};

// Runs memsim with `args` (stderr merged into the output).
CommandResult run_memsim(const std::string& args) {
  const std::string command = std::string(MEMSIM_BINARY) + " " + args + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  CommandResult r;
  if (!pipe) return r;
  char buf[4096];
  while (std::size_t n = fread(buf, 1, sizeof buf, pipe)) r.out.append(buf, n);
  const int status = pclose(pipe);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

const std::string kLecture = std::string(MEMSIM_SOURCE_DIR) + "/scenarios/lecture/";

}  // namespace

TEST_CASE("memsim info --format json: totals and per-layer numbers by hand", "[info][cli]") {
  // mlp3-training.toml: d = 1024, h = 512, k = 256, N = 512, fp32, sgd; RTX A6000 38.7 TFLOP/s
  // and 768 GB/s: ridge 38.7e12 / 768e9 = 50.39 FLOP/B.
  const double d = 1024, h = 512, k = 256, N = 512;
  const CommandResult r = run_memsim("info " + kLecture + "mlp3-training.toml --format json");
  REQUIRE(r.status == 0);
  const auto j = nlohmann::json::parse(r.out);
  for (const char* key : {"params", "flops_forward", "flops_backward", "flops_update", "layers"})
    CHECK(j.contains(key));
  const double P = d * h + h * h + h * k;
  CHECK(j["params"].get<double>() == P);
  CHECK(j["flops_forward"].get<double>() == 2 * N * P);  // lecture table
  CHECK(j["flops_backward"].get<double>() == 2 * N * P + 2 * N * (h * h + h * k));
  CHECK(j["flops_update"].get<double>() == 2 * P);  // sgd: 2 per param
  REQUIRE(j["layers"].size() == 3);
  // (in, out) per layer; intensity = 2N*in*out / (4*in*out + 4*N*in + 4*N*out).
  const double dims[3][2] = {{d, h}, {h, h}, {h, k}};
  for (int i = 0; i < 3; ++i) {
    CAPTURE(i);
    const auto& l = j["layers"][i];
    for (const char* key : {"name", "type", "params", "flops_forward", "flops_backward",
                            "weight_bytes", "activation_bytes", "intensity", "bound"})
      CHECK(l.contains(key));
    const double in = dims[i][0], out = dims[i][1];
    CHECK(l["name"] == "dense" + std::to_string(i + 1));
    CHECK(l["type"] == "dense");
    CHECK(l["params"].get<double>() == in * out);
    CHECK(l["flops_forward"].get<double>() == 2 * N * in * out);
    // dW always; dX for layers 2 and 3 only (layer 1 reads X0: nobody needs dL/dX0).
    CHECK(l["flops_backward"].get<double>() == (i == 0 ? 1 : 2) * 2 * N * in * out);
    CHECK(l["weight_bytes"].get<double>() == 4 * in * out);
    CHECK(l["activation_bytes"].get<double>() == 4 * N * out);
    const double intensity = 2 * N * in * out / (4 * in * out + 4 * N * in + 4 * N * out);
    CHECK(l["intensity"].get<double>() == Approx(intensity));
    // 102.4, 85.3, 64 FLOP/B: all above the 50.4 ridge.
    CHECK(l["bound"] == "compute");
  }

  SECTION("at batch 8 the same layers are memory-bound") {
    // Layer 1: 2*8*1024*512 / (4*(1024*512 + 8*1024 + 8*512)) = 8388608 / 2146304 = 3.9 < 50.4.
    const CommandResult s =
        run_memsim("info " + kLecture + "mlp3-training.toml --format json --set model.batch=8");
    REQUIRE(s.status == 0);
    const auto m = nlohmann::json::parse(s.out);
    CHECK(m["layers"][0]["intensity"].get<double>() == Approx(8388608.0 / 2146304.0));
    for (const auto& l : m["layers"]) CHECK(l["bound"] == "memory");
  }
  SECTION("flops_update follows the optimizer: adam 14 per parameter, inference 0") {
    const CommandResult a = run_memsim(
        "info " + kLecture + "mlp3-training.toml --format json --set schedule.optimizer=adam");
    REQUIRE(a.status == 0);
    CHECK(nlohmann::json::parse(a.out)["flops_update"].get<double>() == 14 * P);
    const CommandResult inf = run_memsim("info " + kLecture + "mlp3-sequential.toml --format json");
    REQUIRE(inf.status == 0);
    CHECK(nlohmann::json::parse(inf.out)["flops_update"].get<double>() == 0);
  }
}

TEST_CASE("memsim info text, and its input errors", "[info][cli]") {
  const CommandResult t = run_memsim("info " + kLecture + "mlp3-training.toml");
  REQUIRE(t.status == 0);
  CHECK_THAT(t.out, Contains("ridge 50.4 FLOP/B"));
  CHECK_THAT(t.out, Contains("dense1"));
  CHECK_THAT(t.out, Contains("compute"));
  // A raw [graph] has no layers: a clear input error, exit status 2.
  const CommandResult g = run_memsim("info " + kLecture + "paging.toml");
  CHECK(g.status == 2);
  CHECK_THAT(g.out, Contains("memsim info describes a [model] layer by layer; this scenario has a "
                             "raw [graph] of ops (use `memsim run` to execute it)"));
  const CommandResult csv = run_memsim("info " + kLecture + "mlp3-training.toml --format csv");
  CHECK(csv.status == 2);
  CHECK_THAT(csv.out, Contains("--format must be text or json for info, not 'csv'"));
}

TEST_CASE("describe_model on a uniform machine has no roofline", "[info]") {
  // 4 tensors of cache, no throughput or bandwidth: bound is "n/a"; the counts still hold.
  // Layer: 16 -> 8 features, batch 2: params 128, forward 2*2*16*8 = 512 FLOPs.
  const ScenarioSpec spec = parse_scenario_text(test::uniform_hardware(4) + R"([model]
batch = 2
input = 16
layers = [{ type = "dense", out = 8 }]
)",
                                                "u.toml");
  const ModelInfo info = describe_model(spec);
  REQUIRE(info.layers.size() == 1);
  CHECK(info.layers[0].params == 128);
  CHECK(info.layers[0].flops_forward == 512);
  CHECK(info.layers[0].flops_backward == 512);  // dW only: the input is X0
  CHECK(info.layers[0].bound == "n/a");
  CHECK(info.ridge == 0);
  CHECK(info.flops_update == 0);
}
