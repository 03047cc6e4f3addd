// Benchmark of the exact solver (issue 4): dense-chain training DAGs (fused loss, no
// optimizer, uniform tensors) with 2..8 layers at cache capacities 3..6 tensors.
// Targets: 5 layers (14 ops) proven at every capacity in <= 1 s each; 8 layers (23 ops) in
// <= 60 s each. Usage: memsim_bench_solver [TIME_LIMIT_SECONDS=120] [MAX_LAYERS=8]
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "policies/solver/solver.h"
#include "sim/core/graph.h"

namespace {

// L forward ops fwd_i: W_i, X_{i-1} -> X_i; then for i = L..1: dW_i: dX_i (X_L for i = L),
// X_{i-1} -> G_i and dX_{i-1}: W_i, dX_i -> D_{i-1} (none for i = 1). Outputs G_1..G_L.
memsim::Graph dense_chain_training(int layers) {
  using memsim::TensorKind;
  memsim::GraphBuilder b;
  std::vector<memsim::TensorId> w(layers + 1), x(layers + 1), g(layers + 1), d(layers + 1);
  x[0] = b.add_tensor("X0", 1, TensorKind::input, true);
  for (int i = 1; i <= layers; ++i)
    w[i] = b.add_tensor("W" + std::to_string(i), 1, TensorKind::weight, true);
  for (int i = 1; i <= layers; ++i) {
    x[i] = b.add_tensor("X" + std::to_string(i), 1, TensorKind::activation, false);
    const memsim::TensorId in[] = {w[i], x[i - 1]}, out[] = {x[i]};
    b.add_op("fwd" + std::to_string(i), in, out, {}, 1, memsim::OpPhase::forward);
  }
  d[layers] = x[layers];  // fused loss: dL/dX_L is taken as X_L itself
  for (int i = layers; i >= 1; --i) {
    g[i] = b.add_tensor("G" + std::to_string(i), 1, TensorKind::gradient, false);
    const memsim::TensorId in_w[] = {d[i], x[i - 1]}, out_w[] = {g[i]};
    b.add_op("dW" + std::to_string(i), in_w, out_w, {}, 1, memsim::OpPhase::backward);
    b.mark_required_output(g[i]);
    if (i == 1) break;
    d[i - 1] = b.add_tensor("D" + std::to_string(i - 1), 1, TensorKind::gradient, false);
    const memsim::TensorId in_x[] = {w[i], d[i]}, out_x[] = {d[i - 1]};
    b.add_op("dX" + std::to_string(i - 1), in_x, out_x, {}, 1, memsim::OpPhase::backward);
  }
  return std::move(b).build();
}

}  // namespace

int main(int argc, char** argv) {
  const double limit = argc > 1 ? std::atof(argv[1]) : 120.0;
  const int max_layers = argc > 2 ? std::atoi(argv[2]) : 8;
  std::printf("exact solver on dense-chain training DAGs (time limit %.0f s per solve)\n", limit);
  std::printf("%6s %4s %8s %6s %8s %11s %9s %10s\n", "layers", "ops", "capacity", "moves",
              "optimal", "lower_bound", "seconds", "states");
  for (int layers = 2; layers <= max_layers; ++layers) {
    const memsim::Graph graph = dense_chain_training(layers);
    for (std::uint64_t capacity = 3; capacity <= 6; ++capacity) {
      if (memsim::solver_rejects(graph, capacity)) continue;  // a working set does not fit
      memsim::SolveOptions options;
      options.time_limit_seconds = limit;
      const memsim::SolveResult r = memsim::solve(graph, capacity, options);
      std::printf("%6d %4zu %8llu %6llu %8s %11llu %9.3f %10llu\n", layers, graph.op_count(),
                  static_cast<unsigned long long>(capacity),
                  static_cast<unsigned long long>(r.cost), r.optimal ? "yes" : "no",
                  static_cast<unsigned long long>(r.lower_bound), r.seconds,
                  static_cast<unsigned long long>(r.states_explored));
      std::fflush(stdout);
    }
  }
  return 0;
}
