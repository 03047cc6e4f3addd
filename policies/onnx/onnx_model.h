#pragma once
// ONNX models in (`[model] onnx = "file.onnx"`): the file is read with Debian's ONNX library
// (libonnx-dev: its protobuf classes, then ONNX's own shape inference), each node becomes a
// memsim layer named after the node, and build_layer_graph counts those layers exactly as if
// they had been written in `layers = [...]`. Batch and dtype come from the scenario, not the
// file. Weights may be stored or absent (initializers with their dims only): only shapes are
// read. docs/model.md ("ONNX models") lists the node -> layer rules; onnx_nodes.h applies them.
#include <string>

#include "sim/model/layer_graph.h"
#include "sim/scenario/scenario_spec.h"

namespace memsim {

// Reads an ONNX file's bytes (model.onnx names the file in errors); batch, dtype and
// memory_limit come from `model`. Every error is a ScenarioError at model.onnx's position.
// Scenarios reach it through read_onnx_model (policies/onnx/onnx_reader.h), which reads the
// file and, in the memsim binary, loads this reader as a module.
LayerGraph read_onnx_model_bytes(const ModelSpec& model, const std::string& bytes);

}  // namespace memsim
