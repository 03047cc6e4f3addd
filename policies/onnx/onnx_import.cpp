#include "policies/onnx/onnx_import.h"

#include <onnx/shape_inference/implementation.h>

#include "policies/models/layer_graph_builder.h"
#include "policies/onnx/onnx_attribute_guard.h"
#include "policies/onnx/onnx_graph_view.h"
#include "policies/onnx/onnx_nodes.h"

namespace memsim {
namespace {

// ONNX's shape inference fills the graph's value_info with every tensor's shape. It runs on a
// copy prepared for it: every Conv with an explicit kernel_shape (onnx_attribute_guard.h), and
// every Gelu an Identity, since ONNX 1.12 has no Gelu (it entered the standard op set in opset
// 20) and an element-wise op keeps its input's shape.
void infer_shapes(onnx::ModelProto& proto, const OnnxGraphView& view) {
  onnx::ModelProto copy = proto;
  add_conv_kernel_shapes(view, *copy.mutable_graph());
  for (onnx::NodeProto& node : *copy.mutable_graph()->mutable_node())
    if (node.op_type() == "Gelu") {
      node.set_op_type("Identity");
      node.clear_domain();
      node.clear_attribute();
    }
  try {
    onnx::shape_inference::InferShapes(copy);
  } catch (const std::exception& e) {
    view.fail_file(std::string("fails ONNX's shape inference: ") + e.what());
  }
  *proto.mutable_graph()->mutable_value_info() = copy.graph().value_info();
  *proto.mutable_graph()->mutable_output() = copy.graph().output();
}

// X0: the one graph input that is not an initializer. [N, C, H, W] -> input [C, H, W],
// [N, features] -> features, [N, seq, features] -> features at seq positions (Shape {D, S, 1}).
// N, the batch, is the scenario's whatever the file says.
Shape read_input(const OnnxGraphView& view, const onnx::GraphProto& g) {
  std::vector<const onnx::ValueInfoProto*> inputs;
  for (const auto& v : g.input())
    if (!view.is_constant(v.name())) inputs.push_back(&v);
  if (inputs.size() != 1)
    view.fail_file("has " + std::to_string(inputs.size()) +
                   " graph inputs besides its initializers; memsim models have one input");
  const std::string& name = inputs[0]->name();
  const OnnxDims* found = view.find_shape(name);
  const OnnxDims d = found ? *found : OnnxDims{};
  bool known = d.size() >= 2 && d.size() <= 4;
  for (std::size_t i = 1; known && i < d.size(); ++i) known = d[i] >= 1;
  if (!known)
    view.fail_file("input '" + name + "' has shape " + to_text(d) +
                   "; memsim reads [N, C, H, W], [N, features] or [N, seq, features] with "
                   "every dimension but N known");
  const auto u = [](std::int64_t v) { return static_cast<std::uint64_t>(v); };
  if (d.size() == 4) return {u(d[1]), u(d[2]), u(d[3])};
  if (d.size() == 3) return {u(d[2]), u(d[1]), 1};
  return {u(d[1]), 1, 1};
}

// memsim's per-sample shape of a layer in ONNX's layout for a tensor of `rank` (the batch
// dimension -1), or {} when the layout cannot hold it.
OnnxDims onnx_layout(const Shape& s, std::size_t rank) {
  const auto i = [](std::uint64_t v) { return static_cast<std::int64_t>(v); };
  if (rank == 4) return {-1, i(s.c), i(s.h), i(s.w)};
  if (rank == 3 && s.w == 1) return {-1, i(s.h), i(s.c)};
  if (rank == 2) return {-1, i(s.elements())};
  return {};
}

// Every layer's shape must be what ONNX inferred for the tensor it stands for (batch aside):
// a node memsim counts differently from ONNX is an error, not a silent miscount.
void check_shapes(const OnnxGraphView& view, const LayerGraph& lg) {
  for (LayerId i = 0; i < lg.size(); ++i) {
    const Layer& l = lg.layer(i);
    const std::string name = lg.name(i);
    const auto it = view.layer_outputs().find(name);
    if (it == view.layer_outputs().end()) continue;
    const OnnxDims* d = view.find_shape(it->second);
    if (!d || d->empty()) continue;
    const OnnxDims mine = onnx_layout(l.shape, d->size());
    bool same = mine.size() == d->size();
    for (std::size_t i = 1; same && i < d->size(); ++i) same = (*d)[i] < 0 || (*d)[i] == mine[i];
    if (!same)
      throw ScenarioError(view.model().onnx_pos,
                          "model.onnx: '" + view.model().onnx + "': node '" + name + "' (memsim " +
                              l.type + ") gives " + to_string(l.shape) +
                              " per sample where ONNX's shape inference gives " + to_text(*d));
  }
}

}  // namespace

LayerGraph import_onnx_model(const ModelSpec& model, onnx::ModelProto proto) {
  {
    // Only nodes memsim maps, with attributes ONNX's shape inference can take, reach it.
    const OnnxGraphView before(model, proto.graph());
    for (const onnx::NodeProto& node : proto.graph().node()) check_onnx_op(before, node);
    check_window_attributes(before, proto.graph());
    infer_shapes(proto, before);
  }
  const onnx::GraphProto& g = proto.graph();
  OnnxGraphView view(model, g);
  ModelSpec spec = model;
  spec.onnx.clear();
  spec.layers.clear();
  spec.seq_len = 0;
  spec.input = read_input(view, g);
  for (const auto& v : g.input())
    if (!view.is_constant(v.name())) view.set_producer(v.name(), "input");
  // Each node is about one layer: the memory estimate applies before any layer is built.
  check_model_memory(static_cast<std::uint64_t>(g.node_size()), model.memory_limit, model.onnx_pos);
  for (const onnx::NodeProto& node : g.node()) map_onnx_node(view, node, spec.layers);
  if (spec.layers.empty()) view.fail_file("has no node memsim maps to a layer");
  LayerGraph lg = build_layer_graph(spec);
  check_shapes(view, lg);
  return lg;
}

}  // namespace memsim
