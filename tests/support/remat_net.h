#pragma once
// A small graph for the recompute planner's tests: ops each writing one tensor named after
// the op, in byte mode, in the order they are added.
#include <algorithm>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "policies/solver/remat_problem.h"
#include "sim/core/graph.h"

namespace memsim::test {

struct Net {
  GraphBuilder b;
  std::map<std::string, TensorId> out;
  std::vector<OpId> order;
  void op(const std::string& name, std::uint64_t bytes, double flops,
          std::vector<std::string> inputs = {}) {
    std::vector<TensorId> in;
    for (const auto& i : inputs) in.push_back(out.at(i));
    const TensorId t = b.add_tensor(name, bytes, TensorKind::activation, false);
    out[name] = t;
    const TensorId o[] = {t};
    order.push_back(b.add_op(name, in, o, {}, flops, OpPhase::forward));
  }
};

// f1 -> x1 (1 B, 2 FLOP); f2(x1) -> x2 (1 B, 3); g(x2) -> y (2 B, 1); h(y) -> w (1 B, 1);
// k(x2, w) -> z (1 B, 1): nodes 0..4. Its optimum at 3 B is 5 FLOP (test_remat_planner.cpp
// derives it).
inline Graph cascade_graph(Net& net) {
  net.op("f1", 1, 2);
  net.op("f2", 1, 3, {"f1"});
  net.op("g", 2, 1, {"f2"});
  net.op("h", 1, 1, {"g"});
  net.op("k", 1, 1, {"f2", "h"});
  return std::move(net.b).build();
}

// a (2 B) -> x (1 B); b (2 B) -> y (1 B); z(x, y) (1 B): nodes 0..4, every working set 3 B, and
// no plan at 3 B (y needs b beside it, so x is gone by then and its rerun needs a: 4 B).
inline Graph no_plan_graph(Net& net) {
  net.op("a", 2, 1);
  net.op("x", 1, 1, {"a"});
  net.op("b", 2, 1);
  net.op("y", 1, 1, {"b"});
  net.op("z", 1, 1, {"x", "y"});
  return std::move(net.b).build();
}

// A random DAG of n ops n0..n{n-1} in that order: each reads each earlier one with chance 30 %,
// writes 1-4 bytes and costs 1-9 FLOP.
inline Graph random_net(Net& net, int n, std::mt19937& rng) {
  std::vector<std::string> names;
  for (int v = 0; v < n; ++v) {
    std::vector<std::string> in;
    for (int u = 0; u < v; ++u)
      if (std::uniform_int_distribution<int>(0, 99)(rng) < 30) in.push_back(names[u]);
    names.push_back("n" + std::to_string(v));
    net.op(names.back(), std::uniform_int_distribution<int>(1, 4)(rng),
           std::uniform_int_distribution<int>(1, 9)(rng), in);
  }
  return std::move(net.b).build();
}

// The budget of a random graph's tests: `tenths` tenths of the peak of its order without
// recompute, but never below its widest working set (below it no plan exists at all).
inline std::uint64_t tight_budget(const planner::RematProblem& p, std::uint64_t tenths) {
  std::uint64_t widest = 0;
  for (std::uint32_t v = 0; v < p.size(); ++v) widest = std::max(widest, p.working_set(v));
  return std::max(widest, planner::peak_without_recompute(p) * tenths / 10);
}

}  // namespace memsim::test
