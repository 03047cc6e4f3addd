// memsim merge refuses damaged shards (issue 10 item 3): a row cut short, rows with more or
// fewer cells than the header, quotes that do not close; and the README's GNU parallel recipe
// end to end, with a shard truncated, one missing and one doubled.
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "sim/core/errors.h"
#include "sim/study/sweep_table.h"
#include "tests/support/run_memsim.h"

namespace fs = std::filesystem;
using memsim::merge_sweep_csv;
using memsim::test::read_file;
using memsim::test::TempDir;

namespace {

std::string merge_error(const std::vector<std::pair<std::string, std::string>>& files) {
  try {
    merge_sweep_csv(files);
  } catch (const memsim::ScenarioError& e) {
    return e.what();
  }
  return "";
}

// A table of a 2-point sweep over one key, in the form write_sweep_csv gives: 5 columns.
const std::string kHeader = "point,points,k,moves,error\n";

// Runs `script` with bash in `dir` (memsim on PATH as `memsim`); returns the exit status.
int shell(const TempDir& dir, const std::string& script) {
  const std::string bin = dir.file("bin");
  fs::create_directories(bin);
  if (!fs::exists(bin + "/memsim")) fs::create_symlink(MEMSIM_BINARY, bin + "/memsim");
  std::ofstream(dir.file("script.sh")) << "set -e\ncd '" << dir.path.string() << "'\nexport PATH='"
                                       << bin << "':\"$PATH\"\nexport LC_ALL=C\n"
                                       << script << "\n";
  const std::string cmd = "bash '" + dir.file("script.sh") + "' >'" + dir.file("stdout") + "' 2>'" +
                          dir.file("stderr") + "' </dev/null";
  const int raw = std::system(cmd.c_str());
  return WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
}

}  // namespace

TEST_CASE("merge: a row cut short is refused at its line", "[merge]") {
  // The last row lost its end (a job killed mid-write): "2,2,"y",1" instead of
  // "2,2,"y",14,\n". Its cell count would even pass (4 of 5 is caught, but a cut inside the last
  // cell would not be); the missing line end is what gives it away.
  CHECK(merge_error({{"a.csv", kHeader + "1,2,\"x\",3,\n2,2,\"y\",1"}}) ==
        "a.csv:3: the last row has no line end: the file was cut short (was it written "
        "completely?)");
  CHECK(merge_error({{"a.csv", kHeader + "1,2,\"x\",3,\n2,2,\"y\",14,"}}) ==
        "a.csv:3: the last row has no line end: the file was cut short (was it written "
        "completely?)");
  CHECK(merge_error({{"a.csv", "point,points,k"}}) ==
        "a.csv:1: the header has no line end: the file was cut short (was it written "
        "completely?)");
  CHECK(merge_error({{"a.csv", ""}}) ==
        "a.csv:1: not a memsim sweep table: the header must start with point,points");
}

TEST_CASE("merge: rows with more or fewer cells than the header are refused", "[merge]") {
  CHECK(merge_error({{"a.csv", kHeader + "1,2,\"x\",3\n"}}) ==
        "a.csv:2: the row has 4 cells, the header 5: the row is damaged");
  CHECK(merge_error({{"a.csv", kHeader + "1,2,\"x\",3,,7\n"}}) ==
        "a.csv:2: the row has 6 cells, the header 5: the row is damaged");
  // A comma inside quotes is part of the cell, not a separator.
  CHECK(merge_sweep_csv({{"a.csv", kHeader + "1,2,\"x,y\",3,\n2,2,\"z\",4,\n"}}) ==
        kHeader + "1,2,\"x,y\",3,\n2,2,\"z\",4,\n");
}

TEST_CASE("merge: quotes that do not close, stray quotes, blank and CR lines are refused",
          "[merge]") {
  CHECK(merge_error({{"a.csv", kHeader + "1,2,\"x,3,\n"}}) ==
        "a.csv:2: unterminated quote in cell 3");
  CHECK(merge_error({{"a.csv", kHeader + "1,2,x\"y,3,\n"}}) ==
        "a.csv:2: a quote inside the unquoted cell 3");
  CHECK(merge_error({{"a.csv", kHeader + "1,2,\"x\"y,3,\n"}}) ==
        "a.csv:2: text after the closing quote of cell 3");
  CHECK(merge_error({{"a.csv", kHeader + "1,2,\"x\",3,\n\n2,2,\"y\",4,\n"}}) ==
        "a.csv:3: empty line; a sweep table has none (is the file damaged?)");
  CHECK(merge_error({{"a.csv", kHeader + "1,2,\"x\",3,\r\n"}}) ==
        "a.csv:2: the line ends in a carriage return; memsim writes \\n line ends");
  // "" inside quotes is one quote: the row is fine.
  CHECK(merge_sweep_csv({{"a.csv", kHeader + "1,2,\"say \"\"hi\"\"\",3,\n2,2,\"y\",4,\n"}}).size() >
        kHeader.size());
}

TEST_CASE("merge: a directory or a missing file as input is named as such", "[merge][cli]") {
  const TempDir dir;
  const auto d = memsim::test::run_memsim("merge " + dir.path.string());
  CHECK(d.status == 2);
  CHECK(d.err == dir.path.string() + ": is a directory, not a sweep table\n");
  const auto m = memsim::test::run_memsim("merge " + dir.file("none.csv"));
  CHECK(m.status == 2);
  CHECK(m.err ==
        dir.file("none.csv") + ": cannot open the sweep table: No such file or directory\n");
}

TEST_CASE("README's GNU parallel recipe: shards merge into the whole sweep, damage is refused",
          "[merge][cli][parallel]") {
  if (std::system("parallel --version 2>/dev/null | grep -q 'GNU parallel'") != 0) {
    WARN(
        "GNU parallel is not installed (Debian package 'parallel'; .ci/run installs it): the "
        "README recipe test did not run");
    return;
  }
  const TempDir dir;
  fs::copy_file(memsim::test::source_path("scenarios/lecture/mlp3-double-buffer.toml"),
                dir.file("big.toml"));
  // The README's commands, word for word (--will-cite only silences parallel's notice).
  const std::string recipe =
      "parallel --will-cite memsim sweep big.toml --param hardware.cache.capacity --values "
      "\"1MiB..64MiB*2\" \\\n"
      "    --jobs 1 --shard {}/8 --out shard-{}.csv ::: $(seq 1 8)\n";
  const std::string merge = "memsim merge shard-*.csv --out sweep.csv\n";
  REQUIRE(shell(dir, recipe + merge) == 0);
  // The same sweep in one piece: 1, 2, 4 ... 64 MiB is 7 points.
  REQUIRE(shell(dir,
                "memsim sweep big.toml --param hardware.cache.capacity --values "
                "\"1MiB..64MiB*2\" --out whole.csv") == 0);
  const std::string whole = read_file(dir.file("whole.csv"));
  CHECK(read_file(dir.file("sweep.csv")) == whole);
  CHECK(std::count(whole.begin(), whole.end(), '\n') == 8);  // header + 7 points

  // Shard k of 8 over 7 points is [floor((k-1)*7/8), floor(k*7/8)): shard 1 is empty and shard
  // k >= 2 holds point k-1 (its line 2).
  SECTION("a truncated shard") {
    const std::string s3 = read_file(dir.file("shard-3.csv"));
    std::ofstream(dir.file("shard-3.csv"), std::ios::binary) << s3.substr(0, s3.size() - 20);
    CHECK(shell(dir, merge) == 2);
    CHECK(read_file(dir.file("stderr")) ==
          "shard-3.csv:2: the last row has no line end: the file was cut short (was it written "
          "completely?)\n");
  }
  SECTION("a missing shard") {
    fs::remove(dir.file("shard-5.csv"));
    CHECK(shell(dir, merge) == 2);
    CHECK(read_file(dir.file("stderr")) ==
          "points missing from every file: 4 (of 7); is a shard file missing?\n");
  }
  SECTION("a doubled shard") {
    fs::copy_file(dir.file("shard-2.csv"), dir.file("shard-2-again.csv"));
    CHECK(shell(dir, merge) == 2);
    // The shell sorts shard-2-again.csv before shard-2.csv ('-' < '.').
    CHECK(read_file(dir.file("stderr")) ==
          "shard-2.csv:2: point 1 appears twice (also at shard-2-again.csv:2)\n");
  }
  // A refused merge leaves the earlier result alone.
  CHECK(read_file(dir.file("sweep.csv")) == whole);
}
