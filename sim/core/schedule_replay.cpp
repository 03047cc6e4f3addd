// The replay of docs/model.md §9. Each comment names the rule it implements.
#include "sim/core/schedule_replay.h"

#include <algorithm>
#include <vector>

#include "sim/core/dram_channels.h"
#include "sim/core/errors.h"
#include "sim/core/executor.h"
#include "sim/core/free_space.h"

namespace memsim {

ExecutionTimes replay_schedule(const Graph& g, std::span<const Step> steps, const Machine& m,
                               StepSink& sink, VerifierOptions options) {
  Verifier verifier(g, m.cache_capacity, options);
  DramChannels channels(m.dram_channels);
  FreeSpace space(m.cache_capacity);
  const std::size_t n = g.tensor_count();
  std::vector<double> ready_at(n, 0.0);    // end of the load or op that gave the copy its value
  std::vector<double> used_until(n, 0.0);  // end of the last listed op that used it
  std::vector<double> store_end(n, 0.0);   // end of its last store
  std::vector<double> dropped_at(n, 0.0);  // when its previous copy left
  std::vector<double> load_wait(n, 0.0);   // issue time of its last load, if it waited for a store
  std::vector<std::uint8_t> resident(n, 0);
  ExecutionTimes times;
  double now = 0;  // the compute unit is free from here (D of §6)
  for (const Step& step : steps) {
    verifier.apply(step);
    const TensorId t = step.id;
    switch (step.kind) {
      case StepKind::load: {
        // §4.2 and §4.3: space from the pieces, then after its last store and previous copy.
        const FreeSpace::Taken taken = space.take(g.tensor(t).bytes);
        const double issued = std::max({taken.at, store_end[t], dropped_at[t]});
        const bool waits_for_store = (issued == taken.at && taken.after_store) ||
                                     (store_end[t] > 0 && issued == store_end[t]);
        const auto slot = channels.issue(issued, m.transfer_seconds(g.tensor(t).bytes));
        ready_at[t] = slot.end;
        load_wait[t] = waits_for_store ? issued : 0.0;
        resident[t] = 1;
        sink.on_step({slot.start, slot.end, step, Resource::dram, slot.channel, issued});
        break;
      }
      case StepKind::store: {
        const auto slot = channels.issue(ready_at[t], m.transfer_seconds(g.tensor(t).bytes));
        store_end[t] = slot.end;
        sink.on_step({slot.start, slot.end, step, Resource::dram, slot.channel, 0});
        break;
      }
      case StepKind::drop: {
        const double at = std::max({ready_at[t], used_until[t], store_end[t]});
        space.release(at, g.tensor(t).bytes, store_end[t] > 0 && at == store_end[t]);
        dropped_at[t] = at;
        resident[t] = 0;
        sink.on_step({at, at, step, Resource::cache, 0, 0});
        break;
      }
      case StepKind::compute: {
        const OpId o = step.id;
        double start = now;
        double store_wait = 0;  // S of §6
        for (auto list : {g.inputs(o), g.updates(o)})
          for (TensorId x : list) {
            start = std::max(start, ready_at[x]);
            store_wait = std::max(store_wait, load_wait[x]);
          }
        // Rewriting a tensor waits for a store of its old value to end.
        for (auto list : {g.outputs(o), g.updates(o)})
          for (TensorId x : list) start = std::max(start, store_end[x]);
        for (TensorId x : g.updates(o)) store_wait = std::max(store_wait, store_end[x]);
        // Outputs not in the cache take space now; a rerun's resident outputs are rewritten.
        for (TensorId x : g.outputs(o)) {
          if (resident[x]) continue;
          const FreeSpace::Taken taken = space.take(g.tensor(x).bytes);
          start = std::max({start, taken.at, dropped_at[x]});
          if (taken.after_store) store_wait = std::max(store_wait, taken.at);
          resident[x] = 1;
        }
        account_stall(now, start, store_wait, o, sink, times);
        const double duration = m.compute_seconds(g.op(o).flops);
        const double end = start + duration;
        times.compute_busy += duration;
        for (TensorId x : g.working_set(o)) used_until[x] = std::max(used_until[x], end);
        for (auto list : {g.outputs(o), g.updates(o)})
          for (TensorId x : list) ready_at[x] = end;
        sink.on_step({start, end, step, Resource::compute, 0, 0});
        now = end;
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
  VerifyingSink verifying(sim.graph, sim.machine, observer, options);
  const ExecutionTimes times = replay_schedule(sim.graph, steps, sim.machine, verifying, options);
  return finish_run(sim, verifying, times);
}

}  // namespace memsim
