#pragma once
// Typed errors thrown by the library and caught once, in tools/. Each carries everything
// needed for the one-line message the user sees.
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace memsim {

// Where a value came from: a scenario file position, or a command-line override.
struct SourcePos {
  std::string file;          // path as given by the user, or "--set" for overrides
  std::uint32_t line = 0;    // 1-based; 0 when unknown
  std::uint32_t column = 0;  // 1-based; 0 when unknown
};

// "file:line:col" (or less, when parts are unknown); empty when nothing is known.
std::string format_pos(const SourcePos& pos);

// `text` on one line: a newline, carriage return or other control character in a name, key or
// value would break the one-line message, so it is written as an escape (\n, \r, \t, \x7f).
std::string one_line(std::string_view text);

// Bad input: malformed TOML, unknown key, wrong type or unit, undefined name, cycle,
// a working set that cannot fit. Exit status 2. what() is one line (one_line).
class ScenarioError : public std::runtime_error {
 public:
  ScenarioError(SourcePos pos, const std::string& message);
  const SourcePos& pos() const { return pos_; }
  const std::string& message() const { return message_; }

 private:
  SourcePos pos_;
  std::string message_;
};

// A schedule that breaks the model (the verifier's verdict). Exit status 1 in `memsim run`.
class ScheduleError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace memsim
