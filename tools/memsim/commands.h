#pragma once
// One function per `memsim` command; each returns the exit status and throws ScenarioError or
// UsageError for bad input (main() turns those into one line and status 2).
#include <string>
#include <vector>

#include "tools/memsim/cli_common.h"

namespace memsim::cli {

int cmd_run(const std::vector<std::string>& args, const Registry& registry);
int cmd_solve(const std::vector<std::string>& args, const Registry& registry);
int cmd_info(const std::vector<std::string>& args, const Registry& registry);
int cmd_validate(const std::vector<std::string>& args, const Registry& registry);
int cmd_sweep(const std::vector<std::string>& args, const Registry& registry);
int cmd_merge(const std::vector<std::string>& args, const Registry& registry);
int cmd_fit(const std::vector<std::string>& args, const Registry& registry);

}  // namespace memsim::cli
