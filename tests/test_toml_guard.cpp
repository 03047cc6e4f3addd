// The check before TOML++ (sim/scenario/toml_guard.h): the inputs on which toml++ 3.3.0 reaches
// undefined behaviour (upstream issue 295, pull requests 301 and 305) never get to it, and valid
// TOML 1.0 does. In the sanitizer build TOML++ is compiled from its headers with assertions on
// (CMakeLists.txt), so if one of these inputs reached it, the test would abort there.
#include <toml++/toml.h>

#include <catch2/catch.hpp>

#include "sim/core/errors.h"
#include "sim/scenario/scenario_parse.h"
#include "sim/scenario/toml_guard.h"

using memsim::check_toml_text;

namespace {

std::string guard(std::string_view text) {
  const auto e = check_toml_text(text);
  return e ? std::to_string(e->line) + ":" + std::to_string(e->column) + ": " + e->message : "";
}

std::string parse_error(std::string_view text) {
  try {
    memsim::parse_scenario_text(text, "s.toml");
  } catch (const memsim::ScenarioError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("toml guard: the inputs of toml++ issue 295 are refused before the parser",
          "[toml][errors]") {
  // The bytes cd a5 are U+0365, a non-ASCII letter where a key should start; toml++'s
  // whitespace test reaches __builtin_unreachable on it (pull request 305).
  CHECK(parse_error("\xcd\xa5") ==
        "s.toml:1:1: expected a key (letters, digits, '_' and '-', or a quoted string), got "
        "U+0365");
  // A table header whose key starts with '=': parse_key's precondition (pull request 301).
  CHECK(parse_error("[ =") ==
        "s.toml:1:3: expected a key (letters, digits, '_' and '-', or a quoted string), got '='");
  // parse_value entered on a closing brace: its precondition !is_value_terminator.
  CHECK(parse_error("v = [}") == "s.toml:1:6: expected a value, got '}'");
  // [[[: the third bracket reaches parse_key (pull request 301's own example).
  CHECK(parse_error("[[[1]]]") ==
        "s.toml:1:3: expected a key (letters, digits, '_' and '-', or a quoted string), got '['");
  // Issue 190: a line-ending backslash followed by U+00A7 in a multi-line string.
  CHECK(parse_error("s = \"\"\"\\\n\xc2\xa7\"\"\"\n") ==
        "s.toml:2:1: non-ASCII character U+00A7 right after a line-ending backslash; start the "
        "line with an ASCII character");
  // A quoted key with a non-ASCII character: toml++ records keys through its whitespace test.
  CHECK(parse_error("\"\xcd\xa5\" = 1") ==
        "s.toml:1:2: non-ASCII character U+0365 in a quoted key; keys are ASCII");
  // "[&" (upstream issue 294).
  CHECK(parse_error("[&") ==
        "s.toml:1:2: expected a key (letters, digits, '_' and '-', or a quoted string), got '&'");
}

TEST_CASE("toml guard: every construct of TOML 1.0 passes and parses", "[toml]") {
  const std::string doc =
      "\xef\xbb\xbf# a comment with \xc3\xa9 and a tab\t\n"
      "title = \"TOML \\\"Example\\\" \\u00e9\\U0001F600 \\b\\t\\n\\f\\r\\\\\"\n"
      "lit = 'C:\\Users\\x'  # literal\n"
      "ml = \"\"\"\nRoses are red\n  Violets \\\n     are blue \\t\"\"\"\n"
      "ml2 = \"\"\"Here are two quotation marks: \"\". Simple enough.\"\"\"\n"
      "ml3 = \"\"\"\"This,\" she said, \"is just a pointless statement.\"\"\"\"\n"
      "mll = '''\nThe first newline is\ntrimmed in raw strings.\n'''\n"
      "mll2 = ''''That,' she said, 'is still pointless.''''\n"
      "unicode = \"\xe6\x97\xa5\xe6\x9c\xac\"\n"
      "ints = [+99, 42, 0, -17, 1_000, 0xDEAD_beef, 0o755, 0b1101_0110]\n"
      "floats = [ +1.0, 3.1415, -0.01, 5e+22, 1e06, -2E-2, 6.626e-34, 224_617.445_991, inf, "
      "-inf, +nan ]\n"
      "bools = [true, false]\n"
      "dates = [1979-05-27T07:32:00Z, 1979-05-27T00:32:00-07:00, 1979-05-27 07:32:00.999999, "
      "1979-05-27, 07:32:00]\n"
      "nested = [ [ 1, 2 ], [\"a\", 'b'], [ {x = 1}, {} ] ]\n"
      "multi = [\n  1, # one\n\n  2,\r\n  3,  # trailing comma next\n]\n"
      "point = { x = 1, y = { z = [1,\n 2] }, \"quoted key\" = 'v', 'lit' = 2 }\n"
      "site.\"google.com\" = true\n"
      "a . b . c = 1\n"
      "\"\" = 'empty quoted key'\n"
      "[ table . \"with dots\" ]  # spaces around\n"
      "key-with_dash = 1\n"
      "[[products]]\nname = \"Hammer\"\n[[products]]\n[[ products ]]\n"
      "[x.y.z.w]\n";
  CHECK(guard(doc).empty());
  CHECK_NOTHROW(toml::parse(doc));
  CHECK(guard("").empty());
  CHECK(guard("\n\r\n# only comments\n").empty());
  CHECK(guard("a = 1").empty());  // no final line end
}

TEST_CASE("toml guard: malformed text is refused with its line and column", "[toml][errors]") {
  CHECK(guard("a = \"open\n") == "1:5: unterminated string (it ends at its line)");
  CHECK(guard("a = 'open") == "1:5: unterminated string");
  CHECK(guard("a = \"\"\"open\n\n") == "1:5: unterminated multi-line string");
  CHECK(guard("a = \"x\x01\"") == "1:7: control character U+0001 in a string");
  CHECK(guard("a = 1 # del \x7f\n") == "1:13: control character U+007F in a comment");
  CHECK(guard("a = 1\rb = 2") == "1:6: a carriage return must be followed by a line feed");
  CHECK(guard("a = \"\\x\"") ==
        "1:6: invalid escape \\'x'; a string's escapes are \\b \\t \\n \\f \\r \\\" \\\\ "
        "\\uXXXX \\UXXXXXXXX");
  CHECK(guard("a = \"\\u12\"") == "1:6: \\u needs 4 hexadecimal digits");
  CHECK(guard("a = \"\\uD800\"") == "1:6: \\u escape of a surrogate (U+D800 to U+DFFF)");
  CHECK(guard("a = \"\\U00110000\"") == "1:6: \\U escape beyond U+10FFFF");
  CHECK(guard("a = \"\"\"x \\ y\"\"\"") ==
        "1:12: a line-ending backslash must be the last character on its line");
  CHECK(guard("a = \"\"\"x\"\"\"\"\"\"") ==
        "1:9: too many quotes at the end of a multi-line string");
  CHECK(guard("a = 1 2") == "1:7: expected the end of the line, got '2'");
  CHECK(guard("a = 1\xcd\xa5") == "1:6: unexpected U+0365 in a value");
  CHECK(guard("a = [1 2]") == "1:8: expected ',' or ']' in an array, got '2'");
  CHECK(guard("a = {x = 1,}") ==
        "1:12: expected a key (letters, digits, '_' and '-', or a quoted string), got '}'");
  CHECK(guard("a = {x = 1\n}") ==
        "1:11: expected ',' or '}' in an inline table (which is one line), got a line end");
  CHECK(guard("[a") == "1:3: expected ']' to close the table header, got the end of the file");
  CHECK(guard("[[a]") ==
        "1:5: expected ']]' to close the [[array of tables]] header, got the end of the file");
  CHECK(guard("a") == "1:2: expected '=' after the key, got the end of the file");
  CHECK(guard("a =") == "1:4: expected a value, got the end of the file");
  CHECK(guard("a = \xc2\xa0 1") == "1:5: expected a value, got U+00A0");
  // UTF-8: a lone continuation byte, an overlong '/', a surrogate, a cut sequence.
  CHECK(guard("a = \"\x80\"") == "1:6: invalid UTF-8 (byte 0x80); TOML files are UTF-8 text");
  CHECK(guard("# \xc0\xaf") == "1:3: invalid UTF-8 (byte 0xC0); TOML files are UTF-8 text");
  CHECK(guard("# \xed\xa0\x80") == "1:3: invalid UTF-8 (byte 0xED); TOML files are UTF-8 text");
  CHECK(guard("# \xe2\x82") == "1:3: invalid UTF-8 (byte 0xE2); TOML files are UTF-8 text");
  // Nesting: 100 arrays deep is fine, 101 is not.
  CHECK(guard("a = " + std::string(100, '[') + std::string(100, ']')).empty());
  CHECK(guard("a = " + std::string(101, '[') + std::string(101, ']')) ==
        "1:105: arrays and inline tables nested more than 100 deep");
}

TEST_CASE("toml guard: --set values pass through it too", "[toml][errors]") {
  // A value that is not valid TOML is a string; "[}" must not reach the parser as TOML.
  const std::string base =
      "[hardware.cache]\ncapacity = \"4 tensors\"\n[graph]\n"
      "ops = [{ name = \"f\", inputs = [\"a\"] }]\n";
  const auto spec =
      memsim::parse_scenario_text(base, "s.toml", std::vector<std::string>{"scenario.name=[}"});
  CHECK(spec.name == "[}");
}
