// `memsim info` (policies/models/model_info.h, tools/memsim/cmd_info.cpp): per-layer parameters,
// FLOPs, bytes, arithmetic intensity and roofline verdict against hand formulas.
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "policies/models/model_info.h"
#include "support/run_memsim.h"
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

// A small network with every kind of layer, worked by hand (batch N = 2, input 3x8x8):
//   c1  conv2d 3->4, 3x3, padding 1: 4x8x8 out, MACs = N * 4 * 8*8 * (3*3*3) = 2*4*64*27 = 13,824
//   bn  batchnorm, act relu, pool maxpool 2x2 -> 4x4x4: no multiply-adds
//   dw  depthwise 3x3, padding 1: 4x4x4 out, MACs = N * 4 * 4*4 * (1*3*3)  =  1,152
//   pw  pointwise 4->8: 8x4x4 out,           MACs = N * 8 * 4*4 * 4        =  1,024
//   flat flatten to 128; fc dense 128->10:   MACs = N * 128 * 10           =  2,560
//   total 13,824 + 1,152 + 1,024 + 2,560 = 18,560 multiply-adds.
// Forward FLOPs are 2 per multiply-add plus bn 2 per element (2 * N*4*64 = 1,024), relu 1 per
// element (512) and maxpool the window's area per output (4 * N*4*16 = 512): 37,120 + 2,048 =
// 39,168, so the multiply-adds are not simply half the forward FLOPs.
const char* const kAllLayers = R"([model]
batch = 2
input = [3, 8, 8]
layers = [
  { type = "conv2d", name = "c1", out = 4, kernel = 3, padding = 1 },
  { type = "batchnorm", name = "bn" },
  { type = "relu", name = "act" },
  { type = "maxpool", name = "pool", kernel = 2 },
  { type = "depthwise", name = "dw", kernel = 3, padding = 1 },
  { type = "pointwise", name = "pw", out = 8 },
  { type = "flatten", name = "flat" },
  { type = "dense", name = "fc", out = 10 },
]
)";

TEST_CASE("memsim info counts the multiply-adds of conv and dense layers", "[info]") {
  const ModelInfo info =
      describe_model(parse_scenario_text(test::uniform_hardware(4) + kAllLayers, "m.toml"));
  REQUIRE(info.layers.size() == 8);
  const double by_hand[8] = {13824, 0, 0, 0, 1152, 1024, 0, 2560};
  for (std::size_t i = 0; i < 8; ++i) {
    CAPTURE(info.layers[i].name);
    CHECK(info.layers[i].macs == by_hand[i]);
  }
  CHECK(info.macs == 18560);
  CHECK(info.flops_forward == 39168);
}

TEST_CASE("memsim info prints the multiply-adds in its totals, text and json", "[info][cli]") {
  const test::TempDir tmp;
  const std::string file = tmp.file("m.toml");
  std::ofstream(file) << test::uniform_hardware(4) << kAllLayers;
  const CommandResult text = run_memsim("info " + file);
  REQUIRE(text.status == 0);
  // 18,560 in decimal steps of 1000: 18.56 K.
  CHECK_THAT(text.out, Contains("\nMACs       18.56 K multiply-adds in conv and dense layers, "
                                "forward (2 FLOPs each)\n"));
  // The total row ends at its last figure (no blanks for the empty intensity and bound).
  CHECK_THAT(text.out, Contains("total  ") && !Contains(" \n"));
  const CommandResult json = run_memsim("info " + file + " --format json");
  REQUIRE(json.status == 0);
  const auto j = nlohmann::json::parse(json.out);
  CHECK(j.at("macs").get<double>() == 18560);
  CHECK(j.at("layers").at(0).at("macs").get<double>() == 13824);
  CHECK(j.at("layers").at(1).at("macs").get<double>() == 0);
  CHECK(j.at("layers").at(7).at("macs").get<double>() == 2560);
}

TEST_CASE("the roofline's ridge uses the bandwidth of all DRAM channels", "[info][cli]") {
  // `bandwidth` is per channel: 2 channels of 768 GB/s move 1536 GB/s, so the ridge of the
  // 38.7 TFLOP/s machine halves from 50.39 to 38.7e12 / 1536e9 = 25.1953125 FLOP/B.
  // mlp3-training at batch N = 64, intensity = 2N*in*out / (4*(in*out + N*in + N*out)):
  //   dense1 (1024->512): 67,108,864 / (4 * 622,592) = 26.95  memory at 50.4, compute at 25.2
  //   dense2 (512->512):  33,554,432 / (4 * 327,680) = 25.60  memory at 50.4, compute at 25.2
  //   dense3 (512->256):  16,777,216 / (4 * 180,224) = 23.27  memory either way
  const std::string file = kLecture + "mlp3-training.toml --set model.batch=64";
  const CommandResult one = run_memsim("info " + file + " --format json");
  const CommandResult two =
      run_memsim("info " + file + " --set hardware.dram.channels=2 --format json");
  REQUIRE(one.status == 0);
  REQUIRE(two.status == 0);
  const auto j1 = nlohmann::json::parse(one.out), j2 = nlohmann::json::parse(two.out);
  CHECK(j1["ridge_flop_per_byte"].get<double>() == Approx(38.7e12 / 768e9));
  CHECK(j2["ridge_flop_per_byte"].get<double>() == Approx(25.1953125));
  const char* bound1[3] = {"memory", "memory", "memory"};
  const char* bound2[3] = {"compute", "compute", "memory"};
  for (int i = 0; i < 3; ++i) {
    CAPTURE(i);
    CHECK(j1["layers"][i]["bound"] == bound1[i]);
    CHECK(j2["layers"][i]["bound"] == bound2[i]);
  }
  const CommandResult text = run_memsim("info " + file + " --set hardware.dram.channels=2");
  CHECK_THAT(text.out, Contains("roofline   ridge 25.2 FLOP/B = 38.70 TFLOP/s / (2 channels x "
                                "768.00 GB/s); a layer below it is memory-bound\n"));
}
