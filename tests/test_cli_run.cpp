// `memsim run` and `memsim validate` end to end on the shipped lecture scenarios.
#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/run_memsim.h"

using namespace memsim::test;

namespace {
nlohmann::json run_json(const std::string& scenario, const std::string& extra = "") {
  const CommandResult r = run_memsim("run " + source_path(scenario) + " --format json " + extra);
  REQUIRE(r.status == 0);
  return nlohmann::json::parse(r.out);
}

// The lecture MLP: three 512x512 fp32 layers on 768 GB/s, 400 ns latency, 38.7 TFLOP/s.
constexpr double kLatency = 400e-9, kBandwidth = 768e9, kThroughput = 38.7e12;
double transfer(double bytes) {
  return kLatency + bytes / kBandwidth;
}
}  // namespace

TEST_CASE("run --format json has every key the issue fixed", "[cli][run]") {
  const nlohmann::json j = run_json("scenarios/lecture/mlp3-double-buffer.toml");
  for (const char* key : {"time_s", "compute_busy_s", "dram_busy_s", "stall_s", "stall_load_s",
                          "stall_store_s", "loads", "stores", "moves", "load_bytes", "store_bytes",
                          "drops", "peak_cache_bytes", "peak_live_bytes", "oom", "flops_forward",
                          "flops_backward", "flops_update", "flops_recompute"})
    CHECK(j.contains(key));
}

TEST_CASE("lecture MLP: sequential vs double-buffered vs memory-bound times", "[cli][run]") {
  // Weights and batch-512 activations are 512*512*4 B = 1 MiB: t = 400 ns + 2^20 / 768e9 s.
  // A layer is 2*512*512*512 FLOPs: c = 268435456 / 38.7e12 s (~6.94 us > t: compute-bound).
  const double t = transfer(1 << 20);
  const double c = 2.0 * 512 * 512 * 512 / kThroughput;
  SECTION("sequential: load X0 and W1, then each op loads its weight before computing") {
    // time = (X0 + W1) + c + (W2) + c + (W3) + c + store X3 = 5t + 3c; stall = 4t.
    const auto j = run_json("scenarios/lecture/mlp3-sequential.toml");
    CHECK(j["time_s"].get<double>() == Approx(5 * t + 3 * c));
    CHECK(j["stall_load_s"].get<double>() == Approx(4 * t));
    CHECK(j["loads"] == 4);
    CHECK(j["stores"] == 1);
    CHECK(j["flops_forward"].get<double>() == Approx(3 * 2.0 * 512 * 512 * 512));
  }
  SECTION("double buffer: W_{i+1} loads while X_i computes; only the first two loads stall") {
    // W1, X0, W2 load at t = 0; op 1 starts at 2t; W3 (issued at F_1) arrives at F_1 + t < F_2
    // since t < c, so ops 2 and 3 never wait: time = 2t + 3c + t (store X3) = 3t + 3c.
    const auto j = run_json("scenarios/lecture/mlp3-double-buffer.toml");
    CHECK(j["time_s"].get<double>() == Approx(3 * t + 3 * c));
    CHECK(j["stall_s"].get<double>() == Approx(2 * t));
    CHECK(j["compute_busy_s"].get<double>() == Approx(3 * c));
  }
  SECTION("memory-bound: batch 8, double-buffered, the loads dominate") {
    // w = transfer(1 MiB), x = transfer(8*512*4 B) for X0 and the stored X3, c' = 2*8*512^2 FLOPs.
    // W1 [0,w], X0 [w,w+x], W2 [w+x,2w+x]: S_1 = w+x. W3 is issued at F_1 = w+x+c' but the channel
    // is busy until 2w+x, so it arrives at 3w+x; S_2 = 2w+x, S_3 = 3w+x, F_3 = 3w+x+c'; the store
    // of X3 ends at 3w+2x+c'. Stall = (w+x) + (w-c') + (w-c') = 3w + x - 2c'.
    const double w = transfer(1 << 20), x = transfer(8 * 512 * 4);
    const double cs = 2.0 * 8 * 512 * 512 / kThroughput;
    const auto j = run_json("scenarios/lecture/mlp3-memory-bound.toml");
    CHECK(j["time_s"].get<double>() == Approx(3 * w + 2 * x + cs));
    CHECK(j["stall_s"].get<double>() == Approx(3 * w + x - 2 * cs));
    CHECK(j["stall_s"].get<double>() > 0.8 * j["time_s"].get<double>());
  }
}

TEST_CASE("paging scenario: the textbook fault counts per policy", "[cli][run]") {
  // Silberschatz: FIFO 15, LRU 12, OPT 9 page faults with three frames.
  CHECK(run_json("scenarios/lecture/paging.toml", "--set policy.eviction=fifo")["loads"] == 15);
  CHECK(run_json("scenarios/lecture/paging.toml", "--set policy.eviction=lru")["loads"] == 12);
  CHECK(run_json("scenarios/lecture/paging.toml", "--set policy.eviction=belady")["loads"] == 9);
  // With 4 frames OPT faults 8 times: 7 0 1 2 cold (4); 3 (6th) evicts 7 (next used 18th);
  // 4 (8th) evicts 1 (next 14th; 3, 0, 2 are next used at 10, 11, 9); 1 (14th) evicts 3 or 4
  // (neither used again); 7 (18th) evicts 2 or the other (none used again); every other
  // reference hits: 4 + 4 = 8.
  CHECK(
      run_json("scenarios/lecture/paging.toml",
               "--set policy.eviction=belady --set 'hardware.cache.capacity=4 tensors'")["loads"] ==
      8);
}

TEST_CASE("the same scenario gives byte-identical output and time lines", "[cli][run]") {
  const TempDir tmp;
  for (const char* format : {"text", "json", "csv"}) {
    const std::string args = "run " + source_path("scenarios/lecture/mlp3-double-buffer.toml") +
                             " --format " + format + " --timeline ";
    const CommandResult a = run_memsim(args + tmp.file("a.csv"));
    const CommandResult b = run_memsim(args + tmp.file("b.csv"));
    REQUIRE(a.status == 0);
    CHECK(a.out == b.out);
    CHECK(read_file(tmp.file("a.csv")) == read_file(tmp.file("b.csv")));
  }
}

TEST_CASE("the time line has one row per step and stall", "[cli][run][timeline]") {
  // Paging with Belady, 3 frames: 9 loads, 20 computes, no stores, and evictions are drops of
  // clean pages: 9 loads into 3 frames leave 3 resident at the end, so 6 drops. Each op that
  // had to load waits one unit: 9 stalls.
  const TempDir tmp;
  const CommandResult r =
      run_memsim("run " + source_path("scenarios/lecture/paging.toml") +
                 " --set policy.eviction=belady --timeline " + tmp.file("t.csv"));
  REQUIRE(r.status == 0);
  std::istringstream lines(read_file(tmp.file("t.csv")));
  std::string line;
  std::getline(lines, line);
  CHECK(line == "start,end,resource,kind,name,bytes,cache_bytes,cause");
  std::map<std::string, int> kinds;
  while (std::getline(lines, line)) {
    const auto a = line.find(','), b = line.find(',', a + 1), c = line.find(',', b + 1);
    const auto d = line.find(',', c + 1);
    kinds[line.substr(c + 1, d - c - 1)]++;
  }
  CHECK(kinds["load"] == 9);
  CHECK(kinds["compute"] == 20);
  CHECK(kinds["store"] == 0);
  CHECK(kinds["drop"] == 6);
  CHECK(kinds["stall"] == 9);
}

TEST_CASE("bad input: exit 2, one line, no partial output file", "[cli][errors]") {
  const TempDir tmp;
  const std::string bad = tmp.file("bad.toml");
  std::ofstream(bad) << "[hardware.cache]\ncapcity = \"6 MiB\"\n";
  const CommandResult r = run_memsim("run " + bad + " --timeline " + tmp.file("t.csv"));
  CHECK(r.status == 2);
  CHECK(r.err ==
        bad + ":2:1: unknown key 'capcity' in [hardware.cache]; did you mean 'capacity'?\n");
  CHECK(r.out.empty());
  CHECK_FALSE(std::filesystem::exists(tmp.file("t.csv")));
  // Nothing else was left in the folder either (no temporary file).
  CHECK(std::distance(std::filesystem::directory_iterator(tmp.path), {}) == 1);
}

TEST_CASE("usage errors exit 2 with one line", "[cli][errors]") {
  const CommandResult unknown = run_memsim("frobnicate x.toml");
  CHECK(unknown.status == 2);
  CHECK(unknown.err.find("unknown command 'frobnicate'") != std::string::npos);
  CHECK(std::count(unknown.err.begin(), unknown.err.end(), '\n') == 1);
  const CommandResult no_file = run_memsim("run");
  CHECK(no_file.status == 2);
  CHECK(no_file.err == "memsim run: missing the scenario file; see --help\n");
  const CommandResult bad_format =
      run_memsim("run " + source_path("scenarios/lecture/paging.toml") + " --format xml");
  CHECK(bad_format.status == 2);
  CHECK(bad_format.err == "memsim run: --format must be text, json or csv, not 'xml'\n");
  const CommandResult bad_option = run_memsim("run x.toml --bogus");
  CHECK(bad_option.status == 2);
  const CommandResult missing = run_memsim("run /nonexistent.toml");
  CHECK(missing.status == 2);
  CHECK(missing.err ==
        "/nonexistent.toml: cannot open the scenario file: No such file or directory\n");
}

TEST_CASE("validate prints ok, help teaches with an example", "[cli]") {
  const CommandResult ok = run_memsim("validate " + source_path("scenarios/lecture/paging.toml"));
  CHECK(ok.status == 0);
  CHECK(ok.out == "ok\n");
  for (const char* args : {"--help", "run --help"}) {
    const CommandResult help = run_memsim(args);
    CHECK(help.status == 0);
    CHECK(help.out.find("example") != std::string::npos);
  }
  const CommandResult policies = run_memsim("--list-policies");
  CHECK(policies.out.find("belady") != std::string::npos);
}

TEST_CASE("every shipped scenario validates", "[cli][scenarios]") {
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(source_path("scenarios"))) {
    if (entry.path().extension() != ".toml") continue;
    if (entry.path().parent_path().filename() == "hardware") continue;  // presets, not scenarios
    INFO(entry.path());
    const CommandResult r = run_memsim("validate " + entry.path().string());
    CHECK(r.status == 0);
    CHECK(r.err.empty());
  }
}
