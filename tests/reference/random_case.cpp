#include "tests/reference/random_case.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <sstream>
#include <vector>

namespace memsim_reference {
namespace {

// Our own draws on top of mt19937_64 (std::uniform_int_distribution differs between standard
// libraries). The modulo's bias is irrelevant here; what matters is the same case everywhere,
// so no expression may hold two draws (C++ leaves the order of their evaluation open).
class Draw {
 public:
  explicit Draw(std::uint64_t seed) : rng_(seed) {}
  // An integer in [lo, hi].
  std::int64_t between(std::int64_t lo, std::int64_t hi) {
    const auto span = static_cast<std::uint64_t>(hi - lo) + 1;
    return lo + static_cast<std::int64_t>(rng_() % span);
  }
  // True with probability num/den.
  bool chance(int num, int den) { return between(1, den) <= num; }
  template <class T>
  void shuffle(std::vector<T>& v) {  // Fisher-Yates with our own draws
    for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[between(0, i - 1)]);
  }

 private:
  std::mt19937_64 rng_;
};

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::weight:
      return "weight";
    case Kind::activation:
      return "activation";
    case Kind::input:
      return "input";
    case Kind::label:
      return "label";
    case Kind::gradient:
      return "gradient";
    case Kind::optimizer_state:
      return "optimizer-state";
    case Kind::other:
      return "other";
  }
  return "other";
}

const char* policy_name(Policy p) {
  switch (p) {
    case Policy::lru:
      return "lru";
    case Policy::fifo:
      return "fifo";
    case Policy::belady:
      return "belady";
  }
  return "lru";
}

// Shortest text that parses back to exactly `x`.
std::string exact(double x) {
  char buf[64];
  if (x == static_cast<double>(static_cast<long long>(x)) && x < 1e15) {
    std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(x));
    return buf;
  }
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, x);
    if (std::strtod(buf, nullptr) == x) break;
  }
  return buf;
}

std::uint64_t working_set_size(const Case& c, const Op& op) {
  std::uint64_t ws = 0;
  for (const auto* list : {&op.inputs, &op.outputs, &op.updates})
    for (int t : *list) ws += c.machine.uniform ? 1 : c.graph.tensors[t].bytes;
  return ws;
}

std::string quoted_list(const Graph& g, const std::vector<int>& ids) {
  std::string s = "[";
  for (std::size_t i = 0; i < ids.size(); ++i)
    s += (i ? ", \"" : "\"") + g.tensors[ids[i]].name + "\"";
  return s + "]";
}

std::string summary_of(const Case& c) {
  std::uint64_t largest = 0;
  for (const Op& op : c.graph.ops) largest = std::max(largest, working_set_size(c, op));
  std::ostringstream s;
  s << (c.machine.uniform ? "uniform" : "byte") << ", " << c.graph.ops.size() << " ops, "
    << c.graph.tensors.size() << " tensors (" << std::min(c.declared, c.graph.tensors.size())
    << " declared), " << c.machine.channels << " channel(s), "
    << (c.machine.uniform || c.machine.latency == 0 ? "no latency" : "latency") << ", "
    << policy_name(c.options.policy) << ", " << c.overlap << ", capacity " << c.machine.capacity
    << " (largest working set " << largest << ")";
  return s.str();
}

std::string overlap_of(int lookahead, bool prefer_double_buffer) {
  if (lookahead == 0) return "none";
  if (lookahead == 1 && prefer_double_buffer) return "double-buffer";
  return "lookahead:" + std::to_string(lookahead);
}

// Renumbers the tensors: those with `listed` true first, in their order, then the others in
// order of first mention by the ops (inputs, outputs, updates, as the scenario writes them).
void declared_first(Case& c, const std::vector<bool>& listed) {
  Graph& g = c.graph;
  std::vector<int> order;
  for (std::size_t t = 0; t < g.tensors.size(); ++t)
    if (listed[t]) order.push_back(static_cast<int>(t));
  c.declared = order.size();
  for (const Op& op : g.ops)
    for (const auto* list : {&op.inputs, &op.outputs, &op.updates})
      for (int t : *list)
        if (std::find(order.begin(), order.end(), t) == order.end()) order.push_back(t);
  for (std::size_t t = 0; t < g.tensors.size(); ++t)  // unused tensors (none after normalized)
    if (std::find(order.begin(), order.end(), static_cast<int>(t)) == order.end())
      order.push_back(static_cast<int>(t));
  std::vector<int> new_id(g.tensors.size());
  std::vector<Tensor> tensors;
  for (int old : order) {
    new_id[old] = static_cast<int>(tensors.size());
    tensors.push_back(g.tensors[old]);
  }
  g.tensors = tensors;
  for (Op& op : g.ops)
    for (auto* list : {&op.inputs, &op.outputs, &op.updates})
      for (int& t : *list) t = new_id[t];
}

}  // namespace

Case random_case(std::uint64_t seed) {
  Draw d(seed);
  Case c;
  Machine& m = c.machine;
  m.uniform = d.chance(1, 2);
  m.channels = static_cast<int>(d.between(1, 2));
  if (m.uniform) {
    // Dyadic values keep every time exact in double precision, so only the rules can differ.
    const double transfer_times[] = {1, 1, 2, 3, 4, 0.5};
    const double op_times[] = {1, 1, 2, 0.5};
    m.transfer_time = transfer_times[d.between(0, 5)];
    m.op_time = op_times[d.between(0, 3)];
  } else if (d.chance(3, 4)) {
    // Powers of two and quarters: every time is exact, so only the rules can differ.
    m.bandwidth = static_cast<double>(std::int64_t{1} << d.between(4, 7));        // 16-128 B/s
    m.throughput = static_cast<double>(std::int64_t{1} << d.between(4, 8));       // 16-256 FLOP/s
    m.latency = d.chance(1, 2) ? 0.0 : static_cast<double>(d.between(1, 8)) / 4;  // 0.25-2 s
  } else {
    // Decimal figures whose quotients round: §2 promises the same bits when every sum and
    // maximum is taken in the order docs/model.md gives.
    const double bandwidths[] = {10, 30, 48, 100};
    const double throughputs[] = {10, 30, 70, 100};
    const double latencies[] = {0, 0.1, 0.3, 1.7};
    m.bandwidth = bandwidths[d.between(0, 3)];
    m.throughput = throughputs[d.between(0, 3)];
    m.latency = latencies[d.between(0, 3)];
  }
  c.options.policy = static_cast<Policy>(d.between(0, 2));
  c.options.lookahead = static_cast<int>(d.between(0, 3));
  c.overlap = overlap_of(c.options.lookahead, d.chance(1, 2));

  // The DAG, tensors in creation order first (declaration order is shuffled below).
  Graph g;
  const auto add_tensor = [&](const std::string& prefix, Kind kind, bool initial) {
    Tensor t;
    t.name = prefix + std::to_string(g.tensors.size());
    t.kind = kind;
    t.initial_dram = initial;
    // Mostly multiples of 16 bytes, sometimes odd sizes; wide spread so capacity matters.
    t.bytes = d.chance(1, 4) ? static_cast<std::uint64_t>(d.between(1, 200))
                             : static_cast<std::uint64_t>(d.between(1, 40) * 16);
    g.tensors.push_back(t);
    return static_cast<int>(g.tensors.size()) - 1;
  };
  std::vector<int> available;  // tensors an op may read: sources and earlier outputs
  const int sources = static_cast<int>(d.between(1, 4));
  for (int s = 0; s < sources; ++s) {
    const Kind kinds[] = {Kind::input, Kind::weight, Kind::optimizer_state, Kind::label};
    const Kind kind = kinds[d.between(0, 3)];
    available.push_back(add_tensor(kind == Kind::weight ? "w" : "x", kind, true));
  }
  const int n = static_cast<int>(d.between(3, 40));
  for (int k = 0; k < n; ++k) {
    Op op;
    op.name = "op" + std::to_string(k);
    std::vector<int> operands;  // every tensor at most once over the three lists
    const auto fresh = [&](int t) {
      return std::find(operands.begin(), operands.end(), t) == operands.end();
    };
    // A layer weight of its own, starting in DRAM.
    if (d.chance(1, 4)) {
      const int w = add_tensor("w", d.chance(1, 5) ? Kind::optimizer_state : Kind::weight, true);
      available.push_back(w);
      op.inputs.push_back(w);
      operands.push_back(w);
    }
    // Inputs: mostly recent tensors (chains, skip connections), sometimes any.
    const int reads = static_cast<int>(d.between(0, 3));
    for (int r = 0; r < reads; ++r) {
      const std::int64_t size = static_cast<std::int64_t>(available.size());
      const std::int64_t lo = d.chance(2, 3) ? std::max<std::int64_t>(0, size - 4) : 0;
      const int t = available[d.between(lo, size - 1)];
      if (fresh(t)) {
        op.inputs.push_back(t);
        operands.push_back(t);
      }
    }
    // An in-place update of an existing tensor (an optimizer step, an accumulation).
    if (d.chance(1, 5)) {
      const int t = available[d.between(0, static_cast<std::int64_t>(available.size()) - 1)];
      if (fresh(t)) {
        op.updates.push_back(t);
        operands.push_back(t);
      }
    }
    // Outputs: usually one, sometimes none or two.
    const std::int64_t roll = d.between(1, 8);
    int outs = roll == 1 ? 0 : roll <= 6 ? 1 : 2;
    if (operands.empty() && outs == 0) outs = 1;
    for (int o = 0; o < outs; ++o) {
      const Kind kind = d.chance(1, 6) ? Kind::gradient : Kind::activation;
      const int t = add_tensor("t", kind, false);
      op.outputs.push_back(t);
      operands.push_back(t);
    }
    // Updates in operand order come after outputs; shuffle inputs so operand order varies.
    d.shuffle(op.inputs);
    // One draw per statement: the order in which operands are evaluated is unspecified.
    const std::int64_t mantissa = d.between(1, 64);
    const std::int64_t scale = std::int64_t{1} << d.between(0, 5);
    op.flops = static_cast<double>(mantissa * scale);
    g.ops.push_back(op);
    for (int t : op.outputs) available.push_back(t);
  }
  // Required outputs: most outputs nobody reads, some others, some updated tensors.
  std::vector<bool> read(g.tensors.size(), false), produced(g.tensors.size(), false),
      updated(g.tensors.size(), false);
  for (const Op& op : g.ops) {
    for (int t : op.inputs) read[t] = true;
    for (int t : op.updates) read[t] = updated[t] = true;
    for (int t : op.outputs) produced[t] = true;
  }
  for (std::size_t t = 0; t < g.tensors.size(); ++t) {
    if (produced[t]) g.tensors[t].required = read[t] ? d.chance(1, 6) : d.chance(2, 3);
    if (updated[t]) g.tensors[t].required = g.tensors[t].required || d.chance(1, 3);
  }

  c.graph = g;
  // Declaration order: shuffled, so Belady's lowest-id tie-break is not the creation order.
  c = normalized(c);
  std::vector<int> perm(c.graph.tensors.size());
  for (std::size_t i = 0; i < perm.size(); ++i) perm[i] = static_cast<int>(i);
  d.shuffle(perm);  // perm[new id] = old id
  std::vector<int> new_id(perm.size());
  Graph shuffled = c.graph;
  for (std::size_t i = 0; i < perm.size(); ++i) {
    shuffled.tensors[i] = c.graph.tensors[perm[i]];
    new_id[perm[i]] = static_cast<int>(i);
  }
  for (Op& op : shuffled.ops)
    for (auto* list : {&op.inputs, &op.outputs, &op.updates})
      for (int& t : *list) t = new_id[t];
  c.graph = shuffled;
  // Uniform mode may leave tensors undeclared (those whose kind is the default: input when no op
  // produces it, else activation); they take the ids after the declared ones.
  if (m.uniform && d.chance(1, 2)) {
    std::vector<bool> listed(c.graph.tensors.size(), true);
    for (std::size_t t = 0; t < listed.size(); ++t) {
      const Tensor& x = c.graph.tensors[t];
      const Kind default_kind = x.initial_dram ? Kind::input : Kind::activation;
      if (x.kind == default_kind && d.chance(1, 2)) listed[t] = false;
    }
    declared_first(c, listed);
  }

  // Capacity: from just-fits (the largest working set) to roomy (every tensor at once).
  std::uint64_t largest = 0, total = 0;
  for (const Op& op : c.graph.ops) largest = std::max(largest, working_set_size(c, op));
  for (const Tensor& t : c.graph.tensors) total += m.uniform ? 1 : t.bytes;
  const std::int64_t which = d.between(1, 4);
  const auto l = static_cast<std::int64_t>(largest), all = static_cast<std::int64_t>(total);
  if (which == 1)
    m.capacity = largest;  // just fits
  else if (which == 2)     // tight
    m.capacity = static_cast<std::uint64_t>(d.between(l, l + std::max<std::int64_t>(1, l / 2)));
  else if (which == 3)  // anywhere up to roomy
    m.capacity = static_cast<std::uint64_t>(d.between(l, std::max(l, all)));
  else  // roomy: every tensor fits at once
    m.capacity = std::max(largest, total);
  c.summary = summary_of(c);
  return c;
}

Case normalized(Case c) {
  Graph& g = c.graph;
  // Ops with nothing to work on are left out.
  std::erase_if(g.ops, [](const Op& op) {
    return op.inputs.empty() && op.outputs.empty() && op.updates.empty();
  });
  std::vector<bool> used(g.tensors.size(), false), produced(g.tensors.size(), false);
  for (const Op& op : g.ops) {
    for (const auto* list : {&op.inputs, &op.outputs, &op.updates})
      for (int t : *list) used[t] = true;
    for (int t : op.outputs) produced[t] = true;
  }
  std::vector<int> new_id(g.tensors.size(), -1);
  std::vector<Tensor> kept;
  std::vector<bool> listed;
  for (std::size_t t = 0; t < g.tensors.size(); ++t) {
    if (!used[t]) continue;
    Tensor x = g.tensors[t];
    x.initial_dram = !produced[t];  // a tensor no op produces starts in DRAM
    new_id[t] = static_cast<int>(kept.size());
    kept.push_back(x);
    listed.push_back(t < c.declared);
  }
  g.tensors = kept;
  for (Op& op : g.ops)
    for (auto* list : {&op.inputs, &op.outputs, &op.updates})
      for (int& t : *list) t = new_id[t];
  // Undeclared tensors keep their ids in order of first mention, which removing ops changes.
  declared_first(c, listed);
  c.summary = summary_of(c);
  return c;
}

std::string scenario_toml(const Case& c) {
  const Machine& m = c.machine;
  const Graph& g = c.graph;
  std::ostringstream s;
  s << "[hardware.cache]\ncapacity = \"" << m.capacity << (m.uniform ? " tensors" : " B")
    << "\"\n[hardware.dram]\nchannels = " << m.channels << "\n";
  if (m.uniform) {
    s << "transfer_time = " << exact(m.transfer_time) << "\n";
    s << "[hardware.compute]\nop_time = " << exact(m.op_time) << "\n";
  } else {
    s << "bandwidth = \"" << exact(m.bandwidth) << " B/s\"\n";
    s << "latency = \"" << exact(m.latency) << " s\"\n";
    s << "[hardware.compute]\nthroughput = \"" << exact(m.throughput) << " FLOP/s\"\n";
  }
  s << "[schedule]\noverlap = \"" << c.overlap << "\"\n";
  s << "[policy]\neviction = \"" << policy_name(c.options.policy) << "\"\n";
  s << "[graph]\norder = \"as-listed\"\n";
  std::vector<int> required;
  for (std::size_t t = 0; t < g.tensors.size(); ++t)
    if (g.tensors[t].required) required.push_back(static_cast<int>(t));
  s << "outputs = " << quoted_list(g, required) << "\n";
  s << "tensors = [\n";
  for (std::size_t id = 0; id < g.tensors.size() && id < c.declared; ++id) {
    const Tensor& t = g.tensors[id];
    s << "  { name = \"" << t.name << "\"";
    if (!m.uniform) s << ", size = \"" << t.bytes << " B\"";
    s << ", kind = \"" << kind_name(t.kind) << "\", initial = \""
      << (t.initial_dram ? "dram" : "none") << "\" },\n";
  }
  s << "]\nops = [\n";
  for (const Op& op : g.ops) {
    s << "  { name = \"" << op.name << "\"";
    if (!op.inputs.empty()) s << ", inputs = " << quoted_list(g, op.inputs);
    if (!op.outputs.empty()) s << ", outputs = " << quoted_list(g, op.outputs);
    if (!op.updates.empty()) s << ", updates = " << quoted_list(g, op.updates);
    if (!m.uniform) s << ", flops = \"" << exact(op.flops) << " FLOP\"";
    s << " },\n";
  }
  s << "]\n";
  return s.str();
}

}  // namespace memsim_reference
