// The energy model (docs/model.md §15.6) on a two-level run worked by hand: traffic per level
// and link from the verified steps, each priced by the machine's figures, static power over
// the run's time, and the report's line and JSON keys.
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "sim/core/simulation.h"
#include "sim/report/report.h"
#include "support/run_memsim.h"
#include "support/scenario_text.h"

using namespace memsim;
using memsim::test::load_text;

namespace {

// 1 B/s and 1 FLOP/s: a transfer of b bytes takes b seconds, an op of f FLOPs f seconds.
const std::string kScenario = R"([hardware.cache]
capacity = "4 B"
read_energy = "1 pJ/B"
write_energy = "2 pJ/B"
static_power = "1 pW"
[hardware.dram]
bandwidth = "1 B/s"
read_energy = "3 pJ/B"
write_energy = "4 pJ/B"
link_energy = "5 pJ/B"
static_power = "2 pW"
[hardware.compute]
throughput = "1 FLOP/s"
energy = "10 pJ/FLOP"
[graph]
outputs = ["y"]
tensors = [
  { name = "x", size = "2 B", kind = "input" },
  { name = "w", size = "1 B", kind = "weight" },
  { name = "y", size = "1 B" },
]
ops = [{ name = "f", inputs = ["x", "w"], outputs = ["y"], flops = 3 }]
)";

}  // namespace

TEST_CASE("energy of a two-level run, worked by hand", "[energy]") {
  // The run (docs/model.md §4, no overlap): D=0: x loads 0-2, w 2-3 (one channel, first come
  // first served); y takes the last byte; f runs 3-6 (3 FLOPs). After f: x is dead (dropped),
  // y, the required output, is stored 6-7. Time 7.
  const Simulation sim = load_text(kScenario);
  const RunResult r = run_simulation(sim);
  REQUIRE(r.times.time == 7);
  // Traffic. Cache: the loads write 2 + 1 B, f writes y (1 B); f reads x and w (3 B), the store
  // reads y (1 B). DRAM: the loads read 3 B, the store writes 1 B. Link 1: 3 B up, 1 B down.
  const Traffic& t = r.traffic;
  REQUIRE(t.levels.size() == 2);
  CHECK(t.levels[0].write_bytes == 4);
  CHECK(t.levels[0].read_bytes == 4);
  CHECK(t.levels[1].read_bytes == 3);
  CHECK(t.levels[1].write_bytes == 1);
  REQUIRE(t.links.size() == 1);
  CHECK(t.links[0].up == 2);
  CHECK(t.links[0].down == 1);
  CHECK(t.links[0].up_bytes == 3);
  CHECK(t.links[0].down_bytes == 1);
  CHECK(t.flops == 3);
  // Energy, in pJ: cache 4 x 1 + 4 x 2 = 12; DRAM 3 x 3 + 1 x 4 = 13; link 4 x 5 = 20;
  // compute 3 x 10 = 30; static (1 + 2) pW x 7 s = 21 (cache 7, DRAM 14). Total 96.
  const EnergyReport& e = r.energy;
  CHECK(e.level_joules[0] == Approx(12e-12));
  CHECK(e.level_joules[1] == Approx(13e-12));
  CHECK(e.link_joules[0] == Approx(20e-12));
  CHECK(e.compute_joules == Approx(30e-12));
  CHECK(e.static_joules[0] == Approx(7e-12));
  CHECK(e.static_joules[1] == Approx(14e-12));
  CHECK(e.memory_joules == Approx(25e-12));
  CHECK(e.links_joules == Approx(20e-12));
  CHECK(e.static_total_joules == Approx(21e-12));
  CHECK(e.total_joules == Approx(96e-12));

  const nlohmann::ordered_json j = run_report_json(sim, r);
  CHECK(j["energy_j"].get<double>() == Approx(96e-12));
  CHECK(j["energy_compute_j"].get<double>() == Approx(30e-12));
  CHECK(j["energy_memory_j"].get<double>() == Approx(25e-12));
  CHECK(j["energy_links_j"].get<double>() == Approx(20e-12));
  CHECK(j["energy_static_j"].get<double>() == Approx(21e-12));
  REQUIRE(j["levels"].size() == 2);
  CHECK(j["levels"][0]["name"] == "cache");
  CHECK(j["levels"][0]["read_bytes"] == 4);
  CHECK(j["levels"][0]["peak_bytes"] == 4);  // x and w from 0 (their issue), y from 3
  CHECK(j["levels"][1]["name"] == "DRAM");
  CHECK(j["levels"][1]["capacity"].is_null());
  CHECK(j["levels"][1]["peak_live_bytes"] == 4);  // x, w, y at f
  CHECK(j["levels"][1]["energy_j"].get<double>() == Approx(13e-12));
  REQUIRE(j["links"].size() == 1);
  CHECK(j["links"][0]["from"] == "cache");
  CHECK(j["links"][0]["to"] == "DRAM");
  CHECK(j["links"][0]["loads"] == 2);
  CHECK(j["links"][0]["stores"] == 1);
  // Link 1's busy time and stalls are the run's: busy [0, 3) and [6, 7); f waited 0-3.
  CHECK(j["links"][0]["busy_s"] == 4.0);
  CHECK(j["links"][0]["stall_load_s"] == 3.0);
  CHECK(j["links"][0]["energy_j"].get<double>() == Approx(20e-12));
  // CSV keeps one row: the lists of levels and links are left out.
  const std::string csv = run_report_csv(sim, r);
  CHECK(csv.find("levels") == std::string::npos);
  CHECK(csv.find("energy_static_j") != std::string::npos);
}

TEST_CASE("the summary prints energy only when the machine has figures", "[energy][cli]") {
  const test::TempDir dir;
  { std::ofstream(dir.file("e.toml")) << kScenario; }
  const test::CommandResult r = test::run_memsim("run " + dir.file("e.toml"));
  REQUIRE(r.status == 0);
  CHECK(r.out.find("energy         96.000 pJ  (compute 30.000 pJ, cache 12.000 pJ, DRAM 13.000 "
                   "pJ, links 20.000 pJ, static 21.000 pJ)\n") != std::string::npos);
  // Without figures (and on two levels) the summary is what it was before levels existed.
  std::string plain = kScenario;
  for (const char* key :
       {"read_energy = \"1 pJ/B\"\n", "write_energy = \"2 pJ/B\"\n", "static_power = \"1 pW\"\n",
        "read_energy = \"3 pJ/B\"\n", "write_energy = \"4 pJ/B\"\n", "link_energy = \"5 pJ/B\"\n",
        "static_power = \"2 pW\"\n", "energy = \"10 pJ/FLOP\"\n"})
    plain.erase(plain.find(key), std::string(key).size());
  { std::ofstream(dir.file("p.toml")) << plain; }
  const test::CommandResult p = test::run_memsim("run " + dir.file("p.toml"));
  REQUIRE(p.status == 0);
  CHECK(p.out.find("energy") == std::string::npos);
  CHECK(p.out.find("link 1") == std::string::npos);
  CHECK(p.out.find("machine    cache 4 B; DRAM 1 B/s, latency 0 s; compute 1 FLOP/s; 1 DRAM "
                   "channel\n") != std::string::npos);
}
