// Bad input: one line, file:line:col from TOML++, what is wrong and what would be right.
#include <catch2/catch.hpp>

#include "support/scenario_text.h"

using namespace memsim;
using Catch::Matchers::StartsWith;
using memsim::test::load_error;
using memsim::test::uniform_hardware;

namespace {
// A valid byte-mode dense chain; tests break one thing at a time.
const std::string kHardware = R"([hardware.cache]
capacity = "6 MiB"
[hardware.dram]
bandwidth = "768 GB/s"
[hardware.compute]
throughput = "38.7 TFLOP/s"
)";
const std::string kModel = R"([model]
batch = 4
input = 16
layers = [{ type = "dense", out = 16 }]
)";
}  // namespace

TEST_CASE("a valid scenario loads", "[scenario]") {
  CHECK(load_error(kHardware + kModel).empty());
}

TEST_CASE("malformed TOML reports the position TOML++ gives", "[scenario][errors]") {
  // Line 2 has a key with no value; TOML++ points at the end of line 2.
  const std::string msg = load_error("[hardware.cache]\ncapacity = \n");
  CHECK_THAT(msg, StartsWith("s.toml:2:"));
}

TEST_CASE("an unknown key names the nearest valid one", "[scenario][errors]") {
  const std::string text = "[hardware.cache]\ncapcity = \"6 MiB\"\n" + kModel;
  CHECK(load_error(text) ==
        "s.toml:2:1: unknown key 'capcity' in [hardware.cache]; did you mean 'capacity'?");
  // Far from every key: list them instead.
  CHECK(load_error(kHardware + kModel + "[policy]\nzzzzzzzz = 1\n") ==
        "s.toml:12:1: unknown key 'zzzzzzzz' in [policy]; expected one of: eviction");
}

TEST_CASE("a wrong unit or type names the key and what was expected", "[scenario][errors]") {
  CHECK(load_error("[hardware.cache]\ncapacity = \"6 MB/s\"\n" + kModel) ==
        "s.toml:2:12: hardware.cache.capacity: expected a size such as \"6 MiB\", \"48 KB\", "
        "\"512 B\" or a count such as \"4 tensors\", got \"6 MB/s\"");
  CHECK(load_error(kHardware + "[hardware.dram]\n" + kModel) !=
        "");  // table defined twice: TOML error
  CHECK(load_error(uniform_hardware(4) + "[hardware.dram]\nchannels = \"two\"\n" + kModel) ==
        "s.toml:4:12: hardware.dram.channels: expected an integer, got a string");
  CHECK(
      load_error(uniform_hardware(4) + "[hardware.dram]\nlatency = \"400 nm\"\n" + kModel) ==
      "s.toml:4:11: hardware.dram.latency: expected a duration such as \"400 ns\", got \"400 nm\"");
}

TEST_CASE("a size that overflows is an input error", "[scenario][errors]") {
  const std::string text = kHardware + R"([graph]
tensors = [{ name = "A", size = "20000000 TiB" }]
ops = [{ name = "f", inputs = ["A"] }]
)";
  CHECK(
      load_error(text) ==
      "s.toml:8:33: graph.tensors.size: size \"20000000 TiB\" overflows 64 bits (at most 16 EiB)");
}

TEST_CASE("a name used but never defined", "[scenario][errors]") {
  // Byte mode needs every tensor's size.
  const std::string text = kHardware + R"([graph]
tensors = [{ name = "A", size = "1 KiB" }]
ops = [{ name = "f", inputs = ["A", "Q"] }]
)";
  CHECK(load_error(text) ==
        "s.toml:9:8: op 'f' uses tensor 'Q', which is not declared in graph.tensors");
  // A required output nobody mentions.
  CHECK(load_error(uniform_hardware(4) + "[graph]\nops = [{ name = \"f\", inputs = [\"A\"] }]\n"
                                         "outputs = [\"Z\"]\n") ==
        "s.toml:5:11: graph.outputs names 'Z', which no op uses and no tensor declares");
  // A tensor said to start nowhere that no op produces.
  CHECK(load_error(uniform_hardware(4) +
                   "[graph]\ntensors = [{ name = \"A\", initial = \"none\" }]\n"
                   "ops = [{ name = \"f\", inputs = [\"A\"] }]\n") ==
        "s.toml:5:8: op 'f' reads tensor 'A', which starts nowhere (initial = \"none\") and no op "
        "produces");
}

TEST_CASE("a cycle names the ops on it", "[scenario][errors]") {
  // a reads B (from b), b reads A (from a): a -> b -> a.
  const std::string text = uniform_hardware(4) + R"([graph]
order = "topological"
ops = [
  { name = "a", inputs = ["B"], outputs = ["A"] },
  { name = "b", inputs = ["A"], outputs = ["B"] },
]
)";
  CHECK(load_error(text) == "s.toml:6:3: the graph has a cycle: a -> b -> a");
}

TEST_CASE("an as-listed order must respect dependencies", "[scenario][errors]") {
  const std::string text = uniform_hardware(4) + R"([graph]
ops = [
  { name = "use", inputs = ["T"] },
  { name = "make", inputs = ["I"], outputs = ["T"] },
]
)";
  CHECK(load_error(text) ==
        "s.toml:5:3: op 'use' is listed before 'make', which produces its "
        "input 'T'; reorder the ops or set order = \"topological\"");
}

TEST_CASE("a working set larger than the cache names the op, its bytes and the capacity",
          "[scenario][errors]") {
  CHECK(load_error(uniform_hardware(2) + R"([graph]
ops = [{ name = "big", inputs = ["A", "B"], outputs = ["C"] }]
)") == "s.toml:4:8: op 'big' needs 3 tensors resident at once, but the cache holds 2 tensors");
  // Byte mode: W1 (16*16*4 B = 1 KiB) + X0 (4*16*4 = 256 B) + X1 (256 B) = 1536 B > 1 KiB.
  std::string small = kHardware;
  small.replace(small.find("6 MiB"), 5, "1 KiB");
  CHECK(
      load_error(small + kModel) ==
      "s.toml:1:1: op 'dense1.forward' needs 1536 bytes (1.50 KiB) resident at once, but the cache "
      "holds 1024 bytes (1.00 KiB)");
}

TEST_CASE("an unknown policy lists the known ones", "[scenario][errors]") {
  CHECK(load_error(kHardware + kModel + "[policy]\neviction = \"lfu\"\n") ==
        "s.toml:12:12: policy.eviction: unknown policy 'lfu'; known policies: belady, fifo, lru");
  CHECK(load_error(kHardware + kModel + "[schedule]\nkind = \"inferense\"\n") ==
        "s.toml:12:8: schedule.kind: unknown kind 'inferense'; known kinds: " +
            builtin_registry().generator_names());
}

TEST_CASE("byte mode needs a bandwidth and a throughput", "[scenario][errors]") {
  CHECK(load_error("[hardware.cache]\ncapacity = \"6 MiB\"\n" + kModel) ==
        "s.toml:1:1: hardware.dram.bandwidth is required when the cache capacity is in bytes (or "
        "give the capacity as \"N tensors\")");
}

TEST_CASE("overrides with --set reach any key, and their errors say so", "[scenario][set]") {
  const Simulation sim = test::load_text(
      kHardware + kModel,
      {"hardware.cache.capacity=5 tensors", "policy.eviction=belady", "hardware.dram.channels=2"});
  CHECK(sim.machine.uniform);
  CHECK(sim.machine.cache_capacity == 5);
  CHECK(sim.eviction == "belady");
  CHECK(sim.machine.dram_channels == 2);
  CHECK(load_error(kHardware + kModel, {"hardware.cache.capacity=6 MB/s"}) ==
        "--set: hardware.cache.capacity: expected a size such as \"6 MiB\", \"48 KB\", \"512 B\" "
        "or a count such as \"4 tensors\", got \"6 MB/s\"");
  CHECK(load_error(kHardware + kModel, {"hardware.cache.capasity=1"}) ==
        "--set: unknown key 'capasity' in [hardware.cache]; did you mean 'capacity'?");
  CHECK(load_error(kHardware + kModel, {"noequals"}) ==
        "--set: expected key=value (e.g. hardware.cache.capacity=\"5 tensors\"), got \"noequals\"");
  CHECK(load_error(kHardware + kModel, {"model.batch.x=1"}) ==
        "--set model.batch.x: 'model.batch' is not a table");
}

TEST_CASE("a missing scenario file is one clear error", "[scenario][errors]") {
  try {
    parse_scenario_file("/nonexistent/x.toml");
    FAIL("no error");
  } catch (const ScenarioError& e) {
    CHECK(std::string(e.what()) ==
          "/nonexistent/x.toml: cannot open the scenario file: No such file or directory");
  }
}
