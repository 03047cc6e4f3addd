#include "policies/solver/remat_problem.h"

#include <algorithm>
#include <stdexcept>

namespace memsim::planner {

bool RematProblem::restricted() const {
  return std::any_of(nodes.begin(), nodes.end(),
                     [](const RematNode& v) { return v.last_stage != RematNode::kAnyStage; });
}

std::uint64_t RematProblem::working_set(std::uint32_t v) const {
  std::uint64_t sum = nodes[v].bytes;
  for (std::uint32_t p : nodes[v].preds) sum += nodes[p].bytes;
  return sum;
}

RematProblem make_remat_problem(const Graph& graph, const std::vector<OpId>& order,
                                std::uint64_t budget, bool load_once) {
  constexpr std::uint32_t kNone = 0xffffffffu;
  const auto quoted = [](std::string_view s) { return "'" + std::string(s) + "'"; };
  if (order.size() != graph.op_count())
    throw std::invalid_argument("the order lists " + std::to_string(order.size()) +
                                " ops; the graph has " + std::to_string(graph.op_count()));
  std::vector<std::uint32_t> node_of_op(graph.op_count(), kNone);
  // The node whose value holds a tensor: its producer's, or its own node when it starts in DRAM.
  std::vector<std::uint32_t> storage(graph.tensor_count(), kNone);
  // Per tensor: the nodes that read its current version, and whether an update has run yet.
  std::vector<std::vector<std::uint32_t>> version_readers(graph.tensor_count());
  std::vector<char> updated(graph.tensor_count(), 0);
  RematProblem p;
  p.budget = budget;
  for (OpId o : order) {
    if (o >= graph.op_count() || node_of_op[o] != kNone)
      throw std::invalid_argument("the order must list every op once");
    RematNode node;
    const auto storage_of = [&](TensorId t, const char* verb) {
      const OpId producer = graph.producer(t);
      if (producer == Graph::kNoOp) {
        if (!graph.tensor(t).initial_in_dram)
          throw std::invalid_argument("op " + quoted(graph.op_name(o)) + " " + verb + " " +
                                      quoted(graph.tensor_name(t)) +
                                      ", which starts nowhere and no op produces");
        if (storage[t] == kNone) {
          // A tensor from DRAM: "computed" by loading it, free in this objective.
          RematNode source;
          source.bytes = graph.tensor(t).bytes;
          source.source = t;
          storage[t] = static_cast<std::uint32_t>(p.nodes.size());
          if (load_once) source.last_stage = storage[t];
          p.nodes.push_back(std::move(source));
        }
      } else if (node_of_op[producer] == kNone) {
        throw std::invalid_argument("the order runs " + quoted(graph.op_name(o)) + " before " +
                                    quoted(graph.op_name(producer)) + ", which produces " +
                                    quoted(graph.tensor_name(t)));
      }
      const std::uint32_t pred = storage[t];
      if (std::find(node.preds.begin(), node.preds.end(), pred) == node.preds.end())
        node.preds.push_back(pred);
    };
    for (TensorId t : graph.inputs(o)) storage_of(t, "reads");
    for (TensorId t : graph.updates(o)) storage_of(t, "updates");
    const auto self = static_cast<std::uint32_t>(p.nodes.size());
    // An update overwrites the version before it: from now on the updater cannot run again (it
    // would update twice), nor the storage once the first update ran (it would write the first
    // version over a later one), nor the readers of the version before (they would read this one).
    for (TensorId t : graph.updates(o)) {
      const auto freeze = [&](std::uint32_t v) {
        p.nodes[v].last_stage = std::min(p.nodes[v].last_stage, self);
      };
      if (!updated[t]) freeze(storage[t]), updated[t] = 1;
      for (std::uint32_t r : version_readers[t]) freeze(r);
      version_readers[t].clear();
      node.last_stage = self;
    }
    for (TensorId t : graph.inputs(o)) version_readers[t].push_back(self);
    for (TensorId t : graph.outputs(o)) {
      node.bytes += graph.tensor(t).bytes;
      storage[t] = self;
    }
    node.cost = graph.op(o).flops;
    node.op = o;
    node_of_op[o] = self;
    p.nodes.push_back(std::move(node));
  }
  return p;
}

std::uint64_t peak_without_recompute(const RematProblem& p) {
  const std::size_t n = p.size();
  std::vector<std::uint32_t> last(n);
  for (std::uint32_t v = 0; v < n; ++v) last[v] = v;
  for (std::uint32_t v = 0; v < n; ++v)
    for (std::uint32_t u : p.nodes[v].preds) last[u] = std::max(last[u], v);
  // Bytes freed right after step t: the values whose last reader (or own computation) is t.
  std::vector<std::uint64_t> freed_after(n, 0);
  for (std::uint32_t v = 0; v < n; ++v) freed_after[last[v]] += p.nodes[v].bytes;
  std::uint64_t in_memory = 0, peak = 0;
  for (std::uint32_t t = 0; t < n; ++t) {
    in_memory += p.nodes[t].bytes;
    peak = std::max(peak, in_memory);
    in_memory -= freed_after[t];
  }
  return peak;
}

std::vector<std::uint64_t> held_bytes(const RematProblem& p) {
  const std::size_t n = p.size();
  std::vector<std::uint64_t> held(n, 0);
  if (!p.restricted()) return held;
  // u is held at the nodes strictly between its last stage and its last reader, but for its
  // readers there (u is in their working sets): a difference array, then the readers taken out.
  std::vector<std::uint32_t> last(n, 0);
  for (std::uint32_t v = 0; v < n; ++v)
    for (std::uint32_t u : p.nodes[v].preds) last[u] = std::max(last[u], v);
  std::vector<std::int64_t> diff(n + 1, 0);
  for (std::uint32_t u = 0; u < n; ++u) {
    const std::uint32_t from = p.nodes[u].last_stage;
    if (from == RematNode::kAnyStage || last[u] <= from + 1) continue;
    diff[from + 1] += static_cast<std::int64_t>(p.nodes[u].bytes);
    diff[last[u]] -= static_cast<std::int64_t>(p.nodes[u].bytes);
  }
  std::int64_t running = 0;
  for (std::uint32_t t = 0; t < n; ++t) held[t] = static_cast<std::uint64_t>(running += diff[t]);
  for (std::uint32_t v = 0; v < n; ++v)
    for (std::uint32_t u : p.nodes[v].preds)
      if (p.nodes[u].last_stage != RematNode::kAnyStage && p.nodes[u].last_stage < v && v < last[u])
        held[v] -= p.nodes[u].bytes;
  return held;
}

std::int64_t first_node_over_budget(const RematProblem& p) {
  const std::vector<std::uint64_t> held = held_bytes(p);
  for (std::uint32_t v = 0; v < p.size(); ++v)
    if (p.working_set(v) + held[v] > p.budget) return v;
  return -1;
}

}  // namespace memsim::planner
