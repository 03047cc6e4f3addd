// memsim info: a model's per-layer parameters, FLOPs, bytes, arithmetic intensity and roofline
// verdict, without running a schedule. The numbers come from policies/models/model_info.h.
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "policies/models/model_info.h"
#include "policies/tiling/model_tiling.h"
#include "sim/core/units.h"
#include "sim/scenario/scenario_parse.h"
#include "tools/memsim/commands.h"

namespace po = boost::program_options;

namespace memsim::cli {
namespace {

std::string_view role_text(NestRole role) {
  switch (role) {
    case NestRole::forward:
      return "forward";
    case NestRole::recompute:
      return "recompute";
    case NestRole::backward_data:
      return "dX";
    case NestRole::backward_weight:
      return "dW";
    case NestRole::update:
      return "update";
    case NestRole::loss:
      return "loss";
    case NestRole::none:
      break;
  }
  return "-";
}

std::string layer_of(const ModelTiling& t, const OpTilingDecision& d) {
  return d.origin.layer < t.model.size() ? t.model.name(d.origin.layer) : "-";
}

nlohmann::ordered_json tiling_json(const ModelTiling& t) {
  nlohmann::ordered_json j;
  j["capacity_bytes"] = t.capacity;
  j["lookahead"] = t.lookahead;
  j["active"] = t.plan.active;
  j["ops"] = nlohmann::ordered_json::array();
  for (const OpTilingDecision& d : t.plan.ops) {
    nlohmann::ordered_json o;
    o["op"] = std::string(t.graph.op_name(d.op));
    o["layer"] = layer_of(t, d);
    o["role"] = role_text(d.origin.role);
    o["untiled_bytes"] = d.working_set;
    o["cut"] = d.cut;
    o["explicit"] = d.explicit_tiles;
    o["tiles"] = d.prediction.tiles;
    // A split tiling's "tile" and "order" are its first part's; "split" names the dimension,
    // the point and the second part's.
    const auto cut = [](const NestProblem& p, const Tiling& tiling, nlohmann::ordered_json& into) {
      nlohmann::ordered_json tile = nlohmann::ordered_json::object();
      std::string order;
      for (std::uint8_t k : tiling.order) {
        if (tiling.tile[k] >= p.dims[k].extent) continue;
        tile[std::string(1, p.dims[k].name)] = tiling.tile[k];
        order += p.dims[k].name;
      }
      into["tile"] = tile;
      into["order"] = order;
    };
    if (d.tiling.split()) {
      cut(part_problem(d.problem, d.tiling, 0), part_tiling(d.tiling, 0), o);
      nlohmann::ordered_json split;
      split["dim"] = std::string(1, d.problem.dims[d.tiling.split_dim].name);
      split["at"] = d.tiling.split_at;
      cut(part_problem(d.problem, d.tiling, 1), part_tiling(d.tiling, 1), split);
      nlohmann::ordered_json single;  // the best single tile shape, which the split beat
      cut(d.problem, d.uniform, single);
      single["tiles"] = d.uniform_prediction.tiles;
      single["predicted_bytes"] = d.uniform_prediction.traffic();
      split["one_shape"] = single;
      o["split"] = split;
    } else {
      cut(d.problem, d.tiling, o);
      o["split"] = nullptr;
    }
    o["predicted_bytes"] = d.problem.dims.empty() ? nlohmann::ordered_json(nullptr)
                                                  : nlohmann::ordered_json(d.prediction.traffic());
    o["lower_bound_bytes"] =
        d.problem.dims.empty()
            ? nlohmann::ordered_json(nullptr)
            : nlohmann::ordered_json(traffic_lower_bound(t.model, d, t.capacity));
    j["ops"].push_back(std::move(o));
  }
  return j;
}

nlohmann::ordered_json info_json(const ScenarioSpec& spec, const ModelInfo& info,
                                 const ModelTiling* tiling) {
  nlohmann::ordered_json j;
  j["scenario"] = spec.name;
  j["params"] = info.params;
  j["flops_forward"] = info.flops_forward;
  j["flops_backward"] = info.flops_backward;
  j["flops_update"] = info.flops_update;
  j["macs"] = info.macs;
  j["optimizer"] = info.optimizer;
  j["weight_bytes"] = info.weight_bytes;
  j["activation_bytes"] = info.activation_bytes;
  j["saved_bytes"] = info.saved_bytes;
  if (spec.schedule.kind == "training") {
    nlohmann::ordered_json pp;
    pp["weights"] = info.per_param.weights;
    pp["gradients"] = info.per_param.gradients;
    pp["master"] = info.per_param.master;
    pp["optimizer"] = info.per_param.optimizer;
    pp["total"] = info.per_param.total();
    j["bytes_per_param"] = std::move(pp);
  }
  j["ridge_flop_per_byte"] = info.ridge > 0 ? nlohmann::ordered_json(info.ridge) : nullptr;
  j["layers"] = nlohmann::ordered_json::array();
  for (const LayerInfo& l : info.layers) {
    nlohmann::ordered_json row;
    row["name"] = l.name;
    row["type"] = l.type;
    row["params"] = l.params;
    row["flops_forward"] = l.flops_forward;
    row["flops_backward"] = l.flops_backward;
    row["macs"] = l.macs;
    row["weight_bytes"] = l.weight_bytes;
    row["input_bytes"] = l.input_bytes;
    row["activation_bytes"] = l.activation_bytes;
    row["saved_bytes"] = l.saved_bytes;
    row["intensity"] = l.intensity;
    row["bound"] = l.bound;
    j["layers"].push_back(std::move(row));
  }
  if (tiling) j["tiling"] = tiling_json(*tiling);
  return j;
}

std::string fixed(double v, int digits) {
  std::ostringstream o;
  o.setf(std::ios::fixed);
  o.precision(digits);
  o << v;
  return o.str();
}

// The tiling section: per op of the schedule before tiling, the cache it needs whole, the
// tiling chosen, its tile ops, its predicted traffic and the lower bound.
std::string tiling_text_section(const ModelTiling& t, const ScenarioSpec& spec) {
  std::ostringstream o;
  o << "\ntiling     cache " << format_bytes(static_cast<double>(t.capacity)) << ", lookahead "
    << t.lookahead << ", schedule.tiling " << spec.schedule.tiling << ": ";
  if (!t.plan.active) {
    const OpTilingDecision* largest = nullptr;
    for (const OpTilingDecision& d : t.plan.ops)
      if (!largest || d.working_set > largest->working_set) largest = &d;
    o << "no op is cut";
    if (largest)
      o << "; the largest working set, " << format_bytes(static_cast<double>(largest->working_set))
        << " (op " << t.graph.op_name(largest->op) << "), "
        << (largest->working_set <= t.capacity ? "fits" : "does not fit");
    o << "\n";
    return o.str();
  }
  o << "ops that do not fit are cut into tiles\n";
  o << "untiled    the cache an op needs whole; predicted: the traffic model's loads + stores\n\n";
  std::size_t lw = 5, ow = 2, tw = 34;
  for (const OpTilingDecision& d : t.plan.ops) {
    lw = std::max(lw, layer_of(t, d).size());
    ow = std::max(ow, t.graph.op_name(d.op).size());
    if (!d.problem.dims.empty())
      tw = std::max(tw, tiling_text(d.problem, d.tiling).size() + (d.explicit_tiles ? 8 : 0));
  }
  const auto row = [&](const std::string& layer, const std::string& op, const std::string& role,
                       const std::string& untiled, const std::string& tiling,
                       const std::string& tiles, const std::string& predicted,
                       const std::string& bound, const std::string& ratio) {
    std::ostringstream r;
    r << std::left << std::setw(static_cast<int>(lw)) << layer << "  "
      << std::setw(static_cast<int>(ow)) << op << "  " << std::setw(9) << role << std::right
      << std::setw(12) << untiled << "  " << std::left << std::setw(static_cast<int>(tw)) << tiling
      << std::right << std::setw(8) << tiles << std::setw(13) << predicted << std::setw(13) << bound
      << std::setw(7) << ratio;
    std::string line = r.str();
    line.erase(line.find_last_not_of(' ') + 1);
    o << line << "\n";
  };
  row("layer", "op", "role", "untiled", "tiling", "tiles", "predicted", "lower bound", "ratio");
  for (const OpTilingDecision& d : t.plan.ops) {
    if (d.problem.dims.empty()) {
      row(layer_of(t, d), std::string(t.graph.op_name(d.op)), std::string(role_text(d.origin.role)),
          format_bytes(static_cast<double>(d.working_set)), "whole (no loop nest)", "1", "", "",
          "");
      continue;
    }
    const std::uint64_t bound = traffic_lower_bound(t.model, d, t.capacity);
    const double predicted = static_cast<double>(d.prediction.traffic());
    row(layer_of(t, d), std::string(t.graph.op_name(d.op)), std::string(role_text(d.origin.role)),
        format_bytes(static_cast<double>(d.working_set)),
        tiling_text(d.problem, d.tiling) + (d.explicit_tiles ? " (given)" : ""),
        std::to_string(d.prediction.tiles), format_bytes(predicted),
        format_bytes(static_cast<double>(bound)),
        bound > 0 ? fixed(predicted / static_cast<double>(bound), 2) : "");
  }
  // Why an op has tiles of two shapes: the best single shape and what the split saves.
  bool first = true;
  for (const OpTilingDecision& d : t.plan.ops) {
    if (!d.tiling.split() || d.explicit_tiles) continue;
    const double one = static_cast<double>(d.uniform_prediction.traffic());
    const double two = static_cast<double>(d.prediction.traffic());
    o << (first ? "\nsplit      " : "           ") << t.graph.op_name(d.op) << ": one tile shape, "
      << tiling_text(d.problem, d.uniform) << " (" << d.uniform_prediction.tiles << " tiles), "
      << "would move " << format_bytes(one) << "; two shapes move "
      << fixed(100 * (one - two) / one, 1) << "% less\n";
    first = false;
  }
  return o.str();
}

std::string info_text(const ScenarioSpec& spec, const ModelInfo& info, const ModelTiling* tiling) {
  const ModelSpec& model = *spec.model;
  std::ostringstream o;
  o << "scenario   " << spec.name << "  (" << spec.file << ")\n";
  o << "model      " << info.layers.size() << " layers, batch " << model.batch << ", "
    << model.dtype << "; schedule " << spec.schedule.kind;
  if (spec.schedule.kind == "training") o << ", optimizer " << info.optimizer;
  o << "\n";
  const std::uint32_t channels = spec.machine.dram_channels;
  if (info.ridge > 0)
    o << "roofline   ridge " << fixed(info.ridge, 1)
      << " FLOP/B = " << format_flops(spec.machine.compute_throughput) << "/s / "
      << (channels > 1 ? "(" + std::to_string(channels) + " channels x " : std::string())
      << format_bandwidth(spec.machine.dram_bandwidth) << (channels > 1 ? ")" : "")
      << "; a layer below it is memory-bound\n";
  else
    o << "roofline   n/a: the machine has no throughput and bandwidth (uniform cache)\n";
  o << "intensity  forward FLOPs / (weight + input + output activation bytes)\n\n";
  // Training: a column of the bytes each layer keeps for backward.
  const bool training = spec.schedule.kind == "training";
  const auto b = [](std::uint64_t v) { return format_bytes(static_cast<double>(v)); };
  std::size_t name_width = 5;
  for (const LayerInfo& l : info.layers) name_width = std::max(name_width, l.name.size());
  const auto row = [&](const std::string& name, const std::string& type, const std::string& params,
                       const std::string& fwd, const std::string& bwd, const std::string& w,
                       const std::string& a, const std::string& saved, const std::string& intensity,
                       const std::string& bound) {
    std::ostringstream r;
    r << std::left << std::setw(static_cast<int>(name_width)) << name << "  " << std::setw(10)
      << type << std::right << std::setw(12) << params << std::setw(14) << fwd << std::setw(14)
      << bwd << std::setw(12) << w << std::setw(13) << a;
    if (training) r << std::setw(12) << saved;
    r << std::setw(9) << intensity << "  " << bound;
    std::string line = r.str();
    line.erase(line.find_last_not_of(' ') + 1);  // the total row has no intensity or bound
    o << line << "\n";
  };
  row("layer", "type", "params", "fwd FLOPs", "bwd FLOPs", "weights", "activations", "saved",
      "FLOP/B", "bound");
  for (const LayerInfo& l : info.layers)
    row(l.name, l.type, std::to_string(l.params), format_flops(l.flops_forward),
        format_flops(l.flops_backward), b(l.weight_bytes), b(l.activation_bytes), b(l.saved_bytes),
        fixed(l.intensity, 1), l.bound);
  row("total", "", std::to_string(info.params), format_flops(info.flops_forward),
      format_flops(info.flops_backward), b(info.weight_bytes), b(info.activation_bytes),
      b(info.saved_bytes), "", "");
  o << "\nMACs       " << format_count(info.macs)
    << " multiply-adds in conv and dense layers, forward (2 FLOPs each)\n";
  o << "update     " << format_flops(info.flops_update) << " (optimizer " << info.optimizer
    << ")\n";
  if (training) {
    o << "saved      " << b(info.saved_bytes)
      << " kept for backward, each storage once (a layer's column counts what it saves)\n";
    const auto& p = info.per_param;
    o << "per param  " << p.total() << " B: weights " << p.weights << ", gradients " << p.gradients
      << ", master " << p.master << ", optimizer state " << p.optimizer << "\n";
  }
  if (tiling) o << tiling_text_section(*tiling, spec);
  return o.str();
}

}  // namespace

int cmd_info(const std::vector<std::string>& args, const Registry&) {
  ScenarioArgs scenario;
  std::string format = "text";
  po::options_description options("memsim info options");
  po::positional_options_description positional;
  add_scenario_options(options, positional, scenario);
  options.add_options()("format", po::value<std::string>(&format),
                        "output: text (default) or json");
  const std::string usage =
      "usage: memsim info SCENARIO.toml [--set KEY=VALUE]... [--format text|json]\n\n"
      "Describes a [model] without running it: per layer its parameters, forward and backward\n"
      "FLOPs, weight and activation bytes, arithmetic intensity and whether it is compute- or\n"
      "memory-bound on the scenario's machine (roofline). A raw [graph] is an input error.\n"
      "example: memsim info scenarios/lecture/mlp3-training.toml --format json";
  if (!parse_command_line(args, options, positional, usage, std::cout)) return kExitOk;
  const Format fmt = parse_format(format);
  if (fmt == Format::csv) throw UsageError("--format must be text or json for info, not 'csv'");
  const ScenarioSpec spec = load_spec(scenario);
  const ModelInfo info = describe_model(spec);
  // Tiling needs a cache in bytes (uniform mode never tiles).
  std::optional<ModelTiling> tiling;
  if (!spec.machine.uniform) tiling = plan_model_tiling(spec);
  const ModelTiling* t = tiling ? &*tiling : nullptr;
  if (fmt == Format::json)
    std::cout << info_json(spec, info, t).dump(2) << "\n";
  else
    std::cout << info_text(spec, info, t);
  return kExitOk;
}

}  // namespace memsim::cli
