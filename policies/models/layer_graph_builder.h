#pragma once
// [model] -> LayerGraph: expands repeats, infers shapes layer to layer, counts parameters and
// FLOPs. Each layer type lives in its own file and is listed in layer_types.cpp.
#include <map>
#include <string>
#include <vector>

#include "sim/layer_graph.h"
#include "sim/scenario_spec.h"

namespace memsim {

// Throws ScenarioError at the layer's position for an unknown type, an unknown or missing key,
// or a shape that does not fit.
LayerGraph build_layer_graph(const ModelSpec& model);

// What a layer type's builder gets: its spec, and the shapes it reads.
struct LayerContext {
  const LayerSpec& spec;
  const std::vector<Shape>& input_shapes;
  std::uint64_t batch;
};

// Reads typed parameters of a layer, remembering which were read so unknown keys can be
// reported with a "did you mean".
class LayerParams {
 public:
  explicit LayerParams(const LayerSpec& spec) : spec_(spec) {}
  std::uint64_t positive(const std::string& key) const;  // required, >= 1
  std::uint64_t positive_or(const std::string& key, std::uint64_t fallback) const;
  std::uint64_t non_negative_or(const std::string& key, std::uint64_t fallback) const;
  bool flag_or(const std::string& key, bool fallback) const;
  // Throws for any key not read through this object (call after reading every key).
  void reject_unread(const std::vector<std::string>& allowed) const;
  [[noreturn]] void fail(const std::string& message) const;

 private:
  const LayerParam* find(const std::string& key) const;
  const LayerSpec& spec_;
};

// One entry per layer type.
struct LayerType {
  const char* name;
  std::vector<std::string> keys;  // allowed keys besides type, name, repeat
  Layer (*build)(const LayerContext& ctx, const LayerParams& params);
};
const std::vector<LayerType>& layer_types();

}  // namespace memsim
