// libFuzzer target: the ONNX model reader (policies/onnx/) on arbitrary bytes: protobuf's parser,
// ONNX's shape inference and memsim's node mapping. Bad input must end in a ScenarioError;
// anything else is a bug (ONNX's own shape inference crashed on a zero stride until
// onnx_attribute_guard.h). Seeded from tests/data/onnx/.
#include <cstdint>
#include <string>

#include "policies/onnx/onnx_model.h"
#include "sim/core/errors.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  memsim::ModelSpec model;
  model.onnx = "fuzz.onnx";
  model.memory_limit = std::uint64_t{64} << 20;
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  try {
    memsim::read_onnx_model_bytes(model, bytes);
  } catch (const memsim::ScenarioError&) {
  }
  return 0;
}
