// The executor's times against recurrences derived by hand.
#include <catch2/catch.hpp>

#include "policies/register_builtin.h"
#include "sim/core/simulation.h"
#include "support/builders.h"

using namespace memsim;
using namespace memsim::test;

namespace {
EvictionFactory policy(const std::string& name) {
  return builtin_registry().find_eviction(name)->factory;
}
}  // namespace

TEST_CASE("sequential chain: every load is a stall", "[executor]") {
  // unit_rate_machine: a transfer of b bytes takes b s, an op of f FLOPs takes f s.
  // X0 = 2 B, W = {4, 4, 10, 2} B, X1..X4 = 1 B, FLOPs {6, 3, 5, 8}; a 100 B cache never evicts.
  // Overlap none (L = 0): op i is current when op i-1 ends (F_0 = 0) and only then loads what
  // it lacks, one channel, so
  //   F_1 = w_1 + x_0 + c_1 = 4 + 2 + 6 = 12        (loads W1 [0,4], X0 [4,6])
  //   F_i = F_{i-1} + w_i + c_i: F_2 = 12+4+3 = 19, F_3 = 19+10+5 = 34, F_4 = 34+2+8 = 44
  //   store X4 (1 B) [44, 45]: time 45.
  // Stall (all for loads) = x_0 + sum w = 2 + 20 = 22; compute busy = 6+3+5+8 = 22;
  // DRAM busy = 22 + 1 = 23.
  const ChainSpec spec{2, {4, 4, 10, 2}, {1, 1, 1, 1}, {6, 3, 5, 8}};
  const std::string name = GENERATE(as<std::string>{}, "lru", "fifo", "belady");
  const Simulation sim = simulation_of(chain_graph(spec), unit_rate_machine(100), policy(name));
  const RunResult r = run_simulation(sim);
  CHECK(r.times.time == 45);
  CHECK(r.times.stall_load == 22);
  CHECK(r.times.stall_store == 0);
  CHECK(r.times.compute_busy == 22);
  CHECK(r.times.dram_busy == 23);
  CHECK(r.counts.loads == 5);   // X0 and four weights
  CHECK(r.counts.stores == 1);  // X4
  CHECK(r.counts.drops == 4);   // X0..X3 die after their reader: freed for free
}

TEST_CASE("double-buffered chain follows the overlap recurrence", "[executor]") {
  // Same chain, lookahead L = 1. When op i becomes current (at F_{i-1}) it also issues the load
  // of W_{i+1}; transfers are first-come first-served on one channel. With A_i the arrival of
  // W_i and F_0 = 0:
  //   t=0: W1 [0,4], X0 [4,6], W2 [6,10]        -> S_1 = 6,  F_1 = 12
  //   op 2 at 12: W3 [max(12,10)=12, 22]        -> S_2 = max(12, A_2=10) = 12, F_2 = 15
  //   op 3 at 15: W4 [max(15, 22)=22, 24]       -> S_3 = max(15, A_3=22) = 22, F_3 = 27
  //   op 4 at 27: nothing left to prefetch      -> S_4 = max(27, A_4=24) = 27, F_4 = 35
  //   store X4 [35, 36]: time 36.
  // Stall = 6 (before op 1) + 7 (op 3 waits for W3) = 13, all for loads.
  // DRAM busy = [0,10] + [12,22] + [22,24] + [35,36] = 10 + 10 + 2 + 1 = 23.
  const ChainSpec spec{2, {4, 4, 10, 2}, {1, 1, 1, 1}, {6, 3, 5, 8}};
  const std::string name = GENERATE(as<std::string>{}, "lru", "fifo", "belady");
  const Simulation sim = simulation_of(chain_graph(spec), unit_rate_machine(100), policy(name), 1);
  const RunResult r = run_simulation(sim);
  CHECK(r.times.time == 36);
  CHECK(r.times.stall_load == 13);
  CHECK(r.times.stall_store == 0);
  CHECK(r.times.compute_busy == 22);
  CHECK(r.times.dram_busy == 23);
  CHECK(r.counts.loads == 5);
}

TEST_CASE("double buffering fits in two weights and two activations", "[executor]") {
  // The lecture: "cache should be able to store two weights and two activations". Uniform
  // tensors, 4 slots, 6 layers: op i holds W_i, X_{i-1}, X_i and prefetches W_{i+1}.
  // Transfers and ops take 1 unit. t=0: W1 [0,1], X0 [1,2], W2 [2,3]; op 1 runs [2,3].
  // From then each op i >= 2 is current at F_{i-1}, its weight arrived by then (W_i was
  // issued at F_{i-2} and takes 1 unit, the same as op i-1), so ops run back to back:
  // F_i = 2 + i, F_6 = 8, then the store of X6 [8, 9]: time 9, stalls only the first 2 units.
  const ChainSpec spec{1, {1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 1, 1}};
  const std::string name = GENERATE(as<std::string>{}, "lru", "fifo", "belady");
  const Simulation sim = simulation_of(chain_graph(spec), uniform_machine(4), policy(name), 1);
  const RunResult r = run_simulation(sim);
  CHECK(r.times.time == 9);
  CHECK(r.times.stall() == 2);
  CHECK(r.counts.loads == 7);  // X0 + six weights, each once
  CHECK(r.counts.peak_cache_bytes == 4);
}

TEST_CASE("two DRAM channels load in parallel", "[executor]") {
  // One layer: W1 = 4 B and X0 = 2 B load at once on two channels: the op starts at
  // max(4, 2) = 4, runs 6 s to 10, the 1 B output is stored [10, 11].
  // DRAM busy counts time at least one channel works: [0, 4] + [10, 11] = 5.
  const ChainSpec spec{2, {4}, {1}, {6}};
  const Simulation sim = simulation_of(chain_graph(spec), unit_rate_machine(100, 2), policy("lru"));
  const RunResult r = run_simulation(sim);
  CHECK(r.times.time == 11);
  CHECK(r.times.stall_load == 4);
  CHECK(r.times.dram_busy == 5);
}

TEST_CASE("a dirty live tensor is stored before its space is reused, the wait is a store stall",
          "[executor]") {
  // Uniform, 2 slots, unit times, no lookahead (docs/model.md §4). p: I -> T; q: J -> U;
  // r reads T and U.
  //   D_p = 0: load I [0,1]; T allocated at 0; p [1,2]. Stall 1, a load stall.
  //   D_q = 2: I is dead, dropped at 2 (a piece free from 2). Step 2, inputs first: J takes
  //     that piece, allocated at 2, its load issued at 2 and run [2,3]. Then the output U:
  //     no free space, so T (dirty, needed by r) is evicted: its store is decided at 2 but
  //     the one channel is busy with J until 3, so it runs [3,4] and T is dropped at 4 (a
  //     dirty tensor is dropped when its store ends). U's allocation time is 4 and it waited
  //     for a store. q starts at max(2, J ready 3, U allocated 4) = 4, runs [4,5].
  //     Stall 2; S_q = 4 (U's allocation waited for a store), so the store stall is
  //     min(4 - 2, 2) = 2 and the load stall 0 (§6).
  //   D_r = 5: J is dead, dropped at 5; T is loaded into that space, issued at
  //     max(5, end of T's store 4) = 5, run [5,6]; r [6,7]. Stall 1, a load stall.
  // time 7; loads I, J, T = 3; stores T = 1; stall_load = 1 + 0 + 1 = 2, stall_store = 2.
  GraphBuilder b;
  const TensorId I = b.add_tensor("I", 1, TensorKind::input, true);
  const TensorId J = b.add_tensor("J", 1, TensorKind::input, true);
  const TensorId T = b.add_tensor("T", 1, TensorKind::activation, false);
  const TensorId U = b.add_tensor("U", 1, TensorKind::activation, false);
  const TensorId p_in[] = {I}, p_out[] = {T}, q_in[] = {J}, q_out[] = {U}, r_in[] = {T, U};
  b.add_op("p", p_in, p_out, {}, 1, OpPhase::forward);
  b.add_op("q", q_in, q_out, {}, 1, OpPhase::forward);
  b.add_op("r", r_in, {}, {}, 1, OpPhase::forward);
  const std::string name = GENERATE(as<std::string>{}, "lru", "fifo", "belady");
  const Simulation sim = simulation_of(std::move(b).build(), uniform_machine(2), policy(name));
  const RunResult r = run_simulation(sim);
  CHECK(r.times.time == 7);
  CHECK(r.counts.loads == 3);
  CHECK(r.counts.stores == 1);
  CHECK(r.times.stall_load == 2);
  CHECK(r.times.stall_store == 2);
}

TEST_CASE("latency and bandwidth: a transfer takes latency + bytes / bandwidth", "[executor]") {
  // One layer, 1 MB weight and 1 MB input at 1 GB/s with 1 ms latency: each load 2 ms,
  // sequentially 4 ms; op of 1 GFLOP at 1 TFLOP/s = 1 ms -> F_1 = 5 ms; store of the 0.5 MB
  // output 1 + 0.5 = 1.5 ms: time 6.5 ms.
  Machine m;
  m.cache_capacity = 10'000'000;
  m.dram_bandwidth = 1e9;
  m.dram_latency = 1e-3;
  m.compute_throughput = 1e12;
  const ChainSpec spec{1'000'000, {1'000'000}, {500'000}, {1e9}};
  const RunResult r = run_simulation(simulation_of(chain_graph(spec), m, policy("lru")));
  CHECK(r.times.time == Approx(6.5e-3));
  CHECK(r.times.stall_load == Approx(4e-3));
}

TEST_CASE("peak live bytes count every live tensor wherever it is", "[executor][liveness]") {
  // Chain X0 = 2, W = {4, 4}, X1 = 3, X2 = 5. Weights stay live to the end, so both are live
  // throughout (8). During op 1: X0 + X1 = 5 -> 13; during op 2: X1 + X2 = 8 -> 16 (X0 died).
  const ChainSpec spec{2, {4, 4}, {3, 5}, {1, 1}};
  const Simulation sim = simulation_of(chain_graph(spec), unit_rate_machine(100), policy("lru"));
  const RunResult r = run_simulation(sim);
  CHECK(r.liveness.peak_live_bytes == 16);
  CHECK(sim.graph.op_name(r.liveness.peak_op) == "fwd2");
  CHECK(r.liveness.peak_by_kind[static_cast<int>(TensorKind::weight)] == 8);
  CHECK(r.liveness.peak_by_kind[static_cast<int>(TensorKind::activation)] == 8);
  CHECK_FALSE(r.oom);
}
