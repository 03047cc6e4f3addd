#include "tools/memsim/solve_options.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "sim/core/units.h"
#include "tools/memsim/cli_common.h"

namespace po = boost::program_options;

namespace memsim::cli {

void add_solve_options(po::options_description& options, SolveArgs& args) {
  const std::string state_help = "stop after storing N search states (default " +
                                 std::to_string(kSolverDefaultMaxStates) + ", about " +
                                 format_bytes(static_cast<double>(kSolverDefaultMaxStates) *
                                              static_cast<double>(kSolverBytesPerState)) +
                                 " at " + std::to_string(kSolverBytesPerState) +
                                 " bytes a state); the answer then depends only on the input";
  options.add_options()("objective", po::value<std::string>(&args.objective),
                        "minimize moves (default: loads + stores) or bytes (bytes moved); memsim "
                        "solve also plans for time or recompute")(
      "recompute", po::bool_switch(&args.recompute),
      "also allow running an op again instead of storing its output")(
      "time-limit", po::value<std::string>(&args.time_limit),
      "stop after SECONDS with the best schedule so far and a proven lower bound (the answer "
      "then depends on the machine's speed; --max-states does not)")(
      "max-states", po::value<std::string>(&args.max_states), state_help.c_str())(
      "timings", po::bool_switch(&args.timings),
      "also report wall-clock figures (seconds, states per second), which vary from run to run");
}

bool any_solve_option(const SolveArgs& args) {
  return args.objective != "moves" || args.recompute || !args.time_limit.empty() ||
         !args.max_states.empty() || args.timings;
}

SolveOptions to_solve_options(const SolveArgs& args) {
  SolveOptions o;
  if (args.objective == "moves") {
    o.objective = SolveObjective::moves;
  } else if (args.objective == "bytes") {
    o.objective = SolveObjective::bytes;
  } else {
    throw UsageError("--objective must be moves or bytes, not '" + args.objective + "'");
  }
  o.allow_recompute = args.recompute;
  if (!args.time_limit.empty())
    o.time_limit_seconds = parse_seconds_option("--time-limit", args.time_limit);
  if (!args.max_states.empty())
    o.max_states = parse_count_option("--max-states", args.max_states, 1, std::uint64_t{1} << 32);
  return o;
}

double parse_seconds_option(const std::string& option, const std::string& text) {
  const auto bad = [&] {
    return UsageError(option + " must be a number of seconds >= 0, not '" + text + "'");
  };
  if (text.empty() || text.find_first_not_of("0123456789.eE+") != std::string::npos) throw bad();
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || errno == ERANGE || !std::isfinite(v) || v < 0)
    throw bad();
  return v;
}

std::uint64_t parse_count_option(const std::string& option, const std::string& text,
                                 std::uint64_t min, std::uint64_t max) {
  const auto bad = [&] {
    return UsageError(option + " must be a whole number from " + std::to_string(min) + " to " +
                      std::to_string(max) + ", not '" + text + "'");
  };
  if (text.empty() || text.size() > 19 || text.find_first_not_of("0123456789") != std::string::npos)
    throw bad();
  const std::uint64_t v = std::stoull(text);
  if (v < min || v > max) throw bad();
  return v;
}

}  // namespace memsim::cli
