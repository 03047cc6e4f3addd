#pragma once
// An onnx::ModelProto (read from a file, or built in a test) -> LayerGraph. Runs ONNX's shape
// inference on it, maps every node (onnx_nodes.h), builds the layers with build_layer_graph and
// checks that each layer's shape is the one ONNX inferred.
#include <onnx/onnx_pb.h>

#include "sim/model/layer_graph.h"
#include "sim/scenario/scenario_spec.h"

namespace memsim {

// `model.onnx` names the model in errors; batch, dtype and memory_limit come from `model`.
LayerGraph import_onnx_model(const ModelSpec& model, onnx::ModelProto proto);

}  // namespace memsim
