#pragma once
// A check of TOML text before TOML++ parses it. Debian's toml++ 3.3.0 reaches undefined
// behaviour (__builtin_unreachable, failed preconditions) on some malformed inputs: upstream
// issue 295, fixed by pull requests 301 (a table header whose key starts with neither a bare-key
// character nor a quote, e.g. "[ =") and 305 (a non-ASCII code point that is not whitespace
// where the parser tests for whitespace, e.g. the bytes cd a5, a non-ASCII character inside a
// quoted key, or after a backslash in a multi-line string), plus a value parser entered on a
// closing bracket ("v = [}"). memsim parses nothing with TOML++ that has not passed this check.
//
// The check is a complete reader of TOML 1.0's syntax: UTF-8, comments, keys (bare, quoted,
// dotted), tables and arrays of tables, the four kinds of strings with their escapes, arrays and
// inline tables, with nesting bounded. What it accepts TOML++ parses without reaching those
// paths; scalars (numbers, booleans, dates) are only checked to consist of the characters they
// may contain, and TOML++ checks the rest. Beyond TOML 1.0 it refuses non-ASCII characters in
// quoted keys and as the first character after a line-ending backslash, where TOML++ 3.3.0's
// whitespace test is undefined (no memsim key is non-ASCII).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace memsim {

struct TomlTextError {
  std::uint32_t line = 0;    // 1-based
  std::uint32_t column = 0;  // 1-based, in characters (code points)
  std::string message;
};

// Nesting of arrays and inline tables deeper than this is refused (TOML++ allows 256).
inline constexpr int kMaxTomlNesting = 100;

// nullopt when `text` may be handed to TOML++; otherwise the first problem and where it is.
std::optional<TomlTextError> check_toml_text(std::string_view text);

// The byte offset of the first invalid UTF-8 sequence in `text` (overlong forms, surrogates
// and code points above U+10FFFF are invalid), or nullopt.
std::optional<std::size_t> invalid_utf8_at(std::string_view text);

}  // namespace memsim
