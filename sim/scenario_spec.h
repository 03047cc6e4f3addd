#pragma once
// Plain structs a scenario file parses into (Parse -> validate -> build, as in Timeloop).
// Values keep where they came from so later checks can point at the line.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "sim/errors.h"
#include "sim/graph.h"
#include "sim/layer_graph.h"
#include "sim/machine.h"

namespace memsim {

struct TensorSpec {
  std::string name;
  std::optional<std::uint64_t> bytes;  // required unless the cache is uniform
  TensorKind kind = TensorKind::other;
  bool kind_given = false;
  std::optional<bool> initial_in_dram;  // "dram" / "none"; default: dram iff no op produces it
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
  std::string type;  // "dense", ...
  std::string name;  // optional; generated when empty
  std::uint64_t repeat = 1;  // this many identical layers in a row
  std::map<std::string, LayerParam> params;
  SourcePos pos;
};

struct ModelSpec {
  std::uint64_t batch = 1;
  std::uint32_t dtype_bytes = 4;
  std::string dtype = "fp32";
  Shape input;  // X_0 per sample: `input = 1024` (features) or `input = [3, 224, 224]`
  std::vector<LayerSpec> layers;
  SourcePos pos;
};

struct ScheduleSpec {
  std::string kind = "inference";
  SourcePos kind_pos;
  bool kind_given = false;
  std::uint32_t lookahead = 0;  // overlap: none = 0, double-buffer = 1, lookahead:N = N
  std::string overlap = "none";
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
  SourcePos hardware_pos;
  std::optional<GraphSpec> graph;
  std::optional<ModelSpec> model;
  ScheduleSpec schedule;
  PolicySpec policy;
};

}  // namespace memsim
