// SCALE-Sim topology CSVs (`[model] topology = "file.csv"`): rows copied from the real files in
// SCALE-Sim v2's topologies/ (Resnet18.csv, Resnet50.csv, mobilenet.csv, gpt2.csv), with their
// quirks (trailing commas, annotation columns, spaces, CRLF, no final newline); totals summed by
// hand; malformed rows; and a topology run as inference and training through the verifier.
#include <catch2/catch.hpp>
#include <fstream>

#include "policies/models/layer_graph_builder.h"
#include "policies/register_builtin.h"
#include "sim/core/simulation.h"
#include "sim/scenario/build_simulation.h"
#include "sim/scenario/scenario_parse.h"
#include "support/layer_graph_of.h"
#include "support/run_memsim.h"

namespace memsim {
namespace {

const std::string kHardware =
    "[hardware]\npreset = \"rtx-a6000\"\n[hardware.cache]\ncapacity = \"1 GiB\"\n";

// Writes the CSV and a scenario beside it naming it by a relative path.
struct Topology {
  test::TempDir dir;
  std::string scenario;
  std::string csv;
  explicit Topology(const std::string& text, const std::string& model_extra = "") {
    csv = dir.file("net.csv");
    std::ofstream(csv, std::ios::binary) << text;
    scenario = dir.file("net.toml");
    std::ofstream(scenario) << kHardware << "[model]\ntopology = \"net.csv\"\n" << model_extra;
  }
  LayerGraph graph() const {
    const ScenarioSpec spec = parse_scenario_file(scenario);
    REQUIRE(spec.model);
    return build_layer_graph(*spec.model);
  }
  std::string error() const {
    try {
      graph();
    } catch (const ScenarioError& e) {
      return e.what();
    }
    return "";
  }
};

std::uint64_t params(const LayerGraph& g) {
  std::uint64_t sum = 0;
  for (const Layer& l : g.layers()) sum += l.params;
  return sum;
}
double macs(const LayerGraph& g) {
  double sum = 0;
  for (const Layer& l : g.layers()) sum += l.flops_forward / 2;
  return sum / static_cast<double>(g.batch);
}

// Resnet18.csv: its header (with a trailing ", "), the first two rows and the last.
const std::string kResnet18 =
    "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, "
    "Strides, \n"
    "Conv1,224,224,7,7,3,64,2,\n"
    "Conv2_1a,56,56,3,3,64,64,1,\n"
    "FC,1,1,1,1,512,1000,1,\n";

TEST_CASE("a SCALE-Sim convolution topology becomes a chain with hand-summed totals",
          "[topology]") {
  // Conv1: ceil((224 - 7 + 2) / 2) = 110; params 64*3*7*7 = 9,408; MACs 110*110*9,408 =
  // 113,836,800. Conv2_1a: 56 - 3 + 1 = 54; params 64*64*9 = 36,864; MACs 54*54*36,864 =
  // 107,495,424. FC: 1x1; params 512*1000 = 512,000; MACs 512,000.
  const Topology t(kResnet18, "batch = 2\n");
  const LayerGraph g = t.graph();
  REQUIRE(g.size() == 3);
  CHECK(g.input == Shape{3, 224, 224});
  CHECK(g.batch == 2);
  CHECK(g.name(0) == "Conv1");
  CHECK(g.layer(0).type == "conv2d");
  CHECK(g.layer(0).shape == Shape{64, 110, 110});
  CHECK(g.layer(1).shape == Shape{64, 54, 54});
  CHECK(g.layer(2).shape == Shape{1000, 1, 1});
  CHECK(test::inputs_of(g, 0) == std::vector<LayerId>{kModelInput});
  CHECK(test::inputs_of(g, 2) == std::vector<LayerId>{1});
  CHECK(params(g) == 9408 + 36864 + 512000);
  CHECK(macs(g) == 113836800.0 + 107495424.0 + 512000.0);
  // FLOPs: 2 x MACs x batch, the same again for dX and for dW.
  CHECK(g.layer(0).flops_forward == 2.0 * 2 * 113836800);
  CHECK(g.layer(0).flops_backward_weight == 2.0 * 2 * 113836800);
}

TEST_CASE("annotation columns, an all-empty row and a stride-width column are read", "[topology]") {
  // Resnet50.csv's header and first rows (extra columns Eh, Ew, e2; an empty row of commas), and
  // a row with a 9th column: stride 1 in height, 2 in width.
  const Topology t(
      "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, "
      "Strides,,,Eh,Ew,e2\n"
      ",,,,,,,,,,,,\n"
      "Conv1,224,224,7,7,3,64,2,,,110,110,12100\n"
      "CB2a_1,56,56,1,1,64,64,1,,,,,\n"
      "Wide,56,56,3,3,64,32,1,2,\n");
  const LayerGraph g = t.graph();
  REQUIRE(g.size() == 3);
  // CB2a_1: 56x56, params 64*64 = 4,096, MACs 3,136*4,096 = 12,845,056.
  // Wide: h 54, w ceil((56 - 3 + 2) / 2) = 28; params 32*64*9 = 18,432; MACs 54*28*18,432 =
  // 27,869,184.
  CHECK(g.layer(1).shape == Shape{64, 56, 56});
  CHECK(g.layer(2).shape == Shape{32, 54, 28});
  CHECK(params(g) == 9408 + 4096 + 18432);
  CHECK(macs(g) == 113836800.0 + 12845056.0 + 27869184.0);
}

TEST_CASE("spaces around values, DP rows are depthwise", "[topology]") {
  // mobilenet.csv's first rows (its depthwise layers are written as Num Filter = 1 without "DP",
  // which SCALE-Sim, and memsim, take literally: one filter), and a "DP" row.
  const Topology t(
      "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, "
      "Strides,\n"
      "Conv1,  224, 224,    3, 3,      3,      32,     2,\n"
      "Conv2,  112, 112,    3, 3,      32,      1,     1,\n"
      "Conv2DP,  112, 112,    3, 3,      32,      1,     1,\n");
  const LayerGraph g = t.graph();
  REQUIRE(g.size() == 3);
  // Conv1: ceil((224 - 3 + 2) / 2) = 112; params 32*3*9 = 864; MACs 112*112*864 = 10,838,016.
  CHECK(g.layer(0).shape == Shape{32, 112, 112});
  CHECK(g.layer(0).params == 864);
  // Conv2: one filter of 32x3x3: 288 params, 110*110*288 = 3,484,800 MACs, 1 output channel.
  CHECK(g.layer(1).shape == Shape{1, 110, 110});
  CHECK(g.layer(1).params == 288);
  // Conv2DP: depthwise, one 3x3 filter per channel: 32*9 = 288 params, 32 channels out, the
  // same 3,484,800 MACs (SCALE-Sim runs it as 32 one-channel convolutions).
  CHECK(g.layer(2).type == "depthwise");
  CHECK(g.layer(2).shape == Shape{32, 110, 110});
  CHECK(g.layer(2).params == 288);
  CHECK(macs(g) == 10838016.0 + 3484800.0 + 3484800.0);
}

TEST_CASE("GEMM topologies with CRLF and no final newline", "[topology]") {
  // gpt2.csv's header and two rows. A GEMM M x K times K x N: params K*N, MACs M*N*K.
  // QKT: 64*1024 = 65,536 params, 1024*1024*64 = 67,108,864 MACs.
  // Linear1: 1600*4800 = 7,680,000 params, 1024*4800*1600 = 7,864,320,000 MACs.
  const Topology t("Layer,M,N,K,\r\nQKT,1024,1024,64,\r\nLinear1,1024,4800,1600,");
  const LayerGraph g = t.graph();
  REQUIRE(g.size() == 2);
  CHECK(g.input == Shape{64, 1024, 1});
  CHECK(g.layer(0).type == "gemm");
  CHECK(g.layer(0).shape == Shape{1024, 1024, 1});
  CHECK(g.name(1) == "Linear1");
  CHECK(g.layer(1).shape == Shape{4800, 1024, 1});
  CHECK(params(g) == 65536 + 7680000);
  CHECK(macs(g) == 67108864.0 + 7864320000.0);
}

TEST_CASE("malformed topology rows name the file, row and column", "[topology][errors]") {
  const std::string header =
      "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, "
      "Strides,\n";
  {
    const Topology t(header + "Conv1,224,abc,7,7,3,64,2,\n");
    CHECK(t.error() == t.csv +
                           ":2:11: row 2, column 3 (IFMAP Width): expected a positive integer "
                           "below 10^9, got 'abc'");
  }
  {
    const Topology t(header + "Conv1,224,224,7,7,3,64\n");
    CHECK(t.error() ==
          t.csv + ":2: row 2, column 8 (Strides): missing; expected a positive integer");
  }
  {
    const Topology t(header + "\nConv1,4,4,5,5,3,8,1,\n");
    CHECK(t.error() == t.csv +
                           ":3:11: row 3, column 4 (Filter Height): filter 5x5 is larger than "
                           "the IFMAP 4x4 (SCALE-Sim files have no padding)");
  }
  {
    const Topology t(header + "Conv1,4,4,3,3,0,8,1,\n");
    CHECK(t.error() == t.csv +
                           ":2:15: row 2, column 6 (Channels): expected a positive integer "
                           "below 10^9, got '0'");
  }
  {
    const Topology t("name,a,b\nx,1,2\n");
    CHECK(t.error() == t.csv +
                           ":1:1: not a SCALE-Sim topology header; expected 'Layer name, IFMAP "
                           "Height, IFMAP Width, Filter Height, Filter Width, Channels, Num "
                           "Filter, Strides,' (convolution) or 'Layer, M, N, K,' (GEMM)");
  }
  {
    const Topology t(header);
    CHECK(t.error() == t.csv + ":1: the topology has no layers after its header");
  }
}

TEST_CASE("topology scenario errors", "[topology][errors]") {
  {
    const Topology t(kResnet18, "input = 8\n");
    CHECK(t.error() == t.scenario +
                           ":7:9: model.input: not used with model.topology (the topology "
                           "file gives the input and the layers); remove it");
  }
  const test::TempDir dir;
  const std::string scenario = dir.file("s.toml");
  std::ofstream(scenario) << kHardware << "[model]\ntopology = \"missing.csv\"\n";
  const ScenarioSpec spec = parse_scenario_file(scenario);
  try {
    build_layer_graph(*spec.model);
    FAIL("no error");
  } catch (const ScenarioError& e) {
    CHECK(std::string(e.what()) == scenario + ":6:12: model.topology: '" + dir.file("missing.csv") +
                                       "': cannot open the topology file: No such file or "
                                       "directory (paths are relative to the scenario file)");
  }
}

TEST_CASE("a topology runs as inference and training, every step verified", "[topology][run]") {
  const Topology t(kResnet18);
  const std::string kind = GENERATE(as<std::string>{}, "inference", "training");
  INFO(kind);
  const Registry registry = builtin_registry();
  const Simulation sim = build_simulation(
      parse_scenario_file(t.scenario, std::vector<std::string>{"schedule.kind=" + kind}), registry);
  const RunResult result = run_simulation(sim);
  // Everything fits the 1 GiB cache: X0 and the three weights load once (+ the label in
  // training, whose loss op reads it).
  CHECK(result.counts.loads == (kind == "inference" ? 4u : 5u));
  // Forward FLOPs: 2 x (113,836,800 + 107,495,424 + 512,000) at batch 1.
  CHECK(result.flops[0] == 2.0 * (113836800.0 + 107495424.0 + 512000.0));
}

}  // namespace
}  // namespace memsim
