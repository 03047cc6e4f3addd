#pragma once
// Reads the examples out of the README (the user's manual) so that a test can run them and
// compare what memsim prints with what the README says it prints.
//
// The README's markup, which this parser defines:
//   ```text blocks   `$ COMMAND` starts a command; the lines after it, up to the next `$` line or
//                    the end of the block, are its whole output (stdout, then stderr), exactly.
//                    A line that is `...` alone stands for any number of lines (zero or more);
//                    `...` inside a line stands for any text within that line. Without a leading
//                    (trailing) `...` line the quoted lines are the first (last) lines printed.
//                    Trailing blanks are ignored on both sides. A command ends with ` \` to go on
//                    on the next line. COMMAND is `build/memsim ...`, `cat FILE` (what a command
//                    wrote) or `echo $?` (the exit status of the memsim command just before; a
//                    memsim command not followed by one must exit 0).
//   ```json block    right after a text block whose last command shows no output: that output.
//   ```sh blocks     every line starting with `build/memsim ` is run and must exit 0; a comment
//                    after it (`  # A; B`) quotes pieces of its output, separated by `; `, each
//                    found within one printed line, runs of blanks counting as one blank.
//   ```toml blocks   one whose first line is `# NAME.toml` is a file the commands after it read.
// Other blocks are not examples. A text block that shows no `$` command is not an example.
#include <algorithm>
#include <cstddef>
#include <sstream>
#include <string>
#include <vector>

namespace memsim::test::readme {

// A line of the README: its text and its 1-based line number.
struct Quoted {
  std::string text;
  int line = 0;
};

struct Example {
  enum class Kind { write_file, memsim, cat, exit_status };
  Kind kind = Kind::memsim;
  int line = 0;           // README line of the command (its first line when continued)
  std::string command;    // as a user types it (continuations joined); the file name for write_file
  std::string file_text;  // write_file: the file's contents
  bool shows_output = false;      // the whole output is quoted in `output` (with explicit cuts)
  std::vector<Quoted> output;     // the quoted output lines, `...` lines included
  std::vector<Quoted> fragments;  // pieces quoted in a `# A; B` comment (sh blocks)
};

struct Parsed {
  std::vector<Example> examples;    // in README order
  std::vector<std::string> errors;  // markup the parser cannot make sense of, "README.md:N: why"
};

inline std::string rtrim(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.pop_back();
  return s;
}

inline std::string trim(const std::string& s) {
  const std::string r = rtrim(s);
  const std::size_t b = r.find_first_not_of(" \t");
  return b == std::string::npos ? std::string() : r.substr(b);
}

inline bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

inline bool is_gap(const std::string& line) {
  return trim(line) == "...";
}

// Runs of blanks become one blank; leading and trailing blanks go.
inline std::string squeeze(const std::string& s) {
  std::string out;
  bool blank = false;
  for (char c : s) {
    if (c == ' ' || c == '\t') {
      blank = true;
      continue;
    }
    if (blank && !out.empty()) out += ' ';
    blank = false;
    out += c;
  }
  return out;
}

// The position of a ` # ` comment outside quotes in a shell line, or npos.
inline std::size_t comment_start(const std::string& line) {
  char quote = 0;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quote) {
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '#' && i > 0 && (line[i - 1] == ' ' || line[i - 1] == '\t')) {
      return i;
    }
  }
  return std::string::npos;
}

inline std::vector<Quoted> split_fragments(const std::string& comment, int line) {
  std::vector<Quoted> out;
  std::size_t from = 0;
  while (from <= comment.size()) {
    const std::size_t to = comment.find("; ", from);
    const std::string piece =
        trim(comment.substr(from, to == std::string::npos ? std::string::npos : to - from));
    if (!piece.empty()) out.push_back({piece, line});
    if (to == std::string::npos) break;
    from = to + 2;
  }
  return out;
}

inline std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) lines.push_back(rtrim(l));
  return lines;
}

inline Parsed parse(const std::string& markdown) {
  const std::vector<std::string> lines = split_lines(markdown);
  Parsed p;
  const auto fail = [&](int line, const std::string& why) {
    p.errors.push_back("README.md:" + std::to_string(line) + ": " + why);
  };
  // Joins `\`-continued lines starting at index i; advances i past them.
  const auto joined = [&](std::size_t& i, std::size_t end) {
    std::string cmd = lines[i];
    while (!cmd.empty() && cmd.back() == '\\' && i + 1 < end) {
      cmd.pop_back();
      cmd = rtrim(cmd) + " " + trim(lines[++i]);
    }
    return cmd;
  };
  const auto add_command = [&](const std::string& cmd, int line, bool shows_output) {
    Example e;
    e.line = line;
    e.command = cmd;
    e.shows_output = shows_output;
    if (starts_with(cmd, "build/memsim ") || cmd == "build/memsim") {
      e.kind = Example::Kind::memsim;
    } else if (starts_with(cmd, "cat ") && cmd.find(' ', 4) == std::string::npos) {
      e.kind = Example::Kind::cat;
    } else if (cmd == "echo $?") {
      e.kind = Example::Kind::exit_status;
    } else {
      fail(line, "the README test cannot run `" + cmd +
                     "` (a text block's commands are build/memsim, cat FILE and echo $?)");
      return;
    }
    p.examples.push_back(std::move(e));
  };

  // Index of the text block's last command that showed no output, to attach a json block to.
  constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  std::size_t awaiting_json = kNone;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (!starts_with(lines[i], "```")) continue;
    const std::string info = trim(lines[i].substr(3));
    const int open_line = static_cast<int>(i) + 1;
    std::size_t end = i + 1;
    while (end < lines.size() && !starts_with(lines[end], "```")) ++end;
    if (end == lines.size()) {
      fail(open_line, "code block is never closed");
      break;
    }
    if (awaiting_json != kNone && info == "json") {
      Example& e = p.examples[awaiting_json];
      for (std::size_t k = i + 1; k < end; ++k)
        e.output.push_back({lines[k], static_cast<int>(k) + 1});
    }
    awaiting_json = kNone;
    if (info == "text") {
      bool any_command = false;
      for (std::size_t k = i + 1; k < end; ++k)
        any_command = any_command || starts_with(lines[k], "$ ");
      if (any_command) {
        if (!starts_with(lines[i + 1], "$ "))
          fail(open_line + 1, "a text block with commands must start with one (`$ ...`)");
        for (std::size_t k = i + 1; k < end; ++k) {
          if (starts_with(lines[k], "$ ")) {
            const int line = static_cast<int>(k) + 1;
            const std::string cmd = joined(k, end).substr(2);
            add_command(trim(cmd), line, true);
          } else if (!p.examples.empty()) {
            p.examples.back().output.push_back({lines[k], static_cast<int>(k) + 1});
          }
        }
        if (!p.examples.empty() && p.examples.back().output.empty() &&
            p.examples.back().line > open_line)
          awaiting_json = p.examples.size() - 1;
      }
    } else if (info == "sh") {
      for (std::size_t k = i + 1; k < end; ++k) {
        if (!starts_with(lines[k], "build/memsim ")) continue;
        const int line = static_cast<int>(k) + 1;
        std::string cmd = joined(k, end);
        std::vector<Quoted> fragments;
        const std::size_t hash = comment_start(cmd);
        if (hash != std::string::npos) {
          fragments = split_fragments(cmd.substr(hash + 1), line);
          cmd = rtrim(cmd.substr(0, hash));
        }
        add_command(cmd, line, false);
        if (!p.examples.empty() && p.examples.back().line == line)
          p.examples.back().fragments = std::move(fragments);
      }
    } else if (info == "toml" && end > i + 1) {
      const std::string first = trim(lines[i + 1]);
      if (starts_with(first, "# ") && first.find(' ', 2) == std::string::npos && first.size() > 7 &&
          first.compare(first.size() - 5, 5, ".toml") == 0 &&
          first.find('/') == std::string::npos) {
        Example e;
        e.kind = Example::Kind::write_file;
        e.line = open_line + 1;
        e.command = first.substr(2);
        for (std::size_t k = i + 1; k < end; ++k) e.file_text += lines[k] + "\n";
        p.examples.push_back(std::move(e));
      }
    }
    i = end;
  }
  return p;
}

// ---- comparing quoted output with real output ----

// `pattern` with `...` standing for any text, against one whole line.
inline bool line_matches(const std::string& pattern, const std::string& line) {
  const std::string pat = rtrim(pattern), text = rtrim(line);
  std::vector<std::string> pieces;
  for (std::size_t from = 0;;) {
    const std::size_t at = pat.find("...", from);
    pieces.push_back(pat.substr(from, at == std::string::npos ? std::string::npos : at - from));
    if (at == std::string::npos) break;
    from = at + 3;
  }
  if (pieces.size() == 1) return pat == text;
  if (!starts_with(text, pieces.front())) return false;
  std::size_t pos = pieces.front().size();
  for (std::size_t k = 1; k + 1 < pieces.size(); ++k) {
    const std::size_t at = text.find(pieces[k], pos);
    if (at == std::string::npos) return false;
    pos = at + pieces[k].size();
  }
  const std::string& last = pieces.back();
  return text.size() >= pos + last.size() &&
         text.compare(text.size() - last.size(), last.size(), last) == 0;
}

// "" when `actual` is what the quoted lines say (cuts marked with `...` lines); otherwise one
// message naming the README line that does not hold.
inline std::string compare_output(const std::vector<Quoted>& quoted, const std::string& actual) {
  const std::vector<std::string> out = split_lines(actual);
  if (quoted.empty())
    return out.empty() ? "" : "the README shows no output, but it printed `" + out.front() + "`";
  // Segments of consecutive quoted lines between `...` lines.
  std::vector<std::vector<Quoted>> segments(1);
  for (const Quoted& q : quoted) {
    if (is_gap(q.text))
      segments.emplace_back();
    else
      segments.back().push_back(q);
  }
  const bool open_start = is_gap(quoted.front().text);
  const bool open_end = is_gap(quoted.back().text);
  const auto shown = [](const std::string& s) { return "`" + s + "`"; };
  const auto at_line = [](const Quoted& q) { return "README.md:" + std::to_string(q.line) + ": "; };
  const auto matches_at = [&](const std::vector<Quoted>& seg, std::size_t at) {
    if (at + seg.size() > out.size()) return false;
    for (std::size_t k = 0; k < seg.size(); ++k)
      if (!line_matches(seg[k].text, out[at + k])) return false;
    return true;
  };
  // The first line of `seg` that differs from the output placed at `at`, as a message.
  const auto first_difference = [&](const std::vector<Quoted>& seg, std::size_t at) {
    for (std::size_t k = 0; k < seg.size(); ++k) {
      if (at + k >= out.size())
        return at_line(seg[k]) + "the README shows " + shown(seg[k].text) +
               " but the output has ended (" + std::to_string(out.size()) + " lines)";
      if (!line_matches(seg[k].text, out[at + k]))
        return at_line(seg[k]) + "the README shows " + shown(seg[k].text) + " but output line " +
               std::to_string(at + k + 1) + " is " + shown(out[at + k]);
    }
    return std::string();
  };

  std::size_t pos = 0;  // output lines before pos are accounted for
  for (std::size_t s = 0; s < segments.size(); ++s) {
    const std::vector<Quoted>& seg = segments[s];
    const bool first = s == 0, last = s + 1 == segments.size();
    if (seg.empty()) continue;
    if (first && !open_start) {
      if (!matches_at(seg, 0)) return first_difference(seg, 0);
      pos = seg.size();
    } else if (last && !open_end) {
      if (out.size() < pos + seg.size() || !matches_at(seg, out.size() - seg.size())) {
        // These lines end the output: name the last one that differs, counting from the end.
        for (std::size_t k = seg.size(); k-- > 0;) {
          const std::size_t from_end = seg.size() - k;  // 1 for the last line
          if (out.size() < pos + from_end)
            return at_line(seg[k]) + "the README shows " + shown(seg[k].text) +
                   " but the output has no line left for it (" + std::to_string(out.size()) +
                   " lines)";
          const std::size_t o = out.size() - from_end;
          if (!line_matches(seg[k].text, out[o]))
            return at_line(seg[k]) + "the README shows " + shown(seg[k].text) +
                   " but output line " + std::to_string(o + 1) + " is " + shown(out[o]);
        }
      }
      pos = out.size();
    } else {
      std::size_t at = pos;
      while (at + seg.size() <= out.size() && !matches_at(seg, at)) ++at;
      if (at + seg.size() > out.size())
        return at_line(seg.front()) + shown(seg.front().text) +
               (seg.size() > 1 ? " (and the " + std::to_string(seg.size() - 1) + " lines after it)"
                               : std::string()) +
               " not found in the output after line " + std::to_string(pos);
      pos = at + seg.size();
    }
  }
  if (!open_end && pos < out.size())
    return at_line(quoted.back()) + "the output goes on after this line with " + shown(out[pos]) +
           " (output line " + std::to_string(pos + 1) + "; mark a cut with a `...` line)";
  return "";
}

// "" when every quoted fragment is found within one output line (runs of blanks as one blank).
inline std::string find_fragments(const std::vector<Quoted>& fragments, const std::string& actual) {
  const std::vector<std::string> out = split_lines(actual);
  for (const Quoted& f : fragments) {
    const std::string want = squeeze(f.text);
    const bool found = std::any_of(out.begin(), out.end(), [&](const std::string& l) {
      return squeeze(l).find(want) != std::string::npos;
    });
    if (!found)
      return "README.md:" + std::to_string(f.line) + ": `" + f.text +
             "` is not in the output of that command";
  }
  return "";
}

}  // namespace memsim::test::readme
