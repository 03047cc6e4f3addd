// The independent reference executor (tests/reference/) checked by hand on the worked examples
// of docs/model.md §12 (issue 9's four reproducers), the two decision examples of issue 9 and the
// textbook paging string. Every expected figure is derived here from docs/model.md, step by step;
// the differential test then holds memsim to the reference on random cases.
#include <catch2/catch.hpp>
#include <vector>

#include "tests/reference/reference_executor.h"
#include "tests/reference/worked_examples.h"

using namespace memsim_reference;

namespace {

struct Expected {
  double time, compute_busy, dram_busy, stall_load, stall_store;
  std::uint64_t loads, stores, drops, peak;
  std::vector<std::pair<double, double>> ops;     // start, end by position
  std::uint64_t load_bytes = 0, store_bytes = 0;  // byte mode (uniform: loads and stores)
};

void check(const Case& c, const Expected& e) {
  const Result r = run_reference(c.graph, c.machine, c.options);
  CHECK(r.violations.empty());
  CHECK(r.time == e.time);
  CHECK(r.compute_busy == e.compute_busy);
  CHECK(r.dram_busy == e.dram_busy);
  CHECK(r.stall_load == e.stall_load);
  CHECK(r.stall_store == e.stall_store);
  CHECK(r.loads == e.loads);
  CHECK(r.stores == e.stores);
  CHECK(r.drops == e.drops);
  CHECK(r.peak_cache == e.peak);
  // Uniform mode: one unit per tensor.
  CHECK(r.load_bytes == (c.machine.uniform ? e.loads : e.load_bytes));
  CHECK(r.store_bytes == (c.machine.uniform ? e.stores : e.store_bytes));
  REQUIRE(r.ops.size() == e.ops.size());
  for (std::size_t k = 0; k < e.ops.size(); ++k) {
    INFO("op at position " << k + 1);
    CHECK(r.ops[k].start == e.ops[k].first);
    CHECK(r.ops[k].end == e.ops[k].second);
  }
}

}  // namespace

TEST_CASE("reference: space is reused only after its write-back ends (§12, issue 9 #1)",
          "[reference]") {
  // D=0: a takes the free piece (3@0) at 0; the window op2, op3 has nothing loadable (b is not
  //   produced yet). op1 runs 0-1.
  // D=1: a is a required output: stored 1-5 (channel free). b takes a unit free from 0: alloc 1.
  //   Prefetch op3: R empty. op4: R = w1 w2 x (3); free 1 + a (not window-pinned) 1 = 2 < 3, so
  //   only w1 comes, into the free slot, issued at 1, loaded 5-9 (the channel is busy until 5);
  //   stop at w2. op2 runs 1-2.
  // D=2: c: free 0, a is the only tensor outside the window: its store runs until 5, so no new
  //   store; dropped at max(2, 1, 5) = 5, a drop that waited for its store; c's allocation time
  //   5, waited. d: nothing outside the window; the tensors not current-pinned: w1, dropped when
  //   its load ends (9), clean, so d's allocation time is 9 and did not wait for a store.
  //   Prefetch op4: w1 is missing again, 0 free and nothing evictable: nothing.
  //   op3 starts max(2, b 2, c 5, d 9) = 9, runs 9-10. S = 5 (c): store stall min(3, 7) = 3,
  //   load stall 7 - 3 = 4.
  // D=10: b, c, d are dead: dropped at 10. w1, w2, x take those pieces (alloc 10, issued 10)
  //   and load 10-14, 14-18, 18-22 (FCFS on one channel). op4 runs 22-23: load stall 12.
  //   After op4, x is dead (an input, not needed): dropped at 23; w1, w2 are weights and stay.
  // time 23; loads w1, w1, w2, x = 4; stores a = 1; drops a, w1, b, c, d, x = 6;
  // DRAM busy [1,9] u [10,22] = 8 + 12 = 20; stalls load 4 + 12 = 16, store 3.
  // Occupancy: a [0,5), b [1,10), w1 [1,9), c [9,10), d [9,10), w1 w2 [10,inf), x [10,23):
  //   3 at 1, 3 at 9, 3 at 10: peak 3.
  check(space_reused_after_write_back(),
        {23, 4, 20, 16, 3, 4, 1, 6, 3, {{0, 1}, {1, 2}, {9, 10}, {22, 23}}});
}

TEST_CASE("reference: a prefetch that does not fit evicts nothing (§12, issue 9 #2)",
          "[reference]") {
  // D=0: a allocated (3 free left); prefetch op2: c fits, issued 0, loaded 0-1. op1 runs 0-1.
  // D=1: b allocated (1 free). Prefetch op3: R = w1 w2 w3; free 1 + a (outside the window) 1
  //   = 2 < 3: only w1 into the free slot, loaded 1-2; a stays. op2 runs 1-2.
  // D=2: c (an input, not needed) and b (not read, not required) are dead: dropped at 2. w2 and
  //   w3 are mandatory: loaded 2-3, 3-4. op3 starts 4, runs 4-5: load stall 2.
  // D=5: op4's a is held: runs 5-6; then a is dead: dropped at 6.
  // time 6; loads c w1 w2 w3 = 4; no store (a is never written back); drops c b a = 3;
  // DRAM busy [0,4] = 4; load stall 2. Peak: at 1 a c b w1 = 4; at 2 a w1 w2 w3 = 4.
  check(prefetch_that_does_not_fit(),
        {6, 4, 4, 2, 0, 4, 0, 3, 4, {{0, 1}, {1, 2}, {4, 5}, {5, 6}}});
}

TEST_CASE("reference: a tensor whose store is still running is dirty (§12, issue 9 #3)",
          "[reference]") {
  // D=0: r0 allocated, op0 0-1. D=1: r0 stored 1-3; r1 allocated, op1 1-2.
  // D=2: r1 stored, queued behind r0: 3-5; c takes the last unit, op2 2-3.
  // D=3: d needs a unit; eligible r0, r1 (c is current-pinned). Belady: both never used again;
  //   r0 is clean at 3 (valid DRAM copy, its store ended at 3), r1 is not (store until 5): r0 is
  //   evicted, no store, dropped at max(3, 1, 3) = 3 -- not later than D, so no store wait. op3
  //   runs 3-4, no stall.
  // D=4: c and d are dead, dropped at 4. time = max(4, 5) = 5; stores 2; drops r0 c d = 3;
  // DRAM busy [1,5] = 4. Peak: at 2 r0 r1 c = 3, at 3 r1 c d = 3.
  check(store_running_is_dirty(), {5, 4, 4, 0, 0, 0, 2, 3, 3, {{0, 1}, {1, 2}, {2, 3}, {3, 4}}});
}

TEST_CASE("reference: the stall split follows the store that frees the space (§12, issue 9 #4)",
          "[reference]") {
  // D=0: a allocated; op2 has nothing to load; op1 0-1.
  // D=1: b allocated (0 free). Prefetch op3: R = w; free 0 + a (outside the window op2-op3) 1
  //   >= 1, so w is allocated evicting a: a is dirty and needed (op4): stored 1-4, dropped at 4
  //   (waited for its store). w's allocation time 4 (waited), issued 4, loaded 4-7. op2 1-2.
  // D=2: prefetch op4: a (loadable: stored) does not fit and nothing is evictable: nothing.
  //   op3 starts at w's ready time 7, runs 7-8. S = w's issue time 4: store stall
  //   min(4 - 2, 7 - 2) = 2, load stall 5 - 2 = 3.
  // D=8: b dead, dropped at 8. a is loaded into b's unit: issued 8 (its store ended at 4), 8-11.
  //   op4 runs 11-12: load stall 3. Then a is dead: dropped at 12.
  // time 12; loads w a = 2; stores a = 1; drops a b a = 3; DRAM busy [1,7] u [8,11] = 9;
  // stalls load 3 + 3 = 6, store 2. Peak: a [0,4) b [1,8) w [4,inf) a [8,12): 2.
  check(stall_split_follows_store(),
        {12, 4, 9, 6, 2, 2, 1, 3, 2, {{0, 1}, {1, 2}, {7, 8}, {11, 12}}});
}

TEST_CASE("reference: prefetches go tensor by tensor as far as they fit (issue 9)", "[reference]") {
  // D=0: a allocated; op2's a is held; op1 0-1.
  // D=1: b allocated (1 free). Prefetch op3: R = w1 w2; free 1 + nothing outside the window
  //   (a and b are pinned) = 1 < 2: w1 into the free unit, issued 1, loaded 1-3. op2 1-2.
  // D=2: a is dead, dropped at 2. w2 takes its unit: issued 2, queued behind w1: 3-5.
  //   op3 starts max(2, w1 3, w2 5, b 2) = 5, runs 5-6: load stall 3.
  // D=6: b dead, dropped at 6. time 6; loads 2; drops a b = 2; DRAM busy [1,5] = 4.
  // Peak: at 1 a b w1 = 3; at 2 b w1 w2 = 3.
  check(prefetch_per_tensor(), {6, 3, 4, 3, 0, 2, 0, 2, 3, {{0, 1}, {1, 2}, {5, 6}}});
}

TEST_CASE("reference: a load waits only for the bytes it needs (issue 9)", "[reference]") {
  // D=0: t0 allocated, op0 0-1. D=1: t2 allocated (1 free), op2 1-2.
  // D=2: w0 takes the free unit (free from 0): alloc 2, issued 2, channel 0: 2-3. t3 needs a
  //   unit: t2 is outside the window, dirty and needed: stored 2-3 on channel 1 (free at 0;
  //   FCFS: not before w0's start 2), dropped at 3 (waited for its store): t3 alloc 3, waited.
  //   op3 starts max(2, w0 3, t0 1, t3 3) = 3, runs 3-4; S = 3: store stall 1, load stall 0.
  // D=4: t0 and t3 are dead, dropped at 4. t2 takes a unit free from 4: issued 4 (its store
  //   ended at 3, earlier than D, so no store wait), both channels free at 3 -> channel 0,
  //   4-5. op4 runs 5-6: load stall 1. t2 then dead: dropped at 6.
  // time 6; loads w0 t2 = 2; stores t2 = 1; drops t2 t0 t3 t2 = 4; DRAM busy [2,3] u [4,5] = 2.
  // Peak: at 2 t0 t2 w0 = 3; at 3 t0 w0 t3 = 3.
  check(load_waits_only_for_its_bytes(),
        {6, 4, 2, 1, 1, 2, 1, 4, 3, {{0, 1}, {1, 2}, {3, 4}, {5, 6}}});
}

TEST_CASE("reference: the textbook paging string gives FIFO 15, LRU 12, OPT 9 faults",
          "[reference]") {
  // Silberschatz's figures. Without lookahead each fault is a load of 1 unit before its op:
  // time = 20 ops + faults, load stall = faults, evictions = faults - 3 (the first three
  // faults fill empty frames; weights are never dead, so there are no other drops).
  struct Row {
    Policy policy;
    std::uint64_t faults;
  };
  for (const Row row : {Row{Policy::fifo, 15}, Row{Policy::lru, 12}, Row{Policy::belady, 9}}) {
    const Result r = [&] {
      const Case c = paging(row.policy);
      return run_reference(c.graph, c.machine, c.options);
    }();
    INFO("policy " << static_cast<int>(row.policy));
    CHECK(r.loads == row.faults);
    CHECK(r.time == 20.0 + static_cast<double>(row.faults));
    CHECK(r.stall_load == static_cast<double>(row.faults));
    CHECK(r.drops == row.faults - 3);
    CHECK(r.peak_cache == 3);
  }
}

TEST_CASE("reference: a tensor is loaded again only once its previous copy is dropped (§4.3)",
          "[reference]") {
  // Byte mode, 12 B, 1 B/s, 1 FLOP/s (every op takes 1 s), lookahead 2, Belady.
  // D=0: big (5 B) loads 0-5. Prefetch op2: x (1 B) 5-6; op3: w (2 B; big held) 6-8. 4 B stay
  //   free from 0. op1 runs 5-6.
  // D=6: y (7 B), 4 free; nothing outside the window op2-op3, so the tensors not current-
  //   pinned: big and w, both next used by op3, both clean; w is declared first: evicted,
  //   dropped when its load ends (8). 6 free < 7: big evicted, dropped at max(6, 5) = 6. y takes
  //   4 B from 0 and 3 B from 6: allocation 6. Left: 2 B from 6, 2 B from 8.
  //   Prefetch op3: R = w big (7 B) > 4 free + 0 evictable: tensor by tensor: w takes the 2 B
  //   free from 6, but is issued at max(6, no store, previous copy dropped 8) = 8 (not a store
  //   wait); loaded 8-10. big (5 B) does not fit: stop. op2 runs 6-7.
  // D=7: x and y dead, dropped at 7. big takes x's 1 B (from 7) and 4 B of y's: issued 7,
  //   loaded 10-15 behind w. op3 runs 15-16; then w and big (inputs) are dead: dropped at 16.
  // time 16; stalls: op1 5, op3 8 = load 13; loads big x w w big = 5 (15 B); drops big w x y w
  // big = 6; DRAM busy [0,15] = 15. Occupancy: at 6 x 1 + w 2 + y 7 = 10 (w's second copy
  // only from 8): peak 10.
  Expected e{16, 3, 15, 13, 0, 5, 0, 6, 10, {{5, 6}, {6, 7}, {15, 16}}};
  e.load_bytes = 15;
  check(reload_waits_for_previous_copy(), e);
}

TEST_CASE("reference: pieces free from the same instant are taken oldest first (§4.2)",
          "[reference]") {
  // docs/model.md orders pieces by their instant only; the reference takes, among equal
  // instants, the piece freed first (reference-notes.md, ambiguity A). 3 B, 1 B/s, 2 channels.
  // D=0: v1 (1 B) allocated. Prefetch (window opA-opC): opC's v2 (2 B) fits: loads 0-2 on
  //   channel 0. opA runs 0-1.
  // D=1: o (2 B), 0 free. Outside the window opB-opD: v1, dirty and needed (opE): stored 1-2
  //   on channel 1, dropped at 2 after its store: a piece of 1 B from 2 that waited for a
  //   store. 1 free < 2: nothing else outside the window; v2 (not current-pinned) is evicted,
  //   dropped when its load ends: a piece of 2 B from 2, no store. o takes 2 B: v1's piece
  //   (older) and 1 B of v2's: allocation 2, waiting for a store. Prefetch: v2 (2 B) does not
  //   fit in 1 free B with nothing evictable: stop. opB runs 2-3: 1 s of store stall (S = 2).
  // D=3: o dead (dropped at 3). v2 takes 1 B from 2 and 1 B from 3: issued 3, channel 0 (both
  //   free at 2, lowest number) 3-5. Prefetch opE: v1 (stored) fits: issued 3, channel 1, 3-4.
  //   opC runs 5-6: load stall 2.
  // D=6: v2 dead; opD's p allocated; opD 6-7. D=7: p dead; opE 7-8; v1 dead at 8.
  // time 8; loads v2 v2 v1 = 3 (5 B); stores v1 = 1 (1 B); drops v1 v2 o v2 p v1 = 6;
  // DRAM busy [0,2] u [3,5] = 4. Occupancy: 3 at 0 (v1 v2), 2 at 2 (o), 3 at 3 (v2 v1): 3.
  Expected e{8, 5, 4, 2, 1, 3, 1, 6, 3, {{0, 1}, {2, 3}, {5, 6}, {6, 7}, {7, 8}}};
  e.load_bytes = 5;
  e.store_bytes = 1;
  check(pieces_with_the_same_instant(), e);
}

TEST_CASE("reference: inputs take freed space before outputs, and an output waits for the store",
          "[reference]") {
  // test_executor's store-stall case, run by the reference. Uniform, 2 units, unit times, no
  // lookahead; I and J start in DRAM. p: I -> T; q: J -> U; r reads T and U.
  // D=0: I allocated and loaded 0-1; T allocated at 0; p 1-2 (load stall 1).
  // D=2: I dead, dropped at 2. J (an input, §4.1 step 2 before outputs) takes that unit: loaded
  //   2-3. U: nothing free, T (dirty, needed by r) evicted: stored 3-4 (the channel is busy
  //   until 3), dropped at 4; U allocated at 4, waiting for a store. q 4-5: S = 4, store
  //   stall min(4 - 2, 4 - 2) = 2, load stall 0.
  // D=5: J dead, dropped at 5; T loaded into its unit 5-6; r 6-7 (load stall 1). T and U dead
  //   at 7.
  // time 7; loads I J T = 3; stores T = 1; drops I T J T U = 5; DRAM busy [0,1] u [2,4] u [5,6]
  // = 4; stalls load 1 + 1 = 2, store 2; peak 2.
  const Case c = hand_case(uniform_machine(2), with(Policy::lru, 0), "none",
                           {{"I", Kind::input}, {"J", Kind::input}},
                           {{"p", {"I"}, {"T"}}, {"q", {"J"}, {"U"}}, {"r", {"T", "U"}, {}}});
  check(c, {7, 3, 4, 2, 2, 3, 1, 5, 2, {{1, 2}, {4, 5}, {6, 7}}});
}
