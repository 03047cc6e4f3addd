// LRU, FIFO and Belady on reference strings worked by hand (the textbook page-fault counts).
#include <catch2/catch.hpp>

#include "policies/register_builtin.h"
#include "sim/core/simulation.h"
#include "support/builders.h"

using namespace memsim;
using namespace memsim::test;

namespace {
std::uint64_t loads(const std::vector<int>& refs, std::uint64_t frames, const std::string& policy) {
  const Registry registry = builtin_registry();
  const Simulation sim = simulation_of(reference_string_graph(refs), uniform_machine(frames),
                                       registry.find_eviction(policy)->factory);
  return run_simulation(sim).counts.loads;
}
}  // namespace

TEST_CASE("Silberschatz's reference string with three frames", "[eviction]") {
  // 7 0 1 2 0 3 0 4 2 3 0 3 2 1 2 0 1 7 0 1 (Operating System Concepts, ch. 9):
  // FIFO 15 faults, LRU 12, OPT 9, as worked in the book.
  const std::vector<int> refs{7, 0, 1, 2, 0, 3, 0, 4, 2, 3, 0, 3, 2, 1, 2, 0, 1, 7, 0, 1};
  CHECK(loads(refs, 3, "fifo") == 15);
  CHECK(loads(refs, 3, "lru") == 12);
  CHECK(loads(refs, 3, "belady") == 9);
}

TEST_CASE("Belady's anomaly: FIFO faults more with more frames", "[eviction]") {
  // 1 2 3 4 1 2 5 1 2 3 4 5. FIFO, 3 frames: 1 2 3 miss, 4 evicts 1, 1 evicts 2, 2 evicts 3,
  // 5 evicts 4, 1 2 hit, 3 evicts 1, 4 evicts 2, 5 hit = 9. With 4 frames: 1 2 3 4 miss,
  // 1 2 hit, 5 evicts 1, 1 evicts 2, 2 evicts 3, 3 evicts 4, 4 evicts 5, 5 evicts 1 = 10.
  // LRU: 10 with 3 frames, 8 with 4. OPT: 7 with 3 frames, 6 with 4.
  const std::vector<int> refs{1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5};
  CHECK(loads(refs, 3, "fifo") == 9);
  CHECK(loads(refs, 4, "fifo") == 10);
  CHECK(loads(refs, 3, "lru") == 10);
  CHECK(loads(refs, 4, "lru") == 8);
  CHECK(loads(refs, 3, "belady") == 7);
  CHECK(loads(refs, 4, "belady") == 6);
}

TEST_CASE("a cache as large as the working set loads each page once", "[eviction]") {
  const std::vector<int> refs{3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5};  // 7 distinct pages
  const std::string name = GENERATE(as<std::string>{}, "lru", "fifo", "belady");
  CHECK(loads(refs, 7, name) == 7);
}

TEST_CASE("Belady prefers a clean tensor when next uses tie", "[eviction]") {
  // 3 slots. p reads B (clean, in DRAM) and writes A (dirty). q reads C and D: one slot is
  // free, so one of A, B must go; both are next used by r (a tie). Evicting clean B costs a
  // reload (4 loads, 0 stores); evicting dirty A would cost a store and a reload.
  GraphBuilder b;
  const TensorId B = b.add_tensor("B", 1, TensorKind::input, true);
  const TensorId C = b.add_tensor("C", 1, TensorKind::input, true);
  const TensorId D = b.add_tensor("D", 1, TensorKind::input, true);
  const TensorId A = b.add_tensor("A", 1, TensorKind::activation, false);
  const TensorId p_in[] = {B}, p_out[] = {A}, q_in[] = {C, D}, r_in[] = {A, B};
  b.add_op("p", p_in, p_out, {}, 1, OpPhase::forward);
  b.add_op("q", q_in, {}, {}, 1, OpPhase::forward);
  b.add_op("r", r_in, {}, {}, 1, OpPhase::forward);
  const Simulation sim = simulation_of(std::move(b).build(), uniform_machine(3),
                                       builtin_registry().find_eviction("belady")->factory);
  const RunResult r = run_simulation(sim);
  CHECK(r.counts.loads == 4);
  CHECK(r.counts.stores == 0);
}
