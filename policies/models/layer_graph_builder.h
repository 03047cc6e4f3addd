#pragma once
// [model] -> LayerGraph: expands repeats and blocks, resolves each layer's inputs (a DAG: by
// default the previous layer, or `inputs = [...]` by name), infers shapes layer to layer and
// counts parameters and FLOPs. Each layer type and block lives in its own file and is listed in
// layer_types.cpp; a SCALE-Sim topology (`[model] topology = "x.csv"`) is read by
// scalesim_topology.cpp instead.
//
// Counting convention (the lecture's): a multiply-add is 2 FLOPs; conv2d and dense count
// 2 x multiply-adds forward and the same again for dL/dX and for dL/dW (bias additions are not
// counted, as in torchvision's and fvcore's multiply-add figures). Small element-wise layers
// count per element of their output, per sample: batch-norm 2 forward (a*x + b), 2 for dL/dX, 2
// for dL/dgamma,dbeta; activations 1 and 1; pooling kernel-area per output element forward and
// backward; add (n - 1) forward and 0 backward (the gradient passes through); flatten 0.
#include <array>
#include <functional>
#include <initializer_list>
#include <map>
#include <string>
#include <vector>

#include "sim/model/layer_graph.h"
#include "sim/scenario/scenario_spec.h"

namespace memsim {

// Throws ScenarioError at the layer's position for an unknown type, an unknown or missing key,
// an undefined input name or a shape that does not fit; and, before expanding anything, when
// the model's estimated memory (check_model_memory) exceeds model.memory_limit.
// With with_nests false (uniform mode, which never tiles) each layer's loop nest (Layer::nest)
// is left empty once its explicit tiles are checked: a 10^6-layer chain then does not hold
// 10^6 nests it will never use.
LayerGraph build_layer_graph(const ModelSpec& model, bool with_nests = true);

// A block expands into at most this many layers (basic_block 9, bottleneck 11,
// inverted_residual 9, attention 9, transformer_block 17 today): the estimate counts every
// block entry as this many.
inline constexpr std::uint64_t kMaxLayersPerBlock = 17;

// Throws ScenarioError at `at` when `layers` layers (about kEstimatedBytesPerLayer each) would
// exceed `limit` bytes, saying the estimate and how to raise the limit.
void check_model_memory(std::uint64_t layers, std::uint64_t limit, const SourcePos& at);

// What a layer type's builder gets: its spec, and the shapes it reads.
struct LayerContext {
  const LayerSpec& spec;
  const std::vector<Shape>& input_shapes;
  std::uint64_t batch;
  const std::vector<std::string>& input_names;  // the layers it reads ("input" for X0)
  std::uint32_t input_element_bytes;            // X0's bytes per element; 8 for token ids
  const LayerGraph& graph;                      // the layers built so far
  // An earlier layer or block by name (a block's name is its output layer); kModelInput if
  // there is none.
  const std::function<LayerId(const std::string&)>& find_layer;
};

// Reads typed parameters of a layer; errors name the layer ("layer 'conv1' (conv2d): ...").
class LayerParams {
 public:
  explicit LayerParams(const LayerSpec& spec, std::string display_name = {})
      : spec_(spec), name_(display_name.empty() ? spec.name : std::move(display_name)) {}
  std::uint64_t positive(const std::string& key) const;  // required, >= 1
  std::uint64_t positive_or(const std::string& key, std::uint64_t fallback) const;
  std::uint64_t non_negative_or(const std::string& key, std::uint64_t fallback) const;
  bool flag_or(const std::string& key, bool fallback) const;
  // A probability in [0, 1) (an integer 0 too): "p = 0.1".
  double probability_or(const std::string& key, double fallback) const;
  // An integer or [height, width] pair, each at least `min` ("kernel = 3", "stride = [2, 1]").
  std::array<std::uint64_t, 2> pair_or(const std::string& key,
                                       std::array<std::uint64_t, 2> fallback,
                                       std::uint64_t min) const;
  bool has(const std::string& key) const { return find(key) != nullptr; }
  // Throws for a key that is not in `allowed` (with a "did you mean").
  void reject_unread(const std::vector<std::string>& allowed) const;
  [[noreturn]] void fail(const std::string& message) const;
  // The product of `factors`, or fail("too large for 64 bits: <what>") when it does not fit.
  std::uint64_t product(std::initializer_list<std::uint64_t> factors,
                        const std::string& what) const;
  const std::string& name() const { return name_; }
  const LayerSpec& spec() const { return spec_; }

 private:
  const LayerParam* find(const std::string& key) const;
  const LayerSpec& spec_;
  std::string name_;
};

// One entry per layer type.
struct LayerType {
  const char* name;
  std::vector<std::string> keys;  // allowed keys besides type, name, repeat, inputs
  Layer (*build)(const LayerContext& ctx, const LayerParams& params);
  std::uint32_t inputs = 1;  // how many inputs it reads; 0 = two or more (add)
};
const std::vector<LayerType>& layer_types();

// What a block's expander adds its layers through.
class BlockBuilder {
 public:
  using Params = std::map<std::string, LayerParam>;
  // Adds a layer of a primitive type named "<block name>.<local>" reading `inputs`; returns it.
  virtual LayerId add(const std::string& type, const std::string& local, Params params,
                      std::vector<LayerId> inputs) = 0;
  virtual const Shape& shape(LayerId id) const = 0;  // kModelInput: the model's input
  virtual const std::string& block_name() const = 0;

 protected:
  ~BlockBuilder() = default;
};

// A shorthand that expands into layers (ResNet blocks, the inverted bottleneck).
struct BlockType {
  const char* name;
  std::vector<std::string> keys;
  // Adds the block's layers reading `input`; returns the block's output layer.
  LayerId (*expand)(BlockBuilder& builder, LayerId input, const LayerParams& params);
};
const std::vector<BlockType>& block_types();

}  // namespace memsim
