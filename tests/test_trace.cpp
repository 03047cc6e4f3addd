// memsim run --trace: Chrome trace-event JSON with a track per DRAM channel and one for
// compute, a slice per transfer, op and stall, and counters for the cache and live memory.
#include <zlib.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <map>

#include "policies/register_builtin.h"
#include "sim/core/liveness.h"
#include "sim/core/simulation.h"
#include "sim/report/gzip_stream.h"
#include "sim/report/trace_writer.h"
#include "sim/scenario/build_simulation.h"
#include "sim/scenario/scenario_parse.h"
#include "support/run_memsim.h"

using namespace memsim;
using json = nlohmann::json;

namespace {

Simulation load(const std::string& name, std::vector<std::string> overrides = {}) {
  return build_simulation(
      parse_scenario_file(MEMSIM_SOURCE_DIR "/scenarios/lecture/" + name, overrides),
      builtin_registry());
}

// The trace as another program reads it: serialised, then parsed back.
json trace_of(const Simulation& sim) {
  TimelineRecorder recorder;
  run_simulation(sim, &recorder);
  return json::parse(chrome_trace_json(sim, recorder).dump());
}

std::map<std::string, int> slices_by_category(const json& trace) {
  std::map<std::string, int> n;
  for (const json& e : trace["traceEvents"])
    if (e["ph"] == "X") ++n[e["cat"].get<std::string>()];
  return n;
}

}  // namespace

TEST_CASE("trace: every slice has the fields a trace viewer needs", "[trace]") {
  const json trace = trace_of(load("mlp3-double-buffer.toml"));
  REQUIRE(trace.contains("traceEvents"));
  REQUIRE(trace["traceEvents"].is_array());
  for (const json& e : trace["traceEvents"]) {
    CAPTURE(e.dump());
    for (const char* key : {"name", "ph", "pid", "tid", "args"}) CHECK(e.contains(key));
    if (e["ph"] == "X") {
      CHECK(e["ts"].is_number());
      CHECK(e["dur"].is_number());
      CHECK(e["dur"].get<double>() >= 0);
    } else if (e["ph"] == "C") {
      CHECK(e["ts"].is_number());
    } else {
      CHECK(e["ph"] == "M");
    }
  }
}

TEST_CASE("trace: the paging scenario's slices, counted by hand", "[trace]") {
  // 20 reads with 3 frames under LRU: 12 faults (Silberschatz ch. 9), so 12 loads, no stores
  // (pages are clean), 20 ops. Without overlap every fault idles the compute unit for one
  // load: 12 stalls. Uniform mode: each step takes one unit, shown as 1 us, so the last op
  // ends at 20 + 12 = 32 us.
  const json trace = trace_of(load("paging.toml"));
  const auto n = slices_by_category(trace);
  CHECK(n.at("load") == 12);
  CHECK(n.count("store") == 0);
  CHECK(n.at("compute") == 20);
  CHECK(n.at("stall") == 12);
  double last_end = 0;
  std::map<int, std::string> thread_names;
  for (const json& e : trace["traceEvents"]) {
    if (e["ph"] == "X") {
      last_end = std::max(last_end, e["ts"].get<double>() + e["dur"].get<double>());
      CHECK(e["dur"].get<double>() == Approx(1.0));
      if (e["cat"] == "load") CHECK(e["tid"] == kTraceFirstChannelTid);
      if (e["cat"] == "compute" || e["cat"] == "stall") CHECK(e["tid"] == kTraceComputeTid);
    }
    if (e["ph"] == "M" && e["name"] == "thread_name")
      thread_names[e["tid"].get<int>()] = e["args"]["name"].get<std::string>();
  }
  CHECK(last_end == Approx(32.0));
  CHECK(thread_names == std::map<int, std::string>{{kTraceComputeTid, "compute"},
                                                   {kTraceFirstChannelTid, "DRAM channel 0"}});
  // The first op r01 reads p7: load p7 [0, 1), stall [0, 1), compute r01 [1, 2).
  bool found = false;
  for (const json& e : trace["traceEvents"])
    if (e["ph"] == "X" && e["name"] == "r01") {
      CHECK(e["ts"].get<double>() == Approx(1.0));
      CHECK(e["args"]["flops"].is_number());
      found = true;
    }
  CHECK(found);
}

TEST_CASE("trace: counters for the cache in use and the live memory", "[trace]") {
  // Paging: the cache never holds more than its 3 frames; all 6 pages are weights that start
  // in DRAM and stay live, so live memory is 6 tensors at every op.
  const json trace = trace_of(load("paging.toml"));
  std::uint64_t cache_max = 0;
  int live_samples = 0;
  for (const json& e : trace["traceEvents"]) {
    if (e["ph"] != "C") continue;
    if (e["name"] == "cache in use")
      cache_max = std::max(cache_max, e["args"]["tensors"].get<std::uint64_t>());
    if (e["name"] == "live") {
      CHECK(e["args"]["tensors"] == 6);
      ++live_samples;
    }
  }
  CHECK(cache_max == 3);
  // One sample per op, at distinct start times (ops never overlap).
  CHECK(live_samples == 20);
}

TEST_CASE("trace: byte-mode times are microseconds, args carry bytes and FLOPs", "[trace]") {
  // mlp3-sequential: a 1 MiB weight loads in 400 ns + 1048576 B / 768 GB/s = 1.765333 us; a
  // layer is 2 * 512 * 512 * 512 = 268435456 FLOP, 268435456 / 38.7e12 s = 6.936317 us.
  const json trace = trace_of(load("mlp3-sequential.toml"));
  const auto n = slices_by_category(trace);
  // X0, W1, W2, W3 come in; the required output X3 goes out.
  CHECK(n.at("load") == 4);
  CHECK(n.at("store") == 1);
  CHECK(n.at("compute") == 3);
  for (const json& e : trace["traceEvents"]) {
    if (e["ph"] != "X") continue;
    if (e["name"] == "dense2.weight") {
      CHECK(e["dur"].get<double>() == Approx(0.4 + 1048576 / 768e9 * 1e6));
      CHECK(e["args"]["bytes"] == 1048576);
    }
    if (e["name"] == "dense2.forward") {
      CHECK(e["dur"].get<double>() == Approx(268435456 / 38.7e12 * 1e6));
      CHECK(e["args"]["flops"].get<double>() == Approx(268435456.0));
    }
  }
}

TEST_CASE("live bytes by position peak where analyze_liveness says", "[trace][liveness]") {
  // mlp3: weights W1..W3 stay live (3 MiB); at fwd1 X0 and X1 are live, at fwd2 X1 and X2, at
  // fwd3 X2 and X3 (X0 is an input that dies after fwd1): 5 MiB at every op.
  const Simulation sim = load("mlp3-sequential.toml");
  const auto live = live_bytes_by_position(sim.graph, sim.order);
  CHECK(live == std::vector<std::uint64_t>{5u << 20, 5u << 20, 5u << 20});
  const Simulation paging = load("paging.toml");
  const auto curve = live_bytes_by_position(paging.graph, paging.order);
  CHECK(*std::max_element(curve.begin(), curve.end()) ==
        analyze_liveness(paging.graph, paging.order).peak_live_bytes);
}

TEST_CASE("trace: names with quotes, backslashes and control characters stay JSON", "[trace]") {
  // The trace is written as text, event by event: every name must come back as it went in.
  const std::string toml =
      "[hardware.cache]\ncapacity = \"3 tensors\"\n[graph]\nops = [{ name = \"a\\\"b\\\\c\\td\", "
      "inputs = [\"x\\\"\"], outputs = [\"y\\n\"] }]\noutputs = [\"y\\n\"]\n";
  const Simulation sim = build_simulation(parse_scenario_text(toml, "t.toml"), builtin_registry());
  const json trace = trace_of(sim);
  std::map<std::string, int> names;
  for (const json& e : trace["traceEvents"])
    if (e["ph"] == "X") ++names[e["name"].get<std::string>()];
  CHECK(names["a\"b\\c\td"] == 1);
  CHECK(names["x\""] == 1);
  CHECK(names["y\n"] == 1);  // stored as a required output
}

TEST_CASE("trace: --trace FILE.json.gz is the same trace, gzip-compressed", "[trace][cli]") {
  const memsim::test::TempDir dir;
  const std::string scenario =
      std::string(MEMSIM_SOURCE_DIR) + "/scenarios/lecture/mlp3-double-buffer.toml";
  const auto plain = memsim::test::run_memsim("run " + scenario + " --trace " + dir.file("t.json"));
  const auto packed =
      memsim::test::run_memsim("run " + scenario + " --trace " + dir.file("t.json.gz"));
  REQUIRE(plain.status == 0);
  REQUIRE(packed.status == 0);
  const std::string text = memsim::test::read_file(dir.file("t.json"));
  const std::string gz = memsim::test::read_file(dir.file("t.json.gz"));
  // RFC 1952: a gzip member starts with the bytes 1f 8b and deflate's method number 8.
  REQUIRE(gz.size() > 10);
  CHECK(static_cast<unsigned char>(gz[0]) == 0x1f);
  CHECK(static_cast<unsigned char>(gz[1]) == 0x8b);
  CHECK(gz[2] == 8);
  CHECK(gz.size() < text.size());
  gzFile in = gzopen(dir.file("t.json.gz").c_str(), "rb");
  REQUIRE(in);
  std::string unpacked;
  char buf[4096];
  for (int n; (n = gzread(in, buf, sizeof buf)) > 0;)
    unpacked.append(buf, static_cast<std::size_t>(n));
  gzclose(in);
  CHECK(unpacked == text);
  CHECK_NOTHROW(json::parse(unpacked));
}

TEST_CASE("gzip stream: what goes in comes out, across many buffers", "[trace]") {
  // 3 MiB of varied text: more than the 64 KiB buffers in and out, so deflate runs many times.
  std::string text;
  for (std::uint64_t i = 0; text.size() < 3 * 1048576; ++i) text += std::to_string(i * 7919) + ",";
  const memsim::test::TempDir dir;
  {
    std::ofstream file(dir.file("x.gz"), std::ios::binary);
    GzipStream gz(file);
    gz.stream() << text;
    gz.finish();
  }
  gzFile in = gzopen(dir.file("x.gz").c_str(), "rb");
  REQUIRE(in);
  std::string back;
  char buf[65536];
  for (int n; (n = gzread(in, buf, sizeof buf)) > 0;) back.append(buf, static_cast<std::size_t>(n));
  gzclose(in);
  CHECK(back == text);
  CHECK(is_gzip_path("run.json.gz"));
  CHECK_FALSE(is_gzip_path("run.json"));
  CHECK_FALSE(is_gzip_path("gz"));
}
