// `memsim solve` and `memsim run --schedule`, end to end through the executable.
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/support/run_memsim.h"

using memsim::test::run_memsim;
using memsim::test::source_path;
using memsim::test::TempDir;

namespace {

const std::string kTeaser = source_path("scenarios/lecture/brain-teaser.toml");

void write(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

}  // namespace

TEST_CASE("solve --format json has exactly the documented keys", "[solver][cli]") {
  const auto s = run_memsim("solve " + kTeaser + " --format json");
  REQUIRE(s.status == 0);
  const auto j = nlohmann::ordered_json::parse(s.out);
  std::vector<std::string> keys;
  for (auto it = j.begin(); it != j.end(); ++it) keys.push_back(it.key());
  CHECK(keys == std::vector<std::string>{"moves", "loads", "stores", "bytes", "optimal",
                                         "lower_bound", "stop", "schedule", "states"});
  // Four tensors: 10 moves, 7 loads and 3 stores (derivation in test_brain_teaser.cpp).
  CHECK(j["moves"] == 10);
  CHECK(j["loads"] == 7);
  CHECK(j["stores"] == 3);
  CHECK(j["bytes"] == 10);  // uniform: one unit per tensor
  CHECK(j["optimal"] == true);
  CHECK(j["lower_bound"] == 10);
  CHECK(j["stop"] == "optimal");
  CHECK(j["states"].is_number_unsigned());
  int computes = 0;
  for (const auto& step : j["schedule"])
    computes += step.get<std::string>().rfind("compute ", 0) == 0;
  CHECK(computes == 8);
  CHECK(j["schedule"][0].get<std::string>().rfind("load ", 0) == 0);
}

TEST_CASE("solve with five tensors and a zero time limit", "[solver][cli]") {
  const auto five = run_memsim("solve " + kTeaser +
                               " --set 'hardware.cache.capacity=\"5 tensors\"' --format json");
  REQUIRE(five.status == 0);
  CHECK(nlohmann::json::parse(five.out)["moves"] == 9);
  // Stopped before the first expansion: the start bound (4 loads + 3 stores) is all it proved.
  const auto quick = run_memsim("solve " + kTeaser + " --time-limit 0 --format json");
  REQUIRE(quick.status == 0);
  const auto j = nlohmann::json::parse(quick.out);
  CHECK(j["optimal"] == false);
  CHECK(j["lower_bound"] == 7);
  CHECK(j["moves"] >= 10);
  CHECK(j["stop"] == "time-limit");
  const auto text = run_memsim("solve " + kTeaser + " --time-limit 0");
  CHECK(text.out.find("\nproven       no: stopped by the time limit (0 s)\n") != std::string::npos);
}

TEST_CASE("solve --emit-schedule, then run --schedule replays exactly those steps",
          "[solver][cli]") {
  TempDir tmp;
  const std::string file = tmp.file("teaser.steps");
  const auto s = run_memsim("solve " + kTeaser + " --emit-schedule " + file + " --format json");
  REQUIRE(s.status == 0);
  const auto solved = nlohmann::json::parse(s.out);
  std::string expected;
  for (const auto& step : solved["schedule"]) expected += step.get<std::string>() + "\n";
  CHECK(memsim::test::read_file(file) == expected);
  const auto r = run_memsim("run " + kTeaser + " --schedule " + file + " --format json");
  REQUIRE(r.status == 0);
  const auto run = nlohmann::json::parse(r.out);
  CHECK(run["loads"] == 7);
  CHECK(run["stores"] == 3);
  CHECK(run["moves"] == 10);
  // Uniform: 8 ops of 1 unit each; 10 transfers of 1 unit on one channel.
  CHECK(run["compute_busy_s"] == 8);
  CHECK(run["dram_busy_s"] == 10);
  CHECK(run["time_s"].get<double>() >= 10);
}

TEST_CASE("run --schedule times a hand-written schedule", "[solver][cli]") {
  // All 8 ops with a cache of 16 tensors, keeping everything (uniform: every step takes 1).
  // One channel, transfers in list order, each as soon as its data is ready:
  // load X0 [0,1], load W1 [1,2]; fwd1 [2,3] (load stall 2); load W2 [2,3]; fwd2 [3,4];
  // load W3 [3,4]; fwd3 [4,5]; dW3 [5,6]; dX2 [6,7]; dW2 [7,8]; dX1 [8,9]; dW1 [9,10];
  // store G3 once dW3 made it [6,7], G2 [8,9], G1 [10,11]. Time 11; DRAM busy 7.
  TempDir tmp;
  const std::string file = tmp.file("all.steps");
  write(file,
        "# keep everything\nload X0\nload W1\ncompute fwd1\nload W2\ncompute fwd2\nload W3\n"
        "compute fwd3\ncompute dW3\ncompute dX2\ncompute dW2\ncompute dX1\ncompute dW1\n"
        "store G3\nstore G2\nstore G1\n");
  const auto r =
      run_memsim("run " + kTeaser + " --set 'hardware.cache.capacity=\"16 tensors\"' --schedule " +
                 file + " --format json");
  REQUIRE(r.status == 0);
  const auto j = nlohmann::json::parse(r.out);
  CHECK(j["time_s"] == 11);
  CHECK(j["dram_busy_s"] == 7);
  CHECK(j["stall_load_s"] == 2);
  CHECK(j["stall_store_s"] == 0);
  CHECK(j["moves"] == 7);
}

TEST_CASE("run --schedule: bad lines and broken schedules", "[solver][cli]") {
  TempDir tmp;
  const std::string bad = tmp.file("bad.steps");
  write(bad, "load X0\n\nlode W1\n");
  const auto r = run_memsim("run " + kTeaser + " --schedule " + bad);
  CHECK(r.status == 2);
  CHECK(r.err == bad +
                     ":3:1: step \"lode W1\": expected load, store, compute or drop followed by "
                     "a name\n");
  const std::string broken = tmp.file("broken.steps");
  write(broken, "compute fwd1\n");
  const auto b = run_memsim("run " + kTeaser + " --schedule " + broken);
  CHECK(b.status == 1);
  CHECK(b.err.find("schedule rejected by the verifier: step 1 (compute fwd1): input 'W1' is not "
                   "in the cache") != std::string::npos);
}

TEST_CASE("solve: bad options, and graphs too large for the exact search are planned",
          "[solver][cli]") {
  const auto o = run_memsim("solve " + kTeaser + " --objective fastest");
  CHECK(o.status == 2);
  CHECK(o.err ==
        "memsim solve: --objective must be moves, bytes, time or recompute, not 'fastest'\n");
  const auto f = run_memsim("solve " + kTeaser + " --format csv");
  CHECK(f.status == 2);
  CHECK(f.err == "memsim solve: --format must be text or json for solve, not 'csv'\n");
  TempDir tmp;
  const std::string big = tmp.file("big.toml");
  std::string ops;
  for (int i = 0; i < 65; ++i)
    ops += "  { name = \"r" + std::to_string(i) + "\", inputs = [\"P\"] },\n";
  write(big, "[hardware.cache]\ncapacity = \"2 tensors\"\n[graph]\nops = [\n" + ops + "]\n");
  // 65 ops: beyond the exact search (64), so the planner answers. Every op reads only P, which
  // starts in DRAM: one load of P (kept: the cache holds 2) runs them all, and every schedule
  // loads P at least once, so 1 move is proved minimal.
  const auto g = run_memsim("solve " + big);
  CHECK(g.status == 0);
  CHECK_THAT(g.out, Catch::Contains("objective    moves (loads + stores); the graph is beyond the "
                                    "exact search"));
  CHECK_THAT(g.out, Catch::Contains("minimum      1 move  (0 reruns, 1 load, 0 stores;"));
  CHECK_THAT(g.out, Catch::Contains("proven       yes, optimal"));
}
