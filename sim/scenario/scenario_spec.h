#pragma once
// Plain structs a scenario file parses into (Parse -> validate -> build, as in Timeloop).
// Values keep where they came from so later checks can point at the line.
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "sim/core/errors.h"
#include "sim/core/graph.h"
#include "sim/core/machine.h"
#include "sim/model/layer_graph.h"

namespace memsim {

struct TensorSpec {
  std::string name;
  std::optional<std::uint64_t> bytes;  // required unless the cache is uniform
  TensorKind kind = TensorKind::other;
  bool kind_given = false;
  std::optional<bool> initial_in_dram;  // "dram" / "none"; default: dram iff no op produces it
  std::uint8_t home = 0;  // `home = "host"` resolved to a level (docs/model.md §15.1); 0: by kind
  SourcePos pos;
};

struct OpSpec {
  std::string name;
  std::vector<std::string> inputs, outputs, updates;
  double flops = 0;
  OpPhase phase = OpPhase::forward;
  SourcePos pos;
};

struct GraphSpec {
  std::vector<TensorSpec> tensors;
  std::vector<OpSpec> ops;
  std::vector<std::string> outputs;
  SourcePos outputs_pos;
  bool as_listed = true;  // order = "as-listed"; false: "topological"
  SourcePos pos;
};

// One value of a layer's table other than type/name/repeat ("out = 1024", "kernel = [3, 3]").
// The model builder (policies/models/) checks which keys each layer type takes.
struct LayerParam {
  std::variant<std::int64_t, double, bool, std::string, std::vector<std::int64_t>> value;
  SourcePos pos;
};

struct LayerSpec {
  std::string type;          // "dense", ...
  std::string name;          // optional; generated when empty
  std::uint64_t repeat = 1;  // this many identical layers in a row
  std::map<std::string, LayerParam> params;
  // `inputs = ["conv3", "block1"]`: names of earlier layers (or "input", the model's input) it
  // reads; empty = the previous layer.
  std::vector<std::string> inputs;
  SourcePos inputs_pos;
  SourcePos pos;
};

// A [model] is estimated before it is built (policies/models/layer_graph_builder.h): each layer
// costs about kEstimatedBytesPerLayer from layer graph to finished run (measured as the growth of
// peak memory from a 2*10^5- to a 4*10^5-layer dense chain: 412 bytes a layer for inference, 748
// for training), so a model of L layers needs about L * 800 bytes. Over memory_limit is refused.
inline constexpr std::uint64_t kEstimatedBytesPerLayer = 800;
inline constexpr std::uint64_t kDefaultMemoryLimit = std::uint64_t{4} << 30;  // 4 GiB

struct ModelSpec {
  std::uint64_t batch = 1;
  std::uint32_t dtype_bytes = 4;
  std::string dtype = "fp32";
  Shape input;  // X_0 per sample: `input = 1024` (features) or `input = [3, 224, 224]`
  // `seq_len = 1024` instead of input: X_0 is seq_len token ids (int64) per sample, the input
  // of `embedding` layers (0 = not given).
  std::uint64_t seq_len = 0;
  std::vector<LayerSpec> layers;
  // `topology = "file.csv"`: a SCALE-Sim topology replaces input and layers. The path is
  // resolved against the scenario file's folder (policies/models/scalesim_topology.h reads it).
  std::string topology;
  SourcePos topology_pos;
  // `onnx = "file.onnx"`: an ONNX model replaces input and layers (policies/onnx/onnx_model.h
  // reads it); the path is resolved like topology's.
  std::string onnx;
  SourcePos onnx_pos;
  SourcePos pos;
  std::uint64_t memory_limit = kDefaultMemoryLimit;  // --memory-limit (see above)
};

struct ScheduleSpec {
  std::string kind = "inference";
  SourcePos kind_pos;
  bool kind_given = false;
  std::uint32_t lookahead = 0;  // overlap: none = 0, double-buffer = 1, lookahead:N = N
  std::string overlap = "none";
  // kind = "training" only (policies/generators/training.h says what each value means).
  std::string loss = "separate";   // "separate" | "fused"
  std::string optimizer = "none";  // "none" | "sgd" | "momentum" | "adam"
  // "after-backward" (every update op after the whole backward pass, as in loss.backward();
  // optimizer.step()) | "per-layer" (each layer's update right after its backward ops).
  std::string update = "after-backward";
  // Mixed precision (bytes per element; 0 = the default): master_weights 0 = none (the
  // optimizer updates the model's weights), else an fp32/fp16/bf16 copy the optimizer updates;
  // optimizer_dtype: momentum / Adam state, default the master's dtype or else the model's;
  // grad_dtype: dL/dW, default the model's dtype.
  std::uint32_t master_bytes = 0;
  std::uint32_t optimizer_bytes = 0;
  std::uint32_t grad_bytes = 0;
  std::string master_weights = "none", optimizer_dtype, grad_dtype;  // as written
  // "none" | "sqrt" | "every" (with checkpoint_every = k) | "list" (checkpoint_layers).
  std::string checkpoint = "none";
  std::uint64_t checkpoint_every = 0;
  std::vector<std::uint64_t> checkpoint_layers;  // 1-based layer indices
  SourcePos checkpoint_pos;
};

struct PolicySpec {
  std::string eviction = "lru";
  SourcePos eviction_pos;
};

struct ScenarioSpec {
  std::string file;  // as given by the user
  std::string name;
  std::string description;
  Machine machine;
  bool has_bandwidth = false;
  bool has_throughput = false;
  SourcePos bandwidth_pos;   // of hardware.dram.bandwidth, where it was set
  SourcePos throughput_pos;  // of hardware.compute.throughput (or hardware_pos when by dtype)
  SourcePos hardware_pos;
  std::string hardware_preset;  // `[hardware] preset = "h100-sxm"`, empty when none
  // Which entry of hardware.compute.throughput_by_dtype set the throughput ("fp32", "tf32"...);
  // empty when the throughput was given directly.
  std::string throughput_precision;
  // [placement]: the home level of each tensor kind (docs/model.md §15.1), by TensorKind; 2
  // (the DRAM) unless placed deeper.
  std::array<std::uint8_t, kTensorKindCount> placement{2, 2, 2, 2, 2, 2, 2};
  std::array<SourcePos, kTensorKindCount> placement_pos{};  // where each entry was given
  std::optional<GraphSpec> graph;
  std::optional<ModelSpec> model;
  ScheduleSpec schedule;
  PolicySpec policy;
};

}  // namespace memsim
