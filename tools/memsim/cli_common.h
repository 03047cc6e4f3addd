#pragma once
// What every `memsim` command shares: loading a scenario with --set overrides, output files
// (output_files.h), and the exit statuses (0 done, 1 failed while running, 2 bad input).
#include <boost/program_options.hpp>
#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "sim/core/registry.h"
#include "sim/core/simulation.h"
#include "sim/scenario/scenario_spec.h"
#include "tools/memsim/output_files.h"

namespace memsim::cli {

// The largest --jobs (sweep, run): more threads than this is a typo.
inline constexpr std::uint64_t kMaxJobs = 1024;

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitBadInput = 2;
// `run --fail-on-oom` when peak live does not fit the DRAM; `fit` when not even 1 fits.
inline constexpr int kExitOutOfMemory = 3;

// Bad usage of the command line (unknown option, missing scenario...). Exit status 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Options every command taking a scenario accepts.
struct ScenarioArgs {
  std::string path;
  std::vector<std::string> overrides;  // --set key=value
  std::string memory_limit;            // --memory-limit SIZE; empty: kDefaultMemoryLimit
};
void add_scenario_options(boost::program_options::options_description& options,
                          boost::program_options::positional_options_description& positional,
                          ScenarioArgs& args);

// Parses a command's arguments; throws UsageError. Returns false when --help was asked
// (help already printed to `out`).
bool parse_command_line(const std::vector<std::string>& args,
                        const boost::program_options::options_description& options,
                        const boost::program_options::positional_options_description& positional,
                        const std::string& usage, std::ostream& out);

// --memory-limit as bytes (kDefaultMemoryLimit when not given); throws UsageError.
std::uint64_t memory_limit(const ScenarioArgs& args);
// Parse (throws ScenarioError), with --memory-limit applied to the [model].
ScenarioSpec load_spec(const ScenarioArgs& args);
// Parse, validate and build (throws ScenarioError).
Simulation load_simulation(const ScenarioArgs& args, const Registry& registry);

// "text", "json" or "csv"; throws UsageError otherwise.
enum class Format { text, json, csv };
Format parse_format(const std::string& name);

}  // namespace memsim::cli
