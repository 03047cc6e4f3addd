// The model zoo (scenarios/models/) against torchvision: exact parameter counts and forward
// multiply-adds within 1 %, from build_layer_graph and from `memsim info`; zoo inference and
// training replayed by the verifier.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "policies/models/layer_graph_builder.h"
#include "policies/register_builtin.h"
#include "sim/core/simulation.h"
#include "sim/scenario/build_simulation.h"
#include "sim/scenario/scenario_parse.h"
#include "support/run_memsim.h"

namespace memsim {
namespace {

LayerGraph zoo_graph(const std::string& name) {
  const ScenarioSpec spec =
      parse_scenario_file(test::source_path("scenarios/models/" + name + ".toml"));
  REQUIRE(spec.model);
  return build_layer_graph(*spec.model);
}

std::uint64_t total_params(const LayerGraph& g) {
  std::uint64_t sum = 0;
  for (const Layer& l : g.layers()) sum += l.params;
  return sum;
}

// Multiply-adds of the convolutions and dense layers (what torchvision's GFLOPS column counts).
double conv_dense_macs(const LayerGraph& g) {
  double sum = 0;
  for (const Layer& l : g.layers())
    if (l.type == "conv2d" || l.type == "depthwise" || l.type == "pointwise" || l.type == "dense")
      sum += l.flops_forward / 2;
  return sum;
}

struct Reference {
  const char* name;
  std::uint64_t params;  // torchvision's, exactly (sum of p.numel() over model.parameters())
  double gmacs;          // torchvision's documented GFLOPS (multiply-adds)
};

// From the torchvision model documentation ("Table of all available classification weights").
const Reference kZoo[] = {
    {"vgg16", 138357544, 15.47},
    {"resnet18", 11689512, 1.81},
    {"resnet50", 25557032, 4.09},
    {"mobilenet_v2", 3504872, 0.30},
};

TEST_CASE("zoo models have torchvision's exact parameter counts and multiply-adds within 1%",
          "[zoo]") {
  for (const Reference& ref : kZoo) {
    INFO(ref.name);
    const LayerGraph g = zoo_graph(ref.name);
    CHECK(g.batch == 1);
    CHECK(g.input == Shape{3, 224, 224});
    CHECK(total_params(g) == ref.params);
    CHECK(conv_dense_macs(g) / 1e9 == Approx(ref.gmacs).epsilon(0.01));
    CHECK(g.layer(g.last()).shape == Shape{1000, 1, 1});
  }
}

TEST_CASE("memsim info reports the zoo's parameters and forward FLOPs = 2 x multiply-adds",
          "[zoo][cli]") {
  for (const Reference& ref : kZoo) {
    INFO(ref.name);
    const auto r = test::run_memsim("info " + test::source_path("scenarios/models/") + ref.name +
                                    ".toml --format json");
    REQUIRE(r.status == 0);
    const auto j = nlohmann::json::parse(r.out);
    CHECK(j.at("params").get<std::uint64_t>() == ref.params);
    // Forward FLOPs of the convolutions and dense layers are 2 x torchvision's multiply-adds.
    double conv_dense_flops = 0;
    for (const auto& layer : j.at("layers")) {
      const std::string type = layer.at("type");
      if (type == "conv2d" || type == "depthwise" || type == "pointwise" || type == "dense")
        conv_dense_flops += layer.at("flops_forward").get<double>();
    }
    CHECK(conv_dense_flops / 2e9 == Approx(ref.gmacs).epsilon(0.01));
    // ... and info prints that sum itself (text "MACs", json "macs").
    CHECK(j.at("macs").get<double>() / 1e9 == Approx(ref.gmacs).epsilon(0.01));
    // The total adds batch-norm, activations, pooling and adds: more, but by less than 4 %.
    const double total = j.at("flops_forward").get<double>();
    CHECK(total > conv_dense_flops);
    CHECK(total < 1.04 * conv_dense_flops);
  }
}

// Hand derivation of ResNet-18's first basic block with a projection (layer2.0, 64 -> 128,
// stride 2, input 64x56x56): conv1 3x3/2 -> 128x28x28, 128*64*9 = 73,728 params; conv2 3x3
// 128*128*9 = 147,456; downsample.0 1x1/2 128*64 = 8,192; three batch-norms 2*128 each.
TEST_CASE("a basic block with a projection expands into torchvision's layers", "[zoo]") {
  const LayerGraph g = zoo_graph("resnet18");
  std::map<std::string, LayerId> by_name;
  for (LayerId i = 0; i < g.size(); ++i) by_name[g.name(i)] = i;
  const Layer& conv1 = g.layer(by_name.at("layer2.0.conv1"));
  CHECK(conv1.params == 73728);
  CHECK(conv1.shape == Shape{128, 28, 28});
  CHECK(g.layer(by_name.at("layer2.0.conv2")).params == 147456);
  CHECK(g.layer(by_name.at("layer2.0.downsample.0")).params == 8192);
  CHECK(g.layer(by_name.at("layer2.0.downsample.1")).params == 256);
  // The add reads bn2 and the projection: two producers.
  const std::span<const LayerId> add = g.inputs(by_name.at("layer2.0.add"));
  REQUIRE(add.size() == 2);
  CHECK(g.name(add[0]) == "layer2.0.bn2");
  CHECK(g.name(add[1]) == "layer2.0.downsample.1");
  // layer1.0 keeps 64 channels at stride 1: no projection, the add reads the block's input.
  CHECK(by_name.count("layer1.0.downsample.0") == 0);
  CHECK(g.name(g.inputs(by_name.at("layer1.0.add"))[1]) == "maxpool");
}

TEST_CASE("zoo ResNet-18 runs as inference and training, every step verified", "[zoo][run]") {
  const Registry registry = builtin_registry();
  const std::string kind = GENERATE(as<std::string>{}, "inference", "training");
  INFO(kind);
  const std::vector<std::string> overrides{"schedule.kind=" + kind,
                                           "hardware.cache.capacity=1 GiB"};
  const ScenarioSpec spec =
      parse_scenario_file(test::source_path("scenarios/models/resnet18.toml"), overrides);
  const Simulation sim = build_simulation(spec, registry);
  const RunResult result = run_simulation(sim);  // throws ScheduleError if the verifier objects
  // With a cache holding everything, X0 and each weight load exactly once and nothing is
  // evicted. Weights (one tensor per layer with parameters): conv1, bn1; 8 basic blocks x
  // (conv1, bn1, conv2, bn2) = 32; the projections of layer2.0, 3.0, 4.0 (conv, bn) = 6; fc:
  // 41, plus X0 = 42 loads in inference. Training also loads the label (loss = "separate"): 43.
  CHECK(result.counts.loads == (kind == "inference" ? 42u : 43u));
  // Forward FLOPs equal the layer graph's, in either schedule.
  double forward = 0;
  const LayerGraph model = build_layer_graph(*spec.model);
  for (const Layer& l : model.layers()) forward += l.flops_forward;
  CHECK(result.flops[0] == Approx(forward));
}

}  // namespace
}  // namespace memsim
