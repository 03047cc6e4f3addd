// memsim fit: the largest batch (or any integer key) whose peak live bytes fit the DRAM, by
// doubling and bisection (sim/study/fit.h), optionally for each checkpoint option.
#include <fstream>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "sim/core/errors.h"
#include "sim/core/units.h"
#include "sim/report/peak_memory_text.h"
#include "sim/study/fit.h"
#include "tools/memsim/commands.h"

namespace po = boost::program_options;

namespace memsim::cli {
namespace {

// What --compare may vary, and the values it tries.
const std::vector<std::string> kCheckpointOptions{"none", "sqrt"};

std::string kind_name(int kind) {
  static const char* kNames[] = {"weights",   "activations",     "inputs", "labels",
                                 "gradients", "optimizer state", "other"};
  return kind < 0 ? "" : kNames[kind];
}

std::string bytes(std::uint64_t b) {
  return format_bytes(static_cast<double>(b));
}

// "47.93 GiB at op loss  (weights ..., activations ...)"; with the exact byte count when the
// rounded figure would read the same as the DRAM room.
std::string probe_text(const FitProbe& p, std::uint64_t room) {
  std::string out = bytes(p.liveness.peak_live_bytes);
  if (out == bytes(room)) out += " (" + std::to_string(p.liveness.peak_live_bytes) + " B)";
  if (!p.peak_op.empty()) out += " at op " + p.peak_op;
  return out + "  (" + peak_breakdown(p.liveness, false) + ")";
}

std::string fit_text(const FitResult& r) {
  const std::uint64_t room = r.dram_capacity - r.dram_reserved;
  std::ostringstream o;
  if (r.largest) {
    o << "largest    " << r.key << " = " << r.largest->value << "\n";
    o << "peak live  " << probe_text(*r.largest, room) << "\n";
  } else {
    o << "largest    none: " << r.key << " = 1 does not fit\n";
  }
  if (r.next)
    o << "next       " << r.key << " = " << r.next->value << " needs " << probe_text(*r.next, room)
      << (r.largest ? "; " + kind_name(r.overflowing_kind) + " overflow"
                    : "; the largest part is " + kind_name(r.overflowing_kind))
      << "\n";
  else
    o << "next       none: every value up to " << kFitLimit << " fits\n";
  o << "probes     " << r.probes << "\n";
  return o.str();
}

nlohmann::ordered_json probe_json(const std::optional<FitProbe>& p) {
  nlohmann::ordered_json j;
  if (!p) return nullptr;
  j["value"] = p->value;
  j["peak_live_bytes"] = p->liveness.peak_live_bytes;
  j["peak_op"] = p->peak_op;
  nlohmann::ordered_json kinds;
  for (int k = 0; k < kTensorKindCount; ++k)
    kinds[std::string(to_string(static_cast<TensorKind>(k)))] = p->liveness.peak_by_kind[k];
  j["peak_by_kind"] = std::move(kinds);
  return j;
}

nlohmann::ordered_json fit_json(const FitResult& r) {
  nlohmann::ordered_json j;
  j["largest"] = r.largest ? nlohmann::ordered_json(r.largest->value) : nullptr;
  j["at_largest"] = probe_json(r.largest);
  j["at_next"] = probe_json(r.next);
  j["overflowing_kind"] = r.overflowing_kind < 0
                              ? nlohmann::ordered_json(nullptr)
                              : nlohmann::ordered_json(to_string(TensorKind(r.overflowing_kind)));
  j["probes"] = r.probes;
  return j;
}

}  // namespace

int cmd_fit(const std::vector<std::string>& args, const Registry& registry) {
  ScenarioArgs scenario;
  std::string key = "model.batch";
  std::string compare;
  std::string format = "text";
  po::options_description options("memsim fit options");
  po::positional_options_description positional;
  add_scenario_options(options, positional, scenario);
  options.add_options()("param", po::value<std::string>(&key),
                        "the integer key to maximize (default: model.batch)")(
      "compare", po::value<std::string>(&compare),
      "checkpoint: answer for each checkpoint option (none, sqrt)")(
      "format", po::value<std::string>(&format), "output: text (default) or json");
  const std::string usage =
      "usage: memsim fit SCENARIO.toml [--param KEY] [--set KEY=VALUE]... [--compare checkpoint] "
      "[--format text|json]\n\n"
      "The largest value of KEY (default model.batch) whose peak live bytes fit the DRAM less\n"
      "hardware.dram.reserved, by doubling and bisection; the peak at that value and the tensor\n"
      "kind that overflows at the next. Exit status 3 when even 1 does not fit.\n"
      "example: memsim fit scenarios/models/resnet50.toml --compare checkpoint";
  if (!parse_command_line(args, options, positional, usage, std::cout)) return kExitOk;
  const Format fmt = parse_format(format);
  if (fmt == Format::csv) throw UsageError("--format must be text or json for fit, not 'csv'");
  if (!compare.empty() && compare != "checkpoint")
    throw UsageError("--compare takes 'checkpoint', not '" + compare + "'");

  std::ifstream in(scenario.path, std::ios::binary);
  if (!in) throw ScenarioError(SourcePos{scenario.path, 0, 0}, "cannot open scenario file");
  std::ostringstream text;
  text << in.rdbuf();

  std::vector<std::pair<std::string, FitResult>> results;  // (checkpoint option or "", result)
  if (compare.empty()) {
    results.emplace_back(
        "", fit_scenario(scenario.path, text.str(), scenario.overrides, key, registry));
  } else {
    for (const std::string& c : kCheckpointOptions) {
      std::vector<std::string> overrides = scenario.overrides;
      overrides.push_back("schedule.checkpoint=" + c);
      results.emplace_back(c, fit_scenario(scenario.path, text.str(), overrides, key, registry));
    }
  }
  const FitResult& first = results.front().second;
  const std::uint64_t room = first.dram_capacity - first.dram_reserved;
  if (fmt == Format::json) {
    nlohmann::ordered_json j;
    j["scenario"] = scenario.path;
    j["param"] = key;
    j["dram_capacity_bytes"] = first.dram_capacity;
    j["dram_reserved_bytes"] = first.dram_reserved;
    if (compare.empty()) {
      const nlohmann::ordered_json answer = fit_json(first);
      for (const auto& item : answer.items()) j[item.key()] = item.value();
    } else {
      j["compare"] = compare;
      j["results"] = nlohmann::ordered_json::array();
      for (const auto& [option, r] : results) {
        nlohmann::ordered_json row;
        row["checkpoint"] = option;
        const nlohmann::ordered_json answer = fit_json(r);
        for (const auto& item : answer.items()) row[item.key()] = item.value();
        j["results"].push_back(std::move(row));
      }
    }
    std::cout << j.dump(2) << "\n";
  } else {
    std::cout << "scenario   " << scenario.path << "\n";
    std::cout << "DRAM       " << bytes(first.dram_capacity);
    if (first.dram_reserved > 0) std::cout << " less " << bytes(first.dram_reserved) << " reserved";
    std::cout << ": " << room << " B for tensors";
    std::cout << "\nsearch     the largest " << key
              << " whose peak live fits (liveness of the op order; the cache plays no part)\n";
    for (const auto& [option, r] : results) {
      std::cout << "\n";
      if (!option.empty()) std::cout << "checkpoint " << option << "\n";
      std::cout << fit_text(r);
    }
  }
  for (const auto& [option, r] : results)
    if (!r.largest) return kExitOutOfMemory;
  return kExitOk;
}

}  // namespace memsim::cli
