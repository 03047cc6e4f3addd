#include "sim/scenario/build_simulation.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <set>
#include <stdexcept>
#include <string_view>

#include "sim/core/dag.h"
#include "sim/core/errors.h"
#include "sim/core/units.h"

namespace memsim {
namespace {

std::string q(std::string_view s) {
  // A name of thousands of characters is shown by its start and its length.
  if (s.size() > 64)
    return "'" + std::string(s.substr(0, 40)) + "...' (" + std::to_string(s.size()) +
           " characters)";
  return "'" + std::string(s) + "'";
}

// What the graph's storage holds (sim/core/graph.h): names of up to 65535 bytes, up to 65535
// inputs, outputs and updates per op. Checked here, at the op's line, so that no input reaches
// the storage's own exception.
constexpr std::size_t kMaxNameBytes = 65535;
constexpr std::size_t kMaxOperands = 65535;

void check_storage_limits(const GraphSpec& spec) {
  const auto name_ok = [](const std::string& name) { return name.size() <= kMaxNameBytes; };
  const std::string limit = "; names are at most " + std::to_string(kMaxNameBytes) + " bytes";
  for (const TensorSpec& t : spec.tensors)
    if (!name_ok(t.name))
      throw ScenarioError(t.pos, "tensor name " + q(t.name) + " is too long" + limit);
  for (const OpSpec& op : spec.ops) {
    if (!name_ok(op.name))
      throw ScenarioError(op.pos, "op name " + q(op.name) + " is too long" + limit);
    for (const auto* list : {&op.inputs, &op.outputs, &op.updates})
      for (const std::string& name : *list)
        if (!name_ok(name))
          throw ScenarioError(op.pos, "op " + q(op.name) + " names tensor " + q(name) +
                                          ", which is too long" + limit);
    const std::pair<const char*, std::size_t> counts[] = {{"inputs", op.inputs.size()},
                                                          {"outputs", op.outputs.size()},
                                                          {"updates", op.updates.size()}};
    for (const auto& [what, n] : counts)
      if (n > kMaxOperands)
        throw ScenarioError(op.pos, "op " + q(op.name) + " has " + std::to_string(n) + " " + what +
                                        "; an op has at most " + std::to_string(kMaxOperands) +
                                        " inputs, " + std::to_string(kMaxOperands) +
                                        " outputs and " + std::to_string(kMaxOperands) +
                                        " updates");
  }
}

// Every sum of tensor sizes the engine forms (a working set, the cache in use, the live bytes)
// is at most the sum of all of them: that sum must fit 64 bits.
void check_total_bytes(const Simulation& sim, const ScenarioSpec& spec) {
  const Graph& g = sim.graph;
  if (!g.total_bytes_overflow()) return;  // the graph summed them as it was built
  std::uint64_t total = 0;
  for (TensorId t = 0; t < g.tensor_count(); ++t) {
    if (!__builtin_add_overflow(total, g.tensor(t).bytes, &total)) continue;
    SourcePos pos = spec.model ? spec.model->pos : SourcePos{spec.file, 0, 0};
    if (spec.graph)
      for (const TensorSpec& ts : spec.graph->tensors)
        if (ts.name == g.tensor_name(t)) pos = ts.pos;
    throw ScenarioError(pos,
                        "too large for 64 bits: the tensors' sizes add up to more than "
                        "2^64 - 1 bytes (with tensor " +
                            q(g.tensor_name(t)) + ")");
  }
}

// A rate as written (1e-320, 7.68e+11): a rounded form would show a tiny rate as 0.
std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

// Whether check_finite_times must pass, from totals alone (issue 16: its loops divide once a
// tensor and link and once an op, ~40 instructions each, before the run starts). Each time it
// adds is at most latency + bytes / bandwidth (or flops / throughput) in magnitude, times
// (1 + 2^-53)^2 for rounding; every running total at most the sum of those magnitudes, times
// (1 + 2^-53)^n for n < 2^40 terms, which is below 1 + 2^-12. So if the sum of the
// magnitudes, counted here from the graph's total bytes and the ops' FLOPs, is finite and
// below a quarter of the largest double, no time nor total can be infinite or NaN. Anything
// else (a zero bandwidth, a NaN, a sum near the limit) goes to the loops, which name the
// tensor or op.
bool times_surely_finite(const Simulation& sim) {
  const Machine& m = sim.machine;
  const Graph& g = sim.graph;
  if (g.total_bytes_overflow()) return false;
  const auto tensors = static_cast<double>(g.tensor_count());
  const auto bytes = static_cast<double>(g.total_bytes());
  double bound = 0;
  for (std::uint32_t link = 1; link < m.level_count(); ++link)
    bound += tensors * std::fabs(m.link_latency(link)) + bytes / std::fabs(m.link_bandwidth(link));
  double flops = 0;
  for (OpId o = 0; o < g.op_count(); ++o) flops += std::fabs(g.op(o).flops);
  bound += flops / std::fabs(m.compute_throughput);
  return std::isfinite(bound) && bound < std::numeric_limits<double>::max() / 4;
}

// Byte mode: every transfer and op must take a finite time (a bandwidth of 1e-320 B/s would
// make every time inf and every share NaN), and so must all of them together once.
void check_finite_times(const Simulation& sim, const ScenarioSpec& spec) {
  const Machine& m = sim.machine;
  if (m.uniform || times_surely_finite(sim)) return;
  const Graph& g = sim.graph;
  const auto at = [&](const SourcePos& pos) { return pos.file.empty() ? spec.hardware_pos : pos; };
  double total = 0;
  for (TensorId t = 0; t < g.tensor_count(); ++t) {
    const double bytes = static_cast<double>(g.tensor(t).bytes);
    const double seconds = m.dram_latency + bytes / m.dram_bandwidth;
    total += seconds;
    if (!std::isfinite(seconds) || !std::isfinite(total))
      throw ScenarioError(at(spec.bandwidth_pos),
                          "hardware.dram.bandwidth " + number(m.dram_bandwidth) + " B/s" +
                              ": moving tensor " + q(g.tensor_name(t)) + " (" +
                              format_bytes(bytes) +
                              ") would take longer than any time memsim can count; a time must "
                              "be a finite number of seconds");
  }
  // The links below the DRAM (docs/model.md §15.1) likewise.
  for (std::uint32_t link = 2; link < m.level_count(); ++link)
    for (TensorId t = 0; t < g.tensor_count(); ++t) {
      const double seconds = m.link_seconds(link, g.tensor(t).bytes);
      total += seconds;
      if (!std::isfinite(seconds) || !std::isfinite(total))
        throw ScenarioError(spec.hardware_pos,
                            "hardware.levels." + std::to_string(link + 1) + ".bandwidth " +
                                number(m.link_bandwidth(link)) + " B/s: moving tensor " +
                                q(g.tensor_name(t)) + " (" +
                                format_bytes(static_cast<double>(g.tensor(t).bytes)) +
                                ") would take longer than any time memsim can count; a time "
                                "must be a finite number of seconds");
    }
  for (OpId o = 0; o < g.op_count(); ++o) {
    const double seconds = g.op(o).flops / m.compute_throughput;
    total += seconds;
    if (!std::isfinite(seconds) || !std::isfinite(total))
      throw ScenarioError(at(spec.throughput_pos),
                          "hardware.compute.throughput " + number(m.compute_throughput) +
                              " FLOP/s" + ": op " + q(g.op_name(o)) + " (" +
                              format_flops(g.op(o).flops) +
                              ") would take longer than any time memsim can count; a time must "
                              "be a finite number of seconds");
  }
}

// Resolves a raw [graph]: declared and implicit tensors, name checks, producers.
Graph build_raw_graph(const GraphSpec& spec, bool uniform) {
  check_storage_limits(spec);
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
  // The graph took the largest working set as it was built: the ops are searched only for the
  // first one that does not fit, to name it.
  if (g.max_working_set_bytes() <= sim.machine.cache_capacity) return;
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

// docs/model.md §15.1: each tensor's home level, by its own `home` in a raw [graph] (the
// declared tensors come first, in order), else by [placement] for its kind.
void place_tensors(Simulation& sim, const ScenarioSpec& spec) {
  Graph& g = sim.graph;
  // Nothing to do when every kind lives at the level a tensor starts at (the common case):
  // then no tensor of a generated model moves, and a raw [graph] only by its own `home`.
  const bool all_home = std::all_of(spec.placement.begin(), spec.placement.end(),
                                    [](std::uint8_t level) { return level == Tensor{}.home; });
  if (all_home && !spec.graph) return;
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
    GeneratedSchedule generated;
    try {
      // Without the cache check (memsim fit: a question about DRAM) nothing is tiled either:
      // the ops stay whole, as the liveness of the op order asks.
      const std::uint64_t tile_for =
          cache_check == CacheCheck::skip ? 0 : sim.machine.cache_capacity;
      generated = generator->factory(
          {*spec.model, spec.schedule, sim.machine.uniform, tile_for, sim.machine.dram_capacity});
    } catch (const std::length_error& e) {
      // The graph's storage refused a name or an op's operand count (graph.h).
      throw ScenarioError(spec.model->pos, std::string("too large: ") + e.what());
    }
    sim.graph = std::move(generated.graph);
    sim.order = std::move(generated.order);
    // Not shrunk to fit: room a generator reserved and never wrote is address space, not
    // memory, and shrinking would copy the order into fresh pages.
    sim.tiling = std::move(generated.tiling);
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
  check_total_bytes(sim, spec);
  check_finite_times(sim, spec);
  if (cache_check == CacheCheck::working_sets_fit) {
    check_working_sets(sim, spec);
  }
  return sim;
}

}  // namespace memsim
