#include "policies/models/layer_graph_builder.h"

#include <string_view>

#include "sim/scenario_parse.h"

namespace memsim {

const LayerParam* LayerParams::find(const std::string& key) const {
  auto it = spec_.params.find(key);
  return it == spec_.params.end() ? nullptr : &it->second;
}

void LayerParams::fail(const std::string& message) const {
  throw ScenarioError(spec_.pos, "layer '" + spec_.name + "' (" + spec_.type + "): " + message);
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

void LayerParams::reject_unread(const std::vector<std::string>& allowed) const {
  for (const auto& [key, param] : spec_.params) {
    bool ok = false;
    for (const auto& a : allowed) ok = ok || a == key;
    if (ok) continue;
    std::vector<std::string_view> options(allowed.begin(), allowed.end());
    options.push_back("name");
    options.push_back("repeat");
    const std::string guess = nearest_name(key, options);
    std::string hint = guess.empty() ? "" : "; did you mean '" + guess + "'?";
    if (guess.empty()) {
      hint = "; a " + spec_.type + " layer takes:";
      for (const auto& a : allowed) hint += " " + a;
    }
    throw ScenarioError(param.pos, "unknown key '" + key + "' for a " + spec_.type + " layer" + hint);
  }
}

LayerGraph build_layer_graph(const ModelSpec& model) {
  LayerGraph g;
  g.batch = model.batch;
  g.dtype_bytes = model.dtype_bytes;
  g.input = model.input;
  if (model.layers.empty()) throw ScenarioError(model.pos, "[model] has no layers");
  Shape current = model.input;
  LayerId previous = kModelInput;
  for (const LayerSpec& spec : model.layers) {
    const LayerType* type = nullptr;
    for (const LayerType& t : layer_types())
      if (spec.type == t.name) type = &t;
    if (!type) {
      std::string known;
      for (const LayerType& t : layer_types()) known += (known.empty() ? "" : ", ") + std::string(t.name);
      throw ScenarioError(spec.pos, "unknown layer type '" + spec.type + "'; known layer types: " + known);
    }
    const LayerParams params(spec);
    params.reject_unread(type->keys);
    for (std::uint64_t r = 0; r < spec.repeat; ++r) {
      if (g.layers.size() >= 0x7fffffffu) throw ScenarioError(spec.pos, "model has more than 2^31 layers");
      const std::vector<Shape> inputs{current};
      Layer layer = type->build({spec, inputs, model.batch}, params);
      layer.type = type->name;
      layer.inputs = {previous};
      layer.pos = spec.pos;
      const std::string index = std::to_string(g.layers.size() + 1);
      layer.name = spec.name.empty() ? layer.type + index
                   : spec.repeat > 1 ? spec.name + "." + std::to_string(r + 1)
                                     : spec.name;
      // Sizes must fit 64 bits once multiplied by batch and the widest dtype.
      std::uint64_t bytes = 0;
      if (__builtin_mul_overflow(layer.shape.elements(), model.batch * 8, &bytes) ||
          __builtin_mul_overflow(layer.params, std::uint64_t{8}, &bytes))
        throw ScenarioError(spec.pos, "layer '" + layer.name + "' is too large (sizes overflow 64 bits)");
      current = layer.shape;
      previous = static_cast<LayerId>(g.layers.size());
      g.layers.push_back(std::move(layer));
    }
  }
  return g;
}

}  // namespace memsim
