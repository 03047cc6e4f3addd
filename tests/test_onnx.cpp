// ONNX models in (`[model] onnx = "file.onnx"`, policies/onnx/): the small models
// tools/make_onnx_models.py wrote into tests/data/onnx, graphs built here as onnx::ModelProto,
// torchvision's ResNet-18 against the zoo's, the error texts, and imported models run through
// `memsim info`, `memsim run` and a training schedule. Every expected count is derived in the
// comments from the node's attributes and docs/model.md's counting rules.
#include <onnx/onnx_pb.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "policies/models/layer_graph_builder.h"
#include "policies/onnx/onnx_graph_view.h"
#include "policies/onnx/onnx_import.h"
#include "policies/register_builtin.h"
#include "sim/core/simulation.h"
#include "sim/scenario/build_simulation.h"
#include "sim/scenario/scenario_parse.h"
#include "support/run_memsim.h"

namespace memsim {
namespace {

const std::string kHardware =
    "[hardware]\npreset = \"rtx-a6000\"\n[hardware.cache]\ncapacity = \"1 GiB\"\n";

std::string data_file(const std::string& name) {
  return test::source_path("tests/data/onnx/" + name);
}

// A scenario beside nothing: model.onnx is an absolute path (the shipped file), batch and dtype
// as given. Line 6 holds `onnx = ...` (col 8 its value).
struct Scenario {
  test::TempDir dir;
  std::string path;
  explicit Scenario(const std::string& onnx, const std::string& model_extra = "batch = 2\n") {
    path = dir.file("net.toml");
    std::ofstream(path) << kHardware << "[model]\nonnx = \"" << onnx << "\"\n" << model_extra;
  }
  LayerGraph graph() const {
    const ScenarioSpec spec = parse_scenario_file(path);
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

std::uint64_t total_params(const LayerGraph& g) {
  std::uint64_t sum = 0;
  for (const Layer& l : g.layers()) sum += l.params;
  return sum;
}

LayerId id_of(const LayerGraph& g, const std::string& name) {
  for (LayerId i = 0; i < g.size(); ++i)
    if (g.name(i) == name) return i;
  FAIL("no layer " << name);
  throw std::logic_error("unreachable");
}

const Layer& layer(const LayerGraph& g, const std::string& name) {
  return g.layer(id_of(g, name));
}

std::vector<std::string> input_names(const LayerGraph& g, const std::string& name) {
  std::vector<std::string> out;
  for (const LayerId in : g.inputs(id_of(g, name)))
    out.push_back(in == kModelInput ? "input" : g.name(in));
  return out;
}

TEST_CASE("tiny_cnn.onnx: one layer per node, named after it, batch and dtype from the scenario",
          "[onnx]") {
  const Scenario s(data_file("tiny_cnn.onnx"), "batch = 2\ndtype = \"bf16\"\n");
  const LayerGraph g = s.graph();
  CHECK(g.batch == 2);        // the file's input is [N, 3, 8, 8]: N is the scenario's
  CHECK(g.dtype_bytes == 2);  // bf16, though the file's tensors are float32
  CHECK(g.input == Shape{3, 8, 8});
  std::vector<std::string> names, types;
  for (LayerId i = 0; i < g.size(); ++i) {
    names.push_back(g.name(i));
    types.push_back(g.layer(i).type);
  }
  CHECK(names == std::vector<std::string>{"conv", "bn", "relu", "pool", "relu6", "avg", "gap",
                                          "flatten", "drop", "fc", "softmax"});
  CHECK(types == std::vector<std::string>{"conv2d", "batchnorm", "relu", "maxpool", "relu6",
                                          "avgpool", "global_avgpool", "flatten", "dropout",
                                          "dense", "softmax"});
  // Conv 3 -> 4, 3x3, pads 1, bias: [4, 8, 8]; 4*3*3*3 + 4 = 112 parameters; 8*8*4*27 = 6,912
  // multiply-adds a sample, x 2 samples x 2 FLOPs = 27,648.
  CHECK(layer(g, "conv").shape == Shape{4, 8, 8});
  CHECK(layer(g, "conv").params == 112);
  CHECK(layer(g, "conv").flops_forward == 27648);
  // BatchNormalization: 2 x 4 channels; 2 FLOPs per element: 2 x 256 x 2 = 1,024.
  CHECK(layer(g, "bn").params == 8);
  CHECK(layer(g, "bn").flops_forward == 1024);
  // MaxPool 2x2 stride 2: [4, 4, 4]; 4 comparisons per output: 2 x 64 x 4 = 512.
  CHECK(layer(g, "pool").shape == Shape{4, 4, 4});
  CHECK(layer(g, "pool").flops_forward == 512);
  // Clip(0, 6): relu6, 1 FLOP per element: 2 x 64.
  CHECK(layer(g, "relu6").flops_forward == 128);
  // AveragePool 2x2 stride 2: [4, 2, 2]; GlobalAveragePool: [4, 1, 1], 16 additions a sample.
  CHECK(layer(g, "avg").shape == Shape{4, 2, 2});
  CHECK(layer(g, "gap").flops_forward == 2 * 16);
  // Flatten: 4 features. Dropout (ratio absent: ONNX's default 0.5): a 1-byte mask per element.
  CHECK(layer(g, "flatten").shape == Shape{4, 1, 1});
  REQUIRE(layer(g, "drop").extras.size() == 1);
  CHECK(layer(g, "drop").extras[0].bytes() == 2 * 4);
  // Gemm with transB = 1, B [5, 4], C [5]: 5 outputs, 4*5 + 5 = 25 parameters, 2 x 2 x 20 FLOPs.
  CHECK(layer(g, "fc").shape == Shape{5, 1, 1});
  CHECK(layer(g, "fc").params == 25);
  CHECK(layer(g, "fc").flops_forward == 80);
  CHECK(total_params(g) == 112 + 8 + 25);
}

TEST_CASE("branches.onnx: Concat and Add join branches, Identity adds no layer, Reshape flattens",
          "[onnx]") {
  const Scenario s(data_file("branches.onnx"), "");
  const LayerGraph g = s.graph();
  CHECK(g.batch == 1);
  REQUIRE(g.size() == 9);  // 10 nodes; Identity 'same' is no layer
  // branch_a: 1x1 conv 2 -> 3 (6 parameters); branch_b: 3x3 pads 1, 2 -> 3 (54).
  CHECK(layer(g, "branch_a").params == 6);
  CHECK(layer(g, "branch_b").params == 54);
  // Concat on axis 1: 3 + 3 channels at 4x4, reading both branches; no parameters, no FLOPs.
  const Layer& cat = layer(g, "concat");
  CHECK(cat.type == "concat");
  CHECK(cat.shape == Shape{6, 4, 4});
  CHECK(input_names(g, "concat") == std::vector<std::string>{"branch_a", "branch_b"});
  CHECK(cat.flops_forward == 0);
  // 'residual' adds mix and Identity(concat): it reads the concat layer itself.
  CHECK(input_names(g, "residual") == std::vector<std::string>{"mix", "concat"});
  // Reshape to [0, -1]: 6*4*4 = 96 features; MatMul by [96, 3]: dense, 288 parameters.
  CHECK(layer(g, "to_features").type == "flatten");
  CHECK(layer(g, "to_features").shape == Shape{96, 1, 1});
  CHECK(layer(g, "proj").type == "dense");
  CHECK(layer(g, "proj").params == 96 * 3);
  CHECK(total_params(g) == 6 + 54 + 6 * 6 + 288);
}

TEST_CASE("sequence.onnx: MatMul + Add of a bias is one linear layer with bias", "[onnx]") {
  const Scenario s(data_file("sequence.onnx"));
  const LayerGraph g = s.graph();
  // Input [N, 8, 16]: 16 features at 8 positions.
  CHECK(g.input == Shape{16, 8, 1});
  std::vector<std::string> names;
  for (LayerId i = 0; i < g.size(); ++i) names.push_back(g.name(i) + ":" + g.layer(i).type);
  // The Adds fc1_bias and fc2_bias fold into the MatMuls before them (each MatMul's only
  // reader, each bias [out]); Gelu is ONNX Runtime's com.microsoft op.
  CHECK(names == std::vector<std::string>{"ln:layernorm", "fc1:linear", "gelu:gelu", "fc2:linear",
                                          "drop:dropout", "softmax:softmax"});
  CHECK(layer(g, "ln").params == 2 * 16);
  // fc1: 16 -> 32 with bias: 16*32 + 32 = 544; 2 samples x 8 positions x 512 multiply-adds x 2.
  CHECK(layer(g, "fc1").params == 544);
  CHECK(layer(g, "fc1").shape == Shape{32, 8, 1});
  CHECK(layer(g, "fc1").flops_forward == 2.0 * 2 * 8 * 16 * 32);
  // fc2: 32 -> 16 with bias (the bias is the Add's first input): 32*16 + 16 = 528.
  CHECK(layer(g, "fc2").params == 528);
  CHECK(layer(g, "fc2").shape == Shape{16, 8, 1});
  // Dropout mask: 2 x 8 x 16 bytes.
  CHECK(layer(g, "drop").extras.at(0).bytes() == 256);
  CHECK(total_params(g) == 32 + 544 + 528);
}

TEST_CASE("concat as a written layer: channels summed, nothing counted, sizes must agree",
          "[onnx][layers]") {
  const auto build = [](const std::string& second_stride) {
    return parse_scenario_text(
        "[hardware.cache]\ncapacity = \"4 tensors\"\n[model]\nbatch = 2\ninput = [3, 8, "
        "8]\nlayers = [\n"
        "{ type = \"conv2d\", name = \"a\", out = 4, kernel = 1 },\n"
        "{ type = \"conv2d\", name = \"b\", out = 5, kernel = 1, stride = " +
            second_stride +
            ", inputs = [\"input\"] },\n"
            "{ type = \"concat\", name = \"cat\", inputs = [\"a\", \"b\"] },\n]\n",
        "m.toml");
  };
  // a: [4, 8, 8], b: [5, 8, 8] -> [9, 8, 8]; a copy: no parameters, 0 FLOPs, saves nothing.
  const LayerGraph g = build_layer_graph(*build("1").model);
  const Layer& cat = g.layer(g.last());
  CHECK(cat.shape == Shape{9, 8, 8});
  CHECK(cat.params == 0);
  CHECK(cat.flops_forward + cat.flops_backward_data + cat.flops_backward_weight == 0);
  CHECK(cat.backward_data_reads.empty());
  CHECK(cat.extras.empty());
  // b with stride 2 is [5, 4, 4]: the heights differ (line 9: the concat entry).
  try {
    build_layer_graph(*build("2").model);
    FAIL("no error");
  } catch (const ScenarioError& e) {
    CHECK(std::string(e.what()) ==
          "m.toml:9:1: layer 'cat' (concat): input sizes differ: 'a' gives 4x8x8 but 'b' gives "
          "5x4x4; a concat needs equal height and width");
  }
}

// Multiply-adds of the convolutions and dense layers, for the whole batch.
double macs(const LayerGraph& g) {
  double sum = 0;
  for (const Layer& l : g.layers()) sum += l.macs;
  return sum;
}

TEST_CASE("torchvision's ResNet-18 exported to ONNX imports with the zoo's parameters and FLOPs",
          "[onnx][zoo]") {
  // scenarios/onnx/resnet18.onnx: torch.onnx.export of torchvision.models.resnet18() (training mode
  // PRESERVE, so the batch-norms stay nodes), initializers kept as shapes only.
  const Scenario s(test::source_path("scenarios/onnx/resnet18.onnx"), "batch = 1\n");
  const LayerGraph onnx = s.graph();
  const ScenarioSpec zoo_spec =
      parse_scenario_file(test::source_path("scenarios/models/resnet18.toml"));
  const LayerGraph zoo = build_layer_graph(*zoo_spec.model);
  // torchvision's published figure: 11,689,512 parameters (sum of p.numel()).
  CHECK(total_params(zoo) == 11689512);
  CHECK(total_params(onnx) == total_params(zoo));
  // Multiply-adds, 224x224: conv1 112*112*64*3*49 = 118,013,952; layer1 4 x 56*56*64*64*9 =
  // 462,422,016; layers 2-4 each 28*28*128*64*9 (57,802,752) + 3 x 115,605,504 + the 1x1
  // projection 6,422,528 = 411,041,792 (the same at 14x14 and 7x7, as channels double); fc
  // 512,000. Sum 1,814,073,344 (torchvision: 1.81 GFLOPS).
  CHECK(macs(onnx) == 1814073344.0);
  CHECK(macs(zoo) == macs(onnx));
  // Layer by layer in the same order: conv1, bn1, relu, maxpool, then per block conv1, bn1,
  // relu, conv2, bn2, (downsample conv, bn), add, relu; avgpool, flatten, fc. Same types,
  // shapes, parameters and FLOPs (forward and both backward kinds).
  REQUIRE(onnx.size() == zoo.size());
  // Stem 4, 8 blocks of 7 (conv1, bn1, relu, conv2, bn2, add, relu), 3 projections of 2, head 3.
  REQUIRE(onnx.size() == 4 + 8 * 7 + 3 * 2 + 3);
  std::map<std::string, int> types;
  for (LayerId i = 0; i < zoo.size(); ++i) {
    const Layer& a = onnx.layer(i);
    const Layer& b = zoo.layer(i);
    INFO(onnx.name(i) << " vs " << zoo.name(i));
    CHECK(a.type == b.type);
    CHECK(a.shape == b.shape);
    CHECK(a.params == b.params);
    CHECK(a.flops_forward == b.flops_forward);
    CHECK(a.flops_backward_data == b.flops_backward_data);
    CHECK(a.flops_backward_weight == b.flops_backward_weight);
    CHECK(a.backward_data_reads == b.backward_data_reads);  // what autograd saves
    CHECK(a.backward_weight_reads == b.backward_weight_reads);
    CHECK(a.extras.size() == b.extras.size());
    ++types[a.type];
  }
  // 20 convolutions (1 + 16 + 3 projections), 20 batch-norms, 17 ReLUs (1 + 2 per block), 8
  // adds, a max-pool, a global average pool, a flatten and the fc: 69.
  CHECK(types == std::map<std::string, int>{{"conv2d", 20},
                                            {"batchnorm", 20},
                                            {"relu", 17},
                                            {"add", 8},
                                            {"maxpool", 1},
                                            {"global_avgpool", 1},
                                            {"flatten", 1},
                                            {"dense", 1}});
  CHECK(onnx.name(0) == "/conv1/Conv");
  CHECK(onnx.name(onnx.last()) == "/fc/Gemm");
}

TEST_CASE("torchvision's MobileNetV2 exported to ONNX imports with the zoo's parameters and FLOPs",
          "[onnx][zoo]") {
  // mobilenet_v2.onnx: exported as ResNet-18's (tools/make_onnx_models.py). Its ReLU6 are Clip
  // nodes with Constant bounds 0 and 6, its depthwise convolutions Conv nodes with group =
  // channels. The eval-mode export has no Dropout node (the classifier's Dropout(0.2) is an
  // identity in eval mode); the zoo file has it, so it is left out of the comparison: it has no
  // parameters and its FLOPs (1 per element of 1,280 features) are not multiply-adds.
  const Scenario s(data_file("mobilenet_v2.onnx"), "batch = 1\n");
  const LayerGraph onnx = s.graph();
  const ScenarioSpec zoo_spec =
      parse_scenario_file(test::source_path("scenarios/models/mobilenet_v2.toml"));
  LayerGraph zoo = build_layer_graph(*zoo_spec.model);
  // torchvision's published figure: 3,504,872 parameters.
  CHECK(total_params(onnx) == 3504872);
  CHECK(total_params(zoo) == total_params(onnx));
  CHECK(macs(onnx) == macs(zoo));
  std::vector<LayerId> zoo_layers;
  for (LayerId i = 0; i < zoo.size(); ++i)
    if (zoo.layer(i).type != "dropout") zoo_layers.push_back(i);
  REQUIRE(onnx.size() == zoo_layers.size());
  for (LayerId i = 0; i < zoo_layers.size(); ++i) {
    const Layer& a = onnx.layer(i);
    const Layer& b = zoo.layer(zoo_layers[i]);
    INFO(onnx.name(i) << " vs " << zoo.name(zoo_layers[i]));
    // The zoo writes depthwise convolutions as `depthwise` and 1x1 ones as `pointwise`; ONNX
    // has Conv for both: conv2d (with group = channels for the depthwise ones).
    CHECK((a.type == b.type ||
           (a.type == "conv2d" && (b.type == "depthwise" || b.type == "pointwise"))));
    CHECK(a.shape == b.shape);
    CHECK(a.params == b.params);
    CHECK(a.flops_forward == b.flops_forward);
    CHECK(a.flops_backward_data == b.flops_backward_data);
    CHECK(a.flops_backward_weight == b.flops_backward_weight);
    // What autograd saves: the same, ReLU6 included (Clip is out of place, as torchvision's
    // ReLU6(): it saves its input).
    CHECK(a.backward_data_reads == b.backward_data_reads);
    CHECK(a.backward_weight_reads == b.backward_weight_reads);
    CHECK(a.extras.size() == b.extras.size());
  }
  // 52 convolutions with 52 batch-norms, 35 ReLU6 (one after each conv but the projections:
  // 52 - 17 blocks), 10 residual adds, the pool, flatten and classifier: 52+52+35+10+3 = 152.
  CHECK(onnx.size() == 152);
}

TEST_CASE("memsim fit answers the same for the imported ResNet-18 as for the zoo's",
          "[onnx][cli]") {
  // Same layers, shapes, saved tensors and op order (the test above): the same peak live at
  // every batch, so the same largest batch and peak bytes on the A6000's 48 GiB.
  const auto fit = [](const std::string& scenario) {
    const auto r = test::run_memsim("fit " + test::source_path(scenario) +
                                    " --set schedule.kind=training --format json");
    REQUIRE(r.status == 0);
    return nlohmann::json::parse(r.out);
  };
  const auto onnx = fit("scenarios/onnx/resnet18.toml");
  const auto zoo = fit("scenarios/models/resnet18.toml");
  CHECK(onnx["largest"] == zoo["largest"]);
  CHECK(onnx["at_largest"]["peak_live_bytes"] == zoo["at_largest"]["peak_live_bytes"]);
  CHECK(onnx["at_largest"]["peak_op"] == "/layer4/layer4.1/bn2/BatchNormalization.dX");
  CHECK(zoo["at_largest"]["peak_op"] == "layer4.1.bn2.dX");  // the same layer, named by the zoo
}

// An onnx::ModelProto built here (opset 13, IR 8), initializers with dims only.
struct Graph {
  onnx::ModelProto model;
  onnx::GraphProto& g = *model.mutable_graph();
  explicit Graph(std::int64_t opset = 13) {
    model.set_ir_version(8);
    auto* op = model.add_opset_import();
    op->set_domain("");
    op->set_version(opset);
    g.set_name("test");
  }
  // dims: -1 for the batch (a symbolic "N").
  void value(onnx::ValueInfoProto* v, const std::string& name, const OnnxDims& dims) {
    v->set_name(name);
    auto* t = v->mutable_type()->mutable_tensor_type();
    t->set_elem_type(onnx::TensorProto::FLOAT);
    auto* shape = t->mutable_shape();
    for (const std::int64_t d : dims) {
      if (d < 0)
        shape->add_dim()->set_dim_param("N");
      else
        shape->add_dim()->set_dim_value(d);
    }
  }
  void input(const std::string& name, const OnnxDims& dims) { value(g.add_input(), name, dims); }
  void output(const std::string& name) {
    auto* v = g.add_output();
    v->set_name(name);
    v->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
  }
  // A weight stored as its shape only (no values): what "weights absent" means.
  void weight(const std::string& name, const OnnxDims& dims) {
    auto* t = g.add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::FLOAT);
    for (const std::int64_t d : dims) t->add_dims(d);
  }
  onnx::NodeProto& node(const std::string& op, const std::vector<std::string>& inputs,
                        const std::string& output, const std::string& name) {
    onnx::NodeProto& n = *g.add_node();
    n.set_op_type(op);
    n.set_name(name);
    for (const auto& i : inputs) n.add_input(i);
    n.add_output(output);
    return n;
  }
  static void ints(onnx::NodeProto& n, const std::string& name, const OnnxDims& values) {
    auto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INTS);
    for (const std::int64_t v : values) a->add_ints(v);
  }
  static void integer(onnx::NodeProto& n, const std::string& name, std::int64_t value) {
    auto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(value);
  }
  // A Constant node holding one float.
  void constant(const std::string& output, float value) {
    onnx::NodeProto& n = node("Constant", {}, output, output);
    auto* a = n.add_attribute();
    a->set_name("value");
    a->set_type(onnx::AttributeProto::TENSOR);
    a->mutable_t()->set_data_type(onnx::TensorProto::FLOAT);
    a->mutable_t()->add_float_data(value);
  }
};

ModelSpec model_spec(std::uint64_t batch = 4) {
  ModelSpec m;
  m.batch = batch;
  m.onnx = "built.onnx";
  return m;
}

std::string import_error(const Graph& graph) {
  try {
    import_onnx_model(model_spec(), graph.model);
  } catch (const ScenarioError& e) {
    return e.what();
  }
  return "";
}

TEST_CASE("a graph built in the test: stored shapes without weights, Gemm without transB",
          "[onnx]") {
  Graph t;
  t.input("x", {-1, 3, 32, 32});
  t.weight("w", {8, 3, 3, 3});
  t.weight("fc.w", {8, 10});
  t.weight("fc.b", {10});
  auto& conv = t.node("Conv", {"x", "w"}, "c", "conv");
  Graph::ints(conv, "kernel_shape", {3, 3});
  Graph::ints(conv, "strides", {2, 2});
  Graph::ints(conv, "pads", {1, 1, 1, 1});
  t.node("Relu", {"c"}, "r", "relu");
  t.node("GlobalAveragePool", {"r"}, "p", "gap");
  t.node("Flatten", {"p"}, "f", "flat");
  t.node("Gemm", {"f", "fc.w", "fc.b"}, "y", "fc");
  t.output("y");
  const LayerGraph g = import_onnx_model(model_spec(4), t.model);
  REQUIRE(g.size() == 5);
  // (32 + 2*1 - 3) / 2 + 1 = 16: [8, 16, 16]; 8*3*3*3 = 216 parameters, no bias; 16*16*8*27 =
  // 55,296 multiply-adds a sample, x 4 samples.
  CHECK(g.layer(0).shape == Shape{8, 16, 16});
  CHECK(g.layer(0).params == 216);
  CHECK(g.layer(0).macs == 4.0 * 55296);
  // Gemm, transB = 0: B [8, 10] is [K, out]: 10 outputs, 8*10 + 10 = 90 parameters.
  CHECK(g.layer(4).shape == Shape{10, 1, 1});
  CHECK(g.layer(4).params == 90);
}

TEST_CASE("Clip(0, 6) from Constant nodes is relu6, other bounds are refused", "[onnx]") {
  const float high = GENERATE(6.0f, 1.0f);
  Graph t;
  t.input("x", {-1, 4});
  t.constant("lo", 0);
  t.constant("hi", high);
  t.node("Identity", {"hi"}, "hi2", "same");  // a constant through Identity stays a constant
  t.node("Clip", {"x", "lo", "hi2"}, "y", "clip");
  t.output("y");
  if (high == 6.0f) {
    const LayerGraph g = import_onnx_model(model_spec(), t.model);
    REQUIRE(g.size() == 1);
    CHECK(g.layer(0).type == "relu6");
    CHECK(g.name(0) == "clip");
  } else {
    CHECK(import_error(t) ==
          "model.onnx: 'built.onnx': node 'clip' (op type Clip) is not Clip(0, 6) with both "
          "bounds stored; memsim maps Clip as relu6 only");
  }
}

TEST_CASE("Clip(0, 6) with attribute bounds (opset 6) is relu6 too", "[onnx]") {
  Graph t(6);  // before opset 11 min and max are float attributes
  t.input("x", {-1, 4});
  auto& clip = t.node("Clip", {"x"}, "y", "clip");
  for (const auto& [name, value] : {std::pair{"min", 0.0f}, std::pair{"max", 6.0f}}) {
    auto* a = clip.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::FLOAT);
    a->set_f(value);
  }
  t.output("y");
  const LayerGraph g = import_onnx_model(model_spec(), t.model);
  REQUIRE(g.size() == 1);
  CHECK(g.layer(0).type == "relu6");
}

TEST_CASE("an Add of a constant that is not a MatMul's bias is refused with the node named",
          "[onnx]") {
  // The MatMul's output has a second reader (the final Add), so the bias cannot fold into it.
  Graph t;
  t.input("x", {-1, 4});
  t.weight("w", {4, 4});
  t.weight("b", {4});
  t.node("MatMul", {"x", "w"}, "m", "mm");
  t.node("Add", {"m", "b"}, "a", "bias");
  t.node("Add", {"a", "m"}, "y", "sum");
  t.output("y");
  CHECK(import_error(t) ==
        "model.onnx: 'built.onnx': node 'bias' (op type Add) adds a stored constant that is not "
        "the bias of the MatMul before it; memsim maps adds of activations, and MatMul + Add of "
        "a bias [out]");
}

TEST_CASE("windows memsim cannot count are refused with the node and its attribute", "[onnx]") {
  Graph t;
  t.input("x", {-1, 2, 8, 8});
  t.weight("w", {2, 2, 3, 3});
  auto& conv = t.node("Conv", {"x", "w"}, "y", "conv");
  const int which = GENERATE(0, 1, 2, 3);
  if (which == 0) Graph::ints(conv, "pads", {0, 0, 1, 1});
  if (which == 1) {
    auto* a = conv.add_attribute();
    a->set_name("auto_pad");
    a->set_type(onnx::AttributeProto::STRING);
    a->set_s("SAME_UPPER");
  }
  if (which == 2) Graph::ints(conv, "strides", {0, 1});
  if (which == 3) Graph::integer(conv, "group", -1);
  t.output("y");
  const std::string expected[] = {
      "has asymmetric pads [0, 0, 1, 1]; memsim pads both sides alike",
      "uses auto_pad = SAME_UPPER; memsim maps explicit pads (NOTSET) and VALID",
      "has strides [0, 1]; each must be from 1 to 2147483647",
      "has group -1; it must be at least 1",
  };
  CHECK(import_error(t) ==
        "model.onnx: 'built.onnx': node 'conv' (op type Conv) " + expected[which]);
}

TEST_CASE("a Conv whose weight's rank is not its input's is refused, not read out of bounds",
          "[onnx]") {
  // No kernel_shape: ONNX 1.12 would take the kernel from the 4-D weight and index the 3-D
  // input's dimensions past its end. memsim gives it kernel_shape [3, 3] from the weight first,
  // so ONNX compares the ranks (and, not strict, leaves the output unknown); the Conv rule then
  // refuses data that is not [N, C, H, W].
  Graph t;
  t.input("x", {-1, 2, 8});
  t.weight("w", {2, 2, 3, 3});
  t.node("Conv", {"x", "w"}, "y", "conv");
  t.output("y");
  CHECK(import_error(t) ==
        "model.onnx: 'built.onnx': node 'conv' (op type Conv) reads [?, 2, 8]; memsim maps 2-D "
        "convolutions of [N, C, H, W]");
  // Without a stored weight memsim refuses the Conv before shape inference.
  Graph u;
  u.input("x", {-1, 2, 8, 8});
  u.input("w", {2, 2, 3, 3});
  u.node("Conv", {"x", "w"}, "y", "conv");
  u.output("y");
  CHECK(import_error(u) ==
        "model.onnx: 'built.onnx': node 'conv' (op type Conv) has no stored weight (an "
        "initializer) at input 2; memsim maps products by a stored weight");
}

TEST_CASE("a graph with two inputs, or an op of another domain, is refused", "[onnx]") {
  Graph two;
  two.input("a", {-1, 4});
  two.input("b", {-1, 4});
  two.node("Add", {"a", "b"}, "y", "sum");
  two.output("y");
  CHECK(import_error(two) ==
        "model.onnx: 'built.onnx' has 2 graph inputs besides its initializers; memsim models have "
        "one input");
  Graph custom;
  auto* domain = custom.model.add_opset_import();  // the file declares the domain it uses
  domain->set_domain("com.example");
  domain->set_version(1);
  custom.input("x", {-1, 4});
  custom.node("Relu", {"x"}, "y", "odd").set_domain("com.example");
  custom.output("y");
  CHECK(import_error(custom) ==
        "model.onnx: 'built.onnx': node 'odd' (op type Relu) is in domain 'com.example', which "
        "memsim does not map");
}

TEST_CASE("memsim names the unmappable node, its op type and the file, exit 2", "[onnx][cli]") {
  const Scenario s(data_file("unmappable.onnx"));
  const auto r = test::run_memsim("run " + s.path);
  CHECK(r.status == 2);
  CHECK(r.out.empty());
  // unmappable.onnx: Conv, then an Einsum node named 'mystery'.
  CHECK(r.err == s.path + ":6:8: model.onnx: '" + data_file("unmappable.onnx") +
                     "': node 'mystery' (op type Einsum) has no memsim layer; memsim maps Conv, "
                     "Gemm, MatMul, Relu, Sigmoid, Tanh, Gelu, Clip, BatchNormalization, "
                     "LayerNormalization, MaxPool, AveragePool, GlobalAveragePool, Flatten, "
                     "Reshape, Add, Concat, Softmax, Dropout, Identity and Constant\n");
}

TEST_CASE("a missing or unparsable ONNX file is one line naming it, exit 2", "[onnx][cli]") {
  const test::TempDir dir;
  const std::string scenario = dir.file("s.toml");
  std::ofstream(dir.file("text.onnx")) << "not an ONNX model\n";  // 'n': wire type 6, invalid
  std::ofstream(dir.file("empty.onnx"));                          // parses: an empty message
  const std::string file = GENERATE(as<std::string>{}, "missing.onnx", "text.onnx", "empty.onnx");
  std::ofstream(scenario) << kHardware << "[model]\nonnx = \"" << file << "\"\n";
  const auto r = test::run_memsim("info " + scenario);
  CHECK(r.status == 2);
  const std::string at = scenario + ":6:8: model.onnx: '" + dir.file(file) + "'";
  if (file == "missing.onnx")
    CHECK(r.err == at +
                       ": cannot open the ONNX file: No such file or directory (paths are relative "
                       "to the scenario file)\n");
  if (file == "text.onnx")
    CHECK(r.err == at + " is not an ONNX model (its bytes do not parse as an ONNX ModelProto)\n");
  if (file == "empty.onnx")
    CHECK(r.err == at + " is not an ONNX model (no IR version or no graph nodes)\n");
}

TEST_CASE("a memsim binary without the ONNX module beside it says so in one line, exit 2",
          "[onnx][cli]") {
  // memsim loads its ONNX reader from memsim_onnx.so in its own folder (onnx_reader.h); beside
  // the built binary it is there (the tests above run it on ONNX models).
  const Scenario s(data_file("unmappable.onnx"));
  // A copy of the binary alone in a folder: no module, one line naming where it looked, exit 2;
  // a scenario without ONNX still runs.
  const test::TempDir alone;
  const std::string copy = alone.file("memsim");
  std::filesystem::copy_file(MEMSIM_BINARY, copy);
  const auto r = test::run_command(copy + " info " + s.path);
  CHECK(r.status == 2);
  CHECK(r.out.empty());
  const std::string module = alone.file("memsim_onnx.so");
  CHECK(r.err == s.path + ":6:8: model.onnx: cannot read ONNX models: the reader module " + module +
                     " did not load (" + module +
                     ": cannot open shared object file: No such file or directory); it is built "
                     "next to the memsim binary\n");
  const auto plain = test::run_command(
      copy + " info " + test::source_path("scenarios/lecture/mlp3-double-buffer.toml"));
  CHECK(plain.status == 0);
}

TEST_CASE("model.onnx replaces input and layers", "[onnx]") {
  const Scenario s(data_file("tiny_cnn.onnx"), "input = 3\n");
  CHECK(s.error() == s.path +
                         ":7:9: model.input: not used with model.onnx (the ONNX file gives the "
                         "input and the layers); remove it");
}

TEST_CASE("an imported model runs as inference and training, every step verified", "[onnx][run]") {
  const Registry registry = builtin_registry();
  const std::string kind = GENERATE(as<std::string>{}, "inference", "training");
  INFO(kind);
  const Scenario s(data_file("tiny_cnn.onnx"));
  const std::vector<std::string> overrides{"schedule.kind=" + kind};
  const ScenarioSpec spec = parse_scenario_file(s.path, overrides);
  const Simulation sim = build_simulation(spec, registry);
  const RunResult result = run_simulation(sim);  // throws ScheduleError if the verifier objects
  // A 1 GiB cache holds everything: X0 and each weight load once. Weights: conv, bn, fc (the
  // layers with parameters) = 3, + X0 = 4; training also loads the label: 5.
  CHECK(result.counts.loads == (kind == "inference" ? 4u : 5u));
  // `memsim run` and `memsim info` on the same scenario from the command line.
  const auto run = test::run_memsim("run " + s.path + " --set schedule.kind=" + kind);
  CHECK(run.status == 0);
  CHECK(run.out.find("verified       every step replayed by the verifier") != std::string::npos);
  const auto info =
      test::run_memsim("info " + s.path + " --format json --set schedule.kind=" + kind);
  REQUIRE(info.status == 0);
  const auto json = nlohmann::json::parse(info.out);
  CHECK(json["params"] == 145);  // tiny_cnn.onnx: 112 + 8 + 25 (first test case)
  CHECK(json["layers"][0]["name"] == "conv");
  CHECK(json["layers"][9]["name"] == "fc");
}

}  // namespace
}  // namespace memsim
