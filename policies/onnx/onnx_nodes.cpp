// The node -> layer rules of onnx_nodes.h, one function per op type. Each reads the node's
// attributes and the shapes ONNX inferred, and writes the layer keys a user would write in
// `layers = [...]` (policies/models/layer_types.cpp), so the layer is then counted by the same
// builder as a written one.
#include "policies/onnx/onnx_nodes.h"

#include <algorithm>

namespace memsim {
namespace {

LayerParam integer(std::int64_t v) {
  return LayerParam{v, {}};
}
LayerParam pair(std::int64_t a, std::int64_t b) {
  return LayerParam{std::vector<std::int64_t>{a, b}, {}};
}
LayerParam flag(bool v) {
  return LayerParam{v, {}};
}

// What every rule reads: the graph, the node and its non-constant inputs.
struct Node {
  OnnxGraphView& view;
  const onnx::NodeProto& node;
  std::vector<std::string> activations;  // its inputs that are not constants, in order

  [[noreturn]] void fail(const std::string& message) const { view.fail(node, message); }

  const onnx::AttributeProto* attribute(const char* name) const {
    for (const auto& a : node.attribute())
      if (a.name() == name) return &a;
    return nullptr;
  }
  std::int64_t int_attr(const char* name, std::int64_t fallback) const {
    const auto* a = attribute(name);
    return a ? a->i() : fallback;
  }
  OnnxDims ints_attr(const char* name, OnnxDims fallback) const {
    const auto* a = attribute(name);
    return a ? OnnxDims(a->ints().begin(), a->ints().end()) : fallback;
  }
  // Input i when the node has it (optional inputs may be missing or named "").
  const std::string* input(int i) const {
    return i < node.input_size() && !node.input(i).empty() ? &node.input(i) : nullptr;
  }
  // The rules below read exactly one activation (and constants: weights, biases, bounds).
  void one_activation() const {
    if (activations.size() != 1 || !input(0) || *input(0) != activations[0])
      fail("reads " + std::to_string(activations.size()) +
           " activations; memsim maps it when its first input is the only one that is not a "
           "stored initializer or constant");
  }
  // The stored weight at input i (its shape; its values need not be stored).
  const OnnxDims& weight(int i) const {
    if (!input(i) || !view.is_constant(*input(i)))
      fail("has no stored weight (an initializer) at input " + std::to_string(i + 1) +
           "; memsim maps products by a stored weight");
    const OnnxDims& dims = view.shape(node, *input(i));
    for (const std::int64_t d : dims)
      if (d < 1)
        fail("has a weight of shape " + to_text(dims) +
             "; memsim needs every dimension known and positive");
    return dims;
  }
  const OnnxDims& data_shape() const { return view.shape(node, activations.at(0)); }
  // The axis attribute (default `fallback`) as a non-negative index into a rank-`rank` tensor.
  std::int64_t axis(std::int64_t fallback, std::size_t rank) const {
    const std::int64_t a = int_attr("axis", fallback);
    return a < 0 ? a + static_cast<std::int64_t>(rank) : a;
  }
};

// memsim's feature axis (Shape::c) of an ONNX tensor of this rank: [N, C, H, W] -> 1,
// [N, seq, features] -> 2, [N, features] -> 1 (onnx_import.cpp reads the input so).
std::int64_t feature_axis(std::size_t rank) {
  return rank == 3 ? 2 : 1;
}

// Kernel, stride and symmetric padding of a 2-D window (Conv, MaxPool, AveragePool); their
// values were checked before shape inference (onnx_attribute_guard.h).
void window(const Node& n, LayerSpec& spec, const OnnxDims& kernel) {
  if (const auto* a = n.attribute("auto_pad"); a && a->s() != "NOTSET" && a->s() != "VALID")
    n.fail("uses auto_pad = " + a->s() + "; memsim maps explicit pads (NOTSET) and VALID");
  if (kernel.size() != 2) n.fail("is not two-dimensional (kernel " + to_text(kernel) + ")");
  const OnnxDims strides = n.ints_attr("strides", {1, 1});
  const OnnxDims pads = n.ints_attr("pads", {0, 0, 0, 0});
  if (strides.size() != 2 || pads.size() != 4)
    n.fail("is not two-dimensional (strides " + to_text(strides) + ", pads " + to_text(pads) + ")");
  if (pads[0] != pads[2] || pads[1] != pads[3])
    n.fail("has asymmetric pads " + to_text(pads) + "; memsim pads both sides alike");
  spec.params["kernel"] = pair(kernel[0], kernel[1]);
  spec.params["stride"] = pair(strides[0], strides[1]);
  spec.params["padding"] = pair(pads[0], pads[1]);
}

void conv(const Node& n, LayerSpec& spec) {
  n.one_activation();
  const OnnxDims& w = n.weight(1);
  if (w.size() != 4) n.fail("is not two-dimensional (weight " + to_text(w) + ")");
  if (n.data_shape().size() != 4)
    n.fail("reads " + to_text(n.data_shape()) + "; memsim maps 2-D convolutions of [N, C, H, W]");
  spec.type = "conv2d";
  spec.params["out"] = integer(w[0]);
  window(n, spec, n.ints_attr("kernel_shape", {w[2], w[3]}));
  const OnnxDims dilations = n.ints_attr("dilations", {1, 1});
  if (dilations.size() != 2)
    n.fail("is not two-dimensional (dilations " + to_text(dilations) + ")");
  spec.params["dilation"] = pair(dilations[0], dilations[1]);
  spec.params["groups"] = integer(n.int_attr("group", 1));
  spec.params["bias"] = flag(n.input(2) != nullptr);
}

void gemm(const Node& n, LayerSpec& spec) {
  n.one_activation();
  if (n.int_attr("transA", 0) != 0) n.fail("has transA = 1; memsim maps A [N, K] by a weight");
  const OnnxDims& w = n.weight(1);
  if (w.size() != 2) n.fail("has a weight of shape " + to_text(w) + ", not a matrix");
  spec.type = "dense";
  spec.params["out"] = integer(n.int_attr("transB", 0) ? w[0] : w[1]);
  spec.params["bias"] = flag(n.input(2) != nullptr);
}

// MatMul by a weight: dense on [N, K], linear (per position) on [N, seq, K]. No bias key: an
// Add of a bias right after it may still set one (fold_bias).
void matmul(const Node& n, LayerSpec& spec) {
  n.one_activation();
  const OnnxDims& w = n.weight(1);
  const OnnxDims& x = n.data_shape();
  if (w.size() != 2) n.fail("has a weight of shape " + to_text(w) + ", not a matrix");
  if (x.size() != 2 && x.size() != 3)
    n.fail("reads " + to_text(x) + "; memsim maps [N, K] and [N, seq, K] data by a weight");
  spec.type = x.size() == 2 ? "dense" : "linear";
  spec.params["out"] = integer(w[1]);
}

void clip(const Node& n, LayerSpec& spec) {
  n.one_activation();
  // Opset 11 on: min and max are inputs 2 and 3; before: attributes.
  double lo = 0, hi = 0;
  bool has_lo = false, has_hi = false;
  if (const auto* a = n.attribute("min")) has_lo = true, lo = a->f();
  if (const auto* a = n.attribute("max")) has_hi = true, hi = a->f();
  if (n.input(1)) has_lo = n.view.scalar(*n.input(1), lo);
  if (n.input(2)) has_hi = n.view.scalar(*n.input(2), hi);
  if (!has_lo || !has_hi || lo != 0 || hi != 6)
    n.fail("is not Clip(0, 6) with both bounds stored; memsim maps Clip as relu6 only");
  spec.type = "relu6";
  // ONNX ops are out of place: hardtanh (not hardtanh_) saves its input, as torchvision's
  // MobileNetV2 (ReLU6()) does.
  spec.params["inplace"] = flag(false);
}

void batchnorm(const Node& n, LayerSpec& spec) {
  n.one_activation();
  const std::size_t rank = n.data_shape().size();
  if (rank != 2 && rank != 4)
    n.fail("normalizes " + to_text(n.data_shape()) +
           "; memsim maps batch norms of [N, C, H, W] and [N, features]");
  spec.type = "batchnorm";
}

void layernorm(const Node& n, LayerSpec& spec) {
  n.one_activation();
  const OnnxDims& x = n.data_shape();
  if ((x.size() != 2 && x.size() != 3) ||
      n.axis(-1, x.size()) != static_cast<std::int64_t>(x.size()) - 1)
    n.fail("normalizes " + to_text(x) + " from axis " + std::to_string(n.int_attr("axis", -1)) +
           "; memsim maps layer norms over the last axis of [N, features] or [N, seq, features]");
  spec.type = "layernorm";
}

void pool(const Node& n, LayerSpec& spec) {
  n.one_activation();
  if (n.int_attr("ceil_mode", 0) != 0) n.fail("has ceil_mode = 1; memsim rounds down");
  if (n.ints_attr("dilations", {1, 1}) != OnnxDims{1, 1}) n.fail("has dilations");
  spec.type = n.node.op_type() == "MaxPool" ? "maxpool" : "avgpool";
  window(n, spec, n.ints_attr("kernel_shape", {}));
}

void global_avgpool(const Node& n, LayerSpec& spec) {
  n.one_activation();
  if (n.data_shape().size() != 4) n.fail("pools " + to_text(n.data_shape()) + ", not [N, C, H, W]");
  spec.type = "global_avgpool";
}

// Flatten from axis 1, or a Reshape whose output is [N, features]: both are memsim's flatten
// (the shape check then confirms features = c*h*w).
void flatten(const Node& n, LayerSpec& spec) {
  n.one_activation();
  const OnnxDims& y = n.view.shape(n.node, n.node.output(0));
  const OnnxDims& x = n.data_shape();
  const bool ok = n.node.op_type() == "Flatten" ? n.axis(1, x.size()) == 1 : y.size() == 2;
  if (!ok)
    n.fail("gives " + to_text(y) + "; memsim maps a reshape only as a flatten to [N, features]");
  spec.type = "flatten";
}

void add(const Node& n, LayerSpec& spec) {
  if (n.activations.size() != static_cast<std::size_t>(n.node.input_size()))
    n.fail(
        "adds a stored constant that is not the bias of the MatMul before it; memsim maps "
        "adds of activations, and MatMul + Add of a bias [out]");
  spec.type = "add";
}

void concat(const Node& n, LayerSpec& spec) {
  const OnnxDims& y = n.view.shape(n.node, n.node.output(0));
  if (n.activations.size() != static_cast<std::size_t>(n.node.input_size()) || y.size() < 2 ||
      y.size() > 4 || n.axis(1, y.size()) != feature_axis(y.size()))
    n.fail(
        "does not join activations on the channel (or feature) axis; memsim concatenates "
        "[N, C, H, W] on axis 1, [N, seq, features] on axis 2, [N, features] on axis 1");
  spec.type = "concat";
}

void softmax(const Node& n, LayerSpec& spec) {
  n.one_activation();
  spec.type = "softmax";  // any axis: its counts are per element
}

void dropout(const Node& n, LayerSpec& spec) {
  n.one_activation();
  spec.type = "dropout";
  double p = 0;
  if (n.input(1) && n.view.scalar(*n.input(1), p))
    spec.params["p"] = LayerParam{p, {}};
  else if (const auto* a = n.attribute("ratio"))
    spec.params["p"] = LayerParam{static_cast<double>(a->f()), {}};
}

void unary(const Node& n, LayerSpec& spec) {
  n.one_activation();
  std::string type = n.node.op_type();
  std::transform(type.begin(), type.end(), type.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  spec.type = type;  // relu, sigmoid, tanh, gelu
}

using Rule = void (*)(const Node&, LayerSpec&);
const std::vector<std::pair<const char*, Rule>>& rules() {
  static const std::vector<std::pair<const char*, Rule>> table{
      {"Conv", &conv},
      {"Gemm", &gemm},
      {"MatMul", &matmul},
      {"Relu", &unary},
      {"Sigmoid", &unary},
      {"Tanh", &unary},
      {"Gelu", &unary},
      {"Clip", &clip},
      {"BatchNormalization", &batchnorm},
      {"LayerNormalization", &layernorm},
      {"MaxPool", &pool},
      {"AveragePool", &pool},
      {"GlobalAveragePool", &global_avgpool},
      {"Flatten", &flatten},
      {"Reshape", &flatten},
      {"Add", &add},
      {"Concat", &concat},
      {"Softmax", &softmax},
      {"Dropout", &dropout},
  };
  return table;
}

std::string known_ops() {
  std::string s;
  for (const auto& [op, rule] : rules()) s += std::string(op) + ", ";
  return s + "Identity and Constant";
}

// MatMul then Add of a stored bias: the Add is the MatMul layer's bias when the MatMul's
// output has no other reader and the bias is [out] (or [1, ..., 1, out]).
bool fold_bias(const Node& n, std::vector<LayerSpec>& layers) {
  if (n.node.op_type() != "Add" || n.activations.size() != 1 || n.node.input_size() != 2)
    return false;
  const std::string& x = n.activations[0];
  const std::string& b = n.node.input(x == n.node.input(0) ? 1 : 0);
  const std::string& layer = n.view.layer_of(n.node, x);
  if (layers.empty() || layers.back().name != layer || n.view.readers(x) != 1) return false;
  LayerSpec& mm = layers.back();
  if ((mm.type != "dense" && mm.type != "linear") || mm.params.count("bias")) return false;
  const OnnxDims* bias = n.view.find_shape(b);
  const std::int64_t out = std::get<std::int64_t>(mm.params.at("out").value);
  if (!bias || bias->empty() || bias->back() != out ||
      std::any_of(bias->begin(), bias->end() - 1, [](std::int64_t d) { return d != 1; }))
    return false;
  mm.params["bias"] = flag(true);
  n.view.set_producer(n.node.output(0), mm.name);
  return true;
}

}  // namespace

void check_onnx_op(const OnnxGraphView& view, const onnx::NodeProto& node) {
  const std::string& op = node.op_type();
  if (node.output_size() < 1) view.fail(node, "has no output");
  const bool standard = node.domain().empty() || node.domain() == "ai.onnx";
  // Gelu entered the standard op set in opset 20; exporters before it write ONNX Runtime's
  // com.microsoft Gelu.
  if (!standard && !(op == "Gelu" && node.domain() == "com.microsoft"))
    view.fail(node, "is in domain '" + node.domain() + "', which memsim does not map");
  if (op == "Constant") return;
  if (op == "Identity") {
    if (node.input_size() != 1 || node.input(0).empty()) view.fail(node, "has no input");
    return;
  }
  if (std::none_of(rules().begin(), rules().end(), [&](const auto& r) { return op == r.first; }))
    view.fail(node, "has no memsim layer; memsim maps " + known_ops());
}

void map_onnx_node(OnnxGraphView& view, const onnx::NodeProto& node,
                   std::vector<LayerSpec>& layers) {
  check_onnx_op(view, node);
  const std::string& op = node.op_type();
  if (op == "Constant") {
    const onnx::AttributeProto* value = nullptr;
    for (const auto& a : node.attribute())
      if (a.name() == "value") value = &a;
    view.add_constant(node.output(0), value ? &value->t() : nullptr);
    return;
  }
  Node n{view, node, {}};
  for (const std::string& t : node.input())
    if (!t.empty() && !view.is_constant(t)) n.activations.push_back(t);
  if (op == "Identity") {
    if (view.is_constant(node.input(0)))
      view.add_constant(node.output(0), view.constant(node.input(0)));
    else
      view.set_producer(node.output(0), view.layer_of(node, node.input(0)));
    return;
  }
  if (fold_bias(n, layers)) return;
  const auto rule =
      std::find_if(rules().begin(), rules().end(), [&](const auto& r) { return op == r.first; });
  LayerSpec spec;
  spec.name = OnnxGraphView::node_name(node);
  spec.pos = view.model().onnx_pos;
  spec.inputs_pos = spec.pos;
  rule->second(n, spec);
  for (auto& [key, value] : spec.params) value.pos = spec.pos;  // errors point at model.onnx
  for (const std::string& t : n.activations) spec.inputs.push_back(view.layer_of(node, t));
  view.set_producer(node.output(0), spec.name);
  layers.push_back(std::move(spec));
}

}  // namespace memsim
