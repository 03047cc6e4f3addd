// Per-layer accounting (sim/report/per_layer.h): every load, store, stall and compute second of a
// run attributed to a layer and phase, derived by hand on small runs; the rows summing to the
// run's totals on real networks under every policy; prefetches issued and skipped; the CSV and
// JSON files and the text summary's top layers.
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "policies/register_builtin.h"
#include "sim/core/schedule_replay.h"
#include "sim/report/per_layer.h"
#include "sim/report/per_layer_output.h"
#include "support/builders.h"
#include "support/graph_sketch.h"
#include "support/per_layer_run.h"
#include "support/run_memsim.h"
#include "support/scenario_text.h"

using namespace memsim;
using namespace memsim::test;
using Catch::Matchers::Contains;

namespace {

EvictionFactory policy(const std::string& name) {
  static const Registry registry = builtin_registry();
  return registry.find_eviction(name)->factory;
}

std::string dense_chain(int layers, int cache_tensors, const std::string& overlap) {
  std::string s = uniform_hardware(cache_tensors) + "[model]\ninput = 4\nlayers = [\n";
  for (int i = 0; i < layers; ++i) s += "  { type = \"dense\", out = 4 },\n";
  return s + "]\n[schedule]\nkind = \"inference\"\noverlap = \"" + overlap + "\"\n";
}

// A replay with a load nobody reads and a store of a tensor nobody wrote: load W, drop W
// (unused), load X, compute f, store X (never written), load W, compute g.
struct OrphanReplay {
  Simulation sim;
  std::vector<Step> steps;
};
OrphanReplay orphan_replay() {
  GraphSketch s;
  s.sources = {{"X", 1}, {"W", 1}};
  s.ops = {{"f", {"X"}, {}, {}}, {"g", {"W"}, {}, {}}};
  OrphanReplay o{simulation_of(s.build(), uniform_machine(2), policy("lru")), {}};
  const Graph& g = o.sim.graph;
  const TensorId x = g.find_tensor("X"), w = g.find_tensor("W");
  o.steps = {{StepKind::load, w},
             {StepKind::drop, w},
             {StepKind::load, x},
             {StepKind::compute, g.find_op("f")},
             {StepKind::store, x},
             {StepKind::load, w},
             {StepKind::compute, g.find_op("g")}};
  return o;
}

// Every additive figure of the rows equals the run's: counts exactly, times up to rounding
// (the executor sums durations in op order, the rows by layer).
void check_rows_sum_to_run(const Accounted& a) {
  const LayerPhaseRow& t = a.report.total;
  std::uint64_t loads = 0, stores = 0, load_bytes = 0, store_bytes = 0;
  double compute = 0, stall_load = 0, stall_store = 0;
  std::array<double, 4> flops{};
  std::uint64_t peak = 0;
  for (const LayerPhaseRow& r : a.report.rows) {
    loads += r.loads;
    stores += r.stores;
    load_bytes += r.load_bytes;
    store_bytes += r.store_bytes;
    compute += r.compute;
    stall_load += r.stall_load;
    stall_store += r.stall_store;
    flops[static_cast<int>(r.phase)] += r.flops;
    peak = std::max(peak, r.peak_live_bytes);
  }
  CHECK(loads == a.result.counts.loads);
  CHECK(stores == a.result.counts.stores);
  CHECK(load_bytes == a.result.counts.load_bytes);
  CHECK(store_bytes == a.result.counts.store_bytes);
  CHECK(t.loads == loads);
  CHECK(flops == a.result.flops);
  CHECK(peak == a.result.liveness.peak_live_bytes);
  CHECK(compute == Approx(a.result.times.compute_busy).epsilon(1e-12));
  CHECK(stall_load == Approx(a.result.times.stall_load).epsilon(1e-12).margin(1e-18));
  CHECK(stall_store == Approx(a.result.times.stall_store).epsilon(1e-12).margin(1e-18));
  // docs/model.md §13: the rows' energies are the run's less its static energy (the same
  // products added in another order).
  double energy = 0;
  for (const LayerPhaseRow& r : a.report.rows) energy += r.energy;
  const EnergyReport& e = a.result.energy;
  CHECK(energy == Approx(e.total_joules - e.static_total_joules).epsilon(1e-12).margin(1e-30));
  CHECK(t.energy == Approx(energy).epsilon(1e-12).margin(1e-30));
}

}  // namespace

TEST_CASE("per layer: loads to the op that reads them, stalls to the op that waited",
          "[per-layer]") {
  // Uniform dense chain, 3 layers, cache 4 tensors, no overlap: every transfer and op 1 unit.
  // dense<i>.forward reads dense<i>.weight and the previous output (input for dense1).
  //   dense1: load weight [0,1], input [1,2]; compute [2,3]; stall 2. input dies: dropped.
  //   dense2: load weight [3,4] (cache: w1, out1, w2 + out2 reserved = 4); compute [4,5];
  //           stall 1. out1 dies.
  //   dense3: w1, w2, out2 + w3 + out3 = 5 > 4: LRU evicts w1 (clean: free). load w3 [5,6];
  //           compute [6,7]; stall 1; the required output out3 is stored [7,8] (its writer:
  //           dense3).
  const Simulation sim = load_text(dense_chain(3, 4, "none"));
  const Accounted a = account(sim);
  REQUIRE(a.report.rows.size() == 3);
  const LayerPhaseRow& d1 = row(sim, a.report, "dense1", OpPhase::forward);
  const LayerPhaseRow& d2 = row(sim, a.report, "dense2", OpPhase::forward);
  const LayerPhaseRow& d3 = row(sim, a.report, "dense3", OpPhase::forward);
  CHECK(d1.compute == 1);
  CHECK(d1.stall_load == 2);
  CHECK(d1.loads == 2);
  CHECK(d1.stores == 0);
  CHECK(d2.stall_load == 1);
  CHECK(d2.loads == 1);
  CHECK(d3.stall_load == 1);
  CHECK(d3.loads == 1);
  CHECK(d3.stores == 1);
  CHECK(d3.store_bytes == 1);
  for (const LayerPhaseRow* r : {&d1, &d2, &d3}) {
    CHECK(r->ops == 1);
    CHECK(r->tiles == 0);
    CHECK(r->stall_store == 0);
    // Live at each op: 3 weights (live to the end) + its input and output activation.
    CHECK(r->peak_live_bytes == 5);
  }
  CHECK(a.result.times.time == 8);
  check_rows_sum_to_run(a);
}

TEST_CASE(
    "per layer: a store counts for the op that wrote the tensor, its stall for the op "
    "that waited",
    "[per-layer]") {
  // Uniform, cache 3 tensors, listed order, LRU (docs/model.md §4: every transfer and op 1).
  //   D1 = 0, a: X0 -> A.    load X0 [0,1]; A allocated at 0; a [1,2]; stall 0..1 (load).
  //   D2 = 2: X0 dies, dropped at 2. b: Y0, Z0 -> B.
  //                          load Y0 [2,3] and Z0 [3,4] into the 2 free slots; B needs a
  //                          third: LRU evicts A (dirty, read by c): store A [4,5] (A's
  //                          writer is a), dropped at 5, B allocated at 5 after that store.
  //                          b [5,6]. Idle 2..5, all of it waiting for the store (§6).
  //   D3 = 6: Y0, Z0 die. c: A, B -> C. load A [6,7] (for c); c [7,8]; stall 1 (load).
  //   After c: C is required: store [8,9] (writer c). Time 9.
  GraphSketch s;
  s.sources = {{"X0", 1}, {"Y0", 1}, {"Z0", 1}};
  s.ops = {{"a", {"X0"}, {"A"}, {}}, {"b", {"Y0", "Z0"}, {"B"}, {}}, {"c", {"A", "B"}, {"C"}, {}}};
  s.required = {"C"};
  const Simulation sim = simulation_of(s.build(), uniform_machine(3), policy("lru"));
  const Accounted a = account(sim);
  REQUIRE(a.report.rows.size() == 3);  // a raw graph: one layer per op
  const LayerPhaseRow& ra = row(sim, a.report, "a", OpPhase::forward);
  const LayerPhaseRow& rb = row(sim, a.report, "b", OpPhase::forward);
  const LayerPhaseRow& rc = row(sim, a.report, "c", OpPhase::forward);
  CHECK(ra.loads == 1);
  CHECK(ra.stores == 1);  // A, stored while b needed room
  CHECK(ra.stall_load == 1);
  CHECK(rb.loads == 2);
  CHECK(rb.stores == 0);
  CHECK(rb.stall_store == 3);
  CHECK(rb.stall_load == 0);
  CHECK(rc.loads == 1);  // A again
  CHECK(rc.stores == 1);
  CHECK(rc.stall_load == 1);
  CHECK(a.result.times.time == 9);
  check_rows_sum_to_run(a);
}

TEST_CASE(
    "per layer: a loaded copy nobody reads and a store of an unwritten tensor count for "
    "the next op",
    "[per-layer]") {
  // A schedule file may load a tensor and drop it unused, or store a clean one (orphan_replay:
  // the unused copy of W counts for f, the next op to compute; the store of the unwritten X
  // for g).
  const OrphanReplay o = orphan_replay();
  const Simulation& sim = o.sim;
  const Graph& g = sim.graph;
  const std::vector<Step>& steps = o.steps;
  PerLayerRecorder recorder(g, sim.machine);
  const RunResult r = run_schedule(sim, steps, &recorder);
  recorder.finish();
  const PerLayerReport report = per_layer_report(sim, r, recorder);
  CHECK(row(sim, report, "f", OpPhase::forward).loads == 2);
  CHECK(row(sim, report, "g", OpPhase::forward).loads == 1);
  CHECK(row(sim, report, "g", OpPhase::forward).stores == 1);
  CHECK(report.total.loads == 3);
}

TEST_CASE("per layer: the summary's layer sums attribute every move as the rows do",
          "[per-layer]") {
  // The replay of the test above with a recorder that keeps only each layer's sums: f moved
  // W's unused copy and X's load (2 tensors), g the store of the unwritten X and W's second
  // load (2 tensors); 4 in all, as the verifier counted.
  const OrphanReplay o = orphan_replay();
  const Simulation& sim = o.sim;
  const Graph& g = sim.graph;
  const std::vector<Step>& steps = o.steps;
  const OpId f = g.find_op("f"), gop = g.find_op("g");
  PerLayerRecorder recorder(g, sim.machine, PerLayerDetail::sums);
  const RunResult r = run_schedule(sim, steps, &recorder);
  recorder.finish();
  CHECK(recorder.tallies().empty());  // no per-op state kept
  const TopLayerSums sums = std::move(recorder).layer_sums(r);
  REQUIRE(sums.layer_count() == g.layer_count());
  REQUIRE(sums.bytes_moved.size() == g.layer_count());
  CHECK(sums.energy.empty());  // uniform: nothing priced, every layer's energy 0
  CHECK(sums.layer(g.op(f).layer).bytes_moved == 2);
  CHECK(sums.layer(g.op(gop).layer).bytes_moved == 2);
  CHECK(sums.layer(g.op(f).layer).energy == 0);
  CHECK(sums.total.bytes_moved == 4);
  // Sums are asked of a sums recorder only.
  PerLayerRecorder rows(g, sim.machine);
  CHECK_THROWS_WITH(std::move(rows).layer_sums(r),
                    "layer_sums needs a recorder made with PerLayerDetail::sums");
}

TEST_CASE("per layer: the summary's layer sums carry each layer's stall and traffic",
          "[per-layer]") {
  // mlp3-double-buffer, derived in the CLI test below: dense1 stalls 2 x (400 ns + 1 MiB /
  // 768 GB/s) and moves 2 MiB (its weight and the input), dense2 moves 1 MiB (its prefetched
  // weight) and does not stall, dense3 moves 2 MiB (its weight and the stored output).
  const Simulation sim =
      load_text(read_file(source_path("scenarios/lecture/mlp3-double-buffer.toml")));
  PerLayerRecorder recorder(sim.graph, sim.machine, PerLayerDetail::sums);
  const RunResult r = run_simulation(sim, &recorder);
  recorder.finish();
  const TopLayerSums sums = std::move(recorder).layer_sums(r);
  const double mib = 1048576;
  const auto layer = [&](const char* name) {
    for (LayerIndex l = 0; l < sim.graph.layer_count(); ++l)
      if (sim.graph.layer_name(l) == name) return sums.layer(l);
    FAIL("no layer " << name);
    return LayerSums{};
  };
  CHECK(layer("dense1").stall == Approx(2 * (400e-9 + mib / 768e9)));
  CHECK(layer("dense1").bytes_moved == 2 * mib);
  CHECK(layer("dense2").stall == 0);
  CHECK(layer("dense2").bytes_moved == mib);
  CHECK(layer("dense3").bytes_moved == 2 * mib);
  CHECK(sums.total.bytes_moved == 5 * mib);
  CHECK(sums.total.stall == Approx(2 * (400e-9 + mib / 768e9)));
}

TEST_CASE("per layer: the summary's stalls are the same listed or summed per layer",
          "[per-layer]") {
  // 100 dense layers in a 4-tensor cache, sequential (no overlap), one unit a transfer and an
  // op: dense1 waits for the input and its weight (2 units), every later layer for its weight
  // (1 unit; the activation it reads is still in the cache, and dead tensors are dropped, not
  // stored). 101 units of stall in at least 100 stall events: more than a sixteenth of the
  // graph's 101 layers ("input" and dense1..100, 101 / 16 = 6), so the recorder moves from its
  // list to per-layer sums on the way; the sums must not change.
  const std::string model =
      "[model]\ninput = 64\n"
      "layers = [{ type = \"dense\", out = 64, repeat = 100 }]\n";
  const Simulation sim =
      load_text(uniform_hardware(4) + "[schedule]\nkind = \"inference\"\n" + model);
  REQUIRE(sim.graph.layer_count() == 101);
  PerLayerRecorder recorder(sim.graph, sim.machine, PerLayerDetail::sums);
  const RunResult r = run_simulation(sim, &recorder);
  recorder.finish();
  const TopLayerSums sums = std::move(recorder).layer_sums(r);
  for (LayerIndex l = 0; l < sim.graph.layer_count(); ++l) {
    CAPTURE(sim.graph.layer_name(l));
    const double want = sim.graph.layer_name(l) == "input"    ? 0
                        : sim.graph.layer_name(l) == "dense1" ? 2
                                                              : 1;
    CHECK(sums.stall[l] == want);
  }
  CHECK(sums.total.stall == 101);
  // Double-buffered, the chain stalls only before dense1 (its input and weight; each later
  // weight loads while the layer before computes): at most 2 stall events, never more than 6,
  // so the list is kept to the end.
  const Simulation buffered =
      load_text(uniform_hardware(4) +
                "[schedule]\nkind = \"inference\"\noverlap = \"double-buffer\"\n" + model);
  PerLayerRecorder few(buffered.graph, buffered.machine, PerLayerDetail::sums);
  const RunResult rb = run_simulation(buffered, &few);
  few.finish();
  const TopLayerSums fs = std::move(few).layer_sums(rb);
  CHECK(fs.stall[1] == 2);  // dense1
  CHECK(fs.total.stall == 2);
}

TEST_CASE("per layer: the text summary lists the top layers of a run of any size",
          "[per-layer][cli]") {
  // A chain of 200000 dense layers in a 4-tensor cache, double-buffered, one unit a transfer
  // and an op: dense1 waits for the input and its weight (2 units, all of the stall); each
  // later weight loads while the layer before computes; dense200000's output is stored. So
  // dense1 and dense200000 move 2 tensors, every other layer 1, of 200002 in all (<0.1%).
  const TempDir dir;
  const std::string file = dir.file("chain.toml");
  std::ofstream(file) << uniform_hardware(4)
                      << "[schedule]\nkind = \"inference\"\noverlap = \"double-buffer\"\n"
                         "[model]\ninput = 64\n"
                         "layers = [{ type = \"dense\", out = 64, repeat = 200000 }]\n";
  const CommandResult r = run_memsim("run " + file);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.out, Contains("\ntop stalls     dense1  2 units  (100.0% of stall)\n"
                             "top traffic    dense1       2 tensors  (<0.1% of bytes moved)\n"
                             "               dense200000  2 tensors  (<0.1% of bytes moved)\n"
                             "               dense2        1 tensor  (<0.1% of bytes moved)\n"));
}

TEST_CASE("per layer: training rows roll dW and dX into backward, by layer", "[per-layer]") {
  // Dense 8 -> 8 -> 8 -> 8, batch 4, fused loss, sgd, per-layer updates. FLOPs by hand
  // (a multiply-add is 2 FLOPs): forward 2*4*8*8 = 512 per layer; backward dW 512 and dX 512
  // (dense1 has no dX: nobody needs dL/d input); sgd update 2 per parameter = 128.
  const Simulation sim = load_text(
      "[hardware.cache]\ncapacity = \"1 MiB\"\n[hardware.dram]\nbandwidth = \"1 GB/s\"\n"
      "[hardware.compute]\nthroughput = \"1 GFLOP/s\"\n[model]\nbatch = 4\ninput = 8\n"
      "layers = [{ type = \"dense\", out = 8, repeat = 3 }]\n[schedule]\nkind = \"training\"\n"
      "loss = \"fused\"\noptimizer = \"sgd\"\nupdate = \"per-layer\"\n");
  const Accounted a = account(sim);
  REQUIRE(a.report.rows.size() == 9);  // 3 layers x forward, backward, update
  // repeat = 3 names the layers dense1, dense2, dense3.
  CHECK(row(sim, a.report, "dense2", OpPhase::backward).ops == 2);
  CHECK(row(sim, a.report, "dense2", OpPhase::backward).flops == 1024);
  CHECK(row(sim, a.report, "dense1", OpPhase::backward).ops == 1);
  CHECK(row(sim, a.report, "dense1", OpPhase::backward).flops == 512);
  CHECK(row(sim, a.report, "dense3", OpPhase::forward).flops == 512);
  CHECK(row(sim, a.report, "dense3", OpPhase::update).flops == 128);
  // Rows come in layer order, phases in forward, backward, update order.
  CHECK(sim.graph.layer_name(a.report.rows[0].layer) == "dense1");
  CHECK(a.report.rows[0].phase == OpPhase::forward);
  CHECK(a.report.rows[1].phase == OpPhase::backward);
  CHECK(a.report.rows[2].phase == OpPhase::update);
  check_rows_sum_to_run(a);
}

TEST_CASE("per layer: the rows sum to the run's totals under every policy and overlap",
          "[per-layer]") {
  const Registry registry = builtin_registry();
  std::vector<std::string> evictions;
  for (const auto& e : registry.evictions()) evictions.push_back(e.name);
  const std::string eviction = GENERATE_COPY(from_range(evictions));
  const std::string overlap = GENERATE(as<std::string>{}, "none", "double-buffer", "lookahead:3");
  CAPTURE(eviction, overlap);
  const std::string settings = "schedule.overlap=\"" + overlap + "\"";
  SECTION("a checkpointed MLP trained with adam in a tight byte cache") {
    const std::string toml =
        "[hardware.cache]\ncapacity = \"10 KiB\"\nread_energy = \"1 pJ/B\"\nwrite_energy = \"2 "
        "pJ/B\"\nstatic_power = \"1 mW\"\n[hardware.dram]\nbandwidth = \"1 GB/s\"\nread_energy = "
        "\"30 pJ/B\"\nwrite_energy = \"40 pJ/B\"\nlink_energy = \"5 pJ/B\"\n"
        "latency = \"10 ns\"\n[hardware.compute]\nthroughput = \"1 GFLOP/s\"\nenergy = \"0.5 "
        "pJ/FLOP\"\n[model]\nbatch = "
        "8\ninput = 16\nlayers = [{ type = \"dense\", out = 16, repeat = 5 }]\n[schedule]\nkind "
        "= \"training\"\noptimizer = \"adam\"\ncheckpoint = \"sqrt\"\n[policy]\neviction = \"" +
        eviction + "\"\n";
    check_rows_sum_to_run(account(load_text(toml, {settings})));
  }
  SECTION("ResNet-18 training") {
    const std::vector<std::string> sets{"schedule.kind=training", settings,
                                        "policy.eviction=\"" + eviction + "\""};
    const Simulation sim = build_simulation(
        parse_scenario_file(source_path("scenarios/models/resnet18.toml"), sets), registry);
    check_rows_sum_to_run(account(sim));
  }
}

TEST_CASE("per layer: prefetches issued, and skipped for lack of room", "[per-layer][prefetch]") {
  // Uniform dense chain of 3, double-buffer (look ahead one op).
  SECTION("cache 4: each next weight fits beside the current working set") {
    // dense1 current: weight, input, out = 3; dense2's weight fits (4): issued. dense2 current:
    // w1, out1, w2, out2 = 4 (input died); dense3's weight: w1 is outside the window, evicted:
    // issued.
    const Simulation sim = load_text(dense_chain(3, 4, "double-buffer"));
    const Accounted a = account(sim);
    CHECK(row(sim, a.report, "dense1", OpPhase::forward).prefetch_issued == 0);
    CHECK(row(sim, a.report, "dense2", OpPhase::forward).prefetch_issued == 1);
    CHECK(row(sim, a.report, "dense3", OpPhase::forward).prefetch_issued == 1);
    CHECK(a.report.total.prefetch_skipped == 0);
  }
  SECTION("cache 3: the current op fills the cache, so double buffering does nothing") {
    // dense1 current: weight, input, out = 3 = the cache, all pinned: dense2's weight is
    // skipped. dense2 current: w1 evicted for w2; out1, w2, out2 fill it: dense3's weight is
    // skipped. Each is loaded when its op becomes current.
    const Simulation sim = load_text(dense_chain(3, 3, "double-buffer"));
    const Accounted a = account(sim);
    CHECK(a.report.total.prefetch_issued == 0);
    CHECK(row(sim, a.report, "dense2", OpPhase::forward).prefetch_skipped == 1);
    CHECK(row(sim, a.report, "dense3", OpPhase::forward).prefetch_skipped == 1);
    CHECK(a.report.total.prefetch_skipped == 2);
  }
  SECTION("docs/model.md §12, a prefetch that does not fit: one tensor issued, two skipped") {
    // Capacity 4, double buffering; op1 -> a; op2 reads c, writes b; op3 reads w1, w2, w3;
    // op4 reads a. D=0: c, missing for op2, fits: issued. D=1: op3 misses w1, w2, w3; 1 slot
    // is free and only a could be evicted (2 < 3), so w1 goes into the free slot (issued) and
    // prefetching stops at w2: w2 and w3 are skipped and op3 loads them itself at D=2.
    GraphSketch s;
    s.sources = {{"c", 1}, {"w1", 1}, {"w2", 1}, {"w3", 1}};
    s.ops = {{"op1", {}, {"a"}, {}},
             {"op2", {"c"}, {"b"}, {}},
             {"op3", {"w1", "w2", "w3"}, {}, {}},
             {"op4", {"a"}, {}, {}}};
    const Simulation sim = simulation_of(s.build(), uniform_machine(4), policy("lru"), 1);
    const Accounted a = account(sim);
    CHECK(row(sim, a.report, "op2", OpPhase::forward).prefetch_issued == 1);
    CHECK(row(sim, a.report, "op2", OpPhase::forward).prefetch_skipped == 0);
    CHECK(row(sim, a.report, "op3", OpPhase::forward).prefetch_issued == 1);
    CHECK(row(sim, a.report, "op3", OpPhase::forward).prefetch_skipped == 2);
    CHECK(row(sim, a.report, "op3", OpPhase::forward).loads == 3);
    CHECK(a.result.counts.moves() == 4);  // c, w1, w2, w3; a is never written back
  }
  SECTION("no look-ahead decides nothing") {
    const Accounted a = account(load_text(dense_chain(3, 4, "none")));
    CHECK(a.report.total.prefetch_issued == 0);
    CHECK(a.report.total.prefetch_skipped == 0);
  }
}

TEST_CASE("per layer: tiles roll up into their layer", "[per-layer][tiles]") {
  // conv has two tiles, each one forward op reading its own weight slice; fc reads both outs.
  GraphBuilder b;
  const LayerIndex conv = b.add_layer("conv");
  const LayerIndex fc = b.add_layer("fc");
  std::vector<TensorId> outs;
  for (std::uint32_t k = 0; k < 2; ++k) {
    const LayerIndex tile = b.add_tile(conv, k);
    const TensorId w[] = {b.add_tensor(tile, TensorRole::weight, 1, TensorKind::weight, true)};
    const TensorId o[] = {b.add_tensor(tile, TensorRole::out, 1, TensorKind::activation, false)};
    b.add_op(tile, OpRole::forward, w, o, {}, 10);
    outs.push_back(o[0]);
  }
  const TensorId y[] = {b.add_tensor(fc, TensorRole::out, 1, TensorKind::activation, false)};
  b.add_op(fc, OpRole::forward, outs, y, {}, 5);
  b.mark_required_output(y[0]);
  const Simulation sim = simulation_of(std::move(b).build(), uniform_machine(4), policy("lru"));
  const Accounted a = account(sim);
  REQUIRE(a.report.rows.size() == 2);
  const LayerPhaseRow& c = row(sim, a.report, "conv", OpPhase::forward);
  CHECK(c.ops == 2);
  CHECK(c.tiles == 2);
  CHECK(c.flops == 20);
  CHECK(c.loads == 2);
  CHECK(row(sim, a.report, "fc", OpPhase::forward).tiles == 0);
}

TEST_CASE("per layer: CSV, JSON and the top layers in the text summary", "[per-layer][cli]") {
  // mlp3-double-buffer: dense<i> has a 512x512 fp32 weight (1 MiB); input and outputs are
  // 512x512 fp32 (1 MiB). dense1 loads its weight and the input: 2 MiB, stalling for both
  // transfers, 2 x (400 ns + 1 MiB / 768 GB/s) = 3.5307 us; dense2's and dense3's weights are
  // prefetched (1 MiB each, no stall), and dense3's output is stored (1 MiB). FLOPs per layer:
  // 2 * 512^3 = 268435456; dense1's intensity 268435456 / 2 MiB = 128 FLOP/B.
  const TempDir dir;
  const std::string csv = dir.file("l.csv"), js = dir.file("l.json");
  const CommandResult r = run_memsim(
      "run " + source_path("scenarios/lecture/mlp3-double-buffer.toml") + " --per-layer " + csv);
  REQUIRE(r.status == 0);
  std::istringstream lines(read_file(csv));
  std::string header, line;
  std::getline(lines, header);
  std::string expected_header;
  for (const ReportField& f : per_layer_fields())
    expected_header += (expected_header.empty() ? "" : ",") + std::string(f.name);
  CHECK(header == expected_header);
  std::getline(lines, line);
  std::vector<std::string> cells;
  std::istringstream split(line);
  for (std::string cell; std::getline(split, cell, ',');) cells.push_back(cell);
  REQUIRE(cells.size() == per_layer_fields().size());
  CHECK(cells[0] == "\"dense1\"");
  CHECK(cells[1] == "\"forward\"");
  CHECK(std::stod(cells[5]) == Approx(2 * (400e-9 + 1048576 / 768e9)));  // stall_load_s
  CHECK(cells[6] == "0");                                                // stall_store_s
  CHECK(cells[8] == "2");                                                // loads
  CHECK(cells[10] == "2097152");                                         // load_bytes
  CHECK(cells[13] == "268435456");                                       // flops
  CHECK(cells[14] == "128");                                             // flop_per_byte
  std::size_t rows = 1;
  while (std::getline(lines, line)) ++rows;
  CHECK(rows == 3);
  CHECK_THAT(r.out, Contains("\ntop stalls     dense1  3.531 us  (100.0% of stall)\n"
                             "top traffic    dense1  2.00 MiB  (40.0% of bytes moved)\n"
                             "               dense3  2.00 MiB  (40.0% of bytes moved)\n"
                             "               dense2  1.00 MiB  (20.0% of bytes moved)\n"));

  const CommandResult j =
      run_memsim("run " + source_path("scenarios/lecture/mlp3-double-buffer.toml") +
                 " --per-layer " + js + " --format json");
  REQUIRE(j.status == 0);
  const auto doc = nlohmann::json::parse(read_file(js));
  REQUIRE(doc["rows"].size() == 3);
  CHECK(doc["rows"][1]["layer"] == "dense2");
  CHECK(doc["rows"][1]["prefetch_issued"] == 1);
  CHECK(doc["rows"][1]["stall_s"] == 0.0);
  CHECK(doc["total"]["loads"] == 4);
  CHECK(doc["total"]["stores"] == 1);
  CHECK(doc["total"]["bytes_moved"] == 5 * 1048576);
  CHECK(j.out.find("top stalls") == std::string::npos);  // the JSON summary stays as it was
}
