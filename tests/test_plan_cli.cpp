// `memsim solve --objective recompute|time` and graphs beyond the exact search, end to end.
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/support/run_memsim.h"

using memsim::test::run_memsim;
using memsim::test::TempDir;

namespace {

void write(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// The cascade of test_remat_planner.cpp as a Checkmate-style networkx file: f1 -> x1 (1 B,
// 2 FLOP), f2(x1) -> x2 (1 B, 3), g(x2) -> y (2 B, 1), h(y) -> w (1 B, 1), k(x2, w) -> z (1 B,
// 1). The given order's peak without recompute is 4 B (at h: x2, y, w); at a budget of 3 B the
// optimum recomputes f1 and f2 after h: 5 FLOP.
const std::string kCascade = R"({"directed": true, "nodes": [
  {"id": 0, "name": "f1", "cost_ram": 1, "cost_cpu": 2},
  {"id": 1, "name": "f2", "cost_ram": 1, "cost_cpu": 3},
  {"id": 2, "name": "g", "cost_ram": 2, "cost_cpu": 1},
  {"id": 3, "name": "h", "cost_ram": 1, "cost_cpu": 1},
  {"id": 4, "name": "k", "cost_ram": 1, "cost_cpu": 1}],
  "links": [{"source": 0, "target": 1}, {"source": 1, "target": 2}, {"source": 2, "target": 3},
            {"source": 1, "target": 4}, {"source": 3, "target": 4}]})";

// Byte mode at 1 B/s and 1 FLOP/s: an op takes as many seconds as it has FLOPs.
struct Scenario {
  TempDir dir;
  std::string path;
  Scenario() {
    write(dir.file("g.json"), kCascade);
    path = dir.file("s.toml");
    write(path,
          "[hardware.cache]\ncapacity = \"100 B\"\n[hardware.dram]\nbandwidth = \"1 B/s\"\n"
          "[hardware.compute]\nthroughput = \"1 FLOP/s\"\n[graph]\nnetworkx = \"g.json\"\n");
  }
};

}  // namespace

TEST_CASE("solve --objective recompute: the optimum, its bound and a replayable schedule",
          "[planner][cli]") {
  const Scenario s;
  const std::string steps = s.dir.file("plan.steps");
  const auto r =
      run_memsim("solve " + s.path +
                 " --objective recompute --budget 0.75x --format json --emit-schedule " + steps);
  REQUIRE(r.status == 0);
  const auto j = nlohmann::ordered_json::parse(r.out);
  std::vector<std::string> keys;
  for (auto it = j.begin(); it != j.end(); ++it) keys.push_back(it.key());
  CHECK(keys == std::vector<std::string>{
                    "objective", "feasible", "cost", "lower_bound", "gap", "optimal", "found_by",
                    "bound_by", "budget_bytes", "peak_without_recompute", "reruns",
                    "recompute_flops", "time_s", "moves", "loads", "stores", "bytes", "schedule"});
  // 0.75 x the 4 B peak = 3 B; the optimum reruns f1 and f2: 2 + 3 = 5 FLOP.
  CHECK(j["budget_bytes"] == 3);
  CHECK(j["peak_without_recompute"] == 4);
  CHECK(j["cost"] == 5.0);
  CHECK(j["recompute_flops"] == 5.0);
  CHECK(j["reruns"] == 2);
  CHECK(j["lower_bound"] == 5.0);
  CHECK(j["gap"] == 0.0);
  CHECK(j["optimal"] == true);
  // Nothing offloaded: no loads, no stores (no required outputs). Time: the five ops once
  // (2 + 3 + 1 + 1 + 1 = 8 s) and the two reruns (5 s), one after another: 13 s.
  CHECK(j["moves"] == 0);
  CHECK(j["time_s"] == 13.0);
  // The emitted schedule replays in `memsim run` within the same cache.
  const auto run =
      run_memsim("run " + s.path +
                 " --set 'hardware.cache.capacity=\"3 B\"' --format json --schedule " + steps);
  REQUIRE(run.status == 0);
  const auto rj = nlohmann::json::parse(run.out);
  CHECK(rj["time_s"] == 13.0);
  CHECK(rj["peak_cache_bytes"] == 3);
}

TEST_CASE("solve --objective recompute: text report, the fitting budget, an impossible one",
          "[planner][cli]") {
  const Scenario s;
  auto r = run_memsim("solve " + s.path + " --objective recompute --budget 3B");
  REQUIRE(r.status == 0);
  CHECK_THAT(r.out, Catch::Contains("minimum      5 FLOP recomputed  (2 reruns, 0 loads, 0 stores; "
                                    "time 13.000 s)"));
  CHECK_THAT(r.out, Catch::Contains("peak         4 B in this order without recompute"));
  CHECK_THAT(r.out, Catch::Contains("gap          0.0 %"));
  CHECK_THAT(r.out, Catch::Contains("proven       yes, optimal"));
  // The whole schedule is listed: 7 computes (5 ops, 2 reruns) and no load or store.
  std::size_t computes = 0;
  for (std::size_t at = r.out.find("  compute "); at != std::string::npos;
       at = r.out.find("  compute ", at + 1))
    ++computes;
  CHECK(computes == 7);
  CHECK(r.out.find("  load ") == std::string::npos);

  r = run_memsim("solve " + s.path + " --objective recompute --budget 1x --format json");
  REQUIRE(r.status == 0);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["cost"] == 0.0);
  CHECK(j["optimal"] == true);
  CHECK(j["found_by"] == "no recompute");

  // k reads x2 (1 B) and w (1 B) and writes z (1 B): 3 B at once, more than 2 B.
  r = run_memsim("solve " + s.path + " --objective recompute --budget 2B");
  CHECK(r.status == 2);
  CHECK(r.err == s.path + ": op 'g' needs 3 resident at once, but the cache holds 2\n");
}

TEST_CASE("solve: bad --objective, --budget and --recompute with recompute", "[planner][cli]") {
  const Scenario s;
  auto r = run_memsim("solve " + s.path + " --objective speed");
  CHECK(r.status == 2);
  CHECK_THAT(r.err,
             Catch::Contains("--objective must be moves, bytes, time or recompute, not 'speed'"));
  r = run_memsim("solve " + s.path + " --objective recompute --budget 0.8y");
  CHECK(r.status == 2);
  CHECK_THAT(r.err, Catch::Contains("--budget:"));
  r = run_memsim("solve " + s.path + " --objective recompute --budget -1x");
  CHECK(r.status == 2);
  CHECK_THAT(r.err, Catch::Contains("--budget must be a size such as \"12 GiB\" or a fraction of "
                                    "the peak such as \"0.8x\", not '-1x'"));
  r = run_memsim("solve " + s.path + " --objective recompute --budget '5 tensors'");
  CHECK(r.status == 2);
  CHECK_THAT(r.err, Catch::Contains("--budget: the scenario's cache counts bytes"));
  r = run_memsim("solve " + s.path + " --objective recompute --recompute");
  CHECK(r.status == 2);
  CHECK_THAT(r.err, Catch::Contains("--recompute is for the objectives moves and bytes"));
}

TEST_CASE("solve --objective time: the schedule's replayed time against its bound",
          "[planner][cli]") {
  const Scenario s;
  // A cache of 100 B holds everything: every op once, 8 s of compute, no moves. The bound
  // (every op computed once) is 8 s, so the plan is optimal.
  const auto r = run_memsim("solve " + s.path + " --objective time --format json");
  REQUIRE(r.status == 0);
  const auto j = nlohmann::json::parse(r.out);
  CHECK(j["cost"] == 8.0);
  CHECK(j["lower_bound"] == 8.0);
  CHECK(j["optimal"] == true);
  CHECK(j["time_s"] == 8.0);
}

TEST_CASE("solve --objective recompute: no schedule fits, exit 3 and one line", "[planner][cli]") {
  // a (2 B) -> x (1 B); b (2 B) -> y (1 B); z reads x and y (1 B). Every working set is 3 B:
  // a; a x; b; b y; x y z. At a budget of 3 B no plan exists: y is computed with b in memory
  // (b y: 3 B), so x cannot be there then (4 B) and must be computed again after y, which needs
  // a (2 B) with y (1 B) and x (1 B): 4 B. The exact search proves it.
  const TempDir dir;
  write(dir.file("g.json"), R"({"directed": true, "nodes": [
    {"id": 0, "name": "a", "cost_ram": 2, "cost_cpu": 1},
    {"id": 1, "name": "x", "cost_ram": 1, "cost_cpu": 1},
    {"id": 2, "name": "b", "cost_ram": 2, "cost_cpu": 1},
    {"id": 3, "name": "y", "cost_ram": 1, "cost_cpu": 1},
    {"id": 4, "name": "z", "cost_ram": 1, "cost_cpu": 1}],
    "links": [{"source": 0, "target": 1}, {"source": 2, "target": 3},
              {"source": 1, "target": 4}, {"source": 3, "target": 4}]})");
  const std::string path = dir.file("s.toml");
  write(path,
        "[hardware.cache]\ncapacity = \"100 B\"\n[hardware.dram]\nbandwidth = \"1 B/s\"\n"
        "[hardware.compute]\nthroughput = \"1 FLOP/s\"\n[graph]\nnetworkx = \"g.json\"\n");
  auto r = run_memsim("solve " + path + " --objective recompute --budget 3B");
  CHECK(r.status == 3);
  CHECK_THAT(r.out, Catch::Contains("no schedule  exists: "));
  CHECK(r.err == "memsim solve: " + path +
                     ": no schedule fits the cache of 3 B: the exact search found that no plan "
                     "fits the budget\n");
  r = run_memsim("solve " + path + " --objective recompute --budget 3B --format json");
  CHECK(r.status == 3);
  CHECK(nlohmann::json::parse(r.out)["feasible"] == false);
}

TEST_CASE("solve --objective recompute --load-once: a weight loaded once is kept, not reloaded",
          "[planner][cli]") {
  // W (2 B) starts in DRAM; f(W) -> X (1 B, 5 FLOP); g -> Y (2 B, 1); k(Y) -> K (1 B, 1);
  // h(X, K, W) -> Z (1 B, 1). Peak without recompute 6 B, at k: W X Y K. At 5 B, W (2 B) and X
  // (1 B), both read by h, cannot both stay beside k's Y K: loading W again is free (0 FLOP, 2
  // loads); loaded once, W stays and f runs again after k (5 FLOP, 1 load) - the optimum, as
  // test_remat_updates.cpp derives.
  TempDir dir;
  const std::string path = dir.file("w.toml");
  write(
      path,
      "[hardware.cache]\ncapacity = \"100 B\"\n[hardware.dram]\nbandwidth = \"1 B/s\"\n"
      "[hardware.compute]\nthroughput = \"1 FLOP/s\"\n[graph]\norder = \"as-listed\"\n"
      "outputs = []\ntensors = [\n"
      "  { name = \"W\", size = \"2 B\", kind = \"weight\", initial = \"dram\" },\n"
      "  { name = \"X\", size = \"1 B\" }, { name = \"Y\", size = \"2 B\" },\n"
      "  { name = \"K\", size = \"1 B\" }, { name = \"Z\", size = \"1 B\" },\n]\nops = [\n"
      "  { name = \"f\", inputs = [\"W\"], outputs = [\"X\"], flops = \"5 FLOP\" },\n"
      "  { name = \"g\", inputs = [], outputs = [\"Y\"], flops = \"1 FLOP\" },\n"
      "  { name = \"k\", inputs = [\"Y\"], outputs = [\"K\"], flops = \"1 FLOP\" },\n"
      "  { name = \"h\", inputs = [\"X\", \"K\", \"W\"], outputs = [\"Z\"], flops = \"1 FLOP\" },\n"
      "]\n");
  auto r = run_memsim("solve " + path + " --objective recompute --budget 5B --format json");
  REQUIRE(r.status == 0);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["peak_without_recompute"] == 6);
  CHECK(j["cost"] == 0.0);
  CHECK(j["loads"] == 2);
  r = run_memsim("solve " + path + " --objective recompute --budget 5B --load-once");
  REQUIRE(r.status == 0);
  CHECK_THAT(r.out, Catch::Contains("objective    recompute: FLOPs of reruns within the cache, "
                                    "nothing offloaded, tensors from DRAM loaded once\n"));
  CHECK_THAT(r.out, Catch::Contains("minimum      5 FLOP recomputed  (1 rerun, 1 load, 0 stores"));
  CHECK_THAT(r.out, Catch::Contains("proven       yes, optimal"));
  r = run_memsim("solve " + path + " --objective time --load-once");
  CHECK(r.status == 2);
  CHECK_THAT(r.err, Catch::Contains("--load-once is for the objective recompute, not 'time'"));
}
