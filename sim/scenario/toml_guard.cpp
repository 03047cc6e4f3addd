#include "sim/scenario/toml_guard.h"

#include <cstdio>

namespace memsim {

std::optional<std::size_t> invalid_utf8_at(std::string_view t) {
  for (std::size_t i = 0; i < t.size();) {
    const auto b = static_cast<unsigned char>(t[i]);
    if (b < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    std::uint32_t cp = 0, min = 0;
    if ((b & 0xe0) == 0xc0) {
      len = 2, cp = b & 0x1f, min = 0x80;
    } else if ((b & 0xf0) == 0xe0) {
      len = 3, cp = b & 0x0f, min = 0x800;
    } else if ((b & 0xf8) == 0xf0) {
      len = 4, cp = b & 0x07, min = 0x10000;
    } else {
      return i;  // a continuation byte without a lead, or 0xf8..0xff
    }
    if (i + len > t.size()) return i;
    for (std::size_t k = 1; k < len; ++k) {
      const auto c = static_cast<unsigned char>(t[i + k]);
      if ((c & 0xc0) != 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += len;
  }
  return std::nullopt;
}

namespace {

// Thrown inside the checker: where (a byte offset) and what.
struct Problem {
  std::size_t at;
  std::string message;
};

bool is_bare_key_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

// Characters numbers, booleans, dates and times are written with.
bool is_scalar_char(char c) {
  return is_bare_key_char(c) || c == '+' || c == '.' || c == ':';
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool is_hex(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// Control characters TOML forbids in strings and comments: all but tab, and DEL.
bool is_forbidden_control(unsigned char u) {
  return (u < 0x20 && u != '\t') || u == 0x7f;
}

std::size_t utf8_length(unsigned char lead) {
  return lead < 0x80 ? 1 : (lead & 0xe0) == 0xc0 ? 2 : (lead & 0xf0) == 0xe0 ? 3 : 4;
}

class Checker {
 public:
  explicit Checker(std::string_view text) : t_(text) {}

  void document() {
    if (t_.substr(0, 3) == "\xef\xbb\xbf") i_ = 3;  // a UTF-8 byte order mark
    while (!eof()) {
      ws();
      if (eof()) break;
      if (newline()) continue;
      if (peek() == '[') {
        table_header();
      } else if (peek() != '#') {
        keyval();
      }
      end_of_line();
    }
  }

  // "'x'", "a space", "U+00E9", "the end of the file": what is at byte offset `at`.
  std::string describe(std::size_t at) const {
    if (at >= t_.size()) return "the end of the file";
    const auto u = static_cast<unsigned char>(t_[at]);
    if (u == ' ') return "a space";
    if (u == '\t') return "a tab";
    if (u == '\n') return "a line end";
    if (u == '\r') return "a carriage return";
    if (u > 0x20 && u < 0x7f) return "'" + std::string(1, t_[at]) + "'";
    std::uint32_t cp = u;
    const std::size_t len = utf8_length(u);
    if (len > 1 && at + len <= t_.size()) {
      cp = u & (0xff >> (len + 1));
      for (std::size_t k = 1; k < len; ++k) cp = (cp << 6) | (t_[at + k] & 0x3f);
    }
    char buf[16];
    std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(cp));
    return buf;
  }

 private:
  bool eof() const { return i_ >= t_.size(); }
  char peek(std::size_t k = 0) const { return i_ + k < t_.size() ? t_[i_ + k] : '\0'; }
  bool at(std::string_view s) const { return t_.substr(i_, s.size()) == s; }
  [[noreturn]] void fail(const std::string& message) const { throw Problem{i_, message}; }
  [[noreturn]] void fail_got(const std::string& expected) const {
    fail("expected " + expected + ", got " + describe(i_));
  }

  void ws() {
    while (peek() == ' ' || peek() == '\t') ++i_;
  }

  bool newline() {
    if (peek() == '\n') {
      ++i_;
      return true;
    }
    if (peek() == '\r' && !eof()) {
      if (peek(1) != '\n') fail("a carriage return must be followed by a line feed");
      i_ += 2;
      return true;
    }
    return false;
  }

  void comment() {
    if (peek() != '#') return;
    for (++i_; !eof() && peek() != '\n' && peek() != '\r';) {
      if (is_forbidden_control(static_cast<unsigned char>(peek())))
        fail("control character " + describe(i_) + " in a comment");
      i_ += utf8_length(static_cast<unsigned char>(peek()));
    }
  }

  void end_of_line() {
    ws();
    comment();
    if (!eof() && !newline()) fail_got("the end of the line");
  }

  // Whitespace, comments and line ends, as allowed between the values of an array.
  void ws_comment_newline() {
    for (;;) {
      ws();
      comment();
      if (!newline()) return;
    }
  }

  void table_header() {
    ++i_;  // '['
    const bool array_of_tables = peek() == '[';
    if (array_of_tables) ++i_;
    ws();
    key();
    ws();
    if (peek() != ']') fail_got("']' to close the table header");
    ++i_;
    if (array_of_tables) {
      if (peek() != ']') fail_got("']]' to close the [[array of tables]] header");
      ++i_;
    }
  }

  void keyval() {
    key();
    ws();
    if (peek() != '=') fail_got("'=' after the key");
    ++i_;
    ws();
    value();
  }

  void key() {
    simple_key();
    for (;;) {
      const std::size_t save = i_;
      ws();
      if (peek() != '.') {
        i_ = save;
        return;
      }
      ++i_;
      ws();
      simple_key();
    }
  }

  void simple_key() {
    if (is_bare_key_char(peek())) {
      while (is_bare_key_char(peek())) ++i_;
    } else if (peek() == '"') {
      basic_string(/*is_key=*/true);
    } else if (peek() == '\'') {
      literal_string(/*is_key=*/true);
    } else {
      fail_got("a key (letters, digits, '_' and '-', or a quoted string)");
    }
  }

  void value() {
    if (peek() == '"') {
      at("\"\"\"") ? multi_line_basic_string() : basic_string(/*is_key=*/false);
    } else if (peek() == '\'') {
      at("'''") ? multi_line_literal_string() : literal_string(/*is_key=*/false);
    } else if (peek() == '[') {
      array();
    } else if (peek() == '{') {
      inline_table();
    } else if (is_digit(peek()) || peek() == '+' || peek() == '-' || peek() == 'i' ||
               peek() == 'n' || peek() == 't' || peek() == 'f') {
      scalar();
    } else {
      fail_got("a value");
    }
  }

  // A number, boolean, date or time: TOML++ checks its form; here only its characters and that
  // a value terminator follows.
  void scalar() {
    const std::size_t start = i_;
    while (is_scalar_char(peek())) {
      ++i_;
      // A date and a time may be separated by one space: 1979-05-27 07:32:00.
      if (i_ - start == 10 && peek() == ' ' && is_digit(peek(1)) && t_[start + 4] == '-' &&
          t_[start + 7] == '-')
        ++i_;
    }
    const char c = peek();
    if (!(eof() || c == ' ' || c == '\t' || c == ',' || c == ']' || c == '}' || c == '#' ||
          c == '\n' || c == '\r'))
      fail("unexpected " + describe(i_) + " in a value");
  }

  void nest() {
    if (++depth_ > kMaxTomlNesting)
      fail("arrays and inline tables nested more than " + std::to_string(kMaxTomlNesting) +
           " deep");
  }

  void array() {
    nest();
    ++i_;  // '['

    ws_comment_newline();
    while (peek() != ']') {
      value();
      ws_comment_newline();
      if (peek() == ',') {
        ++i_;
        ws_comment_newline();
      } else if (peek() != ']') {
        fail_got("',' or ']' in an array");
      }
    }
    ++i_;
    --depth_;
  }

  void inline_table() {
    nest();
    ++i_;  // '{'

    ws();
    if (peek() != '}') {
      for (;;) {
        keyval();
        ws();
        if (peek() == '}') break;
        if (peek() != ',') fail_got("',' or '}' in an inline table (which is one line)");
        ++i_;
        ws();
      }
    }
    ++i_;
    --depth_;
  }

  // Non-ASCII text: skipped whole (UTF-8 was checked before), or refused in a quoted key.
  void string_char(bool is_key) {
    const auto u = static_cast<unsigned char>(peek());
    if (is_forbidden_control(u)) fail("control character " + describe(i_) + " in a string");
    if (u >= 0x80 && is_key)
      fail("non-ASCII character " + describe(i_) + " in a quoted key; keys are ASCII");
    i_ += utf8_length(u);
  }

  void escape(bool multi_line) {
    const std::size_t backslash = i_++;
    const auto bad = [&](const std::string& message) { throw Problem{backslash, message}; };
    const char c = peek();
    if (c == 'b' || c == 't' || c == 'n' || c == 'f' || c == 'r' || c == '"' || c == '\\') {
      ++i_;
      return;
    }
    if (c == 'u' || c == 'U') {
      const std::size_t digits = c == 'u' ? 4 : 8;
      std::uint32_t cp = 0;
      for (std::size_t k = 1; k <= digits; ++k) {
        const char h = peek(k);
        if (!is_hex(h))
          bad("\\" + std::string(1, c) + " needs " + std::to_string(digits) +
              " hexadecimal digits");
        cp = cp * 16 + static_cast<std::uint32_t>(is_digit(h) ? h - '0'
                                                  : h >= 'a'  ? h - 'a' + 10
                                                              : h - 'A' + 10);
        if (cp > 0x10ffff) bad("\\" + std::string(1, c) + " escape beyond U+10FFFF");
      }
      if (cp >= 0xd800 && cp <= 0xdfff) bad("\\u escape of a surrogate (U+D800 to U+DFFF)");
      i_ += digits + 1;
      return;
    }
    if (multi_line && (c == ' ' || c == '\t' || c == '\n' || c == '\r')) {
      // A line-ending backslash: it and all whitespace up to the next text are dropped.
      ws();
      if (!newline()) fail("a line-ending backslash must be the last character on its line");
      for (;;) {
        ws();
        if (!newline()) break;
      }
      if (static_cast<unsigned char>(peek()) >= 0x80)
        fail("non-ASCII character " + describe(i_) +
             " right after a line-ending backslash; start the line with an ASCII character");
      return;
    }
    bad("invalid escape \\" + describe(i_) +
        "; a string's escapes are \\b \\t \\n \\f \\r \\\" \\\\ \\uXXXX \\UXXXXXXXX");
  }

  void basic_string(bool is_key) {
    const std::size_t start = i_++;
    for (;;) {
      if (eof()) throw Problem{start, "unterminated string"};
      const char c = peek();
      if (c == '"') {
        ++i_;
        return;
      }
      if (c == '\n' || c == '\r') throw Problem{start, "unterminated string (it ends at its line)"};
      if (c == '\\') {
        escape(/*multi_line=*/false);
      } else {
        string_char(is_key);
      }
    }
  }

  void literal_string(bool is_key) {
    const std::size_t start = i_++;
    for (;;) {
      if (eof()) throw Problem{start, "unterminated string"};
      const char c = peek();
      if (c == '\'') {
        ++i_;
        return;
      }
      if (c == '\n' || c == '\r') throw Problem{start, "unterminated string (it ends at its line)"};
      string_char(is_key);
    }
  }

  // After the opening delimiter of a multi-line string: a run of 3 to 5 quotes closes it (up to
  // two of them belong to the text); more is an error.
  bool closes(char quote) {
    std::size_t n = 0;
    while (peek(n) == quote) ++n;
    if (n < 3) {
      i_ += n;
      return false;
    }
    if (n > 5) fail("too many quotes at the end of a multi-line string");
    i_ += n;
    return true;
  }

  void multi_line_basic_string() {
    const std::size_t start = i_;
    i_ += 3;
    newline();
    for (;;) {
      if (eof()) throw Problem{start, "unterminated multi-line string"};
      if (peek() == '"') {
        if (closes('"')) return;
      } else if (peek() == '\\') {
        escape(/*multi_line=*/true);
      } else if (!newline()) {
        string_char(/*is_key=*/false);
      }
    }
  }

  void multi_line_literal_string() {
    const std::size_t start = i_;
    i_ += 3;
    newline();
    for (;;) {
      if (eof()) throw Problem{start, "unterminated multi-line string"};
      if (peek() == '\'') {
        if (closes('\'')) return;
      } else if (!newline()) {
        string_char(/*is_key=*/false);
      }
    }
  }

  std::string_view t_;
  std::size_t i_ = 0;
  int depth_ = 0;
};

}  // namespace

std::optional<TomlTextError> check_toml_text(std::string_view text) {
  const auto locate = [&](std::size_t at, std::string message) {
    TomlTextError e;
    e.line = 1;
    std::size_t line_start = 0;
    for (std::size_t k = 0; k < at && k < text.size(); ++k)
      if (text[k] == '\n') ++e.line, line_start = k + 1;
    e.column = 1;
    for (std::size_t k = line_start; k < at && k < text.size(); ++k)
      if ((static_cast<unsigned char>(text[k]) & 0xc0) != 0x80) ++e.column;
    e.message = std::move(message);
    return e;
  };
  if (const auto bad = invalid_utf8_at(text)) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "0x%02X",
                  static_cast<unsigned>(static_cast<unsigned char>(text[*bad])));
    return locate(*bad, std::string("invalid UTF-8 (byte ") + buf + "); TOML files are UTF-8 text");
  }
  Checker checker(text);
  try {
    checker.document();
  } catch (const Problem& p) {
    return locate(p.at, p.message);
  }
  return std::nullopt;
}

}  // namespace memsim
