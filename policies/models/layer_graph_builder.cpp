#include "policies/models/layer_graph_builder.h"

#include <limits>
#include <stdexcept>
#include <string_view>

#include "policies/models/name_index.h"
#include "policies/models/scalesim_topology.h"
#include "policies/onnx/onnx_model.h"
#include "policies/tiling/tile_request.h"
#include "sim/core/units.h"
#include "sim/scenario/scenario_parse.h"

namespace memsim {

const LayerParam* LayerParams::find(const std::string& key) const {
  auto it = spec_.params.find(key);
  return it == spec_.params.end() ? nullptr : &it->second;
}

void LayerParams::fail(const std::string& message) const {
  throw ScenarioError(spec_.pos, "layer '" + name_ + "' (" + spec_.type + "): " + message);
}

std::uint64_t LayerParams::product(std::initializer_list<std::uint64_t> factors,
                                   const std::string& what) const {
  std::uint64_t out = 1;
  for (const std::uint64_t f : factors)
    if (__builtin_mul_overflow(out, f, &out)) fail("too large for 64 bits: " + what);
  return out;
}

std::uint64_t LayerParams::positive_or(const std::string& key, std::uint64_t fallback) const {
  const LayerParam* p = find(key);
  if (!p) return fallback;
  const auto* v = std::get_if<std::int64_t>(&p->value);
  if (!v || *v < 1)
    throw ScenarioError(p->pos, "model.layers." + key + ": expected a positive integer");
  return static_cast<std::uint64_t>(*v);
}

std::uint64_t LayerParams::positive(const std::string& key) const {
  if (!find(key)) fail("needs '" + key + "'");
  return positive_or(key, 0);
}

std::uint64_t LayerParams::non_negative_or(const std::string& key, std::uint64_t fallback) const {
  const LayerParam* p = find(key);
  if (!p) return fallback;
  const auto* v = std::get_if<std::int64_t>(&p->value);
  if (!v || *v < 0)
    throw ScenarioError(p->pos, "model.layers." + key + ": expected a non-negative integer");
  return static_cast<std::uint64_t>(*v);
}

bool LayerParams::flag_or(const std::string& key, bool fallback) const {
  const LayerParam* p = find(key);
  if (!p) return fallback;
  const auto* v = std::get_if<bool>(&p->value);
  if (!v) throw ScenarioError(p->pos, "model.layers." + key + ": expected true or false");
  return *v;
}

double LayerParams::probability_or(const std::string& key, double fallback) const {
  const LayerParam* p = find(key);
  if (!p) return fallback;
  double rate = -1;
  if (const auto* d = std::get_if<double>(&p->value)) rate = *d;
  if (const auto* i = std::get_if<std::int64_t>(&p->value)) rate = static_cast<double>(*i);
  if (!(rate >= 0 && rate < 1))
    throw ScenarioError(p->pos,
                        "model.layers." + key + ": expected a probability in [0, 1), e.g. 0.1");
  return rate;
}

std::array<std::uint64_t, 2> LayerParams::pair_or(const std::string& key,
                                                  std::array<std::uint64_t, 2> fallback,
                                                  std::uint64_t min) const {
  const LayerParam* p = find(key);
  if (!p) return fallback;
  std::vector<std::int64_t> values;
  if (const auto* v = std::get_if<std::int64_t>(&p->value)) values = {*v, *v};
  if (const auto* v = std::get_if<std::vector<std::int64_t>>(&p->value)) values = *v;
  const bool ok = values.size() == 2 && values[0] >= static_cast<std::int64_t>(min) &&
                  values[1] >= static_cast<std::int64_t>(min) && values[0] < (1ll << 31) &&
                  values[1] < (1ll << 31);
  if (!ok)
    throw ScenarioError(p->pos, "model.layers." + key + ": expected an integer of at least " +
                                    std::to_string(min) + " or [height, width] of such");
  return {static_cast<std::uint64_t>(values[0]), static_cast<std::uint64_t>(values[1])};
}

void LayerParams::reject_unread(const std::vector<std::string>& allowed) const {
  for (const auto& [key, param] : spec_.params) {
    bool ok = false;
    for (const auto& a : allowed) ok = ok || a == key;
    if (ok) continue;
    std::vector<std::string_view> options(allowed.begin(), allowed.end());
    options.push_back("name");
    options.push_back("repeat");
    options.push_back("inputs");
    const std::string guess = nearest_name(key, options);
    std::string hint = guess.empty() ? "" : "; did you mean '" + guess + "'?";
    if (guess.empty()) {
      hint = "; a " + spec_.type + " layer takes:";
      for (const auto& a : allowed) hint += " " + a;
      if (allowed.empty()) hint += " no keys besides name, repeat and inputs";
    }
    throw ScenarioError(param.pos,
                        "unknown key '" + key + "' for a " + spec_.type + " layer" + hint);
  }
}

namespace {

// The name `inputs` uses for the model's input X0.
constexpr std::string_view kInputName = "input";

const LayerType* find_layer_type(std::string_view name) {
  for (const LayerType& t : layer_types())
    if (name == t.name) return &t;
  return nullptr;
}

const BlockType* find_block_type(std::string_view name) {
  for (const BlockType& t : block_types())
    if (name == t.name) return &t;
  return nullptr;
}

// Builds the LayerGraph one [model] entry at a time.
class Assembler final : public BlockBuilder {
 public:
  Assembler(const ModelSpec& model, bool with_nests) : nests_(with_nests) {
    g_.batch = model.batch;
    g_.dtype_bytes = model.dtype_bytes;
    g_.input = model.input;
    if (model.seq_len > 0) {
      g_.input = {1, model.seq_len, 1};  // token ids
      g_.input_element_bytes = 8;
    }
  }

  void add_spec(const LayerSpec& spec) {
    const LayerType* type = find_layer_type(spec.type);
    const BlockType* block = type ? nullptr : find_block_type(spec.type);
    if (!type && !block) unknown_type(spec);
    Shape read_before;  // the input shape the previous repetition read
    // One vector and one name for every repetition: nothing allocated per layer.
    std::vector<LayerId> inputs;
    // Generated names are numbered: "dense" + 7, "block." + 3 (NameIndex and LayerGraph keep a
    // repeat's names as one range).
    LayerName name{spec.name.empty() ? spec.type : spec.repeat > 1 ? spec.name + "." : spec.name};
    for (std::uint64_t r = 0; r < spec.repeat; ++r) {
      // Repetitions after the first read the one before.
      if (r == 0 && !spec.inputs.empty())
        inputs = resolve_inputs(spec);
      else
        inputs.assign(1, previous_);
      name.number = spec.name.empty() ? g_.size() + 1 : spec.repeat > 1 ? r + 1 : 0;
      if (type) {
        // A builder sees the spec, the batch, its input shapes and its input names (the names
        // only in messages about several inputs, and embedding's "is it the model's input").
        // From the third repetition on, one that reads the same shape as the repetition
        // before it is that layer again but for its name and input: copy the record rather
        // than build it (a 10^6-layer repeat spent a quarter of its run in the builder).
        const Shape reads = shape(inputs.front());
        if (r >= 2 && reads == read_before) {
          // Then every later repetition is too: a copy has the output shape of the layer it
          // copies, which is what that layer read, so the next one reads it again. The rest of
          // the repeat is added at once.
          previous_ = add_chain(spec, name, spec.repeat - r);
          break;
        }
        previous_ = add_layer(*type, spec, name, inputs);
        read_before = reads;
        continue;
      }
      const std::string block_name = name.str();
      const LayerParams params(spec, block_name);
      params.reject_unread(block->keys);
      if (spec.has_tiles)
        throw ScenarioError(spec.tiles_pos, "layer '" + block_name + "' (" + spec.type +
                                                "): tiles apply to a layer, not to a block of "
                                                "layers of different kinds");
      if (inputs.size() != 1)
        params.fail("a block reads one input, got " + std::to_string(inputs.size()));
      block_spec_ = &spec;
      block_name_ = block_name;
      previous_ = block->expand(*this, inputs.front(), params);
      block_spec_ = nullptr;
      name_layer(block_name, previous_, spec.pos);  // the block's name stands for its output
    }
    if (spec.repeat > 1 && !spec.name.empty()) name_layer(spec.name, previous_, spec.pos);
  }

  void reserve(std::uint64_t layers) {
    g_.reserve(layers, layers);
    read_.reserve(layers);
  }

  LayerGraph finish() {
    for (LayerId i = 0; i + 1 < g_.size(); ++i)
      if (!read_[i])
        throw ScenarioError(g_.layer(i).pos,
                            "layer '" + g_.name(i) + "' (" + g_.layer(i).type +
                                ") is not read by any later layer; only the last layer is the "
                                "model's output (name it in a later layer's inputs)");
    return std::move(g_);
  }

  LayerId add(const std::string& type, const std::string& local, Params params,
              std::vector<LayerId> inputs) override {
    const LayerType* t = find_layer_type(type);
    if (!t || !block_spec_) throw std::logic_error("block adds unknown layer type " + type);
    LayerSpec sub;
    sub.type = type;
    sub.name = block_name_ + "." + local;
    sub.pos = block_spec_->pos;
    for (auto& [key, value] : params) value.pos = block_spec_->pos;
    sub.params = std::move(params);
    return add_layer(*t, sub, LayerName{sub.name}, inputs);
  }

  const Shape& shape(LayerId id) const override {
    return id == kModelInput ? g_.input : g_.layer(id).shape;
  }
  const std::string& block_name() const override { return block_name_; }

 private:
  [[noreturn]] static void unknown_type(const LayerSpec& spec) {
    std::vector<std::string_view> names;
    std::string layers, blocks;
    for (const LayerType& t : layer_types()) {
      names.push_back(t.name);
      layers += (layers.empty() ? "" : ", ") + std::string(t.name);
    }
    for (const BlockType& t : block_types()) {
      names.push_back(t.name);
      blocks += (blocks.empty() ? "" : ", ") + std::string(t.name);
    }
    const std::string guess = nearest_name(spec.type, names);
    throw ScenarioError(spec.pos, "unknown layer type '" + spec.type + "'" +
                                      (guess.empty() ? "" : "; did you mean '" + guess + "'?") +
                                      "; known layer types: " + layers + "; blocks: " + blocks);
  }

  std::vector<LayerId> resolve_inputs(const LayerSpec& spec) const {
    std::vector<LayerId> ids;
    for (const std::string& name : spec.inputs) {
      LayerId id = kModelInput;
      if (name != kInputName) {
        const LayerId found = names_.find(name);
        if (found == NameIndex::kAbsent) {
          const std::vector<std::string> names = names_.sorted_names();
          std::vector<std::string_view> known{kInputName};
          for (const std::string& n : names) known.push_back(n);
          const std::string guess = nearest_name(name, known);
          throw ScenarioError(spec.inputs_pos,
                              "model.layers.inputs: '" + name +
                                  "' is not an earlier layer or block" +
                                  (guess.empty() ? "" : "; did you mean '" + guess + "'?") +
                                  " (inputs name layers defined above, or \"input\" for the "
                                  "model's input)");
        }
        id = found;
      }
      for (LayerId seen : ids)
        if (seen == id)
          throw ScenarioError(spec.inputs_pos,
                              "model.layers.inputs: '" + name + "' is listed twice");
      ids.push_back(id);
    }
    return ids;
  }

  LayerId add_layer(const LayerType& type, const LayerSpec& spec, const LayerName& layer_name,
                    const std::vector<LayerId>& inputs) {
    const std::string name = layer_name.str();
    const LayerParams params(spec, name);
    params.reject_unread(type.keys);
    if (type.inputs == 0 && inputs.size() < 2)
      params.fail("needs at least two inputs; name them with inputs = [\"a\", \"b\"]");
    if (type.inputs != 0 && inputs.size() != type.inputs)
      params.fail("reads " + std::to_string(type.inputs) + " input, got " +
                  std::to_string(inputs.size()));
    check_layer_count(spec);
    std::vector<Shape> shapes;
    std::vector<std::string> names;
    for (LayerId in : inputs) {
      shapes.push_back(shape(in));
      names.push_back(in == kModelInput ? std::string(kInputName) : g_.name(in));
    }
    const std::function<LayerId(const std::string&)> find = [this](const std::string& n) {
      const LayerId found = names_.find(n);
      return found == NameIndex::kAbsent ? kModelInput : found;
    };
    Layer layer =
        type.build({spec, shapes, g_.batch, names, g_.input_element_bytes, g_, find}, params);
    layer.type = type.name;
    layer.pos = spec.pos;
    if (spec.has_tiles) layer.tiles = read_tile_request(spec, name, type.name, layer.nest);
    if (!nests_) layer.nest.reset();
    // Sizes must fit 64 bits once multiplied by batch and the widest dtype (8 bytes), so that
    // no count or size computed from them later can wrap.
    params.product({layer.shape.c, layer.shape.h, layer.shape.w, g_.batch, 8},
                   "the output activation, " + to_string(layer.shape) + " x batch " +
                       std::to_string(g_.batch) + " x 8 bytes");
    params.product({layer.params, 8},
                   "the parameters, " + std::to_string(layer.params) + " x 8 bytes");
    return added(g_.add(std::move(layer), layer_name, inputs), spec, layer_name);
  }

  // The rest of a repeat, `count` repetitions that are the last layer again but for their
  // names (numbered on from `name`) and inputs (each reads the one before): checked by the
  // builder when that layer was built (same spec, batch and input shape), so they share that
  // layer's record. The same as adding them one by one, errors included.
  LayerId add_chain(const LayerSpec& spec, const LayerName& name, std::uint64_t count) {
    const auto first = static_cast<LayerId>(g_.size());
    // As check_layer_count() before each: the k-th can be added when k < room.
    const std::uint64_t room = first < kMaxLayers ? kMaxLayers - first : 0;
    const std::uint64_t named =
        names_.insert_numbered_run(name.text, name.number, std::min(count, room), first);
    if (named < std::min(count, room))
      throw ScenarioError(spec.pos, "layer name '" + name.text +
                                        std::to_string(name.number + named) +
                                        "' is used twice; names must be unique");
    if (count > room) check_layer_count(spec, first + room);
    g_.add_chain(name.text, name.number, static_cast<std::uint32_t>(count));
    read_.back() = 1;  // the layer before the first copy, and each copy but the last, is read
    read_.insert(read_.end(), count - 1, 1);
    read_.push_back(0);
    return g_.last();
  }

  static constexpr std::uint64_t kMaxLayers = 0x7fffffffu;
  void check_layer_count(const LayerSpec& spec) const { check_layer_count(spec, g_.size()); }
  static void check_layer_count(const LayerSpec& spec, std::uint64_t layers) {
    if (layers >= kMaxLayers) throw ScenarioError(spec.pos, "model has more than 2^31 layers");
  }

  // The layer just added: marks the layers it reads as read, and names it.
  LayerId added(LayerId id, const LayerSpec& spec, const LayerName& name) {
    for (LayerId in : g_.inputs(id))
      if (in != kModelInput) read_[in] = 1;
    read_.push_back(0);
    if (name.number == 0)
      name_layer(name.text, id, spec.pos);
    else if (!names_.insert_numbered(name.text, name.number, id))
      // (A numbered name ends in a digit, so it is never one of the reserved names.)
      throw ScenarioError(spec.pos,
                          "layer name '" + name.str() + "' is used twice; names must be unique");
    return id;
  }

  void name_layer(const std::string& name, LayerId id, const SourcePos& pos) {
    if (name == kInputName)
      throw ScenarioError(pos, "layer name 'input' is reserved for the model's input");
    // A training schedule names its label tensor and its loss op so (training.h).
    if (name == "label" || name == "loss")
      throw ScenarioError(
          pos, "layer name '" + name + "' is reserved for the training schedule's label and loss");
    if (!names_.insert(name, id))
      throw ScenarioError(pos, "layer name '" + name + "' is used twice; names must be unique");
  }

  LayerGraph g_;
  bool nests_ = true;  // keep each layer's loop nest (false: uniform mode, never tiled)
  NameIndex names_;
  std::vector<std::uint8_t> read_;  // read_[i]: a later layer reads layer i
  LayerId previous_ = kModelInput;
  const LayerSpec* block_spec_ = nullptr;
  std::string block_name_;
};

}  // namespace

void check_model_memory(std::uint64_t layers, std::uint64_t limit, const SourcePos& at) {
  std::uint64_t bytes = 0;
  const bool overflow = __builtin_mul_overflow(layers, kEstimatedBytesPerLayer, &bytes);
  if (!overflow && bytes <= limit) return;
  throw ScenarioError(
      at,
      "the model is too large: " + std::to_string(layers) + " layers need about " +
          (overflow ? std::string("more than 16 EiB") : format_bytes(static_cast<double>(bytes))) +
          " (about " + std::to_string(kEstimatedBytesPerLayer) +
          " bytes a layer), over the memory limit of " + format_bytes(static_cast<double>(limit)) +
          "; raise it with --memory-limit SIZE");
}

LayerGraph build_layer_graph(const ModelSpec& model, bool with_nests) {
  if (!model.topology.empty()) return read_scalesim_topology(model);
  if (!model.onnx.empty()) return read_onnx_model(model);
  if (model.layers.empty()) throw ScenarioError(model.pos, "[model] has no layers");
  // Before building anything: how many layers the entries expand into (repeat x the layers of
  // one entry), blamed on the entry that takes the count over the limit.
  std::uint64_t layers = 0;
  for (const LayerSpec& spec : model.layers) {
    const std::uint64_t each = find_layer_type(spec.type) ? 1 : kMaxLayersPerBlock;
    std::uint64_t added = 0;
    if (__builtin_mul_overflow(spec.repeat, each, &added) ||
        __builtin_add_overflow(layers, added, &layers))
      layers = std::numeric_limits<std::uint64_t>::max();
    check_model_memory(layers, model.memory_limit, spec.pos);
  }
  Assembler assembler(model, with_nests);
  // Exact when no entry is a block (the common long chain): one allocation, no regrowth.
  bool blocks = false;
  for (const LayerSpec& spec : model.layers) blocks = blocks || !find_layer_type(spec.type);
  if (!blocks) assembler.reserve(layers);
  for (const LayerSpec& spec : model.layers) assembler.add_spec(spec);
  return assembler.finish();
}

}  // namespace memsim
