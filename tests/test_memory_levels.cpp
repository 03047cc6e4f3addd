// Three memory levels run by hand (docs/model.md §15.9): every hop, time, stall by link,
// count, staging peak, per-level verdict and energy figure below is derived in the comments
// from the rules of docs/model.md §4 and §15, never copied from memsim's output.
#include <catch2/catch.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "sim/core/errors.h"
#include "sim/core/schedule_replay.h"
#include "sim/core/simulation.h"
#include "sim/core/verifier.h"
#include "sim/report/per_layer.h"
#include "sim/report/per_layer_output.h"
#include "sim/report/report.h"
#include "sim/report/svg_timeline.h"
#include "sim/report/timeline.h"
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

TEST_CASE("a schedule file on three levels: each load and store is its whole chain of hops",
          "[levels][replay]") {
  const Simulation sim = load_text(kThreeLevels);
  const Graph& g = sim.graph;
  std::vector<Step> steps;
  for (const char* text : {"load x", "load w", "compute op1", "drop x", "compute op2", "drop a",
                           "load m", "compute op3", "drop b", "store m"})
    steps.push_back(parse_step(g, text));
  Steps seen;
  const RunResult r = run_schedule(sim, steps, &seen);
  // docs/model.md §15.8, every step as early as the rules allow (§9):
  // load x: its space is free at 0; one hop hbm->sram (link 1), 0-1.
  // load w: its first hop may start when the home copy is valid (0): host->hbm 0-5 (link 2,
  //   1 + 2/0.5); the hop into sram is issued at max(space 0, staging copy valid 5) = 5: 5-7.
  // compute op1: x ready at 1, a's byte free at 0: 1-3; stall [0, 1) inside x's hop: link 1.
  // drop x at 3 (the end of op1, which used it).
  // compute op2: w ready at 7, b's byte is x's, free at 3: 7-9; stall [3, 7): w's chain, [3, 5)
  //   link 2, [5, 7) link 1.
  // drop a at 9. load m: host->hbm may start at 0 but link 2 is busy until 5: 5-8 (1 + 1/0.5);
  //   its space is a's byte, free at 9: the hop into sram is issued at max(9, 8) = 9, 9-10.
  // compute op3: m ready at 10: 10-11; stall [9, 10) inside m's hop into sram (its first hop
  //   ended at 8): link 1. drop b at 11.
  // store m: may start at its ready time 11: sram->hbm 11-12 (link 1), then hbm->host 12-15.
  struct Hop {
    StepKind kind;
    std::uint8_t link;
    double start, end;
  };
  const std::vector<Hop> expected = {{StepKind::load, 1, 0, 1},   {StepKind::load, 2, 0, 5},
                                     {StepKind::load, 1, 5, 7},   {StepKind::load, 2, 5, 8},
                                     {StepKind::load, 1, 9, 10},  {StepKind::store, 1, 11, 12},
                                     {StepKind::store, 2, 12, 15}};
  std::vector<Hop> hops;
  for (const TimedStep& s : seen.steps)
    if (s.step.kind == StepKind::load || s.step.kind == StepKind::store)
      hops.push_back({s.step.kind, s.link, s.start, s.end});
  REQUIRE(hops.size() == expected.size());
  for (std::size_t i = 0; i < hops.size(); ++i) {
    INFO("hop " << i);
    CHECK(hops[i].kind == expected[i].kind);
    CHECK(int(hops[i].link) == int(expected[i].link));
    CHECK(hops[i].start == expected[i].start);
    CHECK(hops[i].end == expected[i].end);
  }
  CHECK(r.times.time == 15);
  CHECK(r.times.stall_load == 6);
  REQUIRE(r.times.links.size() == 2);
  CHECK(r.times.links[0].stall_load == 4);
  CHECK(r.times.links[1].stall_load == 2);
  CHECK(r.times.links[1].busy == 11);  // [0, 8) and [12, 15)
  // hbm's staging copies: w [0, 7), m [5, 10) and [11, 15): 3 B in [5, 7).
  CHECK(r.memory_levels[0].peak_staging == 3);
  CHECK(r.counts.loads == 3);  // link 1's, as §7 counts
  CHECK(r.counts.stores == 1);
}

namespace {

// Uniform mode: a 2-tensor cache, link 1 takes 1 unit a hop, link 2 (to host) 3, an op 1.
// The weight w lives at host; op1 updates it, op2 needs the cache for p and q, op3 reads w.
const std::string kOwnStore = R"([[hardware.levels]]
capacity = "2 tensors"
[[hardware.levels]]
name = "hbm"
transfer_time = 1
[[hardware.levels]]
name = "host"
transfer_time = 3
[placement]
weights = "host"
[graph]
order = "as-listed"
tensors = [
  { name = "w", kind = "weight" },
  { name = "p", kind = "input" },
  { name = "q", kind = "input" },
]
ops = [
  { name = "op1", updates = ["w"] },
  { name = "op2", inputs = ["p", "q"] },
  { name = "op3", inputs = ["w"] },
]
)";

}  // namespace

TEST_CASE("a load that waits for its own store chain home charges the store stall to its link",
          "[levels][executor][stall]") {
  const Simulation sim = load_text(kOwnStore);
  Steps seen;
  const RunResult r = run_simulation(sim, &seen);
  // docs/model.md §4 with L = 0 (overlap none), §15.2 and §15.4, by hand:
  // D=0: w's chain: host->hbm 0-3 (link 2), hbm->cache issued at 3, 3-4 (link 1). op1 4-5.
  //   Stall [0, 4), all load: [0, 3) in w's first hop (link 2), [3, 4) in its second (link 1).
  // D=5: p takes the free slot, loaded 5-6. q needs a slot: w is evicted; it is needed (op3)
  //   and rewritten, so its store chain is decided: cache->hbm waits for link 1 (p) 6-7, then
  //   hbm->host 7-10 (link 2). w is dropped at 7, when its store ends; q's load waited for that
  //   store: issued 7, 7-8. op2 8-9. Stall [5, 8): S = 7 (q's issue), store part [5, 7) on link
  //   1 (an allocation's wait); load part [7, 8) in q's hop: link 1.
  // D=9: p and q are dead. w is loaded again: its home copy is valid at 10 > D, so its first
  //   hop starts at 10, 10-13 (link 2), the hop into the cache 13-14 (link 1). op3 14-15.
  //   Stall [9, 14): S = 10, w's wait for its own store chain home (host, level 3): store part
  //   [9, 10) on link 2; load part [10, 13) in w's first hop (link 2), [13, 14) link 1.
  std::vector<std::pair<double, double>> ops;
  for (const TimedStep& s : seen.steps)
    if (s.step.kind == StepKind::compute) ops.emplace_back(s.start, s.end);
  CHECK(ops == std::vector<std::pair<double, double>>{{4, 5}, {8, 9}, {14, 15}});
  CHECK(r.times.time == 15);
  // Load stall 4 + 1 + 4 = 9, store stall 2 + 1 = 3.
  CHECK(r.times.stall_load == 9);
  CHECK(r.times.stall_store == 3);
  REQUIRE(r.times.links.size() == 2);
  // Link 1: load 1 + 1 + 1 = 3, store 2. Link 2: load 3 + 3 = 6, store 1.
  CHECK(r.times.links[0].stall_load == 3);
  CHECK(r.times.links[0].stall_store == 2);
  CHECK(r.times.links[1].stall_load == 6);
  CHECK(r.times.links[1].stall_store == 1);
  // Link 1: loads w, p, q, w; store w. Link 2: loads w twice, store w once.
  CHECK(r.traffic.links[0].up == 4);
  CHECK(r.traffic.links[0].down == 1);
  CHECK(r.traffic.links[1].up == 2);
  CHECK(r.traffic.links[1].down == 1);
  // Busy: link 1 [3, 4), [5, 8), [13, 14) = 5; link 2 [0, 3), [7, 10), [10, 13) = 9.
  CHECK(r.times.links[0].busy == 5);
  CHECK(r.times.links[1].busy == 9);
}

TEST_CASE("the verifier follows each hop between levels", "[levels][verifier]") {
  const Simulation sim = load_text(kOwnStore);
  const Graph& g = sim.graph;
  const auto step = [&](const char* text) { return parse_step(g, text); };
  const auto error = [&](const std::vector<std::pair<const char*, std::uint32_t>>& hops) {
    Verifier v(g, 2);
    try {
      for (const auto& [text, link] : hops) v.apply(step(text), link);
      v.finish();
    } catch (const ScheduleError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  // w lives at host (level 3): its copy reaches the cache over link 2, then link 1.
  CHECK(error({{"load w", 1}}) == "step 1 (load w): 'w' has no copy at level 2 to move");
  CHECK(error({{"load p", 2}}) ==
        "step 1 (load p): hops over link 2, but 'p' lives at level 2 (links 1 to 1 reach it)");
  CHECK(error({{"load w", 2}, {"load w", 2}}) ==
        "step 2 (load w): 'w' already has a staging copy at level 2");
  // Stored towards its home (cache -> hbm), w's staging copy at hbm waits for the hop to host;
  // op1 rewriting w before that hop would leave the copy unread.
  CHECK(error({{"load w", 2}, {"load w", 1}, {"store w", 1}, {"compute op1", 1}}) ==
        "step 4 (compute op1): rewrites 'w', whose staging copy at level 2 no hop has read");
  // A whole run, hop by hop: w home and back.
  const std::vector<std::pair<const char*, std::uint32_t>> run = {
      {"load w", 2}, {"load w", 1}, {"compute op1", 1}, {"store w", 1},     {"store w", 2},
      {"drop w", 1}, {"load p", 1}, {"load q", 1},      {"compute op2", 1}, {"drop p", 1},
      {"drop q", 1}, {"load w", 2}, {"load w", 1},      {"compute op3", 1}};
  CHECK(error(run).empty());
  // Without the hop hbm->host, w's home copy is not valid when it is dropped (§8's "valid DRAM
  // copy" is the home copy): the error names its home, host, level 3 (as the end-of-run check
  // does), not the DRAM, where w has a valid (staging) copy.
  auto no_home = run;
  no_home.erase(no_home.begin() + 4);
  CHECK(error(no_home) ==
        "step 5 (drop w): drops a live tensor that has no copy at its home, "
        "level 3 (store it first)");
  // A staging copy no hop reads is left at the end.
  auto left = run;
  left.push_back({"load w", 2});
  CHECK(error(left) == "schedule ends with a staging copy of 'w' at level 2 that no hop read");
}

TEST_CASE("the SVG time line of three levels: a row per link, live memory of level 2",
          "[levels][svg]") {
  const Simulation sim = load_text(kThreeLevels);
  TimelineRecorder rec;
  run_simulation(sim, &rec);
  const std::string svg = timeline_svg(sim, rec);
  // docs/model.md §15.5: one memory row per link that carried a hop, each hop's levels in its
  // tooltip (w's first hop: host to hbm, 0 s to 5 s).
  CHECK(svg.find(">Link 1</text>") != std::string::npos);
  CHECK(svg.find(">Link 2</text>") != std::string::npos);
  CHECK(svg.find(">Memory</text>") == std::string::npos);
  CHECK(svg.find("<title>load w (host to hbm), 2 B, 0 s to 5.000 s</title>") != std::string::npos);
  // The title counts link 1's moves (3 loads, 1 store, as the test above derives) and level 2's
  // peak live: hbm's own tensors x and a at op1, 2 B (w and m live at host).
  CHECK(svg.find("3 loads, 1 store, stalled 6.000 s, peak live in hbm 2 B at op1") !=
        std::string::npos);
  CHECK(svg.find(">peak 2 B in hbm at op1</text>") != std::string::npos);
}

TEST_CASE("per-layer energy of three levels worked by hand: deep hops count with their chain",
          "[levels][energy][per-layer]") {
  // docs/model.md §13 (energy per row) on the run of §15.9 (derived in the test above). Per
  // byte, in pJ: an up hop over link 1 reads hbm 3 + writes sram 2 + link 1 5 = 10; over link 2
  // reads host 6 + writes hbm 4 + link 2 8 = 18; a down hop over link 1 reads sram 1 + writes
  // hbm 4 + 5 = 10; over link 2 reads hbm 3 + writes host 7 + 8 = 18. A compute: 10 per FLOP,
  // 1 per byte read and 2 per byte written at sram.
  //   op1: 2 FLOP 20, reads x 1, writes a 2 = 23; x's load (1 B over link 1) 10. Row 33.
  //   op2: 2 FLOP 20, reads w and a 3, writes b 2 = 25; w's load, prefetched for op2: hop
  //        hbm->sram 2 x 10 = 20 and its chain's hop host->hbm 2 x 18 = 36. Row 81.
  //   op3: 1 FLOP 10, reads b and m 2, writes m 2 = 14; m's load: hop hbm->sram 10 and the
  //        hop host->hbm that staged it at D=3 (§15.3) 18; m's store (op3 wrote it last): hop
  //        sram->hbm 10 and hbm->host 18. Row 70.
  // Sum 184 = the run's 229 less its static 45 (test above).
  const Simulation sim = load_text(kThreeLevels);
  PerLayerRecorder recorder(sim.graph, sim.machine);
  const RunResult r = run_simulation(sim, &recorder);
  recorder.finish();
  const PerLayerReport report = per_layer_report(sim, r, recorder);
  REQUIRE(report.rows.size() == 3);
  CHECK(sim.graph.layer_name(report.rows[0].layer) == "op1");
  CHECK(report.rows[0].energy == Approx(33e-12));
  CHECK(report.rows[1].energy == Approx(81e-12));
  CHECK(report.rows[2].energy == Approx(70e-12));
  CHECK(report.total.energy == Approx(184e-12));
  CHECK(report.total.energy ==
        Approx(r.energy.total_joules - r.energy.static_total_joules).epsilon(1e-12));
  // The CSV's last column and the JSON carry it; the text ranks the layers by it.
  const nlohmann::ordered_json j = per_layer_json(sim, report);
  CHECK(j["rows"][1]["energy_j"].get<double>() == Approx(81e-12));
  CHECK(j["total"]["energy_j"].get<double>() == Approx(184e-12));
  // 81 / 184 = 44.0%, 70 / 184 = 38.0%, 33 / 184 = 17.9%.
  CHECK(top_layers_text(sim, report, 5)
            .find("top energy     op2  81.000 pJ  (44.0% of dynamic energy)\n"
                  "               op3  70.000 pJ  (38.0% of dynamic energy)\n"
                  "               op1  33.000 pJ  (17.9% of dynamic energy)\n") !=
        std::string::npos);
}

TEST_CASE("the SVG time line draws the live bytes of each deeper level beneath", "[levels][svg]") {
  // Activations live in host memory (level 3); the input x in hbm. Links of 1 B/s, no latency;
  // 1 FLOP/s; a cache with room for everything, no overlap. By hand (docs/model.md §4, §15.2):
  // x loads 0-1 (link 1); op1 runs 1-2; a stays in the cache for op2 (2-3), b for op3 (3-4);
  // y, the required output, is stored home after op3: sram->hbm 4-8, hbm->host 8-12. Time 12,
  // so time t is at x = 130 + 980 t / 12 px (the plot's left edge and width).
  const Simulation sim = load_text(R"([[hardware.levels]]
name = "sram"
capacity = "100 B"
[[hardware.levels]]
name = "hbm"
bandwidth = "1 B/s"
[[hardware.levels]]
name = "host"
bandwidth = "1 B/s"
[hardware.compute]
throughput = "1 FLOP/s"
[placement]
activations = "host"
[graph]
outputs = ["y"]
tensors = [
  { name = "x", size = "1 B", kind = "input" },
  { name = "a", size = "1 B" },
  { name = "b", size = "2 B" },
  { name = "y", size = "4 B" },
]
ops = [
  { name = "op1", inputs = ["x"], outputs = ["a"], flops = 1 },
  { name = "op2", inputs = ["a"], outputs = ["b"], flops = 1 },
  { name = "op3", inputs = ["b"], outputs = ["y"], flops = 1 },
]
)");
  TimelineRecorder rec;
  const RunResult r = run_simulation(sim, &rec);
  REQUIRE(r.times.time == 12);
  const std::string svg = timeline_svg(sim, rec);
  // host's live bytes by position (§1): a (producer op1, last read by op2) at positions 1-2, b
  // at 2-3, y (a required output) at 3: 1, 3, 6 B. The peak 6 B reaches the top of the 60 px
  // panel: 1 B is 10 px above its baseline, 3 B 30 px, 6 B 60 px. Positions span [0, 2], [2,
  // 3], [3, 4] s: x = 130, 293.333, 375, 456.667.
  CHECK(svg.find(">host</text>") != std::string::npos);
  CHECK(svg.find(">peak 6 B in host at op3</text>") != std::string::npos);
  const std::size_t at = svg.find("class=\"level-live\" data-level=\"3\"");
  REQUIRE(at != std::string::npos);
  CHECK(svg.find("class=\"level-live\" data-level=\"2\"") == std::string::npos);  // its own panel
  const std::size_t from = svg.find("points=\"", at) + 8;
  std::istringstream points(svg.substr(from, svg.find('"', from) - from));
  std::vector<std::pair<double, double>> xy;
  for (std::string point; points >> point;) {
    const std::size_t comma = point.find(',');
    xy.emplace_back(std::stod(point.substr(0, comma)), std::stod(point.substr(comma + 1)));
  }
  REQUIRE(xy.size() == 8);  // the baseline, two points per position, the baseline
  const double base = xy[0].second;
  const std::vector<std::pair<double, double>> expected{{130, 0},      {130, 10},   {293.333, 10},
                                                        {293.333, 30}, {375, 30},   {375, 60},
                                                        {456.667, 60}, {456.667, 0}};
  for (std::size_t i = 0; i < xy.size(); ++i) {
    CAPTURE(i);
    CHECK(xy[i].first == Approx(expected[i].first).margin(0.01));
    CHECK(base - xy[i].second == Approx(expected[i].second).margin(0.01));
  }
}
