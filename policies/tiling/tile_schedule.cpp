#include "policies/tiling/tile_schedule.h"

#include <algorithm>
#include <map>
#include <stdexcept>

#include "policies/tiling/auto_tiler.h"
#include "policies/tiling/nest_problem.h"
#include "policies/tiling/tiling_pass.h"
#include "sim/core/units.h"

namespace memsim {
namespace {

// An error about tiling an op of `layer`: at that layer's place, "layer 'L': " in front, when the
// op comes from a layer of `model` (the loss does not).
ScenarioError op_layer_error(const LayerGraph& model, std::uint32_t layer,
                             const std::string& what) {
  if (layer >= model.size()) return ScenarioError(SourcePos{}, what);
  return ScenarioError(*model.layer(layer).pos, "layer '" + model.name(layer) + "': " + what);
}

// Whether some op's working set exceeds the cache: when the auto tiler has work to do.
bool some_op_outgrows(const Graph& graph, std::span<const OpId> order, std::uint64_t capacity) {
  if (graph.max_working_set_bytes() <= capacity) return false;  // no op of the graph does
  for (OpId o : order)
    if (graph.working_set_bytes(o) > capacity) return true;
  return false;
}

bool takes_layer_tiles(NestRole role) {
  return role == NestRole::forward || role == NestRole::recompute ||
         role == NestRole::backward_data || role == NestRole::backward_weight;
}

// A key that identifies a problem (identical layers share their choice).
std::string problem_key(const NestProblem& p) {
  std::string k;
  const auto num = [&](std::uint64_t v) {
    k += std::to_string(v);
    k += ',';
  };
  for (const LoopDim& d : p.dims) {
    k += d.name;
    num(d.extent);
    num(d.step);
    num(d.tileable);
  }
  k += '|';
  for (const OperandInfo& x : p.operands) {
    num(static_cast<std::uint64_t>(x.access));
    num(x.required_output);
    num(x.element_bytes);
    for (std::size_t a = 0; a < x.extents.size(); ++a) {
      num(x.extents[a]);
      const AxisMap& m = x.maps[a];
      num(static_cast<std::uint64_t>(m.offset));
      for (int i = 0; i < m.count; ++i) {
        num(m.terms[i].dim);
        num(m.terms[i].coeff);
        num(m.terms[i].div);
      }
      k += ';';
    }
    k += '|';
  }
  return k;
}

Tiling requested_tiling(const NestProblem& p, const TileRequest& request) {
  Tiling t = whole_tiling(p);
  for (const auto& [name, size] : request.sizes)
    for (std::size_t d = 0; d < p.dims.size(); ++d)
      if (p.dims[d].name == name) t.tile[d] = size;
  std::vector<std::uint8_t> order;
  for (char c : request.order)
    for (std::size_t d = 0; d < p.dims.size(); ++d)
      if (p.dims[d].name == c) order.push_back(static_cast<std::uint8_t>(d));
  for (std::size_t d = 0; d < p.dims.size(); ++d)
    if (std::find(order.begin(), order.end(), d) == order.end())
      order.push_back(static_cast<std::uint8_t>(d));
  t.order = std::move(order);
  return t;
}

std::string bytes_text(std::uint64_t b) {
  return std::to_string(b) + " bytes (" + format_bytes(static_cast<double>(b)) + ")";
}

}  // namespace

std::string tiling_text(const NestProblem& problem, const Tiling& tiling) {
  if (tiling.split()) {
    // "n<480: m=20 order m, n>=480: m=512 k=205 order mk"; a part not cut is "whole"
    const std::string dim(1, problem.dims[tiling.split_dim].name);
    const std::string at = std::to_string(tiling.split_at);
    const auto part = [&](int k) {
      const Tiling t = part_tiling(tiling, k);
      const NestProblem p = part_problem(problem, tiling, k);
      return t.whole(p.dims) ? std::string("whole") : tiling_text(p, t);
    };
    return dim + "<" + at + ": " + part(0) + ", " + dim + ">=" + at + ": " + part(1);
  }
  std::string s, order;
  for (std::uint8_t d : tiling.order) {
    const LoopDim& dim = problem.dims[d];
    if (tiling.tile[d] >= dim.extent) continue;
    s += std::string(s.empty() ? "" : " ") + dim.name + "=" + std::to_string(tiling.tile[d]);
    order += dim.name;
  }
  if (s.empty()) return "whole (nothing cut)";
  return s + " order " + order;
}

TilingPlan plan_tiling(const Graph& graph, std::span<const OpId> order, const Workload& workload,
                       const TilingInput& input) {
  TilingPlan plan;
  const LayerGraph& model = input.model;
  if (input.capacity == 0 && !input.uniform) return plan;  // no cache given: never tile
  if (input.uniform) {
    for (LayerId i = 0; i < model.size(); ++i)
      if (const Layer& l = model.layer(i); l.tiles->given)
        throw ScenarioError(l.tiles->pos, "layer '" + model.name(i) +
                                              "': tiles need a cache in bytes; uniform mode "
                                              "(tensors as units) does not tile");
    return plan;
  }
  const bool automatic =
      input.schedule.tiling == "auto" && some_op_outgrows(graph, order, input.capacity);
  const TilerOptions options{input.capacity, input.schedule.lookahead, input.bounds.shapes,
                             &plan.shapes_tried};
  std::map<std::string, TilingChoice> memo;
  for (OpId o : order) {
    OpTilingDecision d;
    d.op = o;
    if (o < workload.origins.size()) d.origin = workload.origins[o];
    d.working_set = graph.working_set_bytes(o);
    d.problem = nest_problem(graph, workload, o);
    d.tiling = whole_tiling(d.problem);
    const Layer* layer = d.origin.layer < model.size() ? &model.layer(d.origin.layer) : nullptr;
    if (layer && layer->tiles->given && takes_layer_tiles(d.origin.role) &&
        !d.problem.dims.empty()) {
      d.explicit_tiles = true;
      d.tiling = requested_tiling(d.problem, layer->tiles);
      d.prediction = predict(d.problem, d.tiling, input.capacity, input.schedule.lookahead);
      const Prediction alone = predict(d.problem, d.tiling, input.capacity, 0);
      if (!alone.fits)
        throw ScenarioError(layer->tiles->pos,
                            "layer '" + model.name(d.origin.layer) + "': with tiles " +
                                tiling_text(d.problem, d.tiling) + ", a tile op of '" +
                                std::string(graph.op_name(o)) + "' needs " +
                                bytes_text(alone.working_set + alone.epilogue) +
                                " resident at once, but the cache holds " +
                                bytes_text(input.capacity));
      d.cut = d.prediction.tiles > 1;
    } else if (automatic && !d.problem.dims.empty() && d.working_set > input.capacity) {
      const std::string key = problem_key(d.problem);
      auto it = memo.find(key);
      if (it == memo.end()) {
        try {
          it = memo.emplace(key, choose_tiling(d.problem, options)).first;
        } catch (const TilerLimitReached& e) {
          throw op_layer_error(
              model, d.origin.layer,
              e.what() + (" for op '" + std::string(graph.op_name(o))) +
                  "', the bound its caller set (a smaller layer or a larger cache needs fewer)");
        }
      }
      d.tiling = it->second.tiling;
      d.prediction = it->second.prediction;
      d.uniform = it->second.uniform;
      d.uniform_prediction = it->second.uniform_prediction;
      d.cut = it->second.cut();
    } else if (!d.problem.dims.empty()) {
      d.prediction = predict(d.problem, d.tiling, input.capacity, 0);
    }
    plan.active = plan.active || d.cut;
    plan.ops.push_back(std::move(d));
  }
  return plan;
}

bool tiling_may_apply(const Graph& graph, std::span<const OpId> order, const TilingInput& input) {
  // plan_tiling: nothing is planned without a cache in bytes; in uniform mode only a layer's
  // `tiles` matters (an error); otherwise an op is cut when its layer has `tiles` or, under
  // "auto", when its working set exceeds the cache.
  if (input.capacity == 0 && !input.uniform) return false;
  const LayerGraph& model = input.model;
  // By record, not by layer: a repeat's copies share one (a 10^6-layer chain has two).
  for (std::size_t k = 0; k < model.record_count(); ++k)
    if (model.record(k).tiles->given) return true;
  if (input.uniform || input.schedule.tiling != "auto") return false;
  return some_op_outgrows(graph, order, input.capacity);
}

GeneratedSchedule tile_schedule(GeneratedSchedule untiled, const Workload& workload,
                                const TilingInput& input) {
  const TilingPlan plan = plan_tiling(untiled.graph, untiled.order, workload, input);
  if (!plan.active) return untiled;
  const Graph& g = untiled.graph;
  if (input.bounds.tile_ops > 0) {
    std::uint64_t tile_ops = 0;
    for (const OpTilingDecision& d : plan.ops) {
      if (!d.cut) continue;
      tile_ops += d.prediction.tiles;
      if (tile_ops <= input.bounds.tile_ops) continue;
      throw op_layer_error(input.model, d.origin.layer,
                           "with op '" + std::string(g.op_name(d.op)) + "' the tiling has " +
                               std::to_string(tile_ops) + " tile ops, more than the " +
                               std::to_string(input.bounds.tile_ops) +
                               " its caller allows (fewer with larger tiles or a larger cache)");
    }
  }
  std::vector<OpPlan> plans(g.op_count());
  for (const OpTilingDecision& d : plan.ops) plans[d.op] = {d.cut, d.tiling};
  TiledGraph tiled;
  try {
    tiled = tile_graph(g, untiled.order, workload, plans);
  } catch (const std::length_error& e) {
    throw ScenarioError(SourcePos{}, e.what());
  }
  auto rollup = std::make_shared<TilingRollup>();
  for (OpId o = 0; o < g.op_count(); ++o) {
    rollup->op_names.emplace_back(g.op_name(o));
    rollup->op_origins.push_back(o < workload.origins.size() ? workload.origins[o]
                                                             : Workload::Origin{});
  }
  for (TensorId t = 0; t < g.tensor_count(); ++t)
    rollup->tensor_names.emplace_back(g.tensor_name(t));
  rollup->op_origin = std::move(tiled.op_origin);
  rollup->tensor_origin = std::move(tiled.tensor_origin);
  GeneratedSchedule out;
  out.graph = std::move(tiled.graph);
  out.order = std::move(tiled.order);
  out.tiling = std::move(rollup);
  return out;
}

}  // namespace memsim
