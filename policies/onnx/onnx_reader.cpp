#include "policies/onnx/onnx_reader.h"

#include <dlfcn.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <system_error>

#include "sim/io/input_file.h"

namespace memsim {
namespace {

// Atomic, and loaded under a lock: a sweep builds its points' models on several threads.
std::atomic<OnnxBytesReader>& registered() {
  static std::atomic<OnnxBytesReader> reader{nullptr};
  return reader;
}

// The reader, loading memsim_onnx.so from the running binary's folder when none is linked in.
OnnxBytesReader onnx_reader(const ModelSpec& model) {
  if (const OnnxBytesReader reader = registered().load()) return reader;
  static std::mutex loading;
  const std::lock_guard<std::mutex> lock(loading);
  if (const OnnxBytesReader reader = registered().load()) return reader;  // another thread's
  const auto fail = [&](const std::string& why) {
    throw ScenarioError(model.onnx_pos, "model.onnx: cannot read ONNX models: " + why);
  };
  std::error_code ec;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) fail("cannot find the memsim binary's folder (/proc/self/exe: " + ec.message() + ")");
  const std::string module = (exe.parent_path() / "memsim_onnx.so").string();
  // Loaded once for the process and never closed: its initializer registers the reader.
  if (!dlopen(module.c_str(), RTLD_NOW | RTLD_LOCAL)) {
    const char* why = dlerror();
    fail("the reader module " + module + " did not load (" + (why ? why : "no reason given") +
         "); it is built next to the memsim binary");
  }
  const OnnxBytesReader reader = registered().load();
  if (!reader) fail("the reader module " + module + " registered no reader");
  return reader;
}

}  // namespace

void register_onnx_reader(OnnxBytesReader reader) {
  registered().store(reader);
}

LayerGraph read_onnx_model(const ModelSpec& model) {
  std::string bytes;
  try {
    bytes = read_input_file(model.onnx, "ONNX file");
  } catch (const ScenarioError& e) {
    throw ScenarioError(model.onnx_pos, "model.onnx: '" + model.onnx + "': " + e.message() +
                                            " (paths are relative to the scenario file)");
  }
  return onnx_reader(model)(model, bytes);
}

}  // namespace memsim
