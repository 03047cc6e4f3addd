#pragma once
// The solver's options, shared by `memsim solve` and `memsim sweep --solve`, and the checked
// reading of numeric options (a negative --jobs or --time-limit is refused, not wrapped).
#include <boost/program_options.hpp>
#include <cstdint>
#include <string>

#include "policies/solver/solver.h"

namespace memsim::cli {

struct SolveArgs {
  std::string objective = "moves";
  bool recompute = false;
  std::string time_limit;  // empty: none
  std::string max_states;  // empty: kSolverDefaultMaxStates
  bool timings = false;
};
void add_solve_options(boost::program_options::options_description& options, SolveArgs& args);
// Throws UsageError for a bad value.
SolveOptions to_solve_options(const SolveArgs& args);
// True when any solve option was given (sweep refuses them without --solve).
bool any_solve_option(const SolveArgs& args);

// A finite number of seconds >= 0 ("90", "0.5"); throws UsageError naming `option`.
double parse_seconds_option(const std::string& option, const std::string& text);
// A whole number from `min` to `max` written in digits only; throws UsageError naming `option`.
std::uint64_t parse_count_option(const std::string& option, const std::string& text,
                                 std::uint64_t min, std::uint64_t max);

}  // namespace memsim::cli
