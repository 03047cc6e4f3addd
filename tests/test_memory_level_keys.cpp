// The scenario keys of memory levels (docs/model.md §15.1, §15.6): [[hardware.levels]], the
// [hardware.cache] / [hardware.dram] spelling of two levels, presets' host level, [placement],
// a raw tensor's home, energy units, and the exact error for each bad input.
#include <catch2/catch.hpp>
#include <string>

#include "sim/core/liveness.h"
#include "sim/core/units.h"
#include "sim/scenario/scenario_parse.h"
#include "support/run_memsim.h"
#include "support/scenario_text.h"

using namespace memsim;
using memsim::test::load_error;
using memsim::test::load_text;

namespace {

// Three levels, every key given once (line numbers matter to the error tests below).
const std::string kThreeLevels = R"([[hardware.levels]]
name = "sram"
capacity = "4 KiB"
read_energy = "1 pJ/B"
write_energy = "2 pJ/B"
static_power = "3 W"
[[hardware.levels]]
name = "hbm"
capacity = "1 MiB"
reserved = "1 KiB"
bandwidth = "1 GB/s"
latency = "10 ns"
channels = 2
read_energy = "4 pJ/B"
write_energy = "0.625 pJ/bit"
link_energy = "6 pJ/B"
[[hardware.levels]]
name = "host"
capacity = "8 MiB"
bandwidth = "0.5 GB/s"
latency = "1 us"
channels = 3
link_energy = "7 pJ/B"
[hardware.compute]
throughput = "1 TFLOP/s"
energy = "8 pJ/FLOP"
)";

const std::string kGraph = R"([graph]
tensors = [
  { name = "w", size = "1 KiB", kind = "weight" },
  { name = "x", size = "1 KiB", kind = "input", home = "hbm" },
  { name = "m", size = "1 KiB", kind = "optimizer-state", home = "host" },
]
ops = [{ name = "f", inputs = ["x", "w"], updates = ["m"] }]
)";

const std::string kModel = "[model]\ninput = 8\nlayers = [{ type = \"dense\", out = 8 }]\n";

// Built as `memsim fit` builds it (placement and liveness, nothing run): until moves below
// level 2 are built, a run refuses tensors homed deeper (the test below).
Simulation load_placed(const std::string& text) {
  return build_simulation(parse_scenario_text(text, "s.toml"), builtin_registry(),
                          CacheCheck::skip);
}

ScenarioSpec parse(const std::string& text, const std::vector<std::string>& overrides = {}) {
  return parse_scenario_text(text, test::source_path("scenarios/test.toml"), overrides);
}

}  // namespace

TEST_CASE("[[hardware.levels]] gives every level, fastest first", "[levels][scenario]") {
  const Simulation sim = load_placed(kThreeLevels + kGraph);
  const Machine& m = sim.machine;
  REQUIRE(m.level_count() == 3);
  CHECK(m.level_name(1) == "sram");
  CHECK(m.level_name(2) == "hbm");
  CHECK(m.level_name(3) == "host");
  CHECK(m.cache_capacity == 4096);
  CHECK(!m.uniform);
  CHECK(m.level_capacity(2) == 1048576);
  CHECK(m.level_reserved(2) == 1024);
  CHECK(m.level_for_tensors(2) == 1048576 - 1024);
  CHECK(m.level_capacity(3) == 8388608);
  // Link 1 is carried by level 2 (the cache's link to it), link 2 by level 3.
  CHECK(m.dram_bandwidth == 1e9);
  CHECK(m.dram_latency == Approx(10e-9));
  CHECK(m.link_channels(1) == 2);
  CHECK(m.link_channels(2) == 3);
  // A transfer of 1000 B over link 2: 1 us + 1000 B / 0.5 GB/s = 1 us + 2 us.
  CHECK(m.link_seconds(2, 1000) == Approx(3e-6));
  CHECK(m.link_seconds(1, 1000) == Approx(10e-9 + 1e-6));
  // Energies in joules: 0.625 pJ/bit is 5 pJ per byte.
  CHECK(m.level_energy(1).read_joules_per_byte == Approx(1e-12));
  CHECK(m.level_energy(1).write_joules_per_byte == Approx(2e-12));
  CHECK(m.level_energy(1).static_watts == 3);
  CHECK(m.level_energy(2).read_joules_per_byte == Approx(4e-12));
  CHECK(m.level_energy(2).write_joules_per_byte == Approx(5e-12));
  CHECK(m.level_energy(2).link_joules_per_byte == Approx(6e-12));
  CHECK(m.level_energy(3).link_joules_per_byte == Approx(7e-12));
  CHECK(m.compute_joules_per_flop == Approx(8e-12));
  // Homes: w by its kind (no placement: level 2), x and m by their own `home`.
  const Graph& g = sim.graph;
  CHECK(g.tensor(g.find_tensor("w")).home == 2);
  CHECK(g.tensor(g.find_tensor("x")).home == 2);
  CHECK(g.tensor(g.find_tensor("m")).home == 3);
}

TEST_CASE("[hardware.cache] and [hardware.dram] are levels 1 and 2", "[levels][scenario]") {
  const Machine a = load_text(R"([hardware.cache]
capacity = "4 KiB"
[hardware.dram]
bandwidth = "1 GB/s"
latency = "10 ns"
capacity = "1 MiB"
[hardware.compute]
throughput = "1 TFLOP/s"
)" + kModel)
                        .machine;
  const Machine b = load_text(R"([[hardware.levels]]
capacity = "4 KiB"
[[hardware.levels]]
bandwidth = "1 GB/s"
latency = "10 ns"
capacity = "1 MiB"
[hardware.compute]
throughput = "1 TFLOP/s"
)" + kModel)
                        .machine;
  for (const Machine* m : {&a, &b}) {
    CHECK(m->level_count() == 2);
    CHECK(m->cache_name == "cache");  // the default names
    CHECK(m->dram_name == "DRAM");
    CHECK(m->cache_capacity == 4096);
    CHECK(m->dram_bandwidth == 1e9);
    CHECK(m->dram_latency == Approx(10e-9));
    CHECK(m->dram_capacity == 1048576);
    CHECK(!m->has_energy());
  }
  // [hardware.cache] and [hardware.dram] set levels 1 and 2 after the list in the same table.
  const Machine c = load_text(kThreeLevels + "[hardware.cache]\ncapacity = \"8 KiB\"\n" +
                              "[hardware.dram]\nname = \"gddr\"\n" + kModel)
                        .machine;
  CHECK(c.cache_capacity == 8192);
  CHECK(c.level_name(2) == "gddr");
  CHECK(c.level_count() == 3);
}

TEST_CASE("a preset's three levels, changed by number or replaced", "[levels][presets]") {
  const std::string hw = "[hardware]\npreset = \"rtx-a6000\"\n";
  const ScenarioSpec p = parse(hw + kModel);
  const Machine& m = p.machine;
  REQUIRE(m.level_count() == 3);
  CHECK(m.level_name(1) == "L2");
  CHECK(m.level_name(2) == "GDDR6");
  CHECK(m.level_name(3) == "host");
  // PCIe 4.0 x16 each way: 16 GT/s x 16 lanes x 128/130 / 8 = 31.5 GB/s (the preset rounds).
  CHECK(m.link_bandwidth(2) == Approx(31.5e9));
  CHECK(m.link_latency(2) == Approx(6e-6));
  CHECK(m.level_capacity(3) == std::numeric_limits<std::uint64_t>::max());
  // GDDR6 7.5 pJ/bit = 60 pJ/B; host 1.3 nJ per 64 bits = 162.5 pJ/B; fp32 (3.7 + 0.9) / 2.
  CHECK(m.level_energy(2).read_joules_per_byte == Approx(60e-12));
  CHECK(m.level_energy(3).write_joules_per_byte == Approx(162.5e-12));
  CHECK(m.level_energy(1).read_joules_per_byte == Approx(12.5e-12));
  CHECK(m.compute_joules_per_flop == Approx(2.3e-12));
  CHECK(parse(hw + kModel, {"model.dtype=\"fp16\""}).machine.compute_joules_per_flop ==
        Approx(1.0e-12));
  // The host level's capacity by number: in a table or with --set.
  CHECK(parse(hw + "[hardware.levels.3]\ncapacity = \"512 GiB\"\n" + kModel)
            .machine.level_capacity(3) == 512ull << 30);
  const ScenarioSpec set = parse(hw + kModel, {"hardware.levels.3.capacity=\"256 GiB\""});
  CHECK(set.machine.level_capacity(3) == 256ull << 30);
  CHECK(set.machine.level_name(3) == "host");
  CHECK(set.machine.cache_capacity == 6ull << 20);  // the rest stays the preset's
  // A scenario's list replaces the preset's levels; its compute unit stays.
  const ScenarioSpec two = parse(hw +
                                 "[[hardware.levels]]\ncapacity = \"1 MiB\"\n[[hardware.levels]]\n"
                                 "bandwidth = \"1 GB/s\"\n" +
                                 kModel);
  CHECK(two.machine.level_count() == 2);
  CHECK(two.machine.level_name(2) == "DRAM");
  CHECK(two.machine.dram_capacity == std::numeric_limits<std::uint64_t>::max());
  CHECK(two.machine.compute_throughput == Approx(38.7e12));
  // The H100 preset reaches its host over PCIe 5.0 x16: 32 GT/s x 16 x 128/130 / 8 = 63 GB/s.
  CHECK(parse("[hardware]\npreset = \"h100-sxm\"\n" + kModel).machine.link_bandwidth(2) ==
        Approx(63e9));
}

TEST_CASE("a list of levels is entered by its 1-based number from --set", "[levels][scenario]") {
  const Machine m = parse(kThreeLevels + kGraph, {"hardware.levels.3.bandwidth=\"2 GB/s\"",
                                                  "hardware.levels.1.capacity=\"8 KiB\""})
                        .machine;
  CHECK(m.link_bandwidth(2) == 2e9);
  CHECK(m.cache_capacity == 8192);
  CHECK(load_error(kThreeLevels + kGraph, {"hardware.levels.4.capacity=1"}) ==
        "--set hardware.levels.4.capacity: 'hardware.levels' is an array of 3 tables; follow it "
        "with an index from 1 to 3 (e.g. hardware.levels.1.capacity)");
  CHECK(load_error(kThreeLevels + kGraph, {"hardware.levels.2=1"}) ==
        "--set hardware.levels.2: 'hardware.levels.2' is a table; set one of its keys");
}

TEST_CASE("placement homes each kind of tensor, and a raw tensor's home wins",
          "[levels][placement]") {
  const Simulation sim =
      load_placed(kThreeLevels + kGraph + "[placement]\nweights = \"host\"\ninputs = \"host\"\n");
  const Graph& g = sim.graph;
  CHECK(g.tensor(g.find_tensor("w")).home == 3);  // weights -> host
  CHECK(g.tensor(g.find_tensor("x")).home == 2);  // its own home = "hbm" wins over inputs
  CHECK(g.tensor(g.find_tensor("m")).home == 3);
  // A model's tensors by kind: the dense layer's weight at host, the rest at level 2.
  const Simulation model = load_placed(kThreeLevels + kModel + "[placement]\nweights = \"host\"\n");
  for (TensorId t = 0; t < model.graph.tensor_count(); ++t) {
    INFO(model.graph.tensor_name(t));
    CHECK(model.graph.tensor(t).home == (model.graph.tensor(t).kind == TensorKind::weight ? 3 : 2));
  }
}

TEST_CASE("peak live per memory level counts the tensors homed there", "[levels][liveness]") {
  // f reads x and w and updates m (1 KiB each): at its one position all three are live.
  const Simulation sim = load_placed(kThreeLevels + kGraph + "[placement]\nweights = \"host\"\n");
  CHECK(analyze_liveness(sim.graph, sim.order).peak_live_bytes == 3072);     // every tensor
  CHECK(analyze_liveness(sim.graph, sim.order, 2).peak_live_bytes == 1024);  // x
  const LivenessReport host = analyze_liveness(sim.graph, sim.order, 3);     // w and m
  CHECK(host.peak_live_bytes == 2048);
  CHECK(host.peak_by_kind[static_cast<int>(TensorKind::weight)] == 1024);
  CHECK(host.peak_by_kind[static_cast<int>(TensorKind::optimizer_state)] == 1024);
  CHECK(host.peak_by_kind[static_cast<int>(TensorKind::input)] == 0);
  // All three from one walk of the order, in the order asked: the same figures.
  const std::uint8_t homes[] = {3, 0, 2};
  const std::vector<LivenessReport> each = analyze_liveness(sim.graph, sim.order, homes);
  REQUIRE(each.size() == 3);
  CHECK(each[0].peak_live_bytes == 2048);
  CHECK(each[0].peak_by_kind[static_cast<int>(TensorKind::weight)] == 1024);
  CHECK(each[0].peak_by_kind[static_cast<int>(TensorKind::optimizer_state)] == 1024);
  CHECK(each[1].peak_live_bytes == 3072);
  CHECK(each[2].peak_live_bytes == 1024);
  CHECK(each[2].peak_by_kind[static_cast<int>(TensorKind::input)] == 1024);
}

TEST_CASE("energy figures take pJ/B, pJ/bit, pJ/FLOP and W", "[levels][units]") {
  CHECK(parse_energy_per_byte("12.5 pJ/B") == Approx(12.5e-12));
  CHECK(parse_energy_per_byte("7.5 pJ/bit") == Approx(60e-12));  // x 8 bits
  CHECK(parse_energy_per_byte("1.3 nJ/B") == Approx(1.3e-9));
  CHECK(parse_energy_per_byte("0 pJ/B") == 0);
  CHECK(parse_energy_per_flop("2.3 pJ/FLOP") == Approx(2.3e-12));
  CHECK(parse_energy_per_flop("500 fJ/FLOP") == Approx(0.5e-12));
  CHECK(parse_power("25 W") == 25);
  CHECK(parse_power("3 mW") == Approx(3e-3));
  CHECK(parse_power("2 pW") == Approx(2e-12));
  CHECK_THROWS_WITH(parse_energy_per_byte("5 pJ"),
                    "expected an energy per byte such as \"12.5 pJ/B\" or \"7.5 pJ/bit\", got "
                    "\"5 pJ\"");
  CHECK_THROWS_WITH(parse_power("-1 W"),
                    "expected a power such as \"25 W\" greater than zero, got \"-1 W\"");
  CHECK(format_joules(0) == "0 J");
  CHECK(format_joules(1.5) == "1.500 J");
  CHECK(format_joules(0.0123) == "12.300 mJ");
  CHECK(format_joules(229e-12) == "229.000 pJ");
}

TEST_CASE("bad levels are input errors naming the place", "[levels][errors]") {
  // One level is no hierarchy: the list's position is its first table.
  CHECK(load_error("[[hardware.levels]]\ncapacity = \"4 tensors\"\n" + kModel) ==
        "s.toml:1:1: hardware.levels: needs at least two levels (the cache, then the memory it "
        "loads from), got 1");
  // A link's keys on level 1 (line 4 of this text, at the value).
  CHECK(load_error("[[hardware.levels]]\nname = \"a\"\ncapacity = \"4 KiB\"\nlatency = "
                   "\"1 ns\"\n[[hardware.levels]]\nbandwidth = \"1 GB/s\"\n" +
                   kModel) ==
        "s.toml:4:11: hardware.levels.1.latency: level 1 is the cache, which no link reaches "
        "from above; a link's keys belong to the level it reaches (level 2 for the link from the "
        "cache)");
  CHECK(load_error("[hardware.cache]\ncapacity = \"4 KiB\"\nreserved = \"1 KiB\"\n" + kModel) ==
        "s.toml:3:12: hardware.cache.reserved: level 1 is the cache; only a memory level keeps a "
        "reserve");
  // Level 3 without its link's bandwidth (byte mode): the level's table, line 18.
  std::string no_bandwidth = kThreeLevels;
  no_bandwidth.replace(no_bandwidth.find("bandwidth = \"0.5 GB/s\"\n"), 23, "");
  CHECK(load_error(no_bandwidth + kGraph) ==
        "s.toml:17:1: hardware.levels.3.bandwidth is required when the cache capacity is in "
        "bytes: it is the link from hbm to host");
  // Two levels of one name.
  CHECK(load_error(kThreeLevels + kGraph, {"hardware.levels.3.name=\"hbm\""}) ==
        "s.toml:17:1: level 3 is named 'hbm', as level 2 is; every level needs a name of its "
        "own ([placement] names them)");
  CHECK(load_error(kThreeLevels + kGraph, {"hardware.levels.2.name=\"\""}) ==
        "--set: hardware.levels.2.name: a level's name cannot be empty");
  // An unknown key in a level, with the nearest one.
  CHECK(load_error(kThreeLevels + kGraph, {"hardware.levels.3.bandwith=1"}) ==
        "--set: unknown key 'bandwith' in [hardware.levels.3]; did you mean 'bandwidth'?");
  // A reserve must leave room; the level is named by the table that gave it.
  CHECK(load_error(kThreeLevels + kGraph, {"hardware.levels.3.reserved=\"8 MiB\""}) ==
        "--set: hardware.levels.3.reserved: 8.00 MiB is not less than hardware.levels.3.capacity "
        "(8.00 MiB)");
  // A level number that the machine does not have.
  try {
    parse("[hardware]\npreset = \"rtx-a6000\"\n[hardware.levels.4]\ncapacity = 1\n" + kModel);
    FAIL("level 4 of a three-level preset was accepted");
  } catch (const ScenarioError& e) {
    CHECK(e.message() ==
          "hardware.levels.4: expected a level number from 1 to 3 (the machine has 3 levels), or "
          "[[hardware.levels]] to give every level");
  }
  // Energy in the wrong unit.
  CHECK(load_error(kThreeLevels + kGraph, {"hardware.levels.2.read_energy=\"4 pJ\""}) ==
        "--set: hardware.levels.2.read_energy: expected an energy per byte such as \"12.5 "
        "pJ/B\" or \"7.5 pJ/bit\", got \"4 pJ\"");
}

TEST_CASE("a placement must name a memory level", "[levels][placement][errors]") {
  CHECK(load_error(kThreeLevels + kGraph + "[placement]\nweights = \"hots\"\n") ==
        "s.toml:35:11: placement.weights: no memory level is named 'hots'; did you mean "
        "'host'? (memory levels: hbm, host)");
  CHECK(load_error(kThreeLevels + kGraph + "[placement]\nweights = \"sram\"\n") ==
        "s.toml:35:11: placement.weights: 'sram' is level 1, the cache, where no tensor lives "
        "at rest; name a memory level: hbm, host");
  CHECK(load_error(kThreeLevels + kGraph + "[placement]\nweights = 3\n") ==
        "s.toml:35:11: placement.weights: expected a level's name such as \"hbm\", got an "
        "integer");
  CHECK(load_error(kThreeLevels + kGraph + "[placement]\nweight = \"host\"\n") ==
        "s.toml:35:1: unknown key 'weight' in [placement]; did you mean 'weights'?");
  // A raw tensor's home is checked the same way (line 31, column 66: the value).
  std::string graph = kGraph;
  graph.replace(graph.find("home = \"host\""), 13, "home = \"disk\"");
  CHECK(load_error(kThreeLevels + graph) ==
        "s.toml:31:66: graph.tensors.home: no memory level is named 'disk' (memory levels: hbm, "
        "host)");
}

TEST_CASE("tensors homed below level 2 are runnable", "[levels][placement]") {
  // The raw tensor m's own home is host, level 3: the scenario builds and its working sets are
  // checked like any other (docs/model.md §15.2 moves it one level at a time).
  CHECK(load_error(kThreeLevels + kGraph) == "");
  CHECK(load_error(kThreeLevels + kGraph + "[placement]\nweights = \"host\"\n") == "");
}
