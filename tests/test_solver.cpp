// The exact solver (policies/solver/): equal to an independent exhaustive search on random
// DAGs, never above the executor, and hand-derived small cases.
#include <catch2/catch.hpp>
#include <random>

#include "policies/register_builtin.h"
#include "policies/solver/solver.h"
#include "sim/core/executor.h"
#include "sim/core/simulation.h"
#include "sim/core/verifier.h"
#include "tests/support/builders.h"
#include "tests/support/exhaustive_search.h"
#include "tests/support/graph_sketch.h"
#include "tests/support/random_dag.h"

using namespace memsim;
using test::GraphSketch;

namespace {

std::uint64_t max_working_set(const Graph& g) {
  std::uint64_t m = 0;
  for (OpId o = 0; o < g.op_count(); ++o) m = std::max(m, g.working_set_bytes(o));
  return m;
}

// The solver's schedule replayed independently of the solver's own check.
MoveCounts replay(const Graph& g, std::uint64_t capacity, const SolveResult& r, bool recompute) {
  return verify(g, capacity, r.schedule, VerifierOptions{recompute});
}

std::vector<OpId> compute_order(const SolveResult& r) {
  std::vector<OpId> order;
  for (const Step& s : r.schedule)
    if (s.kind == StepKind::compute) order.push_back(s.id);
  return order;
}

// Moves of the executor (verified) for one policy, order and lookahead.
std::uint64_t executor_moves(const Graph& g, std::uint64_t capacity, std::vector<OpId> order,
                             EvictionFactory factory, std::uint32_t lookahead) {
  Simulation sim = test::simulation_of(GraphSketch{}.build(), test::uniform_machine(capacity),
                                       factory, lookahead);
  auto policy = factory({g, order});
  VerifyingSink sink(g, sim.machine, nullptr);
  execute(g, order, sim.machine, *policy, ExecutorOptions{lookahead}, sink);
  return sink.verifier().finish().moves();
}

}  // namespace

TEST_CASE("solver equals exhaustive search on random DAGs of up to 7 ops", "[solver]") {
  // 50 seeded DAGs at every capacity from the largest working set up to 5 tensors (at least
  // one; the reference search grows fast with the capacity), uniform tensors.
  std::mt19937 rng(20260401);
  int compared = 0;
  for (int n = 0; n < 50; ++n) {
    const Graph g = test::random_dag(rng, {.max_tensors = 11}).build();
    const std::uint64_t base = max_working_set(g);
    for (std::uint64_t cap = base; cap <= std::max<std::uint64_t>(base, 5); ++cap) {
      INFO("dag " << n << " capacity " << cap);
      const auto expected = test::exhaustive_minimum(g, cap);
      REQUIRE(expected.has_value());
      const SolveResult r = solve(g, cap);
      CHECK(r.optimal);
      CHECK(r.cost == *expected);
      CHECK(r.lower_bound == r.cost);
      CHECK(replay(g, cap, r, false).moves() == r.cost);
      ++compared;
    }
  }
  CHECK(compared > 80);
}

TEST_CASE("solver equals exhaustive search with sized tensors, for moves and for bytes",
          "[solver]") {
  std::mt19937 rng(77);
  for (int n = 0; n < 30; ++n) {
    const Graph g =
        test::random_dag(rng, {.max_ops = 6, .max_tensors = 12, .max_bytes = 3}).build();
    const std::uint64_t cap = max_working_set(g) + std::uniform_int_distribution<int>(0, 3)(rng);
    INFO("dag " << n << " capacity " << cap << " bytes");
    const SolveResult moves = solve(g, cap, {.objective = SolveObjective::moves});
    const SolveResult bytes = solve(g, cap, {.objective = SolveObjective::bytes});
    CHECK(moves.cost == *test::exhaustive_minimum(g, cap, {.bytes_objective = false}));
    CHECK(bytes.cost == *test::exhaustive_minimum(g, cap, {.bytes_objective = true}));
    CHECK(replay(g, cap, bytes, false).bytes() == bytes.cost);
    CHECK(moves.optimal);
    CHECK(bytes.optimal);
  }
}

TEST_CASE("solver with recompute equals exhaustive search and is never worse", "[solver]") {
  std::mt19937 rng(4242);
  for (int n = 0; n < 20; ++n) {
    const Graph g = test::random_dag(rng, {.max_ops = 6, .max_tensors = 10}).build();
    const std::uint64_t cap = max_working_set(g) + std::uniform_int_distribution<int>(0, 1)(rng);
    INFO("dag " << n << " capacity " << cap);
    const SolveResult plain = solve(g, cap);
    const SolveResult again = solve(g, cap, {.allow_recompute = true});
    CHECK(again.optimal);
    CHECK(again.cost == *test::exhaustive_minimum(g, cap, {.allow_recompute = true}));
    CHECK(again.cost <= plain.cost);
    CHECK(replay(g, cap, again, true).moves() == again.cost);
  }
}

TEST_CASE("the lower bound never exceeds the optimum", "[solver]") {
  // A zero time limit stops before the first expansion: the bound is the start state's.
  std::mt19937 rng(99);
  for (int n = 0; n < 40; ++n) {
    const Graph g = test::random_dag(rng, {.max_tensors = 11}).build();
    const std::uint64_t cap = max_working_set(g);
    const std::uint64_t optimum = *test::exhaustive_minimum(g, cap);
    const SolveResult quick = solve(g, cap, {.time_limit_seconds = 0});
    INFO("dag " << n);
    CHECK(quick.lower_bound <= optimum);
    CHECK(quick.cost >= optimum);
    CHECK(replay(g, cap, quick, false).moves() == quick.cost);
    if (!quick.optimal) CHECK(quick.lower_bound < quick.cost);
  }
}

TEST_CASE("solver never exceeds the executor under any policy, order and lookahead", "[solver]") {
  const Registry registry = builtin_registry();
  std::mt19937 rng(5150);
  for (int n = 0; n < 40; ++n) {
    const Graph g = test::random_dag(rng, {.allow_updates = false}).build();
    const std::uint64_t cap = max_working_set(g) + std::uniform_int_distribution<int>(0, 2)(rng);
    const SolveResult r = solve(g, cap);
    std::vector<std::vector<OpId>> orders{test::listed_order(g)};
    for (int k = 0; k < 3; ++k) orders.push_back(test::random_topological_order(g, rng));
    for (const auto& policy : registry.evictions())
      for (const auto& order : orders)
        for (std::uint32_t lookahead : {0u, 1u}) {
          INFO("dag " << n << " policy " << policy.name << " lookahead " << lookahead);
          CHECK(r.cost <= executor_moves(g, cap, order, policy.factory, lookahead));
        }
  }
}

namespace {
// f1: W1, X0 -> X1; f2: W2, X1 -> X2; f3: X2, X0 -> X3; X3 required (all one unit).
Graph skip_chain() {
  GraphSketch s;
  s.sources = {{"X0", 1}, {"W1", 1}, {"W2", 1}};
  s.ops = {{"f1", {"W1", "X0"}, {"X1"}, {}},
           {"f2", {"W2", "X1"}, {"X2"}, {}},
           {"f3", {"X2", "X0"}, {"X3"}, {}}};
  s.required = {"X3"};
  return s.build();
}
}  // namespace

TEST_CASE("chain with a skip connection: the input must be loaded twice", "[solver]") {
  // f1: W1, X0 -> X1; f2: W2, X1 -> X2; f3: X2, X0 -> X3; X3 required.
  // Every schedule loads X0, W1, W2 once and stores X3 once: 4 moves.
  // Capacity 3: while f2 runs its working set {W2, X1, X2} fills the cache, so X0 is out and
  // must be loaded again for f3: 5. Capacity 4: X0 stays through f2: 4.
  const Graph g = skip_chain();
  const SolveResult three = solve(g, 3);
  CHECK(three.cost == 5);
  CHECK(three.counts.loads == 4);
  CHECK(three.counts.stores == 1);
  CHECK(three.optimal);
  CHECK(solve(g, 4).cost == 4);
}

TEST_CASE("diamond: the branch computed first is spilled", "[solver]") {
  // a: X0 -> A; b: A, Wb -> B; c: A, Wc -> C; d: B, C -> Y; Y required.
  // Lower bound: load X0, Wb, Wc, store Y = 4. Capacity 3: whichever of b, c runs second has a
  // working set of 3 (A, its weight, its output), so the other's output (live until d) is out
  // of the cache then: it is stored and loaded again, 6. Capacity 4: no spill, 4.
  GraphSketch s;
  s.sources = {{"X0", 1}, {"Wb", 1}, {"Wc", 1}};
  s.ops = {{"a", {"X0"}, {"A"}, {}},
           {"b", {"A", "Wb"}, {"B"}, {}},
           {"c", {"A", "Wc"}, {"C"}, {}},
           {"d", {"B", "C"}, {"Y"}, {}}};
  s.required = {"Y"};
  const Graph g = s.build();
  const SolveResult three = solve(g, 3);
  CHECK(three.cost == 6);
  CHECK(three.counts.loads == 4);
  CHECK(three.counts.stores == 2);
  CHECK(solve(g, 4).cost == 4);
}

TEST_CASE("interleaved chains: the best order is not the listed one", "[solver]") {
  // Listed: p1: P0 -> P1; q1: Q0 -> Q1; p2: P1 -> P2; q2: Q1 -> Q2; P2, Q2 required; cache 2.
  // Bound: load P0, Q0, store P2, Q2 = 4, met by p1 p2 q1 q2 (q1 evicts P2, whose store is owed
  // anyway). In the listed order the executor (any policy: one candidate each time) spills P1
  // at q1 (store + load) and Q1 at p2 (store + load): 8 moves.
  GraphSketch s;
  s.sources = {{"P0", 1}, {"Q0", 1}};
  s.ops = {{"p1", {"P0"}, {"P1"}, {}},
           {"q1", {"Q0"}, {"Q1"}, {}},
           {"p2", {"P1"}, {"P2"}, {}},
           {"q2", {"Q1"}, {"Q2"}, {}}};
  s.required = {"P2", "Q2"};
  const Graph g = s.build();
  const SolveResult r = solve(g, 2);
  CHECK(r.cost == 4);
  CHECK(r.optimal);
  CHECK(compute_order(r) != test::listed_order(g));
  const Registry registry = builtin_registry();
  for (const auto& policy : registry.evictions())
    CHECK(executor_moves(g, 2, test::listed_order(g), policy.factory, 0) == 8);
}

TEST_CASE("recompute beats storing when the input is still in DRAM", "[solver]") {
  // a: X0 -> A; b: A -> B; c: B, W -> C; d: C, A -> Y; Y required; cache 3; one order.
  // c's working set {B, W, C} fills the cache, so A is out during c.
  // Without recompute A is stored and reloaded: loads X0, W, A + stores A, Y = 5.
  // With recompute A is dropped and a runs again (X0 loaded again): loads X0, W, X0 + store Y
  // = 4; 3 is impossible since A must come back by a load or a rerun needing X0 again.
  GraphSketch s;
  s.sources = {{"X0", 1}, {"W", 1}};
  s.ops = {{"a", {"X0"}, {"A"}, {}},
           {"b", {"A"}, {"B"}, {}},
           {"c", {"B", "W"}, {"C"}, {}},
           {"d", {"C", "A"}, {"Y"}, {}}};
  s.required = {"Y"};
  const Graph g = s.build();
  CHECK(solve(g, 3).cost == 5);
  const SolveResult r = solve(g, 3, {.allow_recompute = true});
  CHECK(r.cost == 4);
  CHECK(r.counts.computes == 5);
  CHECK(r.optimal);
}

TEST_CASE("a time-limited solve returns a valid schedule and a bound below it", "[solver]") {
  // The skip-connection chain at capacity 3: the start bound is 4, the optimum 5, so a solve
  // stopped before its first expansion cannot have proved anything.
  const Graph g = skip_chain();
  const SolveResult r = solve(g, 3, {.time_limit_seconds = 0});
  CHECK_FALSE(r.optimal);
  CHECK(r.lower_bound == 4);
  CHECK(r.cost >= 5);
  CHECK(replay(g, 3, r, false).moves() == r.cost);
}

TEST_CASE("solver rejects graphs it cannot take, saying why", "[solver]") {
  GraphSketch big;
  big.sources = {{"S", 1}};
  for (int i = 0; i < 65; ++i) big.ops.push_back({"o" + std::to_string(i), {"S"}, {}, {}});
  CHECK(solver_rejects(big.build(), 4) ==
        "the solver handles at most 64 ops and 128 tensors; this graph has 65 ops");
  CHECK_THROWS_WITH(solve(big.build(), 4),
                    "the solver handles at most 64 ops and 128 tensors; this graph has 65 ops");
  GraphSketch wide;
  wide.sources = {{"A", 1}, {"B", 1}};
  wide.ops = {{"ab", {"A", "B"}, {"C"}, {}}};
  CHECK(solver_rejects(wide.build(), 2) ==
        "op 'ab' needs 3 resident at once, but the cache holds 2");
  CHECK_FALSE(solver_rejects(wide.build(), 3).has_value());
}
