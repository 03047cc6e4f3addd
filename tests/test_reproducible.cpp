// Issue 18: results hold only what the model computes, so the same command gives the same bytes
// (any --jobs, any run); wall-clock figures appear only with --timings, in their own keys; and
// --max-states is a budget whose answer depends only on the input.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "policies/solver/solver.h"
#include "sim/study/sweep_table.h"
#include "tests/support/run_memsim.h"

using memsim::test::read_file;
using memsim::test::run_memsim;
using memsim::test::source_path;
using memsim::test::TempDir;

namespace {

const std::string kTeaser = source_path("scenarios/lecture/brain-teaser.toml");
const std::string kLabel = source_path("scenarios/lecture/brain-teaser-label.toml");

std::vector<std::string> keys_of(const nlohmann::ordered_json& j) {
  std::vector<std::string> keys;
  for (auto it = j.begin(); it != j.end(); ++it) keys.push_back(it.key());
  return keys;
}

}  // namespace

TEST_CASE("sweep --solve writes the same bytes with --jobs 1 and --jobs 2, run twice each",
          "[reproducible][sweep][cli]") {
  const TempDir dir;
  // Six points, one of them (the label variant at 4 tensors with recompute) large enough that
  // the state budget stops it: that row too must not depend on the machine or the thread.
  for (const std::string& extra : {std::string(""), std::string(" --recompute --max-states 300")}) {
    std::vector<std::string> files;
    for (const char* jobs : {"1", "2", "1", "2"}) {
      const std::string out = dir.file("s" + std::to_string(files.size()) + ".csv");
      const auto r = run_memsim("sweep " + kLabel +
                                " --solve --param hardware.cache.capacity --values '4..6 tensors' "
                                "--param policy.eviction --values lru,belady --jobs " +
                                jobs + extra + " --out " + out);
      REQUIRE(r.status == 0);
      files.push_back(read_file(out));
    }
    INFO("options:" << extra);
    CHECK(files[0] == files[1]);
    CHECK(files[0] == files[2]);
    CHECK(files[0] == files[3]);
    const std::string header = files[0].substr(0, files[0].find('\n'));
    CHECK(header.find("seconds") == std::string::npos);
  }
}

TEST_CASE("solve --format json is the same on every run, --timings adds its own keys",
          "[reproducible][solver][cli]") {
  const std::string cmd = "solve " + kLabel + " --format json";
  const auto a = run_memsim(cmd), b = run_memsim(cmd);
  REQUIRE(a.status == 0);
  CHECK(a.out == b.out);
  CHECK(keys_of(nlohmann::ordered_json::parse(a.out)) ==
        std::vector<std::string>{"moves", "loads", "stores", "bytes", "optimal", "lower_bound",
                                 "stop", "schedule", "states"});
  // With recompute and a state budget the search stops early, at the same place every time.
  const std::string capped = cmd + " --recompute --max-states 300";
  const auto c = run_memsim(capped), d = run_memsim(capped);
  REQUIRE(c.status == 0);
  CHECK(c.out == d.out);
  const auto jc = nlohmann::json::parse(c.out);
  CHECK(jc["stop"] == "max-states");
  CHECK(jc["optimal"] == false);

  const auto timed = run_memsim(cmd + " --timings");
  REQUIRE(timed.status == 0);
  const auto jt = nlohmann::ordered_json::parse(timed.out);
  CHECK(keys_of(jt) == std::vector<std::string>{"moves", "loads", "stores", "bytes", "optimal",
                                                "lower_bound", "stop", "schedule", "states",
                                                "seconds", "states_per_second"});
  CHECK(jt["seconds"].is_number());
  // Apart from the wall-clock keys the answer is the untimed one.
  auto stripped = jt;
  stripped.erase("seconds");
  stripped.erase("states_per_second");
  CHECK(stripped == nlohmann::ordered_json::parse(a.out));
}

TEST_CASE("solve's text names the real stop reason and the state budget's memory",
          "[reproducible][solver][cli]") {
  const auto plain = run_memsim("solve " + kTeaser);
  REQUIRE(plain.status == 0);
  CHECK(plain.out.find("solved in") == std::string::npos);
  CHECK(plain.out.find("\nexplored     ") != std::string::npos);
  // One stored state (the start) reaches the budget before anything is expanded: the answer is
  // the greedy first schedule and no time limit was involved. Memory: 1 state at
  // kSolverBytesPerState = 104 bytes.
  STATIC_REQUIRE(memsim::kSolverBytesPerState == 104);
  const auto capped = run_memsim("solve " + kTeaser + " --max-states 1");
  REQUIRE(capped.status == 0);
  CHECK(capped.out.find("\nproven       no: stopped at the state limit (1 states, about 104 B; "
                        "raise it with --max-states)\n") != std::string::npos);
  CHECK(capped.out.find("time limit") == std::string::npos);
  // Ten states: 1040 B = 1.015625 KiB, shown as 1.02 KiB.
  const auto ten = run_memsim("solve " + kLabel + " --recompute --max-states 10");
  CHECK(ten.out.find("(10 states, about 1.02 KiB;") != std::string::npos);
  const auto timed = run_memsim("solve " + kTeaser + " --timings");
  CHECK(timed.out.find("\nsolved in    ") != std::string::npos);
  CHECK(timed.out.find(" states/s)\n") != std::string::npos);
}

TEST_CASE("sweep --solve takes the solve options, they are refused without --solve",
          "[reproducible][sweep][cli]") {
  const auto r = run_memsim("sweep " + kTeaser +
                            " --solve --param hardware.cache.capacity --values '5 tensors' "
                            "--recompute --objective bytes --max-states 1 --timings");
  REQUIRE(r.status == 0);
  std::istringstream rows(r.out);
  std::string header, row;
  std::getline(rows, header);
  std::getline(rows, row);
  const auto names = memsim::split_csv_line(header);
  const auto cells = memsim::split_csv_line(row);
  CHECK(names == std::vector<std::string>{"point", "points", "hardware.cache.capacity", "moves",
                                          "loads", "stores", "bytes", "optimal", "lower_bound",
                                          "stop", "schedule", "states", "seconds",
                                          "states_per_second", "error"});
  REQUIRE(cells.size() == names.size());
  CHECK(cells[9] == "max-states");  // --max-states 1 reached the solver
  CHECK(cells[7] == "false");
  // --recompute reaches the solver too: at five tensors only a schedule with a rerun takes 8
  // moves (9 without).
  const auto full = run_memsim("sweep " + kTeaser +
                               " --solve --param hardware.cache.capacity --values '5 tensors' "
                               "--recompute");
  REQUIRE(full.status == 0);
  std::istringstream full_rows(full.out);
  std::getline(full_rows, header);
  std::getline(full_rows, row);
  CHECK(memsim::split_csv_line(row)[3] == "8");  // README: "With --recompute ... needs 8"

  const auto refused =
      run_memsim("sweep " + kTeaser + " --param policy.eviction --values lru --time-limit 5");
  CHECK(refused.status == 2);
  CHECK(refused.err ==
        "memsim sweep: --objective, --recompute, --time-limit, --max-states and --timings apply "
        "to sweep --solve\n");
}

TEST_CASE("negative and malformed numbers for --jobs, --time-limit, --max-states are refused",
          "[reproducible][cli]") {
  struct Case {
    std::string args, err;
  };
  const std::string sweep = "sweep " + kTeaser + " --param policy.eviction --values lru ";
  for (const Case& c : std::vector<Case>{
           {sweep + "--jobs -1",
            "memsim sweep: --jobs must be a whole number from 1 to 1024, not '-1'\n"},
           {sweep + "--jobs 0",
            "memsim sweep: --jobs must be a whole number from 1 to 1024, not '0'\n"},
           {sweep + "--jobs 2.5",
            "memsim sweep: --jobs must be a whole number from 1 to 1024, not '2.5'\n"},
           {"solve " + kTeaser + " --time-limit -1",
            "memsim solve: --time-limit must be a number of seconds >= 0, not '-1'\n"},
           {"solve " + kTeaser + " --time-limit nan",
            "memsim solve: --time-limit must be a number of seconds >= 0, not 'nan'\n"},
           {"solve " + kTeaser + " --time-limit 1e999",
            "memsim solve: --time-limit must be a number of seconds >= 0, not '1e999'\n"},
           {"solve " + kTeaser + " --max-states 0",
            "memsim solve: --max-states must be a whole number from 1 to 4294967296, not '0'\n"},
       }) {
    const auto r = run_memsim(c.args);
    INFO(c.args);
    CHECK(r.status == 2);
    CHECK(r.err == c.err);
  }
}
