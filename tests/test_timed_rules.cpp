// The executor's decision rules of docs/model.md §4–§6, each on the smallest scenario that
// shows it, with every figure derived by hand from the contract. The first four are issue 9's
// reproducers; their worked traces are in docs/model.md §12. Uniform mode: every tensor is
// one slot, transfers take `transfer_time` (default 1), ops one unit, one channel unless set.
#include <catch2/catch.hpp>
#include <string>

#include "sim/core/simulation.h"
#include "sim/report/timeline.h"
#include "support/scenario_text.h"

using namespace memsim;
using namespace memsim::test;

namespace {

struct Observed {
  RunResult result;
  TimelineRecorder timeline;
};

Observed run_text(const std::string& toml) {
  Observed o;
  const Simulation sim = load_text(toml);
  o.result = run_simulation(sim, &o.timeline);
  return o;
}

// The [start, end] of the first step of `kind` on tensor or op `name`.
std::pair<double, double> span_of(const Observed& o, const Simulation& sim, StepKind kind,
                                  const std::string& name, int nth = 0) {
  for (const TimedStep& s : o.timeline.steps()) {
    if (s.step.kind != kind) continue;
    const std::string n = kind == StepKind::compute ? std::string(sim.graph.op_name(s.step.id))
                                                    : std::string(sim.graph.tensor_name(s.step.id));
    if (n == name && nth-- == 0) return {s.start, s.end};
  }
  FAIL("no " << to_string(kind) << " of " << name);
  return {0, 0};
}

const std::string kSpaceAfterWriteBack = R"(
[hardware.cache]
capacity = "3 tensors"
[hardware.dram]
transfer_time = 4
[schedule]
overlap = "lookahead:2"
[graph]
order = "as-listed"
outputs = ["a"]
tensors = [ { name = "w1", kind = "weight" }, { name = "w2", kind = "weight" }, { name = "x", kind = "input" } ]
ops = [
  { name = "op1", outputs = ["a"] },
  { name = "op2", outputs = ["b"] },
  { name = "op3", inputs = ["b"], outputs = ["c", "d"] },
  { name = "op4", inputs = ["w1", "w2", "x"] },
]
)";

}  // namespace

TEST_CASE("space is reused only after its write-back ends", "[timed][executor]") {
  // docs/model.md §12, first example. D=0: a allocated, op1 0-1.
  // D=1: store a 1-5 (required output). b allocated (2 slots held). Prefetch for op3: b is not
  //   loadable. For op4: R = {w1, w2, x}, 3 slots; free 1 + evictable 1 (a; b is op2's, w1..x
  //   pinned by op4) = 2 < 3, so free space only: w1 issued at 1, loaded 5-9 (channel busy
  //   until 5); w2 finds no free slot: stop. op2 1-2.
  // D=2: c: free 0; a is outside the window -> evicted; its store runs until 5, so it is
  //   dropped at 5 and c's space is free at 5 (waited for a store). d: nothing outside the
  //   window; w1 is not op3's -> evicted while loading, dropped at 9. op3 starts at 9, ends 10.
  //   Stall 2-9: store until S = 5 (3 units), then load (4 units).
  // D=10: b, c, d dead, dropped at 10. op4 loads w1 10-14, w2 14-18, x 18-22 (one channel),
  //   runs 22-23: 12 units of load stall.
  // Moves: store a, load w1 (prefetch), w1, w2, x = 5; time 23; load stall 4 + 12 = 16.
  // Peak: [1,5) a, b, w1 = 3; from 9: b, c, d = 3.
  const Observed o = run_text(kSpaceAfterWriteBack);
  const Simulation sim = load_text(kSpaceAfterWriteBack);
  CHECK(o.result.times.time == 23);
  CHECK(o.result.times.stall_store == 3);
  CHECK(o.result.times.stall_load == 16);
  CHECK(o.result.counts.loads == 4);
  CHECK(o.result.counts.stores == 1);
  CHECK(o.result.counts.peak_cache_bytes == 3);
  CHECK(span_of(o, sim, StepKind::store, "a") == std::pair(1.0, 5.0));
  CHECK(span_of(o, sim, StepKind::load, "w1") == std::pair(5.0, 9.0));
  CHECK(span_of(o, sim, StepKind::compute, "op3") == std::pair(9.0, 10.0));
  CHECK(span_of(o, sim, StepKind::drop, "a") == std::pair(5.0, 5.0));
  CHECK(span_of(o, sim, StepKind::drop, "w1") == std::pair(9.0, 9.0));
}

TEST_CASE("a prefetch that cannot bring in its op's tensors evicts nothing", "[timed][executor]") {
  // docs/model.md §12. Capacity 4, double buffering.
  // D=0: a allocated; prefetch op2's c: fits (3 free), load 0-1. op1 0-1.
  // D=1: b allocated (c, a, b held). Prefetch op3: R = {w1, w2, w3}; free 1 + evictable 1 (a)
  //   < 3: free space only, w1 loads 1-2, w2 finds none: stop. a is not written back.
  //   op2 1-2.
  // D=2: c and b are dead (dropped at 2). op3: w2 2-3, w3 3-4; op3 4-5 (stall 2).
  // D=5: op4 reads a, resident: 5-6. Time 6, 4 loads, no store; stall 2 (load).
  const Observed o = run_text(R"(
[hardware.cache]
capacity = "4 tensors"
[schedule]
overlap = "double-buffer"
[graph]
order = "as-listed"
tensors = [ { name = "c", kind = "input" }, { name = "w1", kind = "weight" },
            { name = "w2", kind = "weight" }, { name = "w3", kind = "weight" } ]
ops = [
  { name = "op1", outputs = ["a"] },
  { name = "op2", inputs = ["c"], outputs = ["b"] },
  { name = "op3", inputs = ["w1", "w2", "w3"] },
  { name = "op4", inputs = ["a"] },
]
)");
  CHECK(o.result.counts.moves() == 4);
  CHECK(o.result.counts.stores == 0);
  CHECK(o.result.times.time == 6);
  CHECK(o.result.times.stall_load == 2);
  CHECK(o.result.times.stall_store == 0);
}

TEST_CASE("a tensor whose store is still running is dirty", "[timed][executor][belady]") {
  // Belady, capacity 3, transfer 2; tensors declared r1 (id 0) then r0 (id 1).
  // op0 0-1 -> r0, stored 1-3. op1 1-2 -> r1, stored 3-5 (after r0's store). op2 2-3 -> c.
  // D=3: op3 needs a slot for d. r0 and r1 are never used again (equal next use); r0 is clean
  // (its store ended at 3), r1 is dirty until 5 although its id is lower: r0 is evicted, at 3.
  // op3 3-4 with no stall; time = max(4, end of r1's store 5) = 5.
  const Observed o = run_text(R"(
[hardware.cache]
capacity = "3 tensors"
[hardware.dram]
transfer_time = 2
[policy]
eviction = "belady"
[graph]
order = "as-listed"
outputs = ["r0", "r1"]
tensors = [ { name = "r1", kind = "activation" }, { name = "r0", kind = "activation" } ]
ops = [
  { name = "op0", outputs = ["r0"] },
  { name = "op1", outputs = ["r1"] },
  { name = "op2", outputs = ["c"] },
  { name = "op3", inputs = ["c"], outputs = ["d"] },
]
)");
  CHECK(o.result.times.stall() == 0);
  CHECK(o.result.times.time == 5);
  CHECK(o.result.counts.stores == 2);
}

TEST_CASE("the stall is split by the store that frees the space, whoever issued it",
          "[timed][executor][stall]") {
  // Capacity 2, transfer 3, double buffering.
  // D=0: a allocated; op1 0-1. D=1: b allocated; prefetch op3's w: free 0, a evictable -> whole:
  //   a is stored 1-4 (still read by op4), dropped at 4; w issued at 4 (waited for a store),
  //   loaded 4-7. op2 1-2.
  // D=2: op3 waits for w until 7: S = 4, store stall 2-4 (2), load stall 4-7 (3). op3 7-8.
  // D=8: b is dead; op4 loads a 8-11 (3 units of load stall), runs 11-12.
  const Observed o = run_text(R"(
[hardware.cache]
capacity = "2 tensors"
[hardware.dram]
transfer_time = 3
[schedule]
overlap = "double-buffer"
[graph]
order = "as-listed"
tensors = [ { name = "w", kind = "weight" } ]
ops = [
  { name = "op1", outputs = ["a"] },
  { name = "op2", outputs = ["b"] },
  { name = "op3", inputs = ["w", "b"] },
  { name = "op4", inputs = ["a"] },
]
)");
  CHECK(o.result.times.stall_store == 2);
  CHECK(o.result.times.stall_load == 6);
  CHECK(o.result.times.time == 12);
  REQUIRE(o.timeline.stalls().size() == 3);
  const TimelineStall& store = o.timeline.stalls()[0];
  CHECK((store.start == 2 && store.end == 4 && store.waiting_for_store));
  const TimelineStall& load = o.timeline.stalls()[1];
  CHECK((load.start == 4 && load.end == 7 && !load.waiting_for_store));
}

TEST_CASE("prefetch is per tensor: what fits in free space is loaded ahead", "[timed][executor]") {
  // Capacity 3, transfer 2, double buffering. D=0: a allocated, op1 0-1 (op2's a is not
  // loadable). D=1: b allocated; op3 misses w1, w2: free 1, nothing evictable (a and b are
  // op2's) -> w1 into the free slot, loaded 1-3; w2: stop. op2 1-2.
  // D=2: a dead. w2 takes its slot: loaded 3-5 (channel busy until 3). op3 5-6. Time 6
  // (loading both at D=2 would end at 6 and give 7).
  const Observed o = run_text(R"(
[hardware.cache]
capacity = "3 tensors"
[hardware.dram]
transfer_time = 2
[schedule]
overlap = "double-buffer"
[graph]
order = "as-listed"
tensors = [ { name = "w1", kind = "weight" }, { name = "w2", kind = "weight" } ]
ops = [
  { name = "op1", outputs = ["a"] },
  { name = "op2", inputs = ["a"], outputs = ["b"] },
  { name = "op3", inputs = ["w1", "w2", "b"] },
]
)");
  CHECK(o.result.times.time == 6);
  CHECK(o.result.times.stall_load == 3);  // op3 waits 2-5
}

TEST_CASE("a load waits only for the bytes it needs", "[timed][executor][channels]") {
  // Capacity 3, two channels, no overlap. op0 0-1 -> t0; op2 1-2 -> t2 (2 slots held).
  // D=2: op3 needs w0 (load) and t3 (output). w0 takes the free slot at once: channel 0, 2-3.
  // t3 needs a slot: t2 (outside the window, read later by op4) is stored on channel 1, 2-3,
  // and dropped at 3: t3's space waits for that store. op3 starts at 3 (w0 ready at 3 too):
  // 1 unit, a store stall (store wins while both wait). op3 3-4.
  // D=4: t0, t3 dead; op4 loads t2 4-5 (load stall 1), runs 5-6. Time 6.
  const Observed o = run_text(R"(
[hardware.cache]
capacity = "3 tensors"
[hardware.dram]
channels = 2
[graph]
order = "as-listed"
tensors = [ { name = "w0", kind = "weight" } ]
ops = [
  { name = "op0", outputs = ["t0"] },
  { name = "op2", outputs = ["t2"] },
  { name = "op3", inputs = ["w0", "t0"], outputs = ["t3"] },
  { name = "op4", inputs = ["t2"] },
]
)");
  CHECK(o.result.times.time == 6);
  CHECK(o.result.times.stall_store == 1);
  CHECK(o.result.times.stall_load == 1);
  CHECK(o.result.counts.moves() == 3);
}

TEST_CASE("evicting a prefetch in flight frees its slot when its load ends", "[timed][executor]") {
  // Capacity 3, transfer 4, lookahead 2, LRU.
  // Ops: op1 -> x; op2 reads x, writes y, z; op3 reads w.
  // D=0: x allocated (1 held). Window op1..op3. Prefetch op2: nothing loadable. op3: w, free 2
  //   -> loaded 0-4. op1 0-1.
  // D=1: op2: y, z need 2 slots, free 1 (x, w held): y takes it. z: outside the window
  //   (ops 2, 3) nothing; then not op2's: w (loading until 4) is evicted, dropped at 4 -> z's
  //   space at 4 (a load, not a store). op2 4-5: 3 units of load stall.
  // D=5: x, y, z dead (dropped at 5). op3 needs w again: loaded 5-9 (its previous copy left at
  //   4). op3 9-10: 4 units of load stall. Time 10, 2 loads of w.
  const Observed o = run_text(R"(
[hardware.cache]
capacity = "3 tensors"
[hardware.dram]
transfer_time = 4
[schedule]
overlap = "lookahead:2"
[graph]
order = "as-listed"
tensors = [ { name = "w", kind = "weight" } ]
ops = [
  { name = "op1", outputs = ["x"] },
  { name = "op2", inputs = ["x"], outputs = ["y", "z"] },
  { name = "op3", inputs = ["w"] },
]
)");
  CHECK(o.result.times.time == 10);
  CHECK(o.result.times.stall_load == 3 + 4);
  CHECK(o.result.counts.loads == 2);
  CHECK(o.result.counts.peak_cache_bytes == 3);
}

TEST_CASE("LRU touches op i's working set before the prefetches", "[timed][lru]") {
  // §5: at a decision point op i's loads are issued, then op i's working set is touched in
  // operand order, then prefetch loads touch their tensors. Capacity 3, lookahead 2.
  // Ops: op1 reads s (weight), writes a; op2 reads a, writes b; op3 reads s, p.
  // D=0: s loaded 0-1, a allocated; touch s, a; prefetch for op3: p (1 free slot), loaded 1-2.
  //   LRU order, oldest first: s, a, p. op1 1-2.
  // D=2: op2's output b needs a slot. Outside the window (op2, op3) nothing is held; so a
  //   tensor prefetched for op3 goes: s or p, and s was touched before p: s is evicted, at 2.
  //   (Touching op1's working set after the prefetch would have evicted p instead.)
  const std::string toml = R"(
[hardware.cache]
capacity = "3 tensors"
[schedule]
overlap = "lookahead:2"
[graph]
order = "as-listed"
tensors = [ { name = "s", kind = "weight" }, { name = "p", kind = "input" } ]
ops = [
  { name = "op1", inputs = ["s"], outputs = ["a"] },
  { name = "op2", inputs = ["a"], outputs = ["b"] },
  { name = "op3", inputs = ["s", "p"] },
]
)";
  const Observed o = run_text(toml);
  const Simulation sim = load_text(toml);
  CHECK(span_of(o, sim, StepKind::drop, "s") == std::pair(2.0, 2.0));
  CHECK(span_of(o, sim, StepKind::load, "s", 1) == std::pair(3.0, 4.0));
}

TEST_CASE("eviction orders with every tie broken as the contract says", "[timed][policies]") {
  // Weights stay in the cache after use (never dead), so they are the candidates.
  // Capacity 3, no overlap. Ops: op1 reads wa, wb; op2 reads wc; op3 reads wa, wd; op4 reads
  // wb; op5 reads wc.
  // LRU: D=0 loads wa, wb; D=1: wc loads into the free slot; touches: wa, wb (op1), wc (op2).
  //   D=2 op3: wa held; wd needs a slot: LRU victim = wb (wa is op3's). D=3 op4: wb evicted
  //   earlier -> needs a slot: victims (not op4's): wc (touched at D=1), wa, wd (D=2) -> wc.
  //   D=4 op5: wc needs a slot: oldest of wa, wd, wb is wa (touched at D=2 before wd). Loads:
  //   wa, wb, wc, wd, wb, wc = 6.
  // FIFO (arrival): wa, wb, wc, wd(evicts wa? no: wa is op3's -> evicts wb), then op4's wb
  //   evicts the first arrival not op4's: wa (arrived first). op5: wc held -> no load.
  //   Loads: wa, wb, wc, wd, wb = 5.
  // Belady: at D=2 victims wb (next use 4), wc (5): farthest = wc. D=3 op4: wb held. D=4 op5:
  //   wc needs a slot: wa, wd never used again, both clean; lowest id = wa. Loads: wa, wb, wc,
  //   wd, wc = 5.
  const std::string toml = R"(
[hardware.cache]
capacity = "3 tensors"
[graph]
order = "as-listed"
tensors = [ { name = "wa", kind = "weight" }, { name = "wb", kind = "weight" },
            { name = "wc", kind = "weight" }, { name = "wd", kind = "weight" } ]
ops = [
  { name = "op1", inputs = ["wa", "wb"] },
  { name = "op2", inputs = ["wc"] },
  { name = "op3", inputs = ["wa", "wd"] },
  { name = "op4", inputs = ["wb"] },
  { name = "op5", inputs = ["wc"] },
]
)";
  CHECK(run_simulation(load_text(toml, {"policy.eviction=lru"})).counts.loads == 6);
  CHECK(run_simulation(load_text(toml, {"policy.eviction=fifo"})).counts.loads == 5);
  CHECK(run_simulation(load_text(toml, {"policy.eviction=belady"})).counts.loads == 5);
}
