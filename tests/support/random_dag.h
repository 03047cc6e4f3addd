#pragma once
// Seeded random DAGs for the solver's property tests: a few source tensors in DRAM, then ops
// that each read 1-3 tensors that exist already (sources or earlier outputs), sometimes update
// a source in place, and write 1-2 new tensors. Outputs nobody reads are usually required.
#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "tests/support/graph_sketch.h"

namespace memsim::test {

struct RandomDagOptions {
  int max_ops = 7;
  int max_tensors = 14;
  std::uint64_t max_bytes = 1;  // tensor sizes drawn from 1..max_bytes
  bool allow_updates = true;
};

inline GraphSketch random_dag(std::mt19937& rng, const RandomDagOptions& options) {
  const auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  const auto size = [&] {
    return static_cast<std::uint64_t>(pick(1, static_cast<int>(options.max_bytes)));
  };
  GraphSketch s;
  std::vector<std::string> existing;
  const int n_sources = pick(1, 3);
  for (int i = 0; i < n_sources; ++i) {
    s.sources.push_back({"S" + std::to_string(i), size()});
    existing.push_back("S" + std::to_string(i));
  }
  int tensors = n_sources;
  const int n_ops = pick(1, options.max_ops);
  std::vector<int> reads(options.max_tensors + 8, 0);
  std::vector<std::string> produced;
  for (int o = 0; o < n_ops && tensors < options.max_tensors; ++o) {
    SketchOp op;
    op.name = "op" + std::to_string(o);
    std::vector<std::string> pool = existing;
    std::shuffle(pool.begin(), pool.end(), rng);
    const int k = pick(1, std::min<int>(3, static_cast<int>(pool.size())));
    op.inputs.assign(pool.begin(), pool.begin() + k);
    if (options.allow_updates && pick(0, 99) < 15 && k < static_cast<int>(pool.size()) &&
        pool[k][0] == 'S')
      op.updates.push_back(pool[k]);
    const int outs = std::min(pick(0, 99) < 80 ? 1 : 2, options.max_tensors - tensors);
    for (int j = 0; j < outs; ++j) {
      const std::string name = "T" + std::to_string(o) + "_" + std::to_string(j);
      op.outputs.push_back(name);
      s.produced_bytes[name] = size();
      produced.push_back(name);
      ++tensors;
    }
    for (const auto& n : op.outputs) existing.push_back(n);
    s.ops.push_back(op);
  }
  // Required: outputs nobody reads (90%), other outputs (20%).
  for (const std::string& t : produced) {
    bool read = false;
    for (const SketchOp& op : s.ops)
      for (const auto* list : {&op.inputs, &op.updates})
        read = read || std::find(list->begin(), list->end(), t) != list->end();
    if (pick(0, 99) < (read ? 20 : 90)) s.required.push_back(t);
  }
  return s;
}

// A random topological order of g's ops (dependencies: producers of what an op reads).
inline std::vector<OpId> random_topological_order(const Graph& g, std::mt19937& rng) {
  std::vector<OpId> order;
  std::vector<std::uint8_t> done(g.op_count(), 0);
  while (order.size() < g.op_count()) {
    std::vector<OpId> ready;
    for (OpId o = 0; o < g.op_count(); ++o) {
      if (done[o]) continue;
      bool ok = true;
      for (auto list : {g.inputs(o), g.updates(o)})
        for (TensorId t : list) ok = ok && (g.producer(t) == Graph::kNoOp || done[g.producer(t)]);
      if (ok) ready.push_back(o);
    }
    const OpId o = ready[std::uniform_int_distribution<std::size_t>(0, ready.size() - 1)(rng)];
    done[o] = 1;
    order.push_back(o);
  }
  return order;
}

}  // namespace memsim::test
