#include "sim/scenario/build_simulation.h"

#include <algorithm>
#include <map>
#include <set>
#include <string_view>

#include "sim/core/dag.h"
#include "sim/core/errors.h"
#include "sim/core/units.h"

namespace memsim {
namespace {

std::string q(std::string_view s) {
  return "'" + std::string(s) + "'";
}

// Resolves a raw [graph]: declared and implicit tensors, name checks, producers.
Graph build_raw_graph(const GraphSpec& spec, bool uniform) {
  std::map<std::string, std::size_t> declared;  // name -> index in spec.tensors
  for (std::size_t i = 0; i < spec.tensors.size(); ++i) {
    const TensorSpec& t = spec.tensors[i];
    if (!declared.emplace(t.name, i).second)
      throw ScenarioError(t.pos, "tensor " + q(t.name) + " is declared twice");
    if (!uniform && !t.bytes)
      throw ScenarioError(t.pos, "tensor " + q(t.name) +
                                     " needs a size (e.g. size = \"4 MiB\") when the cache "
                                     "capacity is in bytes");
  }
  // Every name an op mentions, in first-mention order, and who writes it.
  std::map<std::string, std::size_t> producer;  // tensor -> op index
  std::set<std::string> op_names;
  std::vector<std::string> implicit;
  std::set<std::string> seen_implicit;
  for (std::size_t o = 0; o < spec.ops.size(); ++o) {
    const OpSpec& op = spec.ops[o];
    if (!op_names.insert(op.name).second)
      throw ScenarioError(op.pos, "op " + q(op.name) + " is defined twice");
    std::set<std::string> in_this_op;
    for (const auto* list : {&op.inputs, &op.outputs, &op.updates})
      for (const std::string& name : *list) {
        if (!in_this_op.insert(name).second)
          throw ScenarioError(op.pos,
                              "op " + q(op.name) + " lists tensor " + q(name) + " more than once");
        if (declared.count(name) || seen_implicit.count(name)) continue;
        if (!uniform)
          throw ScenarioError(op.pos, "op " + q(op.name) + " uses tensor " + q(name) +
                                          ", which is not declared in graph.tensors");
        seen_implicit.insert(name);
        implicit.push_back(name);
      }
    for (const std::string& name : op.outputs) {
      auto [it, fresh] = producer.emplace(name, o);
      if (!fresh)
        throw ScenarioError(op.pos, "tensor " + q(name) + " is written by both " +
                                        q(spec.ops[it->second].name) + " and " + q(op.name) +
                                        "; each tensor has one producer (use 'updates' for "
                                        "in-place changes)");
    }
  }

  GraphBuilder b;
  std::map<std::string, TensorId> ids;
  const auto add = [&](const std::string& name, std::uint64_t bytes, TensorKind kind,
                       bool initial) {
    ids[name] = b.add_tensor(name, uniform ? 1 : bytes, kind, initial);
  };
  for (const TensorSpec& t : spec.tensors) {
    const bool produced = producer.count(t.name) != 0;
    if (t.initial_in_dram.value_or(false) && produced)
      throw ScenarioError(t.pos, "tensor " + q(t.name) + " starts in DRAM but op " +
                                     q(spec.ops[producer[t.name]].name) +
                                     " also produces it; drop initial = \"dram\" or the output");
    const bool initial = t.initial_in_dram.value_or(!produced);
    TensorKind kind = t.kind;
    if (!t.kind_given) kind = initial ? TensorKind::input : TensorKind::activation;
    add(t.name, t.bytes.value_or(1), kind, initial);
  }
  for (const std::string& name : implicit) {
    const bool produced = producer.count(name) != 0;
    add(name, 1, produced ? TensorKind::activation : TensorKind::input, !produced);
  }
  for (const OpSpec& op : spec.ops) {
    const auto resolve = [&](const std::vector<std::string>& names) {
      std::vector<TensorId> out;
      for (const auto& n : names) out.push_back(ids.at(n));
      return out;
    };
    const auto in = resolve(op.inputs), out = resolve(op.outputs), up = resolve(op.updates);
    for (const auto* list : {&op.inputs, &op.updates})
      for (const std::string& name : *list) {
        const auto it = declared.find(name);
        if (it != declared.end() && spec.tensors[it->second].initial_in_dram == false &&
            !producer.count(name))
          throw ScenarioError(op.pos, "op " + q(op.name) + " reads tensor " + q(name) +
                                          ", which starts nowhere (initial = \"none\") and no "
                                          "op produces");
      }
    b.add_op(op.name, in, out, up, op.flops, op.phase);
  }
  for (const std::string& name : spec.outputs) {
    const auto it = ids.find(name);
    if (it == ids.end())
      throw ScenarioError(spec.outputs_pos, "graph.outputs names " + q(name) +
                                                ", which no op uses and no tensor declares");
    b.mark_required_output(it->second);
  }
  return std::move(b).build();
}

std::vector<OpId> raw_graph_order(const Graph& g, const GraphSpec& spec) {
  const std::vector<OpId> cycle = find_cycle(g);
  if (!cycle.empty()) {
    std::string path;
    for (OpId o : cycle) path += std::string(g.op_name(o)) + " -> ";
    path += g.op_name(cycle.front());
    throw ScenarioError(spec.ops[cycle.front()].pos, "the graph has a cycle: " + path);
  }
  if (!spec.as_listed) return stable_topological_order(g);
  std::vector<OpId> order(g.op_count());
  std::vector<std::uint8_t> done(g.op_count(), 0);
  for (OpId o = 0; o < g.op_count(); ++o) {
    for (auto list : {g.inputs(o), g.updates(o)})
      for (TensorId t : list) {
        const OpId p = g.producer(t);
        if (p != Graph::kNoOp && !done[p])
          throw ScenarioError(spec.ops[o].pos,
                              "op " + q(g.op_name(o)) + " is listed before " + q(g.op_name(p)) +
                                  ", which produces its input " + q(g.tensor_name(t)) +
                                  "; reorder the ops or set order = \"topological\"");
      }
    done[o] = 1;
    order[o] = o;
  }
  return order;
}

void check_working_sets(const Simulation& sim, const ScenarioSpec& spec) {
  const Graph& g = sim.graph;
  for (OpId o = 0; o < g.op_count(); ++o) {
    const std::uint64_t need = g.working_set_bytes(o);
    if (need <= sim.machine.cache_capacity) continue;
    const SourcePos pos = spec.graph ? spec.graph->ops[o].pos : spec.hardware_pos;
    const std::string unit = sim.machine.uniform ? " tensors" : " bytes";
    std::string what = "op " + q(g.op_name(o)) + " needs " + std::to_string(need) + unit;
    if (!sim.machine.uniform) what += " (" + format_bytes(static_cast<double>(need)) + ")";
    what += " resident at once, but the cache holds " + std::to_string(sim.machine.cache_capacity) +
            unit;
    if (!sim.machine.uniform)
      what += " (" + format_bytes(static_cast<double>(sim.machine.cache_capacity)) + ")";
    throw ScenarioError(pos, what);
  }
}

// docs/model.md §13.1: each tensor's home level, by its own `home` in a raw [graph] (the
// declared tensors come first, in order), else by [placement] for its kind.
void place_tensors(Simulation& sim, const ScenarioSpec& spec) {
  Graph& g = sim.graph;
  for (TensorId t = 0; t < g.tensor_count(); ++t) {
    std::uint8_t home = spec.placement[static_cast<int>(g.tensor(t).kind)];
    if (spec.graph && t < spec.graph->tensors.size() && spec.graph->tensors[t].home != 0)
      home = spec.graph->tensors[t].home;
    if (home != g.tensor(t).home) g.set_home(t, home);
  }
}

}  // namespace

Simulation build_simulation(const ScenarioSpec& spec, const Registry& registry,
                            CacheCheck cache_check) {
  Simulation sim;
  sim.name = spec.name;
  sim.description = spec.description;
  sim.file = spec.file;
  sim.machine = spec.machine;
  if (!sim.machine.uniform) {
    if (!spec.has_bandwidth)
      throw ScenarioError(spec.hardware_pos,
                          "hardware.dram.bandwidth is required when the cache capacity is in "
                          "bytes (or give the capacity as \"N tensors\")");
    if (!spec.has_throughput)
      throw ScenarioError(spec.hardware_pos,
                          "hardware.compute.throughput is required when the cache capacity is in "
                          "bytes (or give the capacity as \"N tensors\")");
  }
  const auto* eviction = registry.find_eviction(spec.policy.eviction);
  if (!eviction)
    throw ScenarioError(spec.policy.eviction_pos.file.empty() ? SourcePos{spec.file, 0, 0}
                                                              : spec.policy.eviction_pos,
                        "policy.eviction: unknown policy '" + spec.policy.eviction +
                            "'; known policies: " + registry.eviction_names());
  sim.eviction = eviction->name;
  sim.eviction_factory = eviction->factory;
  sim.overlap = spec.schedule.overlap;
  sim.lookahead = spec.schedule.lookahead;

  if (spec.graph) {
    if (spec.schedule.kind_given)
      throw ScenarioError(spec.schedule.kind_pos,
                          "schedule.kind applies to a [model]; a [graph] runs its own ops");
    sim.graph = build_raw_graph(*spec.graph, sim.machine.uniform);
    sim.order = raw_graph_order(sim.graph, *spec.graph);
    sim.workload = spec.graph->as_listed ? "graph (as listed)" : "graph (topological order)";
  } else {
    const auto* generator = registry.find_generator(spec.schedule.kind);
    if (!generator)
      throw ScenarioError(
          spec.schedule.kind_pos.file.empty() ? spec.model->pos : spec.schedule.kind_pos,
          "schedule.kind: unknown kind '" + spec.schedule.kind +
              "'; known kinds: " + registry.generator_names());
    GeneratedSchedule generated =
        generator->factory({*spec.model, spec.schedule, sim.machine.uniform});
    sim.graph = std::move(generated.graph);
    sim.order = std::move(generated.order);
    sim.workload = "model, " + spec.schedule.kind;
    if (spec.schedule.kind == "training") {
      // Echo the resolved training options, defaults included.
      const ScheduleSpec& s = spec.schedule;
      std::string checkpoint = s.checkpoint;
      if (s.checkpoint == "every") checkpoint = "every:" + std::to_string(s.checkpoint_every);
      if (s.checkpoint == "list") {
        checkpoint = "[";
        for (std::size_t i = 0; i < s.checkpoint_layers.size(); ++i)
          checkpoint += (i ? ", " : "") + std::to_string(s.checkpoint_layers[i]);
        checkpoint += "]";
      }
      sim.workload += " (loss " + s.loss + ", optimizer " + s.optimizer + ", update " + s.update +
                      ", checkpoint " + checkpoint + ")";
    }
  }
  place_tensors(sim, spec);
  if (cache_check == CacheCheck::working_sets_fit) check_working_sets(sim, spec);
  return sim;
}

}  // namespace memsim
