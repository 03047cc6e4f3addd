#pragma once
// One ONNX node -> one memsim layer (docs/model.md, "ONNX models", lists the rules):
//   Conv -> conv2d; Gemm -> dense; MatMul by a stored [K, out] weight -> dense on [N, K] data,
//   linear on [N, seq, K] data, and an Add of a stored [out] bias right after it (its only
//   reader) becomes that layer's bias; Relu, Sigmoid, Tanh, Gelu -> the same; Clip(0, 6) ->
//   relu6; BatchNormalization -> batchnorm; LayerNormalization over the last axis ->
//   layernorm; MaxPool, AveragePool -> maxpool, avgpool; GlobalAveragePool -> global_avgpool;
//   Add of activations -> add; Concat on the feature/channel axis -> concat; Flatten, and
//   Reshape to [N, features] -> flatten; Softmax -> softmax; Dropout -> dropout.
//   Identity adds no layer (its output is its input); Constant is a constant, as initializers.
// Anything else, or a node outside these rules, fails naming the node, its op type and the file.
#include <onnx/onnx_pb.h>

#include <vector>

#include "policies/onnx/onnx_graph_view.h"
#include "sim/scenario/scenario_spec.h"

namespace memsim {

// Fails (view.fail) unless the node's domain and op type are ones memsim maps (the list
// above), with an input for Identity and an output. Checked for every node before ONNX's shape
// inference runs, so that no op memsim refuses anyway reaches it.
void check_onnx_op(const OnnxGraphView& view, const onnx::NodeProto& node);

// Appends the node's layer to `layers` (or folds it into the last one, or adds none) and
// records in `view` which layer now produces the node's output.
void map_onnx_node(OnnxGraphView& view, const onnx::NodeProto& node,
                   std::vector<LayerSpec>& layers);

}  // namespace memsim
