#pragma once
// What the node mapping needs to know about an ONNX graph while it walks the nodes in order:
// every tensor's shape (ONNX's inferred value_info, the inputs, outputs and initializers), which
// tensors are constants (initializers and Constant nodes), which memsim layer produces each
// activation, and how many nodes read each tensor. Also the importer's error messages, which
// all name model.onnx's file and, for a node, its name and op type.
#include <onnx/onnx_pb.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "sim/scenario/scenario_spec.h"

namespace memsim {

using OnnxDims = std::vector<std::int64_t>;  // -1: a dimension ONNX does not know (symbolic)

std::string to_text(const OnnxDims& dims);  // "[?, 3, 224, 224]"

class OnnxGraphView {
 public:
  // Reads `graph`'s tensors; `model` gives the file name and position for errors.
  OnnxGraphView(const ModelSpec& model, const onnx::GraphProto& graph);

  // "<scenario>:l:c: model.onnx: '<file>' <message>"
  [[noreturn]] void fail_file(const std::string& message) const;
  // "<scenario>:l:c: model.onnx: '<file>': node '<name>' (op type <op>) <message>"
  [[noreturn]] void fail(const onnx::NodeProto& node, const std::string& message) const;
  // The node's name, or its first output's when the node has none (names are optional).
  static std::string node_name(const onnx::NodeProto& node);

  const ModelSpec& model() const { return model_; }

  // Constants: initializers and Constant nodes' values (nullptr: a constant with no value).
  bool is_constant(const std::string& tensor) const { return constants_.count(tensor) > 0; }
  const onnx::TensorProto* constant(const std::string& tensor) const;
  void add_constant(const std::string& tensor, const onnx::TensorProto* value);
  // A stored scalar (float, double or integer); false when absent or not stored.
  bool scalar(const std::string& tensor, double& value) const;

  // The shape of a tensor as ONNX knows it; fail(node, ...) when it does not.
  const OnnxDims& shape(const onnx::NodeProto& node, const std::string& tensor) const;
  const OnnxDims* find_shape(const std::string& tensor) const;
  void set_shape(const std::string& tensor, const OnnxDims& dims) { shapes_[tensor] = dims; }

  // The memsim layer that produces an activation ("input" for the model's input X0).
  const std::string& layer_of(const onnx::NodeProto& node, const std::string& tensor) const;
  void set_producer(const std::string& tensor, const std::string& layer);
  // The ONNX tensor a layer's output stands for (for the shape check).
  const std::map<std::string, std::string>& layer_outputs() const { return layer_output_; }

  // How many node inputs (and graph outputs) read a tensor.
  std::uint64_t readers(const std::string& tensor) const;

 private:
  const ModelSpec& model_;
  std::map<std::string, OnnxDims> shapes_;
  std::map<std::string, const onnx::TensorProto*> constants_;
  std::map<std::string, std::string> producer_;      // activation -> its layer
  std::map<std::string, std::string> layer_output_;  // layer -> the activation it stands for
  std::map<std::string, std::uint64_t> readers_;
};

}  // namespace memsim
