// `memsim sweep` and `memsim merge` end to end: the binary is run in a temporary folder.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "sim/study/sweep_table.h"

namespace fs = std::filesystem;

namespace {

const std::string kPaging = MEMSIM_SOURCE_DIR "/scenarios/lecture/paging.toml";

// A fresh folder for one test case, removed when it ends.
struct TempDir {
  fs::path path;
  explicit TempDir(const std::string& tag) {
    path = fs::temp_directory_path() / ("memsim-sweep-" + tag + "-" + std::to_string(::getpid()));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string operator/(const std::string& name) const { return (path / name).string(); }
};

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Runs memsim with `args` (already shell-quoted); stdout and stderr go to files in `dir`.
int run_memsim(const TempDir& dir, const std::string& args) {
  const std::string cmd = std::string("'") + MEMSIM_BINARY + "' " + args + " >'" +
                          (dir / "stdout") + "' 2>'" + (dir / "stderr") + "'";
  const int status = std::system(cmd.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

const std::string kGrid =
    "'" + kPaging +
    "' --param hardware.cache.capacity --values '1..4 tensors' --param policy.eviction --values "
    "lru,fifo,belady";

}  // namespace

TEST_CASE("sweep: --jobs 1 and --jobs 2 write identical files", "[sweep][cli]") {
  TempDir dir("jobs");
  REQUIRE(run_memsim(dir, "sweep " + kGrid + " --jobs 1 --out '" + (dir / "one.csv") + "'") == 0);
  REQUIRE(run_memsim(dir, "sweep " + kGrid + " --jobs 2 --out '" + (dir / "two.csv") + "'") == 0);
  const std::string one = slurp(dir / "one.csv");
  CHECK(one == slurp(dir / "two.csv"));
  // A header and 4 x 3 = 12 rows.
  CHECK(std::count(one.begin(), one.end(), '\n') == 13);
  // Without --out the same table goes to stdout.
  REQUIRE(run_memsim(dir, "sweep " + kGrid + " --jobs 2") == 0);
  CHECK(slurp(dir / "stdout") == one);
}

TEST_CASE("sweep: the merged shards equal the whole sweep, merge finds gaps and doubles",
          "[sweep][cli][merge]") {
  TempDir dir("shards");
  REQUIRE(run_memsim(dir, "sweep " + kGrid + " --out '" + (dir / "all.csv") + "'") == 0);
  std::string shards;
  for (int i = 1; i <= 5; ++i) {
    const std::string file = dir / ("s" + std::to_string(i) + ".csv");
    REQUIRE(run_memsim(dir, "sweep " + kGrid + " --shard " + std::to_string(i) + "/5 --out '" +
                                file + "'") == 0);
    shards += " '" + file + "'";
  }
  REQUIRE(run_memsim(dir, "merge" + shards + " --out '" + (dir / "merged.csv") + "'") == 0);
  CHECK(slurp(dir / "merged.csv") == slurp(dir / "all.csv"));

  // 12 points in 5 shards: shard 2 holds points [12*1/5, 12*2/5) = [2, 4), i.e. 3 and 4.
  REQUIRE(run_memsim(dir, "merge '" + (dir / "s1.csv") + "' '" + (dir / "s3.csv") + "' '" +
                              (dir / "s4.csv") + "' '" + (dir / "s5.csv") + "'") == 2);
  CHECK(slurp(dir / "stderr") ==
        "points missing from every file: 3, 4 (of 12); is a shard file missing?\n");
  // Shard 1 holds points 1 and 2 (rows 2 and 3 of its file).
  REQUIRE(run_memsim(dir, "merge" + shards + " '" + (dir / "s1.csv") + "'") == 2);
  CHECK(slurp(dir / "stderr") ==
        (dir / "s1.csv") + ":2: point 1 appears twice (also at " + (dir / "s1.csv") + ":2)\n");
  CHECK_FALSE(fs::exists(dir / "bad.csv"));
}

TEST_CASE("sweep: bad lists and options are input errors with exit status 2", "[sweep][cli]") {
  TempDir dir("errors");
  CHECK(run_memsim(dir, "sweep '" + kPaging +
                            "' --param policy.eviction --values 'lru,,fifo' --out '" +
                            (dir / "x.csv") + "'") == 2);
  CHECK(slurp(dir / "stderr") ==
        "--values 'lru,,fifo': item 2 is empty (two commas in a row, or a comma at an end?)\n");
  CHECK_FALSE(fs::exists(dir / "x.csv"));
  CHECK(run_memsim(dir,
                   "sweep '" + kPaging + "' --param hardware.cache.capacity --values '8..3'") == 2);
  CHECK(slurp(dir / "stderr") == "--values '8..3': the range end 3 is below its start 8\n");
  CHECK(run_memsim(dir, "sweep '" + kPaging + "' --param policy.eviction") == 2);
  CHECK(slurp(dir / "stderr") ==
        "memsim sweep: each --param needs one --values (got 1 --param and 0 --values)\n");
  CHECK(run_memsim(
            dir, "sweep '" + kPaging + "' --param policy.eviction --values lru --shard 4/3") == 2);
  CHECK(slurp(dir / "stderr") == "--shard '4/3': i counts from 1 to N (3), got 4\n");
  CHECK(run_memsim(dir, "sweep '" + kPaging + "' --param policy.eviction --values lru --svg '" +
                            (dir / "p.svg") + "' --plot moves,scenario") == 2);
  CHECK(slurp(dir / "stderr")
            .rfind("memsim sweep: --plot scenario: not a numeric field; choose from "
                   "cache_capacity, time_s,",
                   0) == 0);
}

TEST_CASE("sweep: a failing point does not fail the sweep", "[sweep][cli]") {
  TempDir dir("failing");
  REQUIRE(run_memsim(dir, "sweep '" + kPaging +
                              "' --param policy.eviction --values lru,nosuch --out '" +
                              (dir / "f.csv") + "'") == 0);
  CHECK(slurp(dir / "stderr") == "memsim sweep: 1 of 2 points failed; see the error column\n");
  std::istringstream rows(slurp(dir / "f.csv"));
  std::string header, first, second;
  std::getline(rows, header);
  std::getline(rows, first);
  std::getline(rows, second);
  CHECK(first.back() == ',');  // no error: the last cell is empty
  CHECK(second.rfind("2,2,\"nosuch\",,", 0) == 0);
  CHECK(second.find("nosuch", 14) != std::string::npos);  // the error names the value
}

TEST_CASE("sweep --svg plots one panel per metric", "[sweep][cli][svg]") {
  TempDir dir("plot");
  REQUIRE(run_memsim(dir, "sweep " + kGrid + " --out '" + (dir / "s.csv") + "' --svg '" +
                              (dir / "s.svg") + "' --plot moves,stall_s") == 0);
  const std::string svg = slurp(dir / "s.svg");
  // 2 panels x 12 points = 24 markers; 2 panels x 3 policies = 6 lines.
  std::size_t circles = 0, lines = 0;
  for (std::size_t p = svg.find("<circle class=\"point\""); p != std::string::npos;
       p = svg.find("<circle class=\"point\"", p + 1))
    ++circles;
  for (std::size_t p = svg.find("<polyline class=\"series\""); p != std::string::npos;
       p = svg.find("<polyline class=\"series\"", p + 1))
    ++lines;
  CHECK(circles == 24);
  CHECK(lines == 6);
}

TEST_CASE("sweep --solve: each row equals memsim solve of the same point", "[sweep][cli][solve]") {
  TempDir dir("solve");
  const std::string teaser = MEMSIM_SOURCE_DIR "/scenarios/lecture/brain-teaser.toml";
  REQUIRE(run_memsim(
              dir, "sweep '" + teaser +
                       "' --solve --param hardware.cache.capacity --values '4..5 tensors' --out '" +
                       (dir / "s.csv") + "'") == 0);
  std::istringstream rows(slurp(dir / "s.csv"));
  std::string header_line;
  std::getline(rows, header_line);
  const auto header = memsim::split_csv_line(header_line);
  CHECK(header == std::vector<std::string>{"point", "points", "hardware.cache.capacity", "moves",
                                           "loads", "stores", "bytes", "optimal", "lower_bound",
                                           "stop", "schedule", "states", "error"});
  for (const std::string capacity : {"4 tensors", "5 tensors"}) {
    std::string line;
    std::getline(rows, line);
    const auto cells = memsim::split_csv_line(line);
    REQUIRE(cells.size() == header.size());
    CHECK(cells[2] == capacity);
    REQUIRE(run_memsim(dir, "solve '" + teaser + "' --format json --set 'hardware.cache.capacity=" +
                                capacity + "'") == 0);
    const auto solved = nlohmann::json::parse(slurp(dir / "stdout"));
    CHECK(cells[3] == solved["moves"].dump());
    CHECK(cells[4] == solved["loads"].dump());
    CHECK(cells[5] == solved["stores"].dump());
    CHECK(cells[6] == solved["bytes"].dump());
    CHECK(cells[7] == solved["optimal"].dump());
    CHECK(cells[8] == solved["lower_bound"].dump());
    CHECK(cells[9] == solved["stop"].get<std::string>());
    CHECK(nlohmann::json::parse(cells[10]) == solved["schedule"]);
    CHECK(cells[11] == solved["states"].dump());
    CHECK(cells[12].empty());
  }
}
