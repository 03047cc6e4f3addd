// The replay of docs/model.md §9. Each comment names the rule it implements.
#include "sim/core/schedule_replay.h"

#include <algorithm>
#include <unordered_map>
#include <vector>

#include "sim/core/dram_channels.h"
#include "sim/core/errors.h"
#include "sim/core/executor.h"
#include "sim/core/free_space.h"
#include "sim/core/op_operands.h"

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
  // docs/model.md §15.8: the links below the DRAM link, each tensor's home copy's valid time
  // (tensors homed below level 2; 0 for one that starts there) and the chain of hops of its
  // cache copy's load with the instant its first hop waited for (its own store chain).
  const bool deep = m.level_count() > 2;
  std::vector<DramChannels> deep_links;
  for (std::uint32_t link = 2; link < m.level_count(); ++link)
    deep_links.emplace_back(m.link_channels(link));
  std::unordered_map<TensorId, double> home_valid;
  struct Chain {
    std::vector<ChainHop> hops;
    double own_store_wait = 0;
  };
  std::unordered_map<TensorId, Chain> chains;  // copies loaded from a deeper home
  ExecutionTimes times;
  if (deep) times.links.assign(m.link_count(), LinkTimes{});
  double now = 0;  // the compute unit is free from here (D of §6)
  for (const Step& step : steps) {
    verifier.apply(step);
    const TensorId t = step.id;
    switch (step.kind) {
      case StepKind::load: {
        if (g.tensor(t).home > 2) {
          // §15.8: the hops from the home, each when the one before it ends, then the hop into
          // the cache, issued as below once the copy at level 2 is valid.
          Chain chain;
          const double v = home_valid.contains(t) ? home_valid[t] : 0.0;
          chain.own_store_wait = v;
          double at = v;
          for (std::uint32_t link = g.tensor(t).home - 1; link >= 2; --link) {
            const auto hop =
                deep_links[link - 2].issue(at, m.link_seconds(link, g.tensor(t).bytes));
            sink.on_step({hop.start, hop.end, step, Resource::dram, hop.channel, at,
                          static_cast<std::uint8_t>(link)});
            chain.hops.push_back({hop.end, link});
            at = hop.end;
          }
          const FreeSpace::Taken taken = space.take(g.tensor(t).bytes);
          const double issued = std::max({taken.at, at, dropped_at[t]});
          const bool waits_for_store = issued == taken.at && taken.after_store;
          const auto slot = channels.issue(issued, m.transfer_seconds(g.tensor(t).bytes));
          chain.hops.push_back({slot.end, 1});
          ready_at[t] = slot.end;
          load_wait[t] = waits_for_store ? issued : 0.0;
          resident[t] = 1;
          chains[t] = std::move(chain);
          sink.on_step({slot.start, slot.end, step, Resource::dram, slot.channel, issued});
          break;
        }
        // §4.2 and §4.3: space from the pieces, then after its last store and previous copy.
        const FreeSpace::Taken taken = space.take(g.tensor(t).bytes);
        const double issued = std::max({taken.at, store_end[t], dropped_at[t]});
        const bool waits_for_store = (issued == taken.at && taken.after_store) ||
                                     (store_end[t] > 0 && issued == store_end[t]);
        const auto slot = channels.issue(issued, m.transfer_seconds(g.tensor(t).bytes));
        ready_at[t] = slot.end;
        load_wait[t] = waits_for_store ? issued : 0.0;
        resident[t] = 1;
        chains.erase(t);
        sink.on_step({slot.start, slot.end, step, Resource::dram, slot.channel, issued});
        break;
      }
      case StepKind::store: {
        const auto slot = channels.issue(ready_at[t], m.transfer_seconds(g.tensor(t).bytes));
        store_end[t] = slot.end;
        sink.on_step({slot.start, slot.end, step, Resource::dram, slot.channel, 0});
        // §15.8: on to a deeper home, each hop when the one before it ends.
        double at = slot.end;
        for (std::uint32_t link = 2; link < g.tensor(t).home; ++link) {
          const auto hop = deep_links[link - 2].issue(at, m.link_seconds(link, g.tensor(t).bytes));
          sink.on_step({hop.start, hop.end, step, Resource::dram, hop.channel, at,
                        static_cast<std::uint8_t>(link)});
          at = hop.end;
        }
        if (g.tensor(t).home > 2) home_valid[t] = at;
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
        double store_wait = 0;   // S of §6
        double output_wait = 0;  // the part of S the outputs' space gave
        for_each_read(g, o, [&](TensorId x) {
          start = std::max(start, ready_at[x]);
          store_wait = std::max(store_wait, load_wait[x]);
          // §15.4: a deep load's first hop waited for the tensor's own store chain.
          if (const auto c = chains.find(x); c != chains.end())
            store_wait = std::max(store_wait, c->second.own_store_wait);
        });
        // Rewriting a tensor waits for a store of its old value to end.
        for (TensorId x : written_by(g, o)) start = std::max(start, store_end[x]);
        for (TensorId x : g.updates(o)) store_wait = std::max(store_wait, store_end[x]);
        // Outputs not in the cache take space now; a rerun's resident outputs are rewritten.
        for (TensorId x : g.outputs(o)) {
          if (resident[x]) continue;
          const FreeSpace::Taken taken = space.take(g.tensor(x).bytes);
          start = std::max({start, taken.at, dropped_at[x]});
          if (taken.after_store) {
            store_wait = std::max(store_wait, taken.at);
            output_wait = std::max(output_wait, taken.at);
          }
          resident[x] = 1;
        }
        if (deep) {
          // §15.4: the store part to link 1 unless only deep own-store waits reach S; the load
          // part by the chain of the input or update with the latest ready time.
          std::uint32_t store_link = 0;
          bool other = false;
          TensorId latest = Graph::kNoTensor;
          for_each_read(g, o, [&](TensorId x) {
            if (load_wait[x] == store_wait) other = true;
            const auto c = chains.find(x);
            if (c != chains.end() && c->second.own_store_wait == store_wait && store_link == 0)
              store_link = g.tensor(x).home - 1;
            if (latest == Graph::kNoTensor || ready_at[x] > ready_at[latest]) latest = x;
          });
          for (TensorId x : g.updates(o)) other = other || store_end[x] == store_wait;
          if (output_wait == store_wait) other = true;
          const auto c = latest == Graph::kNoTensor ? chains.end() : chains.find(latest);
          charge_link_stalls(now, start, store_wait, other || store_link == 0 ? 1 : store_link,
                             c == chains.end() ? std::span<const ChainHop>()
                                               : std::span<const ChainHop>(c->second.hops),
                             times.links);
        }
        account_stall(now, start, store_wait, o, sink, times);
        const double duration = m.compute_seconds(g.op(o).flops);
        const double end = start + duration;
        times.compute_busy += duration;
        for (TensorId x : g.working_set(o)) used_until[x] = std::max(used_until[x], end);
        for (TensorId x : written_by(g, o)) {
          ready_at[x] = end;
          chains.erase(x);  // written in the cache: no longer the loaded copy
        }
        sink.on_step({start, end, step, Resource::compute, 0, 0});
        now = end;
        break;
      }
    }
  }
  times.dram_busy = channels.busy();
  times.time = std::max(now, channels.last_end());
  if (deep) {
    times.links[0].busy = times.dram_busy;
    for (std::size_t k = 0; k < deep_links.size(); ++k) {
      times.links[k + 1].busy = deep_links[k].busy();
      times.time = std::max(times.time, deep_links[k].last_end());
    }
  }
  return times;
}

RunResult run_schedule(const Simulation& sim, std::span<const Step> steps, StepSink* observer) {
  const VerifierOptions options = run_verifier_options(sim.machine, /*allow_recompute=*/true);
  VerifyingSink verifying(sim.graph, sim.machine, observer, options);
  const ExecutionTimes times = replay_schedule(sim.graph, steps, sim.machine, verifying, options);
  return finish_run(sim, verifying, times);
}

}  // namespace memsim
