// The README is the user's manual: every command it shows is run here with the built memsim on the
// shipped scenarios, and every line it quotes must be what memsim prints (the markup is defined in
// support/readme_examples.h). The pictures in docs/ must be what the README's commands draw.
// Commands run in a scratch folder holding a copy of scenarios/, so a command that writes a file
// writes it there (`/tmp/NAME` is read as the scratch folder's tmp/NAME): never into the repo.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>

#include "support/readme_examples.h"
#include "support/run_memsim.h"

namespace fs = std::filesystem;
using namespace memsim::test;
using namespace memsim::test::readme;

namespace {

std::string quote_for_shell(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// The words of a shell command line, quotes removed (no escapes or expansions: the README's
// commands use neither).
std::vector<std::string> shell_words(const std::string& line) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (char c : line) {
    if (quote) {
      if (c == quote)
        quote = 0;
      else
        word += c;
    } else if (c == '"' || c == '\'') {
      quote = c;
      in_word = true;
    } else if (c == ' ' || c == '\t') {
      if (in_word) words.push_back(word);
      word.clear();
      in_word = false;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (in_word) words.push_back(word);
  return words;
}

// The command with /tmp/ paths moved into the scratch folder (the working directory), or the
// reason it may not run there: a path outside /tmp/ or one leading out with `..`.
struct Rewritten {
  std::string command, error;
};
Rewritten confine_to_scratch(const std::string& command) {
  Rewritten r{command, ""};
  for (const char* before : {" ", "=", "\"", "'"}) {
    const std::string from = std::string(before) + "/tmp/", to = std::string(before) + "tmp/";
    for (std::size_t at = 0; (at = r.command.find(from, at)) != std::string::npos;)
      r.command.replace(at, from.size(), to);
  }
  for (const std::string& w : shell_words(r.command)) {
    const std::size_t eq = w.find('=');
    const std::string value =
        starts_with(w, "--") && eq != std::string::npos ? w.substr(eq + 1) : w;
    if (starts_with(value, "/"))
      r.error = "`" + w +
                "` is an absolute path outside /tmp/; the README's commands write only "
                "to /tmp/ or the working directory";
    if (value == ".." || starts_with(value, "../") || value.find("/../") != std::string::npos)
      r.error = "`" + w + "` leads out of the working directory";
  }
  return r;
}

// Runs `command` (starting with build/memsim) in `dir` as a shell would.
CommandResult run_in(const fs::path& dir, const std::string& command) {
  const TempDir capture;
  const std::string args = command.substr(std::string("build/memsim").size());
  const std::string out = capture.file("out"), err = capture.file("err");
  const std::string shell = "cd " + quote_for_shell(dir.string()) + " && " +
                            quote_for_shell(MEMSIM_BINARY) + args + " >" + out + " 2>" + err +
                            " </dev/null";
  const int raw = std::system(shell.c_str());
  CommandResult r;
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  r.out = read_file(out);
  r.err = read_file(err);
  return r;
}

std::string where(const Example& e) {
  return "README.md:" + std::to_string(e.line) + ": `" + e.command + "`";
}

std::string indented(const std::string& text) {
  std::string out;
  for (const std::string& l : split_lines(text)) out += "    " + l + "\n";
  return out;
}

}  // namespace

TEST_CASE("README markup: commands, quoted output, cuts, files and comments are read", "[readme]") {
  const std::string md =
      "# title\n"                                  // 1
      "```text\n"                                  // 2
      "$ build/memsim run a.toml \\\n"             // 3
      "    --set x=1\n"                            // 4
      "line one\n"                                 // 5
      "...\n"                                      // 6
      "$ echo $?\n"                                // 7
      "0\n"                                        // 8
      "$ build/memsim run a.toml --format json\n"  // 9
      "```\n"                                      // 10
      "```json\n"                                  // 11
      "{\n"                                        // 12
      "}\n"                                        // 13
      "```\n"                                      // 14
      "```sh\n"                                    // 15
      "tools/setup && build/memsim run a.toml\n"   // 16: not a command line of its own
      "build/memsim run \"a # b.toml\"   # peak live 5.00 MiB; 3 ops\n"  // 17
      "memsim sweep big.toml\n"                                          // 18: not run (no build/)
      "```\n"                                                            // 19
      "```toml\n"                                                        // 20
      "# bad.toml\n"                                                     // 21
      "[x]\n"                                                            // 22
      "```\n"                                                            // 23
      "```text\n"                                                        // 24
      "memsim run SCENARIO.toml\n"                                       // 25: a synopsis, no `$`
      "```\n"                                                            // 26
      "```text\n"                                                        // 27
      "$ ls\n"                                                           // 28
      "```\n";                                                           // 29
  const Parsed p = parse(md);
  REQUIRE(p.errors.size() == 1);
  CHECK(p.errors[0] ==
        "README.md:28: the README test cannot run `ls` (a text block's commands are "
        "build/memsim, cat FILE and echo $?)");
  REQUIRE(p.examples.size() == 5);
  const Example& run = p.examples[0];
  CHECK(run.kind == Example::Kind::memsim);
  CHECK(run.line == 3);
  CHECK(run.command == "build/memsim run a.toml --set x=1");
  CHECK(run.shows_output);
  REQUIRE(run.output.size() == 2);
  CHECK(run.output[0].text == "line one");
  CHECK(run.output[0].line == 5);
  CHECK(run.output[1].text == "...");
  CHECK(p.examples[1].kind == Example::Kind::exit_status);
  REQUIRE(p.examples[1].output.size() == 1);
  CHECK(p.examples[1].output[0].text == "0");
  // The json block right after is the output of the text block's last command.
  const Example& json = p.examples[2];
  CHECK(json.line == 9);
  REQUIRE(json.output.size() == 2);
  CHECK(json.output[0].text == "{");
  CHECK(json.output[1].line == 13);
  // sh: the comment (outside quotes) quotes pieces of the output, split at "; ".
  const Example& sh = p.examples[3];
  CHECK(sh.line == 17);
  CHECK(sh.command == "build/memsim run \"a # b.toml\"");
  CHECK_FALSE(sh.shows_output);
  REQUIRE(sh.fragments.size() == 2);
  CHECK(sh.fragments[0].text == "peak live 5.00 MiB");
  CHECK(sh.fragments[1].text == "3 ops");
  const Example& file = p.examples[4];
  CHECK(file.kind == Example::Kind::write_file);
  CHECK(file.command == "bad.toml");
  CHECK(file.line == 21);
  CHECK(file.file_text == "# bad.toml\n[x]\n");
}

TEST_CASE("README output comparison: exact lines, explicit cuts, messages naming the line",
          "[readme]") {
  const auto q = [](std::vector<std::string> texts) {
    std::vector<Quoted> out;
    int line = 10;
    for (auto& t : texts) out.push_back({t, line++});
    return out;
  };
  const std::string output = "a\nb  \nc\nd\ne\n";  // trailing blanks do not count
  CHECK(compare_output(q({"a", "b", "c", "d", "e"}), output) == "");
  CHECK(compare_output(q({"a", "...", "e"}), output) == "");
  CHECK(compare_output(q({"...", "c", "d", "..."}), output) == "");
  CHECK(compare_output(q({"...", "e"}), output) == "");
  CHECK(compare_output(q({"a", "...", "c", "...", "e"}), output) == "");
  CHECK(compare_output(q({"..."}), output) == "");
  CHECK(compare_output({}, "") == "");
  // Inline `...`: any text within the line.
  CHECK(compare_output(q({"solved in ... s, 5 states"}), "solved in 0.001 s, 5 states\n") == "");
  CHECK(compare_output(q({"x...y...z"}), "x1y2z\n") == "");
  CHECK(compare_output(q({"x...y...z"}), "x1z2y\n") ==
        "README.md:10: the README shows `x...y...z` but output line 1 is `x1z2y`");

  CHECK(compare_output(q({"a", "B", "c", "d", "e"}), output) ==
        "README.md:11: the README shows `B` but output line 2 is `b`");
  // An uncut excerpt must be the whole output: a dropped line is reported, not skipped.
  CHECK(compare_output(q({"a", "b", "d", "e"}), output) ==
        "README.md:12: the README shows `d` but output line 3 is `c`");
  CHECK(compare_output(q({"a", "b"}), output) ==
        "README.md:11: the output goes on after this line with `c` (output line 3; mark a cut "
        "with a `...` line)");
  CHECK(compare_output(q({"...", "d"}), output) ==
        "README.md:11: the README shows `d` but output line 5 is `e`");
  CHECK(compare_output(q({"a", "...", "x", "..."}), output) ==
        "README.md:12: `x` not found in the output after line 1");
  // Lines that end the output are compared from the end: a line the README has in excess is
  // the one named.
  CHECK(compare_output(q({"a", "...", "e", "f"}), output) ==
        "README.md:13: the README shows `f` but output line 5 is `e`");
  CHECK(compare_output(q({"...", "c", "X", "d", "e"}), output) ==
        "README.md:12: the README shows `X` but output line 3 is `c`");
  CHECK(compare_output(q({"a", "b", "...", "b", "c", "d", "e"}), output) ==
        "README.md:13: the README shows `b` but the output has no line left for it (5 lines)");
  CHECK(compare_output(q({"a", "b", "c", "d", "e", "f"}), output) ==
        "README.md:15: the README shows `f` but the output has ended (5 lines)");
  CHECK(compare_output({}, "x\n") == "the README shows no output, but it printed `x`");
  // Order matters: the lines after a cut come after the lines before it.
  CHECK(compare_output(q({"...", "d", "...", "b", "..."}), output) ==
        "README.md:13: `b` not found in the output after line 4");
}

TEST_CASE("README comment fragments: found within one line, runs of blanks as one", "[readme]") {
  const std::string output = "peak live      408.00 MiB at op loss\nFLOPs   1 FLOP recompute\n";
  CHECK(find_fragments({{"peak live 408.00 MiB", 3}, {"1 FLOP recompute", 3}}, output) == "");
  CHECK(find_fragments({{"peak live 409.00 MiB", 7}}, output) ==
        "README.md:7: `peak live 409.00 MiB` is not in the output of that command");
  // A fragment may not span two lines.
  CHECK(find_fragments({{"loss FLOPs", 8}}, output) ==
        "README.md:8: `loss FLOPs` is not in the output of that command");
}

TEST_CASE("README commands are confined to the scratch folder", "[readme]") {
  CHECK(confine_to_scratch("build/memsim run a.toml --svg /tmp/x.svg").command ==
        "build/memsim run a.toml --svg tmp/x.svg");
  CHECK(confine_to_scratch("build/memsim run a.toml --svg=/tmp/x.svg").command ==
        "build/memsim run a.toml --svg=tmp/x.svg");
  CHECK(confine_to_scratch("build/memsim run a.toml --svg /tmp/x.svg").error.empty());
  CHECK(confine_to_scratch("build/memsim run a.toml --svg /etc/x.svg").error ==
        "`/etc/x.svg` is an absolute path outside /tmp/; the README's commands write only to "
        "/tmp/ or the working directory");
  CHECK(confine_to_scratch("build/memsim run a.toml --out=\"/home/x.csv\"").error ==
        "`--out=/home/x.csv` is an absolute path outside /tmp/; the README's commands write only "
        "to /tmp/ or the working directory");
  CHECK(confine_to_scratch("build/memsim run ../a.toml").error ==
        "`../a.toml` leads out of the working directory");
  // A range such as 1..6 is not a path.
  CHECK(confine_to_scratch("build/memsim sweep a.toml --values \"1..6 tensors\"").error.empty());
}

TEST_CASE("every README example prints what the README says it prints", "[readme][cli]") {
  const fs::path source(MEMSIM_SOURCE_DIR);
  const Parsed readme = parse(read_file(source / "README.md"));
  for (const std::string& e : readme.errors) FAIL_CHECK(e);

  const TempDir scratch;
  fs::copy(source / "scenarios", scratch.path / "scenarios", fs::copy_options::recursive);
  fs::create_directory(scratch.path / "tmp");

  int memsim_commands = 0, quoted_lines = 0;
  int last_status = -1;  // of the last memsim command; -1 when none ran just before
  for (std::size_t i = 0; i < readme.examples.size(); ++i) {
    const Example& e = readme.examples[i];
    const bool status_shown =
        i + 1 < readme.examples.size() && readme.examples[i + 1].kind == Example::Kind::exit_status;
    std::string printed;
    switch (e.kind) {
      case Example::Kind::write_file: {
        std::ofstream(scratch.path / e.command, std::ios::binary) << e.file_text;
        continue;
      }
      case Example::Kind::memsim: {
        ++memsim_commands;
        const Rewritten r = confine_to_scratch(e.command);
        if (!r.error.empty()) {
          FAIL_CHECK(where(e) << ": " << r.error);
          last_status = -1;
          continue;
        }
        const CommandResult result = run_in(scratch.path, r.command);
        last_status = result.status;
        printed = result.out + result.err;
        if (!status_shown && result.status != 0)
          FAIL_CHECK(where(e) << ": exits " << result.status
                              << " (a README command exits 0 unless an `echo $?` shows otherwise)"
                              << "\n  it printed:\n"
                              << indented(printed));
        break;
      }
      case Example::Kind::cat: {
        const Rewritten r = confine_to_scratch(e.command);
        const fs::path file = scratch.path / shell_words(r.command).at(1);
        if (!r.error.empty() || !fs::exists(file)) {
          FAIL_CHECK(where(e) << ": no such file was written" << r.error);
          continue;
        }
        printed = read_file(file);
        break;
      }
      case Example::Kind::exit_status: {
        if (i == 0 || readme.examples[i - 1].kind != Example::Kind::memsim || last_status < 0) {
          FAIL_CHECK(where(e) << ": `echo $?` must follow a build/memsim command");
          continue;
        }
        printed = std::to_string(last_status) + "\n";
        break;
      }
    }
    quoted_lines += static_cast<int>(e.output.size() + e.fragments.size());
    const std::string mismatch =
        e.shows_output ? compare_output(e.output, printed) : find_fragments(e.fragments, printed);
    if (!mismatch.empty())
      FAIL_CHECK(mismatch << "\n  in the example " << where(e) << ", which printed:\n"
                          << indented(printed));
  }
  // The README shows many examples: finding few means its markup broke, not that all is well.
  CHECK(memsim_commands >= 20);
  CHECK(quoted_lines >= 200);

  // Each picture docs/NAME.png is rendered from docs/NAME.svg, which must be exactly what the
  // README's command writing /tmp/NAME.svg draws (so a change of the figures shows here).
  const std::regex picture(R"(!\[[^\]]*\]\(docs/([A-Za-z0-9_.-]+)\.png\))");
  const std::string text = read_file(source / "README.md");
  int pictures = 0;
  for (std::sregex_iterator m(text.begin(), text.end(), picture), end; m != end; ++m) {
    ++pictures;
    const std::string name = (*m)[1];
    INFO("picture docs/" << name << ".png");
    CHECK(fs::exists(source / "docs" / (name + ".png")));
    const fs::path drawn = scratch.path / "tmp" / (name + ".svg");
    if (!fs::exists(drawn)) {
      FAIL_CHECK("no README command writes /tmp/" << name << ".svg");
      continue;
    }
    if (read_file(drawn) != read_file(source / "docs" / (name + ".svg")))
      FAIL_CHECK("docs/" << name
                         << ".svg differs from what the README's command draws now: copy "
                            "/tmp/"
                         << name << ".svg there and render docs/" << name
                         << ".png with "
                            "tools/render-svg");
  }
  CHECK(pictures >= 2);
}
