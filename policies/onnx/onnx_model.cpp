#include "policies/onnx/onnx_model.h"

#include "policies/onnx/onnx_import.h"
#include "policies/onnx/onnx_reader.h"

namespace memsim {

LayerGraph read_onnx_model_bytes(const ModelSpec& model, const std::string& bytes) {
  // Protobuf accepts many byte strings (unknown fields are kept, not refused), so a file is an
  // ONNX model only when it parses and has what every ONNX writer sets: an IR version and a
  // graph with at least one node.
  onnx::ModelProto proto;
  const bool parsed = proto.ParseFromString(bytes);
  if (!parsed || proto.ir_version() <= 0 || !proto.has_graph() || proto.graph().node_size() == 0)
    throw ScenarioError(model.onnx_pos,
                        "model.onnx: '" + model.onnx + "' is not an ONNX model (" +
                            (parsed ? std::string("no IR version or no graph nodes")
                                    : std::string("its bytes do not parse as an ONNX ModelProto")) +
                            ")");
  return import_onnx_model(model, std::move(proto));
}

namespace {

// Linked in (tests, fuzzers) or loaded as memsim_onnx.so (the memsim binary): either way the
// reader is known once this initializer has run.
[[maybe_unused]] const bool kRegistered = (register_onnx_reader(&read_onnx_model_bytes), true);

}  // namespace

}  // namespace memsim
