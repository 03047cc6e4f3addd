#include "sim/core/schedule_replay.h"

#include <algorithm>
#include <queue>
#include <vector>

#include "sim/core/dram_channels.h"
#include "sim/core/errors.h"
#include "sim/core/executor.h"

namespace memsim {
namespace {

// Free cache space as chunks that become free at given times. Taking space uses the chunks
// free earliest, so a load starts as soon as the drops before it allow.
class SpacePool {
 public:
  explicit SpacePool(std::uint64_t capacity) {
    if (capacity > 0) chunks_.push({0.0, capacity, false});
  }
  void release(double at, std::uint64_t bytes, bool after_store) {
    if (bytes > 0) chunks_.push({at, bytes, after_store});
  }
  struct Taken {
    double at = 0;          // when all the space is free
    double store_wait = 0;  // latest free time among chunks a store had to free first
  };
  // The verifier has checked that the space exists.
  Taken take(std::uint64_t bytes) {
    Taken t;
    while (bytes > 0 && !chunks_.empty()) {
      Chunk c = chunks_.top();
      chunks_.pop();
      t.at = std::max(t.at, c.at);
      if (c.after_store) t.store_wait = std::max(t.store_wait, c.at);
      const std::uint64_t used = std::min(bytes, c.bytes);
      bytes -= used;
      if (c.bytes > used) chunks_.push({c.at, c.bytes - used, c.after_store});
    }
    return t;
  }

 private:
  struct Chunk {
    double at;
    std::uint64_t bytes;
    bool after_store;
    bool operator>(const Chunk& o) const { return at > o.at; }
  };
  std::priority_queue<Chunk, std::vector<Chunk>, std::greater<>> chunks_;
};

}  // namespace

ExecutionTimes replay_schedule(const Graph& g, std::span<const Step> steps, const Machine& m,
                               StepSink& sink, VerifierOptions options) {
  Verifier verifier(g, m.cache_capacity, options);
  DramChannels channels(m.dram_channels);
  SpacePool space(m.cache_capacity);
  std::vector<double> ready_at(g.tensor_count(), 0.0);    // cache copy valid
  std::vector<double> used_until(g.tensor_count(), 0.0);  // end of its last listed use
  std::vector<double> store_end(g.tensor_count(), 0.0);
  std::vector<std::uint8_t> stored(g.tensor_count(), 0);  // a store is issued or done
  ExecutionTimes times;
  double now = 0;         // the compute unit is free from here
  double store_wait = 0;  // space for the current op freed only after a store, until then
  std::vector<std::uint8_t> resident(g.tensor_count(), 0);
  for (const Step& step : steps) {
    verifier.apply(step);
    const TensorId t = step.id;
    switch (step.kind) {
      case StepKind::load: {
        const SpacePool::Taken taken = space.take(g.tensor(t).bytes);
        store_wait = std::max(store_wait, taken.store_wait);
        const auto slot =
            channels.issue(std::max(taken.at, store_end[t]), m.transfer_seconds(g.tensor(t).bytes));
        ready_at[t] = slot.end;
        stored[t] = 0;
        resident[t] = 1;
        sink.on_step({slot.start, slot.end, step, Resource::dram, slot.channel});
        break;
      }
      case StepKind::store: {
        const auto slot = channels.issue(ready_at[t], m.transfer_seconds(g.tensor(t).bytes));
        store_end[t] = slot.end;
        stored[t] = 1;
        sink.on_step({slot.start, slot.end, step, Resource::dram, slot.channel});
        break;
      }
      case StepKind::drop: {
        const double before = std::max(ready_at[t], used_until[t]);
        const double at = std::max(before, store_end[t]);
        space.release(at, g.tensor(t).bytes, stored[t] && store_end[t] >= before);
        stored[t] = 0;
        resident[t] = 0;
        sink.on_step({at, at, step, Resource::cache, 0});
        break;
      }
      case StepKind::compute: {
        const OpId o = step.id;
        double start = now;
        for (auto list : {g.inputs(o), g.updates(o)})
          for (TensorId x : list) start = std::max(start, ready_at[x]);
        // Rewriting a tensor waits for a store of its old value to finish.
        for (auto list : {g.outputs(o), g.updates(o)})
          for (TensorId x : list) start = std::max(start, store_end[x]);
        // Outputs not in the cache yet take space now (a rerun's resident outputs do not).
        for (TensorId x : g.outputs(o)) {
          if (resident[x]) continue;
          const SpacePool::Taken taken = space.take(g.tensor(x).bytes);
          start = std::max(start, taken.at);
          store_wait = std::max(store_wait, taken.store_wait);
          resident[x] = 1;
        }
        account_stall(now, start, store_wait, o, sink, times);
        const double duration = m.compute_seconds(g.op(o).flops);
        const double end = start + duration;
        times.compute_busy += duration;
        for (TensorId x : g.working_set(o)) used_until[x] = std::max(used_until[x], end);
        for (auto list : {g.outputs(o), g.updates(o)})
          for (TensorId x : list) ready_at[x] = end, stored[x] = 0;
        sink.on_step({start, end, step, Resource::compute, 0});
        now = end;
        store_wait = now;
        break;
      }
    }
  }
  times.dram_busy = channels.busy();
  times.time = std::max(now, channels.last_end());
  return times;
}

RunResult run_schedule(const Simulation& sim, std::span<const Step> steps, StepSink* observer) {
  const VerifierOptions options{/*allow_recompute=*/true};
  VerifyingSink verifying(sim.graph, sim.machine.cache_capacity, observer, options);
  const ExecutionTimes times = replay_schedule(sim.graph, steps, sim.machine, verifying, options);
  return finish_run(sim, verifying, times);
}

}  // namespace memsim
