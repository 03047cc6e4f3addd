// Saved tensors (policies/models/saved_tensors.h, Layer::backward_*_reads): what each layer
// type keeps for backward and what its backward ops read, per the rules PyTorch's autograd
// follows (derivatives.yaml), and the totals of the zoo models derived from their architecture.
// tools/autograd_saved.py confirms each figure on real autograd (python3-torch 1.13,
// torchvision 0.14, train(), batch 1, fp32); it is not needed here.
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>

#include "policies/models/layer_graph_builder.h"
#include "policies/models/saved_tensors.h"
#include "sim/scenario/scenario_parse.h"
#include "support/run_memsim.h"
#include "support/scenario_text.h"

using namespace memsim;
using namespace memsim::test;

namespace {

using Names = std::vector<std::string>;

Names input_names(const Graph& g, const std::string& op) {
  Names out;
  const OpId o = g.find_op(op);
  REQUIRE(o != Graph::kNoOp);
  for (TensorId t : g.inputs(o)) out.emplace_back(g.tensor_name(t));
  return out;
}

std::uint64_t bytes_of(const Graph& g, const std::string& tensor) {
  const TensorId t = g.find_tensor(tensor);
  REQUIRE(t != Graph::kNoTensor);
  return g.tensor(t).bytes;
}

LayerGraph zoo(const std::string& name) {
  const ScenarioSpec spec = parse_scenario_file(source_path("scenarios/models/" + name + ".toml"));
  return build_layer_graph(*spec.model);
}

// Batch 2, fp32, input 3x8x8:
//   1 conv2d 4x3x3 pad 1 -> 4x8x8   2 batchnorm   3 relu   4 maxpool 2 -> 4x4x4
//   5 dropout   6 flatten -> 64   7 dense 5   8 sigmoid   9 dense 3
const std::string kModel = R"([hardware.cache]
capacity = "1 GiB"
[hardware.dram]
bandwidth = "1 GB/s"
[hardware.compute]
throughput = "1 GFLOP/s"
[model]
batch = 2
input = [3, 8, 8]
layers = [
  { type = "conv2d", out = 4, kernel = 3, padding = 1 },
  { type = "batchnorm" },
  { type = "relu" },
  { type = "maxpool", kernel = 2 },
  { type = "dropout", p = 0.1 },
  { type = "flatten" },
  { type = "dense", out = 5 },
  { type = "sigmoid" },
  { type = "dense", out = 3 },
]
[schedule]
kind = "training"
)";

}  // namespace

TEST_CASE("backward ops read what autograd saves, layer type by layer type", "[saved]") {
  const Graph g = load_text(kModel).graph;
  // conv (layer 1, on X0): dL/dW reads dY and the input; there is no dL/dX0.
  CHECK(input_names(g, "conv2d1.dW") == Names{"conv2d1.out.grad", "input"});
  CHECK(g.find_op("conv2d1.dX") == Graph::kNoOp);
  // batchnorm: dL/dgamma,beta reads the input and both statistics; dL/dX also gamma.
  CHECK(input_names(g, "batchnorm2.dW") ==
        Names{"batchnorm2.out.grad", "conv2d1.out", "batchnorm2.mean", "batchnorm2.invstd"});
  CHECK(input_names(g, "batchnorm2.dX") == Names{"batchnorm2.weight", "batchnorm2.out.grad",
                                                 "conv2d1.out", "batchnorm2.mean",
                                                 "batchnorm2.invstd"});
  CHECK(bytes_of(g, "batchnorm2.mean") == 4 * 4);  // 4 channels, fp32
  CHECK(bytes_of(g, "batchnorm2.invstd") == 4 * 4);
  // relu: its output.
  CHECK(input_names(g, "relu3.dX") == Names{"relu3.out.grad", "relu3.out"});
  // maxpool: its input and the int64 indices, one per output element: 2 * 4*4*4 * 8 B.
  CHECK(input_names(g, "maxpool4.dX") ==
        Names{"maxpool4.out.grad", "relu3.out", "maxpool4.indices"});
  CHECK(bytes_of(g, "maxpool4.indices") == 2 * 64 * 8);
  // dropout: only its mask, one byte per element.
  CHECK(input_names(g, "dropout5.dX") == Names{"dropout5.out.grad", "dropout5.mask"});
  CHECK(bytes_of(g, "dropout5.mask") == 2 * 64);
  // flatten: nothing.
  CHECK(input_names(g, "flatten6.dX") == Names{"flatten6.out.grad"});
  // dense: dL/dW the input, dL/dX the weight.
  CHECK(input_names(g, "dense7.dW") == Names{"dense7.out.grad", "flatten6.out"});
  CHECK(input_names(g, "dense7.dX") == Names{"dense7.weight", "dense7.out.grad"});
  // sigmoid: its output.
  CHECK(input_names(g, "sigmoid8.dX") == Names{"sigmoid8.out.grad", "sigmoid8.out"});
  // The forward ops write the extras.
  CHECK(g.producer(g.find_tensor("maxpool4.indices")) == g.find_op("maxpool4.forward"));
  CHECK(g.producer(g.find_tensor("dropout5.mask")) == g.find_op("dropout5.forward"));
}

TEST_CASE("saved bytes per layer and in total, each storage once", "[saved]") {
  // Sizes (batch 2, fp32): X0 2*192*4 = 1536; X1 = X2 = X3 = 2*256*4 = 2048 (4x8x8);
  // X4 = X5 = X6 = 2*64*4 = 512; X7 = X8 = 2*5*4 = 40; statistics 2 * 4 * 4; indices
  // 2*64*8 = 1024; mask 2*64 = 128. Per layer: conv1 X0 1536; bn2 X1 + stats 2080; relu3 X3
  // 2048; maxpool4 X3 + indices 3072; dropout5 mask 128; flatten6 0; dense7 X6 512; sigmoid8
  // X8 40; dense9 X8 40.
  // Total: X0 1536 + X1 2048 + stats 32 + X3 2048 + indices 1024 + mask 128 + X6 512 + X8 40
  //        = 7368 (X3, saved by relu3 and maxpool4, and X8, by sigmoid8 and dense9, once).
  const ScenarioSpec spec = parse_scenario_text(kModel, "s.toml");
  const SavedBytes s = saved_bytes(build_layer_graph(*spec.model));
  CHECK(s.per_layer == std::vector<std::uint64_t>{1536, 2080, 2048, 3072, 128, 0, 512, 40, 40});
  CHECK(s.total == 7368);
  SECTION("memsim info --format json reports them") {
    const TempDir dir;
    const std::string path = dir.file("m.toml");
    std::ofstream(path) << kModel;
    const CommandResult r = run_memsim("info " + path + " --format json");
    REQUIRE(r.status == 0);
    const auto j = nlohmann::json::parse(r.out);
    CHECK(j["saved_bytes"] == 7368);
    CHECK(j["layers"][3]["saved_bytes"] == 3072);
  }
  SECTION("relu6 saves its output in place, its input out of place; gelu its input") {
    // Layer 2 reads the conv's output X1 (2 * 4x8x8 * 4 = 2048 B) and writes X2 (2048 B).
    for (const auto& [layer, expected] : std::vector<std::pair<std::string, std::uint64_t>>{
             {"{ type = \"relu6\" }", 2048},  // its output X2, also the dense's input
             {"{ type = \"relu6\", inplace = false }", 4096},  // X1 and X2
             {"{ type = \"gelu\" }", 4096},                    // X1, and X2 for the dense
             {"{ type = \"tanh\" }", 2048}}) {
      CAPTURE(layer);
      const std::string model = R"([hardware.cache]
capacity = "1 GiB"
[model]
batch = 2
input = [3, 8, 8]
layers = [{ type = "conv2d", out = 4, kernel = 3, padding = 1 }, )" +
                                layer + R"(, { type = "dense", out = 2 }]
)";
      const ScenarioSpec sp = parse_scenario_text(model, "s.toml");
      // X0 1536 for the conv, then the activation's part.
      CHECK(saved_bytes(build_layer_graph(*sp.model)).total == 1536 + expected);
    }
  }
}

TEST_CASE("checkpointing: a layer that is not a checkpoint saves its extras on recompute",
          "[saved][checkpoint]") {
  // With only X0 and the output kept, maxpool4.forward writes no indices: its recompute does,
  // and maxpool4.dX reads those.
  const Graph g = load_text(kModel, {"schedule.checkpoint=[9]"}).graph;
  CHECK(g.find_tensor("maxpool4.indices") == Graph::kNoTensor);
  CHECK(g.producer(g.find_tensor("maxpool4.indices.recomputed")) ==
        g.find_op("maxpool4.recompute"));
  CHECK(input_names(g, "maxpool4.dX") ==
        Names{"maxpool4.out.grad", "relu3.out.recomputed", "maxpool4.indices.recomputed"});
}

TEST_CASE("zoo models: saved bytes for backward, derived from the architecture", "[saved][zoo]") {
  // Batch 1, fp32 (4 B); X0 = 3*224*224*4 = 602112 B, saved by the stem convolution.
  constexpr std::uint64_t B = 4;
  const std::uint64_t x0 = 3 * 224 * 224 * B;
  SECTION("resnet18: 22,218,240 B (autograd: the same)") {
    // Stem: bn1 saves conv1's output, relu its output (also maxpool's input): 2 * 64*112^2 * 4,
    // stats 2 * 64 * 4; maxpool indices 64*56^2 * 8 and output 64*56^2 * 4 (layer1's input).
    std::uint64_t t = x0 + 2 * 64 * 112 * 112 * B + 8 * 64 + 64 * 56 * 56 * 8 + 64 * 56 * 56 * B;
    // A basic block of C channels at HxW saves bn1's input, relu1's output, bn2's input and
    // relu2's output (4 * CHW * 4 B) and two bn's statistics (16C B); a projection adds the
    // downsample batch-norm's input and statistics (CHW * 4 + 8C).
    std::uint64_t h = 56, c_in = 64;
    for (const auto& [c, stride] :
         {std::pair<std::uint64_t, std::uint64_t>{64, 1}, {128, 2}, {256, 2}, {512, 2}})
      for (int block = 0; block < 2; ++block) {
        const std::uint64_t s = block == 0 ? stride : 1;
        h /= s;
        const bool ds = block == 0 && (s != 1 || c_in != c);
        t += (ds ? 5 : 4) * c * h * h * B + (ds ? 24 : 16) * c;
        c_in = c;
      }
    t += 512 * B;  // the fc layer's input (after global average pooling and flatten)
    CHECK(t == 22218240);
    CHECK(saved_bytes(zoo("resnet18")).total == t);
  }
  SECTION("resnet50: 86,121,984 B (autograd: the same)") {
    std::uint64_t t = x0 + 2 * 64 * 112 * 112 * B + 8 * 64 + 64 * 56 * 56 * 8 + 64 * 56 * 56 * B;
    // A bottleneck of width w (out 4w) from HxW to H'xW' (H' = H / stride): bn1 input and relu1
    // output (2wHW), bn2 input and relu2 output (2wH'W'), bn3 input and relu3 output (2*4wH'W'),
    // with a projection its bn's input (4wH'W'); statistics 8w + 8w + 32w (+ 32w).
    std::uint64_t h = 56;
    for (const auto& [w, n, stride] : {std::tuple<std::uint64_t, int, std::uint64_t>{64, 3, 1},
                                       {128, 4, 2},
                                       {256, 6, 2},
                                       {512, 3, 2}})
      for (int block = 0; block < n; ++block) {
        const std::uint64_t ho = h / (block == 0 ? stride : 1), out = 4 * w;
        const bool ds = block == 0;
        t += B * (2 * w * h * h + 2 * w * ho * ho + 2 * out * ho * ho + (ds ? out * ho * ho : 0));
        t += 8 * w + 8 * w + 8 * out + (ds ? 8 * out : 0);
        h = ho;
      }
    t += 2048 * B;
    CHECK(t == 86121984);
    CHECK(saved_bytes(zoo("resnet50")).total == t);
  }
  SECTION("vgg16: 73,330,688 B (autograd on CPU: 73,355,264, its dropout masks are fp32)") {
    // Every ReLU saves its output (the next conv's or pool's input); every max-pool its indices
    // and, for the first four, its output (the next conv's input). The fifth pool's output is
    // adaptive average pooling's input; fc6 saves the flattened 25088; each of the two
    // classifier blocks: relu output, dropout mask (1 B each), dropout output (the next fc's
    // input), 4096 wide. (CPU autograd keeps 4-byte masks: 2 * 4096 * 3 B more.)
    std::uint64_t t = x0, h = 224;
    int stage = 0;
    for (const auto& [c, convs] :
         {std::pair<std::uint64_t, std::uint64_t>{64, 2}, {128, 2}, {256, 3}, {512, 3}, {512, 3}}) {
      t += convs * c * h * h * B;
      h /= 2;
      t += c * h * h * 8 + (stage++ < 4 ? c * h * h * B : 0);
    }
    t += 512 * 7 * 7 * B + 25088 * B + 2 * (4096 * B + 4096 + 4096 * B);
    CHECK(t == 73330688);
    CHECK(t + 2 * 4096 * 3 == 73355264);
    CHECK(saved_bytes(zoo("vgg16")).total == t);
  }
  SECTION("mobilenet_v2: 78,593,024 B (autograd on CPU: 78,596,864, an fp32 dropout mask)") {
    // ReLU6 out of place saves its input (the bn's output) and the next conv its output, so
    // each conv-bn-relu6 keeps 3 activations of its output size (bn input, bn output, relu6
    // output) and 8 B per channel of statistics.
    // Stem: 32x112x112. Inverted residual (t, c) from cin at HxW to H'xW': expansion (t != 1)
    // 3 * t*cin*H*W, depthwise 3 * t*cin*H'*W', projection bn input c*H'*W', block output (the
    // next block's input) c*H'*W'; statistics 8 t cin (twice when t != 1) + 8c.
    std::uint64_t t = x0 + B * 3 * 32 * 112 * 112 + 8 * 32, h = 112, c_in = 32;
    for (const auto& [tt, c, n, stride] :
         {std::tuple<std::uint64_t, std::uint64_t, int, std::uint64_t>{1, 16, 1, 1},
          {6, 24, 2, 2},
          {6, 32, 3, 2},
          {6, 64, 4, 2},
          {6, 96, 3, 1},
          {6, 160, 3, 2},
          {6, 320, 1, 1}})
      for (int i = 0; i < n; ++i) {
        const std::uint64_t ho = h / (i == 0 ? stride : 1), e = tt * c_in;
        if (tt != 1) t += B * 3 * e * h * h + 8 * e;
        t += B * 3 * e * ho * ho + 8 * e + B * 2 * c * ho * ho + 8 * c;
        h = ho;
        c_in = c;
      }
    // Head: 1x1 conv to 1280 at 7x7 with bn and relu6 (global pooling saves the relu6 output),
    // dropout mask (1 B each) and output (the classifier's input).
    t += B * 3 * 1280 * 49 + 8 * 1280 + 1280 + 1280 * B;
    CHECK(t == 78593024);
    CHECK(t + 1280 * 3 == 78596864);
    CHECK(saved_bytes(zoo("mobilenet_v2")).total == t);
  }
}
