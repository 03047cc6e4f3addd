#pragma once
// Builders over defaults for machines and graphs, so each test states only what it is about.
#include <algorithm>
#include <initializer_list>
#include <string>
#include <vector>

#include "sim/core/graph.h"
#include "sim/core/machine.h"
#include "sim/core/simulation.h"

namespace memsim::test {

// Uniform mode: every tensor is one unit, transfers and ops take one time unit.
inline Machine uniform_machine(std::uint64_t tensors, std::uint32_t channels = 1) {
  Machine m;
  m.uniform = true;
  m.cache_capacity = tensors;
  m.dram_channels = channels;
  return m;
}

// Byte mode with 1 B/s, no latency and 1 FLOP/s: a transfer takes as many seconds as it has
// bytes and an op as many as it has FLOPs, so hand derivations stay in small integers.
inline Machine unit_rate_machine(std::uint64_t capacity_bytes, std::uint32_t channels = 1) {
  Machine m;
  m.cache_capacity = capacity_bytes;
  m.dram_bandwidth = 1;
  m.dram_latency = 0;
  m.compute_throughput = 1;
  m.dram_channels = channels;
  return m;
}

// A dense chain as the inference generator makes it: fwd<i> reads W<i> and X<i-1>, writes X<i>;
// X0 and the weights start in DRAM; X<n> is the required output.
struct ChainSpec {
  std::uint64_t x0_bytes = 1;
  std::vector<std::uint64_t> weight_bytes;
  std::vector<std::uint64_t> activation_bytes;  // X1..Xn
  std::vector<double> flops;
};

inline Graph chain_graph(const ChainSpec& spec) {
  GraphBuilder b;
  TensorId x = b.add_tensor("X0", spec.x0_bytes, TensorKind::input, true);
  for (std::size_t i = 0; i < spec.weight_bytes.size(); ++i) {
    const std::string n = std::to_string(i + 1);
    const TensorId w = b.add_tensor("W" + n, spec.weight_bytes[i], TensorKind::weight, true);
    const TensorId y =
        b.add_tensor("X" + n, spec.activation_bytes[i], TensorKind::activation, false);
    const TensorId in[] = {w, x};
    const TensorId out[] = {y};
    b.add_op("fwd" + n, in, out, {}, spec.flops[i], OpPhase::forward);
    x = y;
  }
  b.mark_required_output(x);
  return std::move(b).build();
}

// A page-reference string: one read-only page tensor per distinct name (kind weight, so it is
// never freed as dead), and one op per reference that reads its page.
inline Graph reference_string_graph(const std::vector<int>& refs) {
  GraphBuilder b;
  std::vector<TensorId> page_of(1 + *std::max_element(refs.begin(), refs.end()), Graph::kNoTensor);
  for (int p : refs)
    if (page_of[p] == Graph::kNoTensor)
      page_of[p] = b.add_tensor("p" + std::to_string(p), 1, TensorKind::weight, true);
  for (std::size_t i = 0; i < refs.size(); ++i) {
    const TensorId in[] = {page_of[refs[i]]};
    b.add_op("r" + std::to_string(i + 1), in, {}, {}, 0, OpPhase::forward);
  }
  return std::move(b).build();
}

inline std::vector<OpId> listed_order(const Graph& g) {
  std::vector<OpId> order(g.op_count());
  for (OpId o = 0; o < g.op_count(); ++o) order[o] = o;
  return order;
}

// A ready Simulation around a graph, run in listed order.
inline Simulation simulation_of(Graph graph, const Machine& machine, EvictionFactory eviction,
                                std::uint32_t lookahead = 0) {
  Simulation sim;
  sim.name = "test";
  sim.machine = machine;
  sim.order = listed_order(graph);
  sim.graph = std::move(graph);
  sim.lookahead = lookahead;
  sim.overlap = lookahead == 0 ? "none" : "lookahead:" + std::to_string(lookahead);
  sim.eviction = "test";
  sim.eviction_factory = eviction;
  return sim;
}

}  // namespace memsim::test
