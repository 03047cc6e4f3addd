#pragma once
// A scenario assembled and ready to run (after parse and validation), and running it.
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sim/core/energy.h"
#include "sim/core/eviction.h"
#include "sim/core/executor.h"
#include "sim/core/graph.h"
#include "sim/core/liveness.h"
#include "sim/core/machine.h"
#include "sim/core/registry.h"
#include "sim/core/timed_verifier.h"
#include "sim/core/traffic.h"
#include "sim/core/verifier.h"
#include "sim/core/verifying_sink.h"
#include "sim/model/tiling_rollup.h"

namespace memsim {

struct Simulation {
  std::string name;
  std::string description;
  std::string file;
  Machine machine;
  Graph graph;
  std::vector<OpId> order;
  std::string workload;  // "graph (as-listed)", "model: inference", ...
  std::string overlap;   // as written: none, double-buffer, lookahead:N
  std::uint32_t lookahead = 0;
  std::string eviction;
  EvictionFactory eviction_factory = nullptr;
  // Set when the schedule was tiled: which op and tensor each tile op and block comes from.
  std::shared_ptr<const TilingRollup> tiling;
};

// A memory level's figures (docs/model.md §15.5).
struct MemoryLevelResult {
  LivenessReport liveness;         // of the tensors homed at the level
  std::uint64_t peak_staging = 0;  // the most bytes of staging copies at one instant
  bool oom = false;                // peak live + peak staging exceed capacity less reserve
};

struct RunResult {
  ExecutionTimes times;
  MoveCounts counts;  // from the verifier's replay
  LivenessReport liveness;
  std::array<double, 4> flops{};  // by OpPhase: forward, backward, update, recompute
  bool oom = false;  // some memory level is out of memory (on two levels: the DRAM's verdict)
  std::vector<MemoryLevelResult> memory_levels;  // levels 2..K, at index level - 2
  Traffic traffic;                               // per level and link, from the verified steps
  EnergyReport energy;
};

// Which thread verifies a run (docs/model.md §8): the verifier, the traffic counter and the
// observer either run on the executor's thread, or on a second thread fed the executor's
// events in order (sim/core/pipelined_sink.h). Results and errors are the same either way.
enum class VerifierThread : std::uint8_t {
  automatic,  // a second thread for runs of kSecondThreadMinOps ops or more, given two cores
  same,       // the executor's thread
  second,     // a second thread, whatever the run's size (tests use it on small runs)
};
struct RunOptions {
  VerifierThread verifier_thread = VerifierThread::automatic;
};
// Below this many ops a second thread costs more than it saves: starting it and its ring
// (320 KiB: 32 bytes an op at 10^4 ops) against ~0.1 us an op.
inline constexpr std::size_t kSecondThreadMinOps = 50000;
// Whether a run of `ops` ops verifies on a second thread: `automatic` asks for
// kSecondThreadMinOps ops and std::thread::hardware_concurrency() >= 2.
bool verify_on_second_thread(std::size_t ops, VerifierThread choice);

// Runs the executor with the scenario's policy, replaying every step through the verifier.
// `observer`, if given, sees each verified step (for time lines); it is called from one thread
// at a time, which may not be the caller's (RunOptions), and is done when this returns.
// Throws ScheduleError if the verifier rejects the schedule.
RunResult run_simulation(const Simulation& sim, StepSink* observer = nullptr,
                         RunOptions options = {});

// The verifier options of a run that finish_run reports: the verifier counts liveness itself,
// the run's and each memory level's, and keeps the compute order only where it cannot (then
// finish_run passes over the order).
VerifierOptions run_verifier_options(const Machine& machine, bool allow_recompute);

// The figures of a run whose steps went through `verified`: the verifier's counts (and its
// end-state check, which throws ScheduleError), liveness, FLOPs by phase, the OOM verdict.
RunResult finish_run(const Simulation& sim, VerifyingSink& verified, const ExecutionTimes& times);

}  // namespace memsim
