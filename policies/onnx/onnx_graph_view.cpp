#include "policies/onnx/onnx_graph_view.h"

#include <cstring>

namespace memsim {

std::string to_text(const OnnxDims& dims) {
  std::string s = "[";
  for (std::size_t i = 0; i < dims.size(); ++i)
    s += (i ? ", " : "") + (dims[i] < 0 ? std::string("?") : std::to_string(dims[i]));
  return s + "]";
}

OnnxGraphView::OnnxGraphView(const ModelSpec& model, const onnx::GraphProto& graph)
    : model_(model) {
  for (const onnx::TensorProto& t : graph.initializer()) {
    constants_[t.name()] = &t;
    shapes_[t.name()] = OnnxDims(t.dims().begin(), t.dims().end());
  }
  const auto note = [&](const onnx::ValueInfoProto& v) {
    if (!v.type().has_tensor_type() || !v.type().tensor_type().has_shape()) return;
    OnnxDims d;
    for (const auto& dim : v.type().tensor_type().shape().dim())
      d.push_back(dim.has_dim_value() ? dim.dim_value() : -1);
    shapes_.emplace(v.name(), d);
  };
  for (const auto& v : graph.input()) note(v);
  for (const auto& v : graph.value_info()) note(v);
  for (const auto& v : graph.output()) note(v);
  for (const onnx::NodeProto& node : graph.node()) {
    for (const std::string& t : node.input()) ++readers_[t];
    // A Constant node's value is a constant like an initializer (a weight may be one).
    if (node.op_type() == "Constant" && node.output_size() > 0)
      for (const onnx::AttributeProto& a : node.attribute())
        if (a.name() == "value") add_constant(node.output(0), &a.t());
  }
  for (const auto& v : graph.output()) ++readers_[v.name()];
}

void OnnxGraphView::fail_file(const std::string& message) const {
  throw ScenarioError(model_.onnx_pos, "model.onnx: '" + model_.onnx + "' " + message);
}

void OnnxGraphView::fail(const onnx::NodeProto& node, const std::string& message) const {
  throw ScenarioError(model_.onnx_pos, "model.onnx: '" + model_.onnx + "': node '" +
                                           node_name(node) + "' (op type " + node.op_type() + ") " +
                                           message);
}

std::string OnnxGraphView::node_name(const onnx::NodeProto& node) {
  if (!node.name().empty()) return node.name();
  return node.output_size() > 0 ? node.output(0) : node.op_type();
}

const onnx::TensorProto* OnnxGraphView::constant(const std::string& tensor) const {
  const auto it = constants_.find(tensor);
  return it == constants_.end() ? nullptr : it->second;
}

void OnnxGraphView::add_constant(const std::string& tensor, const onnx::TensorProto* value) {
  constants_[tensor] = value;
  if (value) shapes_[tensor] = OnnxDims(value->dims().begin(), value->dims().end());
}

bool OnnxGraphView::scalar(const std::string& tensor, double& value) const {
  const onnx::TensorProto* t = constant(tensor);
  if (!t) return false;
  std::int64_t elements = 1;
  for (const std::int64_t d : t->dims()) elements *= d;
  if (elements != 1) return false;
  const std::string& raw = t->raw_data();
  switch (t->data_type()) {
    case onnx::TensorProto::FLOAT:
      if (t->float_data_size() == 1) {
        value = t->float_data(0);
        return true;
      }
      if (raw.size() == sizeof(float)) {
        float f;
        std::memcpy(&f, raw.data(), sizeof f);
        value = f;
        return true;
      }
      return false;
    case onnx::TensorProto::DOUBLE:
      if (t->double_data_size() == 1) {
        value = t->double_data(0);
        return true;
      }
      if (raw.size() == sizeof(double)) {
        std::memcpy(&value, raw.data(), sizeof value);
        return true;
      }
      return false;
    default:
      return false;
  }
}

const OnnxDims* OnnxGraphView::find_shape(const std::string& tensor) const {
  const auto it = shapes_.find(tensor);
  return it == shapes_.end() ? nullptr : &it->second;
}

const OnnxDims& OnnxGraphView::shape(const onnx::NodeProto& node, const std::string& tensor) const {
  const OnnxDims* d = find_shape(tensor);
  if (!d) fail(node, "reads '" + tensor + "', whose shape ONNX's shape inference does not know");
  return *d;
}

const std::string& OnnxGraphView::layer_of(const onnx::NodeProto& node,
                                           const std::string& tensor) const {
  const auto it = producer_.find(tensor);
  if (it == producer_.end())
    fail(node, "reads '" + tensor + "', which is no graph input, initializer or earlier output");
  return it->second;
}

void OnnxGraphView::set_producer(const std::string& tensor, const std::string& layer) {
  producer_[tensor] = layer;
  layer_output_[layer] = tensor;
}

std::uint64_t OnnxGraphView::readers(const std::string& tensor) const {
  const auto it = readers_.find(tensor);
  return it == readers_.end() ? 0 : it->second;
}

}  // namespace memsim
