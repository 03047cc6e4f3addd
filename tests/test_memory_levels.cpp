// Three memory levels run by hand (docs/model.md §15.9): every hop, time, stall by link,
// count, staging peak, per-level verdict and energy figure below is derived in the comments
// from the rules of docs/model.md §4 and §15, never copied from memsim's output.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "sim/core/simulation.h"
#include "sim/report/report.h"
#include "support/scenario_text.h"

using namespace memsim;
using memsim::test::load_text;

namespace {

// Level 1 sram 4 B; level 2 hbm 4 B over link 1 (1 B/s, no latency); level 3 host 3 B over
// link 2 (0.5 B/s, 1 s latency); 1 FLOP/s. So a hop of b bytes takes b s on link 1 and
// 1 + 2b s on link 2; an op of f FLOPs takes f s. Energy figures are round numbers in pJ.
const std::string kThreeLevels = R"([[hardware.levels]]
name = "sram"
capacity = "4 B"
read_energy = "1 pJ/B"
write_energy = "2 pJ/B"
[[hardware.levels]]
name = "hbm"
capacity = "4 B"
bandwidth = "1 B/s"
read_energy = "3 pJ/B"
write_energy = "4 pJ/B"
link_energy = "5 pJ/B"
static_power = "1 pW"
[[hardware.levels]]
name = "host"
capacity = "3 B"
bandwidth = "0.5 B/s"
latency = "1 s"
read_energy = "6 pJ/B"
write_energy = "7 pJ/B"
link_energy = "8 pJ/B"
static_power = "2 pW"
[hardware.compute]
throughput = "1 FLOP/s"
energy = "10 pJ/FLOP"
[schedule]
overlap = "double-buffer"
[policy]
eviction = "lru"
[placement]
weights = "host"
optimizer_state = "host"
[graph]
outputs = ["m"]
tensors = [
  { name = "x", size = "1 B", kind = "input" },
  { name = "w", size = "2 B", kind = "weight" },
  { name = "m", size = "1 B", kind = "optimizer-state" },
  { name = "a", size = "1 B" },
  { name = "b", size = "1 B" },
]
ops = [
  { name = "op1", inputs = ["x"], outputs = ["a"], flops = 2 },
  { name = "op2", inputs = ["w", "a"], outputs = ["b"], flops = 2 },
  { name = "op3", inputs = ["b"], updates = ["m"], flops = 1 },
]
)";

// Records every verified step, for checking the hops one by one.
class Steps : public StepSink {
 public:
  void on_step(const TimedStep& s) override { steps.push_back(s); }
  std::vector<TimedStep> steps;
};

}  // namespace

TEST_CASE("three levels worked by hand: hops, staging, stalls by link, verdicts, energy",
          "[levels][executor]") {
  const Simulation sim = load_text(kThreeLevels);
  const Graph& g = sim.graph;
  const TensorId x = g.find_tensor("x"), w = g.find_tensor("w"), m = g.find_tensor("m");
  CHECK(g.tensor(w).home == 3);  // weights and optimizer state at host, the rest at hbm
  CHECK(g.tensor(m).home == 3);
  CHECK(g.tensor(x).home == 2);
  Steps seen;
  const RunResult r = run_simulation(sim, &seen);

  // D=0: op1's mandatory load of x: hop hbm->sram on link 1, 0-1. a takes its space. The
  // prefetch for op2 (R = {w}; a is not yet produced) fits (2 B used of 4): w's chain is decided
  // deepest first: host->hbm on link 2 may start at max(D, 0) = 0 and takes 1 + 2/0.5 = 5 s,
  // 0-5; hbm->sram is issued when that copy is valid, at 5, and takes 2 s, 5-7.
  // op1 starts when x is ready: 1-3 (2 FLOPs). Stall [0, 1): link 1 (x's one hop).
  // D=3: x is dead, dropped at 3; b takes the byte. The prefetch for op3 (R = {m}) does not fit:
  // nothing is free and every held tensor (a, w, b) is pinned by the window {op2, op3}. So m is
  // brought as far as room allows: its hop host->hbm is decided now, may start at 3, waits for
  // link 2 (busy until 5) and runs 5-8 (1 + 1/0.5 = 3 s). op2 waits for w until 7: stall [3, 7),
  // [3, 5) inside w's first hop (link 2), [5, 7) inside its second (link 1). op2 runs 7-9.
  // D=9: a is dead, dropped at 9; m takes the byte and needs only the hop hbm->sram, issued at
  // max(9, 8) = 9, 9-10 (link 1 is free). op3 starts at 10: stall [9, 10), inside that hop (the
  // staging hop ended at 8): link 1. op3 runs 10-11.
  // D=11: b is dead, dropped; m, a required output, is stored: sram->hbm on link 1, 11-12,
  // then hbm->host on link 2 when that ends, 12-15 (link 2 free since 8).
  struct Hop {
    StepKind kind;
    TensorId tensor;
    std::uint8_t link;
    double start, end;
  };
  const std::vector<Hop> expected = {
      {StepKind::load, x, 1, 0, 1},   {StepKind::load, w, 2, 0, 5},
      {StepKind::load, w, 1, 5, 7},   {StepKind::load, m, 2, 5, 8},
      {StepKind::load, m, 1, 9, 10},  {StepKind::store, m, 1, 11, 12},
      {StepKind::store, m, 2, 12, 15}};
  std::vector<Hop> hops;
  for (const TimedStep& s : seen.steps)
    if (s.step.kind == StepKind::load || s.step.kind == StepKind::store)
      hops.push_back({s.step.kind, s.step.id, s.link, s.start, s.end});
  REQUIRE(hops.size() == expected.size());
  for (std::size_t i = 0; i < hops.size(); ++i) {
    INFO("hop " << i);
    CHECK(hops[i].kind == expected[i].kind);
    CHECK(hops[i].tensor == expected[i].tensor);
    CHECK(int(hops[i].link) == int(expected[i].link));
    CHECK(hops[i].start == expected[i].start);
    CHECK(hops[i].end == expected[i].end);
  }
  // The ops: 1-3, 7-9, 10-11.
  std::vector<std::pair<double, double>> ops;
  for (const TimedStep& s : seen.steps)
    if (s.step.kind == StepKind::compute) ops.emplace_back(s.start, s.end);
  CHECK(ops == std::vector<std::pair<double, double>>{{1, 3}, {7, 9}, {10, 11}});

  // Time 15 (the last hop); compute busy 2 + 2 + 1 = 5; load stall 1 + 4 + 1 = 6, no store
  // stall; by link: link 1 1 + 2 + 1 = 4, link 2 2.
  CHECK(r.times.time == 15);
  CHECK(r.times.compute_busy == 5);
  CHECK(r.times.stall_load == 6);
  CHECK(r.times.stall_store == 0);
  REQUIRE(r.times.links.size() == 2);
  CHECK(r.times.links[0].stall_load == 4);
  CHECK(r.times.links[1].stall_load == 2);
  CHECK(r.times.links[0].stall_store == 0);
  CHECK(r.times.links[1].stall_store == 0);
  // Busy: link 1 [0, 1), [5, 7), [9, 10), [11, 12) = 5 (also §7's DRAM busy); link 2 [0, 5),
  // [5, 8) and [12, 15): [0, 8) and [12, 15) = 11.
  CHECK(r.times.links[0].busy == 5);
  CHECK(r.times.dram_busy == 5);
  CHECK(r.times.links[1].busy == 11);

  // §7's counts are link 1's: loads x, w, m (1 + 2 + 1 = 4 B), one store of m (1 B). Drops x,
  // a, b. Link 2: loads w, m (3 B), one store of m (1 B).
  CHECK(r.counts.loads == 3);
  CHECK(r.counts.load_bytes == 4);
  CHECK(r.counts.stores == 1);
  CHECK(r.counts.store_bytes == 1);
  CHECK(r.counts.drops == 3);
  REQUIRE(r.traffic.links.size() == 2);
  CHECK(r.traffic.links[0].up == 3);
  CHECK(r.traffic.links[0].up_bytes == 4);
  CHECK(r.traffic.links[0].down == 1);
  CHECK(r.traffic.links[1].up == 2);
  CHECK(r.traffic.links[1].up_bytes == 3);
  CHECK(r.traffic.links[1].down == 1);
  CHECK(r.traffic.links[1].down_bytes == 1);

  // Peak cache 4 B: occupancy (§3) is x [0, 3), a from op1's start at 1 to 9, w from its
  // hop's issue at 5, b from op2's start at 7 to 11, m from 9: a, w, b in [7, 9) and w, b, m
  // in [9, 11).
  CHECK(r.counts.peak_cache_bytes == 4);
  // hbm: staging copies w [0, 7) (the start of the hop that wrote it to the end of the one that
  // read it), m [5, 10) and, on the way home, [11, 15): peak 2 + 1 = 3 B in [5, 7). Peak live of
  // its own tensors (x, a, b): x and a at op1, a and b at op2: 2 B. 2 + 3 > 4 B: out of memory.
  // host: w and m live throughout, 3 B of 3 B, no staging: fits.
  REQUIRE(r.memory_levels.size() == 2);
  CHECK(r.memory_levels[0].peak_staging == 3);
  CHECK(r.memory_levels[0].liveness.peak_live_bytes == 2);
  CHECK(r.memory_levels[0].oom);
  CHECK(r.memory_levels[1].peak_staging == 0);
  CHECK(r.memory_levels[1].liveness.peak_live_bytes == 3);
  CHECK_FALSE(r.memory_levels[1].oom);
  CHECK(r.oom);

  // Bytes per level. sram reads: the ops' inputs and updates (x 1; w 2 + a 1; b 1 + m 1 = 6)
  // and the store of m (1) = 7; writes: the loads (4) and the ops' outputs and updates (a, b,
  // m: 3) = 7. hbm reads: the hops up over link 1 (4) and down over link 2 (1) = 5; writes: the
  // hops up over link 2 (3) and down over link 1 (1) = 4. host reads 3 (up over link 2) and
  // writes 1 (m home).
  REQUIRE(r.traffic.levels.size() == 3);
  CHECK(r.traffic.levels[0].read_bytes == 7);
  CHECK(r.traffic.levels[0].write_bytes == 7);
  CHECK(r.traffic.levels[1].read_bytes == 5);
  CHECK(r.traffic.levels[1].write_bytes == 4);
  CHECK(r.traffic.levels[2].read_bytes == 3);
  CHECK(r.traffic.levels[2].write_bytes == 1);
  CHECK(r.traffic.flops == 5);
  // Energy in pJ: sram 7 x 1 + 7 x 2 = 21; hbm 5 x 3 + 4 x 4 = 31; host 3 x 6 + 1 x 7 = 25;
  // link 1 (4 + 1) x 5 = 25; link 2 (3 + 1) x 8 = 32; compute 5 x 10 = 50; static: hbm 1 pW and
  // host 2 pW for 15 s = 15 + 30. Total 77 + 57 + 50 + 45 = 229.
  const EnergyReport& e = r.energy;
  CHECK(e.level_joules[0] == Approx(21e-12));
  CHECK(e.level_joules[1] == Approx(31e-12));
  CHECK(e.level_joules[2] == Approx(25e-12));
  CHECK(e.link_joules[0] == Approx(25e-12));
  CHECK(e.link_joules[1] == Approx(32e-12));
  CHECK(e.compute_joules == Approx(50e-12));
  CHECK(e.static_joules[0] == 0);
  CHECK(e.static_joules[1] == Approx(15e-12));
  CHECK(e.static_joules[2] == Approx(30e-12));
  CHECK(e.total_joules == Approx(229e-12));

  // The JSON report carries the same, per level and per link.
  const nlohmann::ordered_json j = run_report_json(sim, r);
  CHECK(j["energy_j"].get<double>() == Approx(229e-12));
  REQUIRE(j["links"].size() == 2);
  CHECK(j["links"][1]["from"] == "hbm");
  CHECK(j["links"][1]["to"] == "host");
  CHECK(j["links"][1]["loads"] == 2);
  CHECK(j["links"][1]["busy_s"] == 11.0);
  CHECK(j["links"][1]["stall_load_s"] == 2.0);
  CHECK(j["levels"][1]["peak_staging_bytes"] == 3);
  CHECK(j["levels"][1]["oom"] == true);
}
