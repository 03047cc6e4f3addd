#include "tools/memsim/cli_common.h"

#include "sim/scenario/build_simulation.h"
#include "sim/scenario/scenario_parse.h"

namespace po = boost::program_options;

namespace memsim::cli {

void add_scenario_options(po::options_description& options,
                          po::positional_options_description& positional, ScenarioArgs& args) {
  options.add_options()("scenario", po::value<std::string>(&args.path), "scenario TOML file")(
      "set", po::value<std::vector<std::string>>(&args.overrides)->composing(),
      "override a scenario key, e.g. --set hardware.cache.capacity=\"5 tensors\" (repeatable)");
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

Simulation load_simulation(const ScenarioArgs& args, const Registry& registry) {
  return build_simulation(parse_scenario_file(args.path, args.overrides), registry);
}

Format parse_format(const std::string& name) {
  if (name == "text") return Format::text;
  if (name == "json") return Format::json;
  if (name == "csv") return Format::csv;
  throw UsageError("--format must be text, json or csv, not '" + name + "'");
}

}  // namespace memsim::cli
