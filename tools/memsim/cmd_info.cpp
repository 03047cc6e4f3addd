// memsim info: a model's per-layer parameters, FLOPs, bytes, arithmetic intensity and roofline
// verdict, without running a schedule. The numbers come from policies/models/model_info.h.
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "policies/models/model_info.h"
#include "sim/core/units.h"
#include "sim/scenario/scenario_parse.h"
#include "tools/memsim/commands.h"

namespace po = boost::program_options;

namespace memsim::cli {
namespace {

nlohmann::ordered_json info_json(const ScenarioSpec& spec, const ModelInfo& info) {
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
  return j;
}

std::string fixed(double v, int digits) {
  std::ostringstream o;
  o.setf(std::ios::fixed);
  o.precision(digits);
  o << v;
  return o.str();
}

std::string info_text(const ScenarioSpec& spec, const ModelInfo& info) {
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
  if (fmt == Format::json)
    std::cout << info_json(spec, info).dump(2) << "\n";
  else
    std::cout << info_text(spec, info);
  return kExitOk;
}

}  // namespace memsim::cli
