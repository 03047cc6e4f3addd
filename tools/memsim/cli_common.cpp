#include "tools/memsim/cli_common.h"

#include "sim/core/units.h"
#include "sim/scenario/build_simulation.h"
#include "sim/scenario/scenario_parse.h"

namespace po = boost::program_options;

namespace memsim::cli {

void add_scenario_options(po::options_description& options,
                          po::positional_options_description& positional, ScenarioArgs& args) {
  options.add_options()("scenario", po::value<std::string>(&args.path), "scenario TOML file")(
      "set", po::value<std::vector<std::string>>(&args.overrides)->composing(),
      "override a scenario key, e.g. --set hardware.cache.capacity=\"5 tensors\" (repeatable)")(
      "memory-limit", po::value<std::string>(&args.memory_limit),
      "refuse a [model] whose estimated memory (about 800 bytes a layer) exceeds SIZE "
      "(default 4 GiB), before building it");
  positional.add("scenario", 1);
}

bool parse_command_line(const std::vector<std::string>& args,
                        const po::options_description& options,
                        const po::positional_options_description& positional,
                        const std::string& usage, std::ostream& out) {
  for (const auto& a : args)
    if (a == "--help" || a == "-h") {
      out << usage << "\n" << options << "\n";
      return false;
    }
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(options).positional(positional).run(), vm);
    po::notify(vm);
  } catch (const po::too_many_positional_options_error&) {
    throw UsageError("expected one scenario file; see --help");
  } catch (const po::error& e) {
    throw UsageError(std::string(e.what()) + "; see --help");
  }
  if (!vm.count("scenario")) throw UsageError("missing the scenario file; see --help");
  return true;
}

std::uint64_t memory_limit(const ScenarioArgs& args) {
  if (args.memory_limit.empty()) return kDefaultMemoryLimit;
  try {
    const std::uint64_t v = parse_size(args.memory_limit);
    if (v == 0) throw UnitError("must be more than 0 bytes");
    return v;
  } catch (const UnitError& e) {
    throw UsageError("--memory-limit: " + std::string(e.what()));
  }
}

ScenarioSpec load_spec(const ScenarioArgs& args) {
  const std::uint64_t limit = memory_limit(args);  // a bad option before reading the scenario
  ScenarioSpec spec = parse_scenario_file(args.path, args.overrides);
  if (spec.model) spec.model->memory_limit = limit;
  return spec;
}

Simulation load_simulation(const ScenarioArgs& args, const Registry& registry) {
  return build_simulation(load_spec(args), registry);
}

Format parse_format(const std::string& name) {
  if (name == "text") return Format::text;
  if (name == "json") return Format::json;
  if (name == "csv") return Format::csv;
  throw UsageError("--format must be text, json or csv, not '" + name + "'");
}

}  // namespace memsim::cli
