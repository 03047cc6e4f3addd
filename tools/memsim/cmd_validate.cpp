// memsim validate: parse and check a scenario without running it.
#include <iostream>

#include "tools/memsim/commands.h"

namespace po = boost::program_options;

namespace memsim::cli {

int cmd_validate(const std::vector<std::string>& args, const Registry& registry) {
  ScenarioArgs scenario;
  po::options_description options("memsim validate options");
  po::positional_options_description positional;
  add_scenario_options(options, positional, scenario);
  const std::string usage =
      "usage: memsim validate SCENARIO.toml [--set KEY=VALUE]...\n\n"
      "Checks the scenario (keys, types, units, names, cycles, working sets) and prints ok.\n"
      "example: memsim validate scenarios/lecture/paging.toml";
  if (!parse_command_line(args, options, positional, usage, std::cout)) return kExitOk;
  load_simulation(scenario, registry);
  std::cout << "ok\n";
  return kExitOk;
}

}  // namespace memsim::cli
