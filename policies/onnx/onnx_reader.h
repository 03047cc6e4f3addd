#pragma once
// How `[model] onnx = "file.onnx"` reaches the ONNX reader (policies/onnx/onnx_model.h).
//
// Debian's libonnx and libprotobuf cost every process that links them about 5,400 symbol
// relocations and a parse of protobuf's descriptors at start-up, about 2.6 ms of CPU (a
// one-layer `memsim run` took 6.8 ms), though only a scenario with an ONNX model uses them. So
// the memsim binary does not link them: the reader is a module, memsim_onnx.so, built next to
// the binary and loaded the first time a model is read from ONNX. A program that links the
// reader in (the tests, the fuzzers) has it registered before main and loads nothing.
#include <string>

#include "sim/model/layer_graph.h"
#include "sim/scenario/scenario_spec.h"

namespace memsim {

// Parses an ONNX file's bytes into layers (read_onnx_model_bytes).
using OnnxBytesReader = LayerGraph (*)(const ModelSpec& model, const std::string& bytes);

// Called by the reader's own initializer (policies/onnx/onnx_model.cpp) when it is linked in or
// loaded.
void register_onnx_reader(OnnxBytesReader reader);

// Reads model.onnx (a path already resolved against the scenario's folder); batch, dtype and
// memory_limit come from `model`. Every error is a ScenarioError at model.onnx's position,
// also when the module cannot be loaded (it names the path it tried).
LayerGraph read_onnx_model(const ModelSpec& model);

}  // namespace memsim
