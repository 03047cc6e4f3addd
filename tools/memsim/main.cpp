// memsim: the command line. Parses the command, calls the library, prints, and turns every
// error into one line and an exit status (0 done, 1 failed while running, 2 bad input).
#include <cerrno>
#include <iostream>
#include <string>
#include <vector>

#include "policies/register_builtin.h"
#include "sim/core/errors.h"
#include "tools/memsim/commands.h"

namespace {

constexpr const char* kUsage =
    "memsim: a discrete-event simulator of tensors moving between an on-chip cache, DRAM and\n"
    "a compute unit.\n\n"
    "usage: memsim COMMAND SCENARIO.toml [options]\n\n"
    "commands:\n"
    "  run        execute the schedule; report time, stalls, loads, stores, peak memory\n"
    "  solve      the provably minimal moves over every order and eviction, with a schedule\n"
    "  info       a model's parameters, FLOPs, bytes and roofline verdict, layer by layer\n"
    "  fit        the largest batch (or other key) whose peak live memory fits the DRAM\n"
    "  sweep      run a grid of key values in parallel; one CSV row per point\n"
    "  merge      join the CSV files of a sharded sweep\n"
    "  validate   check a scenario without running it\n\n"
    "global options:\n"
    "  --help             this text; `memsim COMMAND --help` for a command's options\n"
    "  --list-policies    the eviction policies and schedule kinds a scenario may name\n"
    "  --version          print the version\n\n"
    "example:\n"
    "  memsim run scenarios/lecture/mlp3-double-buffer.toml\n"
    "  memsim run scenarios/lecture/paging.toml --set policy.eviction=belady --format json\n";

void list_policies(const memsim::Registry& registry) {
  std::cout << "eviction policies ([policy] eviction = ...):\n";
  for (const auto& e : registry.evictions())
    std::cout << "  " << e.name << "  " << e.description << "\n";
  std::cout << "schedule kinds ([schedule] kind = ...):\n";
  for (const auto& g : registry.generators())
    std::cout << "  " << g.name << "  " << g.description << "\n";
}

// Runs one command; every error becomes one line on stderr and an exit status.
int run_command(const std::string& command, const std::vector<std::string>& args) {
  using namespace memsim::cli;
  try {
    const memsim::Registry registry = memsim::builtin_registry();
    if (command == "--help" || command == "-h" || command == "help") {
      std::cout << kUsage;
      return kExitOk;
    }
    if (command == "--version") {
      std::cout << "memsim 0.1.0\n";
      return kExitOk;
    }
    if (command == "--list-policies") {
      list_policies(registry);
      return kExitOk;
    }
    if (command == "run") return cmd_run(args, registry);
    if (command == "solve") return cmd_solve(args, registry);
    if (command == "validate") return cmd_validate(args, registry);
    if (command == "sweep") return cmd_sweep(args, registry);
    if (command == "merge") return cmd_merge(args, registry);
    if (command == "info") return cmd_info(args, registry);
    if (command == "fit") return cmd_fit(args, registry);
    throw UsageError(
        "unknown command '" + command +
        "'; commands: run, solve, info, fit, sweep, merge, validate (see memsim --help)");
  } catch (const memsim::ScenarioError& e) {
    std::cerr << e.what() << "\n";
    return kExitBadInput;
  } catch (const OutputPathError& e) {
    std::cerr << "memsim " << memsim::one_line(command) << ": " << memsim::one_line(e.what())
              << "\n";
    return kExitBadInput;
  } catch (const UsageError& e) {
    std::cerr << "memsim " << memsim::one_line(command.rfind("-", 0) == 0 ? "" : command + ": ")
              << memsim::one_line(e.what()) << "\n";
    return kExitBadInput;
  } catch (const std::exception& e) {
    std::cerr << "memsim: " << memsim::one_line(e.what()) << "\n";
    return kExitFailed;
  }
}

}  // namespace

int main(int argc, char** argv) {
  using namespace memsim::cli;
  const std::vector<std::string> all(argv + 1, argv + argc);
  if (all.empty()) {
    std::cerr << kUsage;
    return kExitBadInput;
  }
  const std::string& command = all.front();
  const std::vector<std::string> args(all.begin() + 1, all.end());
  route_standard_output();
  install_output_signal_handlers();
  const int status = run_command(command, args);
  try {
    flush_standard_output();
  } catch (const OutputWriteError& e) {
    // A reader that stops early (`memsim ... | head`) is not worth a message; the status says it.
    if (e.error() != EPIPE) std::cerr << "memsim: " << memsim::one_line(e.what()) << "\n";
    return kExitFailed;
  }
  return status;
}
