// Layer types, DAG inputs and blocks (policies/models/): parameters and FLOPs against hand
// formulas, shapes inferred layer to layer, and the exact messages of shapes that do not fit.
// The lecture's formulas for fully connected, 3x3 and depthwise layers are checked here too.
#include <catch2/catch.hpp>
#include <map>
#include <nlohmann/json.hpp>

#include "policies/models/layer_graph_builder.h"
#include "sim/scenario/scenario_parse.h"
#include "support/layer_graph_of.h"
#include "support/run_memsim.h"

namespace memsim {
namespace {

using test::graph_error;
using test::graph_of;
using test::id_of;
using test::inputs_of;

std::string model(const std::string& input, const std::string& layers, int batch = 1) {
  return "[model]\nbatch = " + std::to_string(batch) + "\ninput = " + input + "\nlayers = [\n" +
         layers + "]\n";
}

const Layer& by_name(const LayerGraph& g, const std::string& name) {
  return g.layer(id_of(g, name));
}

TEST_CASE("conv2d: parameters, FLOPs and output size by hand", "[layers]") {
  SECTION("5x5, same padding, bias, batch 2") {
    // out 16 x 32 x 32; params 16*3*5*5 + 16 = 1216; multiply-adds per sample
    // 16*32*32 * 3*5*5 = 1,228,800; FLOPs = 2 * batch * MACs = 4,915,200, and the same for dX, dW.
    const LayerGraph g = graph_of(
        model("[3, 32, 32]",
              "{ type = \"conv2d\", out = 16, kernel = 5, padding = 2, bias = true },\n", 2));
    const Layer& l = g.layer(0);
    CHECK(g.name(0) == "conv2d1");
    CHECK(l.shape == Shape{16, 32, 32});
    CHECK(l.params == 1216);
    CHECK(l.flops_forward == 4915200);
    CHECK(l.flops_backward_data == 4915200);
    CHECK(l.flops_backward_weight == 4915200);
  }
  SECTION("stride 2 with dilation 2") {
    // The dilated 3x3 spans 5: (15 - 5) / 2 + 1 = 6. Params 4*8*9 = 288; MACs 4*36*8*9 = 10,368.
    const LayerGraph g = graph_of(model(
        "[8, 15, 15]", "{ type = \"conv2d\", out = 4, kernel = 3, stride = 2, dilation = 2 },\n"));
    CHECK(g.layer(0).shape == Shape{4, 6, 6});
    CHECK(g.layer(0).params == 288);
    CHECK(g.layer(0).flops_forward == 2 * 10368);
  }
  SECTION("rectangular kernel and padding") {
    // h: (5 + 0 - 1) / 1 + 1 = 5; w: (7 + 2 - 3) / 1 + 1 = 7. Params 3*2*1*3 = 18.
    const LayerGraph g = graph_of(
        model("[2, 5, 7]", "{ type = \"conv2d\", out = 3, kernel = [1, 3], padding = [0, 1] },\n"));
    CHECK(g.layer(0).shape == Shape{3, 5, 7});
    CHECK(g.layer(0).params == 18);
    CHECK(g.layer(0).flops_forward == 2.0 * 3 * 35 * 2 * 3);
  }
  SECTION("groups") {
    // 4 groups of 2 input channels: params 16*(8/4)*9 = 288; MACs 16*10*10*2*9 = 28,800.
    const LayerGraph g = graph_of(model(
        "[8, 10, 10]", "{ type = \"conv2d\", out = 16, kernel = 3, padding = 1, groups = 4 },\n"));
    CHECK(g.layer(0).params == 288);
    CHECK(g.layer(0).flops_forward == 2 * 28800);
  }
}

TEST_CASE("depthwise and pointwise are conv2d cases", "[layers]") {
  // Depthwise 3x3/2 on 32x14x14: 32x7x7, params 32*9 = 288, MACs 32*7*7*9 = 14,112.
  // Pointwise to 64: params 64*32 = 2048, MACs 64*7*7*32 = 100,352.
  const LayerGraph g =
      graph_of(model("[32, 14, 14]",
                     "{ type = \"depthwise\", kernel = 3, stride = 2, padding = 1 },\n"
                     "{ type = \"pointwise\", out = 64 },\n"
                     "{ type = \"depthwise\", kernel = 3, padding = 1, multiplier = 2 },\n"));
  CHECK(g.layer(0).shape == Shape{32, 7, 7});
  CHECK(g.layer(0).params == 288);
  CHECK(g.layer(0).flops_forward == 2 * 14112);
  CHECK(g.layer(1).shape == Shape{64, 7, 7});
  CHECK(g.layer(1).params == 2048);
  CHECK(g.layer(1).flops_forward == 2 * 100352);
  // Multiplier 2: 128 output channels, params 128*1*9 = 1152, MACs 128*49*9 = 56,448.
  CHECK(g.layer(2).shape == Shape{128, 7, 7});
  CHECK(g.layer(2).params == 1152);
  CHECK(g.layer(2).flops_forward == 2 * 56448);
}

TEST_CASE("batch-norm, activations, pooling, flatten, add: the per-element conventions",
          "[layers]") {
  // Input 16x8x8 (1024 elements), batch 4: 4096 elements in the batch.
  const LayerGraph g = graph_of(
      model("[16, 8, 8]",
            "{ type = \"batchnorm\", name = \"bn\" },\n"
            "{ type = \"relu\", name = \"relu\" },\n"
            "{ type = \"add\", name = \"sum\", inputs = [\"bn\", \"relu\"] },\n"
            "{ type = \"avgpool\", name = \"pool\", kernel = 2 },\n"
            "{ type = \"maxpool\", name = \"max\", kernel = 3, stride = 1, padding = 1 },\n"
            "{ type = \"flatten\", name = \"flat\" },\n",
            4));
  const Layer& bn = by_name(g, "bn");  // 2c parameters; 2 FLOPs per element each way
  CHECK(bn.params == 32);
  CHECK(bn.shape == Shape{16, 8, 8});
  CHECK(bn.flops_forward == 2 * 4096);
  CHECK(bn.flops_backward_data == 2 * 4096);
  CHECK(bn.flops_backward_weight == 2 * 4096);
  const Layer& relu = by_name(g, "relu");  // 1 FLOP per element each way, no parameters
  CHECK(relu.params == 0);
  CHECK(relu.flops_forward == 4096);
  CHECK(relu.flops_backward_data == 4096);
  CHECK(relu.flops_backward_weight == 0);
  const Layer& sum = by_name(g, "sum");  // (2 - 1) FLOP per element forward, 0 backward
  CHECK(inputs_of(g, id_of(g, "sum")) == std::vector<LayerId>{0, 1});
  CHECK(sum.flops_forward == 4096);
  CHECK(sum.flops_backward_data == 0);
  // 2x2 average pool, stride defaulting to 2: 16x4x4 = 256 outputs x 4 window x batch 4.
  const Layer& pool = by_name(g, "pool");
  CHECK(pool.shape == Shape{16, 4, 4});
  CHECK(pool.flops_forward == 256 * 4 * 4);
  CHECK(pool.flops_backward_data == 256 * 4 * 4);
  // 3x3 max pool, stride 1, padding 1 keeps 4x4: 256 outputs x 9 x batch 4.
  const Layer& max = by_name(g, "max");
  CHECK(max.shape == Shape{16, 4, 4});
  CHECK(max.flops_forward == 256 * 9 * 4);
  const Layer& flat = by_name(g, "flat");
  CHECK(flat.shape == Shape{256, 1, 1});
  CHECK(flat.flops_forward == 0);
  CHECK(flat.params == 0);
}

TEST_CASE("global and adaptive average pooling", "[layers]") {
  // Global: 512x7x7 -> 512, one add per input element: 25,088.
  const LayerGraph g = graph_of(model("[512, 7, 7]", "{ type = \"global_avgpool\" },\n"));
  CHECK(g.layer(0).shape == Shape{512, 1, 1});
  CHECK(g.layer(0).flops_forward == 25088);
  // Adaptive to 7x7 from 7x7 is an identity: windows of 1, 512*49 FLOPs.
  const LayerGraph same =
      graph_of(model("[512, 7, 7]", "{ type = \"adaptive_avgpool\", size = 7 },\n"));
  CHECK(same.layer(0).shape == Shape{512, 7, 7});
  CHECK(same.layer(0).flops_forward == 512 * 49);
  // Adaptive 5 -> 2: windows [0, 3) and [2, 5), 3 + 3 = 6 per axis: 6 * 6 = 36 FLOPs.
  const LayerGraph two =
      graph_of(model("[1, 5, 5]", "{ type = \"adaptive_avgpool\", size = 2 },\n"));
  CHECK(two.layer(0).shape == Shape{1, 2, 2});
  CHECK(two.layer(0).flops_forward == 36);
}

TEST_CASE("dense: bias off by default, on when asked", "[layers]") {
  // 4x2x2 flattens to 16 features: 16*10 weights (+ 10 biases); MACs 160.
  const LayerGraph g = graph_of(model("[4, 2, 2]",
                                      "{ type = \"dense\", out = 10 },\n"
                                      "{ type = \"dense\", out = 10, bias = true },\n"));
  CHECK(g.layer(0).params == 160);
  CHECK(g.layer(0).flops_forward == 320);
  CHECK(g.layer(1).params == 110);
}

TEST_CASE("the lecture's formulas for a d x d x c activation mapped to d x d x c",
          "[layers][lecture]") {
  const std::uint64_t c = GENERATE(1, 3, 16, 64);
  const std::uint64_t d = GENERATE(1, 4, 7);
  INFO("c = " << c << ", d = " << d);
  const std::string in =
      "[" + std::to_string(c) + ", " + std::to_string(d) + ", " + std::to_string(d) + "]";
  SECTION("fully connected: c^2 d^4 parameters, 2 c^2 d^4 FLOPs") {
    const LayerGraph g = graph_of(model(in, "{ type = \"flatten\" },\n{ type = \"dense\", out = " +
                                                std::to_string(c * d * d) + " },\n"));
    CHECK(g.layer(1).params == c * c * d * d * d * d);
    CHECK(g.layer(1).flops_forward == 2.0 * c * c * d * d * d * d);
  }
  SECTION("3x3 convolution, no bias, same padding: 9 c^2 parameters, 18 c^2 d^2 FLOPs") {
    const LayerGraph g = graph_of(model(
        in, "{ type = \"conv2d\", out = " + std::to_string(c) + ", kernel = 3, padding = 1 },\n"));
    CHECK(g.layer(0).shape == Shape{c, d, d});
    CHECK(g.layer(0).params == 9 * c * c);
    CHECK(g.layer(0).flops_forward == 18.0 * c * c * d * d);
  }
  SECTION("k x k depthwise: c k^2 parameters, 2 c k^2 d^2 FLOPs; full: c^2 k^2, 2 c^2 k^2 d^2") {
    const std::uint64_t k = GENERATE(1, 3, 5);
    const std::string pad = std::to_string((k - 1) / 2);
    if (k > d + 2 * ((k - 1) / 2)) return;  // kernel does not fit: covered by the error tests
    const LayerGraph g = graph_of(
        model(in, "{ type = \"depthwise\", kernel = " + std::to_string(k) + ", padding = " + pad +
                      " },\n" + "{ type = \"conv2d\", out = " + std::to_string(c) +
                      ", kernel = " + std::to_string(k) + ", padding = " + pad + " },\n"));
    CHECK(g.layer(0).shape == Shape{c, d, d});
    CHECK(g.layer(0).params == c * k * k);
    CHECK(g.layer(0).flops_forward == 2.0 * c * k * k * d * d);
    CHECK(g.layer(1).params == c * c * k * k);
    CHECK(g.layer(1).flops_forward == 2.0 * c * c * k * k * d * d);
  }
}

// The lecture scenarios show the same formulas at their sizes (c = 64, d = 4, batch 64 and
// c = 64, d = 28, batch 8); `memsim info` gives each layer's roofline bound on the A6000 preset
// (ridge 38.7e12 / 768e9 = 50.4 FLOP/B; intensities derived in the scenario files' comments).
TEST_CASE("lecture scenarios conv-vs-fc and depthwise through memsim info",
          "[layers][lecture][cli]") {
  struct Row {
    const char* name;
    std::uint64_t params;
    double flops;
    const char* bound;
  };
  const auto check = [](const std::string& file, const std::vector<Row>& rows) {
    const auto r = test::run_memsim("info " + test::source_path(file) + " --format json");
    REQUIRE(r.status == 0);
    const auto layers = nlohmann::json::parse(r.out).at("layers");
    REQUIRE(layers.size() == rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i) {
      INFO(rows[i].name);
      CHECK(layers[i].at("name") == rows[i].name);
      CHECK(layers[i].at("params").get<std::uint64_t>() == rows[i].params);
      CHECK(layers[i].at("flops_forward").get<double>() == rows[i].flops);
      CHECK(layers[i].at("bound") == rows[i].bound);
    }
  };
  const std::uint64_t c = 64;
  // conv-vs-fc: d = 4, batch 64. conv 9c^2, 64 * 18 c^2 d^2; fc c^2 d^4, 64 * 2 c^2 d^4.
  check("scenarios/lecture/conv-vs-fc.toml",
        {{"conv", 9 * c * c, 64 * 18.0 * c * c * 16, "compute"},
         {"flatten", 0, 0, "memory"},
         {"fc", c * c * 256, 64 * 2.0 * c * c * 256, "memory"}});
  // depthwise: d = 28, k = 3, batch 8. full c^2 k^2; depthwise c k^2; pointwise c^2.
  check("scenarios/lecture/depthwise.toml",
        {{"full", c * c * 9, 8 * 2.0 * c * c * 9 * 784, "compute"},
         {"depthwise", c * 9, 8 * 2.0 * c * 9 * 784, "memory"},
         {"pointwise", c * c, 8 * 2.0 * c * c * 784, "memory"}});
}

TEST_CASE("a layer reads named inputs, blocks and repeats are named predictably", "[layers][dag]") {
  const LayerGraph g =
      graph_of(model("[8, 4, 4]",
                     "{ type = \"conv2d\", name = \"a\", out = 8, kernel = 3, padding = 1 },\n"
                     "{ type = \"relu\", name = \"r\", repeat = 2 },\n"
                     "{ type = \"add\", name = \"skip\", inputs = [\"r\", \"input\"] },\n"
                     "{ type = \"basic_block\", name = \"blk\", out = 8 },\n"
                     "{ type = \"add\", inputs = [\"blk\", \"a\"] },\n"));
  CHECK(g.name(1) == "r.1");
  CHECK(g.name(2) == "r.2");
  CHECK(inputs_of(g, id_of(g, "skip")) ==
        std::vector<LayerId>{2, kModelInput});  // "r" is its last repetition
  // The block: conv1, bn1, relu1, conv2, bn2, add, relu2 (no projection: 8 -> 8, stride 1).
  std::vector<std::string> names;
  for (std::size_t i = 4; i < 11; ++i) names.push_back(g.name(i));
  CHECK(names == std::vector<std::string>{"blk.conv1", "blk.bn1", "blk.relu1", "blk.conv2",
                                          "blk.bn2", "blk.add", "blk.relu2"});
  CHECK(inputs_of(g, id_of(g, "blk.add")) ==
        std::vector<LayerId>{8, 3});  // bn2 and the block input
  CHECK(g.name(g.last()) == "add12");
  CHECK(inputs_of(g, g.last()) == std::vector<LayerId>{10, 0});
}

TEST_CASE("bottleneck and inverted residual blocks: parameters by hand", "[layers][dag]") {
  // Bottleneck 64 -> 256 (width 64) with projection: conv1 64*64 = 4096, bn1 128, conv2 64*64*9 =
  // 36,864, bn2 128, conv3 64*256 = 16,384, bn3 512, downsample 64*256 = 16,384 + bn 512:
  // 75,008 (torchvision's resnet50 layer1[0]).
  const LayerGraph b =
      graph_of(model("[64, 56, 56]", "{ type = \"bottleneck\", name = \"b\", out = 256 },\n"));
  std::uint64_t params = 0;
  for (LayerId i = 0; i < b.size(); ++i) params += b.layer(i).params;
  CHECK(params == 75008);
  CHECK(b.name(b.last()) == "b.relu3");
  CHECK(b.layer(b.last()).shape == Shape{256, 56, 56});
  // Inverted residual 16 -> 24, t = 6, stride 2 on 16x112x112: expand 16*96 = 1536, bn 192,
  // depthwise 96*9 = 864, bn 192, project 96*24 = 2304, bn 48: 5136; no add (stride 2).
  const LayerGraph ir = graph_of(
      model("[16, 112, 112]",
            "{ type = \"inverted_residual\", name = \"f\", out = 24, expansion = 6, stride = 2 },\n"
            "{ type = \"inverted_residual\", name = \"g\", out = 24, expansion = 6 },\n"));
  std::uint64_t first = 0;
  for (LayerId i = 0; i < ir.size(); ++i)
    if (ir.name(i).rfind("f.", 0) == 0) first += ir.layer(i).params;
  CHECK(first == 5136);
  CHECK(by_name(ir, "f.project.bn").shape == Shape{24, 56, 56});
  // The second has stride 1 and 24 -> 24: it ends in the skip add of its input (f.project.bn).
  CHECK(ir.name(ir.last()) == "g.add");
  CHECK(ir.name(ir.inputs(ir.last())[1]) == "f.project.bn");
  // t = 1 has no expand convolution: depthwise 32*9 = 288, bn 64, project 32*16 = 512, bn 32.
  const LayerGraph t1 = graph_of(model(
      "[32, 8, 8]", "{ type = \"inverted_residual\", name = \"h\", out = 16, expansion = 1 },\n"));
  CHECK(t1.name(0) == "h.depthwise.conv");
  params = 0;
  for (LayerId i = 0; i < t1.size(); ++i) params += t1.layer(i).params;
  CHECK(params == 896);
}

TEST_CASE("shapes that do not fit are input errors naming the layer and both shapes",
          "[layers][errors]") {
  CHECK(
      graph_error(model("[64, 56, 56]",
                        "{ type = \"conv2d\", name = \"down\", out = 128, kernel = 3, stride = 2, "
                        "padding = 1 },\n"
                        "{ type = \"add\", name = \"sum\", inputs = [\"down\", \"input\"] },\n")) ==
      "m.toml:8:1: layer 'sum' (add): input shapes differ: 'down' gives 128x28x28 but 'input' "
      "gives 64x56x56; an add needs equal shapes");
  CHECK(graph_error(
            model("[3, 4, 4]",
                  "{ type = \"conv2d\", name = \"c\", out = 8, kernel = 7, padding = 1 },\n")) ==
        "m.toml:7:1: layer 'c' (conv2d): kernel 7x7 does not fit the input 3x4x4 (padded to 6x6)");
  CHECK(graph_error(
            model("[3, 8, 8]", "{ type = \"conv2d\", out = 8, kernel = 3, dilation = 4 },\n")) ==
        "m.toml:7:1: layer 'conv2d1' (conv2d): kernel 3x3 with dilation 4x4 (spans 9x9) does not "
        "fit the input 3x8x8 (padded to 8x8)");
  CHECK(graph_error(
            model("[6, 8, 8]", "{ type = \"conv2d\", out = 8, kernel = 1, groups = 4 },\n")) ==
        "m.toml:7:1: layer 'conv2d1' (conv2d): groups = 4 must divide the input channels (6, input "
        "6x8x8) and out (8)");
  CHECK(graph_error(model("[6, 2, 2]", "{ type = \"maxpool\", kernel = 3 },\n")) ==
        "m.toml:7:1: layer 'maxpool1' (maxpool): kernel 3x3 does not fit the input 6x2x2 (padded "
        "to 2x2)");
  // A block checks its own keys: a bottleneck's inner width defaults to out / 4.
  CHECK(graph_error(model("[2, 1, 1]", "{ type = \"bottleneck\", name = \"b\", out = 6 },\n")) ==
        "m.toml:7:1: layer 'b' (bottleneck): out = 6 is not a multiple of 4; give the inner width "
        "(width = ...) explicitly");
}

TEST_CASE("bad layer inputs, names and keys are input errors", "[layers][errors]") {
  CHECK(
      graph_error(model(
          "8",
          "{ type = \"relu\", name = \"a\" },\n{ type = \"add\", inputs = [\"a\", \"b\"] },\n")) ==
      "m.toml:8:26: model.layers.inputs: 'b' is not an earlier layer or block; did you mean 'a'? "
      "(inputs name layers defined above, or \"input\" for the model's input)");
  CHECK(graph_error(model("8", "{ type = \"add\" },\n")) ==
        "m.toml:7:1: layer 'add1' (add): needs at least two inputs; name them with inputs = "
        "[\"a\", \"b\"]");
  CHECK(graph_error(model(
            "8", "{ type = \"relu\", name = \"a\" },\n{ type = \"relu\", name = \"a\" },\n")) ==
        "m.toml:8:1: layer name 'a' is used twice; names must be unique");
  // The model's input and a training schedule's label and loss own these names (training.h).
  CHECK(graph_error(model("8", "{ type = \"relu\", name = \"input\" },\n")) ==
        "m.toml:7:1: layer name 'input' is reserved for the model's input");
  for (const std::string reserved : {"label", "loss"}) {
    CAPTURE(reserved);
    CHECK(graph_error(model("8", "{ type = \"relu\", name = \"" + reserved + "\" },\n")) ==
          "m.toml:7:1: layer name '" + reserved +
              "' is reserved for the training schedule's label and loss");
  }
  CHECK(graph_error(model(
            "8",
            "{ type = \"relu\", name = \"a\" },\n{ type = \"relu\", inputs = [\"input\"] },\n")) ==
        "m.toml:7:1: layer 'a' (relu) is not read by any later layer; only the last layer is the "
        "model's output (name it in a later layer's inputs)");
  CHECK(graph_error(model("8", "{ type = \"conv\", out = 3 },\n")) ==
        "m.toml:7:1: unknown layer type 'conv'; did you mean 'conv2d'?; known layer types: dense, "
        "conv2d, depthwise, pointwise, batchnorm, relu, relu6, sigmoid, tanh, gelu, silu, maxpool, "
        "avgpool, global_avgpool, adaptive_avgpool, flatten, add, concat, dropout, linear, "
        "embedding, "
        "layernorm, softmax, attention_scores, attention_context, select_token; blocks: "
        "basic_block, bottleneck, inverted_residual, attention, transformer_block");
  CHECK(graph_error(model("[3, 8, 8]", "{ type = \"conv2d\", out = 3, kernal = 3 },\n")) ==
        "m.toml:7:38: unknown key 'kernal' for a conv2d layer; did you mean 'kernel'?");
  CHECK(
      graph_error(model("[3, 8, 8]", "{ type = \"conv2d\", out = 3 },\n")) ==
      "m.toml:7:1: layer 'conv2d1' (conv2d): needs 'kernel' (e.g. kernel = 3 or kernel = [3, 3])");
  CHECK(graph_error(model("[3, 8, 8]", "{ type = \"conv2d\", out = 3, kernel = [3, 3, 3] },\n")) ==
        "m.toml:7:38: model.layers.kernel: expected an integer of at least 1 or [height, width] of "
        "such");
}

}  // namespace
}  // namespace memsim
