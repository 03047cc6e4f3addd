// Executor throughput and memory: a generated dense chain of 10^5 and 10^6 ops and a 10^6-access
// reference string, per eviction policy. Prints ops/s (executor + verifier + liveness, i.e. all
// of run_simulation, verified on the same thread; at 10^6 also on a second thread, as `memsim
// run` verifies) and peak heap bytes per op. Targets (issue 2): >= 2 M ops/s with LRU, >= 1 M
// ops/s with Belady on one core, <= 200 bytes per op, time linear from 10^5 to 10^6; issue 16:
// >= 5 M ops/s on the LRU chain and >= 20 M accesses/s on the LRU reference string.
#include <chrono>
#include <cstdio>
#include <random>
#include <string>

#include "bench/dense_chain.h"
#include "bench/heap_counter.h"
#include "policies/register_builtin.h"
#include "sim/core/simulation.h"
#include "sim/scenario/scenario_spec.h"

using namespace memsim;

namespace {

struct Figures {
  double seconds;
  double bytes_per_op;
  std::uint64_t loads;
};

// Peak heap of the simulation: the graph plus everything run_simulation holds (executor,
// policy, verifier, liveness). Building the graph is timed apart: a generator may hold its
// model description (LayerGraph) transiently, which is reported separately.
// Verified on the executor's thread unless `where` says otherwise: the targets are one core's.
template <typename MakeSimulation>
Figures measure(MakeSimulation make, std::size_t ops, double* build_bytes_per_op = nullptr,
                VerifierThread where = VerifierThread::same) {
  const std::size_t base = bench::live_bytes();
  bench::reset_peak();
  Simulation sim = make();
  if (build_bytes_per_op)
    *build_bytes_per_op =
        static_cast<double>(bench::peak_bytes() - base) / static_cast<double>(ops);
  bench::reset_peak();
  const auto start = std::chrono::steady_clock::now();
  const RunResult r = run_simulation(sim, nullptr, RunOptions{where});
  const auto end = std::chrono::steady_clock::now();
  const double peak = static_cast<double>(bench::peak_bytes() - base);
  return {std::chrono::duration<double>(end - start).count(), peak / static_cast<double>(ops),
          r.counts.loads};
}

// 10^6 reads of 4096 pages, 80% of them among a hot set of 256, through a 512-tensor cache.
Simulation reference_string(std::size_t accesses, const Registry& registry,
                            const std::string& policy) {
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<int> hot(0, 255), cold(0, 4095), coin(0, 9);
  GraphBuilder b;
  b.reserve(4096, accesses, accesses, 8 * (accesses + 4096));
  for (int p = 0; p < 4096; ++p) b.add_tensor("p" + std::to_string(p), 1, TensorKind::weight, true);
  for (std::size_t i = 0; i < accesses; ++i) {
    const TensorId page = static_cast<TensorId>(coin(rng) < 8 ? hot(rng) : cold(rng));
    const TensorId in[] = {page};
    b.add_op("r" + std::to_string(i), in, {}, {}, 0, OpPhase::forward);
  }
  Simulation sim;
  sim.machine.uniform = true;
  sim.machine.cache_capacity = 512;
  sim.graph = std::move(b).build();
  sim.order.resize(accesses);
  for (std::size_t i = 0; i < accesses; ++i) sim.order[i] = static_cast<OpId>(i);
  sim.eviction_factory = registry.find_eviction(policy)->factory;
  return sim;
}

}  // namespace

// Arguments, "chain" or "reference" and then a policy, run that workload (and policy) alone,
// for a profiler.
int main(int argc, char** argv) {
  const std::string only = argc > 1 ? argv[1] : "";
  const std::string only_policy = argc > 2 ? argv[2] : "";
  const Registry registry = builtin_registry();
  std::printf("%-22s %-7s %10s %12s %12s %10s\n", "workload", "policy", "ops", "seconds", "ops/s",
              "bytes/op");
  for (const char* policy : {"lru", "fifo", "belady"}) {
    if (only == "reference") break;
    if (!only_policy.empty() && only_policy != policy) continue;
    double per_op_small = 0;
    for (std::size_t n : {std::size_t{100000}, std::size_t{1000000}}) {
      double build = 0;
      const Figures f =
          measure([&] { return bench::dense_chain(n, registry, policy, /*double_buffer=*/true); },
                  n, &build);
      std::printf("%-22s %-7s %10zu %12.4f %12.0f %10.1f   (generator peak %.0f B/op)\n",
                  "dense chain (4 slots)", policy, n, f.seconds, n / f.seconds, f.bytes_per_op,
                  build);
      if (n == 100000) {
        per_op_small = f.seconds / n;
      } else {
        std::printf("%-22s %-7s linearity: time per op at 10^6 / at 10^5 = %.2f\n", "", policy,
                    (f.seconds / n) / per_op_small);
        // The same run verified on a second thread (docs/model.md §8), elapsed time.
        const Figures two =
            measure([&] { return bench::dense_chain(n, registry, policy, /*double_buffer=*/true); },
                    n, nullptr, VerifierThread::second);
        std::printf("%-22s %-7s %10zu %12.4f %12.0f %10.1f   (verified on a second thread)\n",
                    "dense chain (4 slots)", policy, n, two.seconds, n / two.seconds,
                    two.bytes_per_op);
      }
    }
  }
  for (const char* policy : {"lru", "fifo", "belady"}) {
    if (only == "chain") break;
    if (!only_policy.empty() && only_policy != policy) continue;
    const std::size_t n = 1000000;
    const Figures f = measure([&] { return reference_string(n, registry, policy); }, n);
    std::printf("%-22s %-7s %10zu %12.4f %12.0f %10.1f   (%llu loads)\n", "reference string",
                policy, n, f.seconds, n / f.seconds, f.bytes_per_op,
                static_cast<unsigned long long>(f.loads));
    // As `memsim run` runs it: verified on a second thread (docs/model.md §8), elapsed time.
    const Figures two = measure([&] { return reference_string(n, registry, policy); }, n, nullptr,
                                VerifierThread::second);
    std::printf("%-22s %-7s %10zu %12.4f %12.0f %10.1f   (verified on a second thread)\n",
                "reference string", policy, n, two.seconds, n / two.seconds, two.bytes_per_op);
  }
  return 0;
}
