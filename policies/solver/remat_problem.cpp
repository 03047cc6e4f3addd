#include "policies/solver/remat_problem.h"

#include <algorithm>
#include <stdexcept>

namespace memsim::planner {

std::uint64_t RematProblem::working_set(std::uint32_t v) const {
  std::uint64_t sum = nodes[v].bytes;
  for (std::uint32_t p : nodes[v].preds) sum += nodes[p].bytes;
  return sum;
}

RematProblem make_remat_problem(const Graph& graph, const std::vector<OpId>& order,
                                std::uint64_t budget) {
  const auto quoted = [](std::string_view s) { return "'" + std::string(s) + "'"; };
  if (order.size() != graph.op_count())
    throw std::invalid_argument("the order lists " + std::to_string(order.size()) +
                                " ops; the graph has " + std::to_string(graph.op_count()));
  std::vector<std::uint32_t> node_of_op(graph.op_count(), 0xffffffffu);
  std::vector<std::uint32_t> node_of_source(graph.tensor_count(), 0xffffffffu);
  RematProblem p;
  p.budget = budget;
  for (OpId o : order) {
    if (o >= graph.op_count() || node_of_op[o] != 0xffffffffu)
      throw std::invalid_argument("the order must list every op once");
    if (!graph.updates(o).empty())
      throw std::invalid_argument("op " + quoted(graph.op_name(o)) + " updates " +
                                  quoted(graph.tensor_name(graph.updates(o)[0])) +
                                  " in place and cannot run twice; the recompute planner takes "
                                  "graphs without in-place updates");
    RematNode node;
    for (TensorId t : graph.inputs(o)) {
      std::uint32_t pred = 0;
      const OpId producer = graph.producer(t);
      if (producer == Graph::kNoOp) {
        if (!graph.tensor(t).initial_in_dram)
          throw std::invalid_argument("op " + quoted(graph.op_name(o)) + " reads " +
                                      quoted(graph.tensor_name(t)) +
                                      ", which starts nowhere and no op produces");
        if (node_of_source[t] == 0xffffffffu) {
          // A tensor from DRAM: "computed" by loading it, free in this objective.
          RematNode source;
          source.bytes = graph.tensor(t).bytes;
          source.source = t;
          node_of_source[t] = static_cast<std::uint32_t>(p.nodes.size());
          p.nodes.push_back(std::move(source));
        }
        pred = node_of_source[t];
      } else {
        if (node_of_op[producer] == 0xffffffffu)
          throw std::invalid_argument("the order runs " + quoted(graph.op_name(o)) + " before " +
                                      quoted(graph.op_name(producer)) +
                                      ", which produces its input " + quoted(graph.tensor_name(t)));
        pred = node_of_op[producer];
      }
      if (std::find(node.preds.begin(), node.preds.end(), pred) == node.preds.end())
        node.preds.push_back(pred);
    }
    for (TensorId t : graph.outputs(o)) node.bytes += graph.tensor(t).bytes;
    node.cost = graph.op(o).flops;
    node.op = o;
    node_of_op[o] = static_cast<std::uint32_t>(p.nodes.size());
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

std::int64_t first_node_over_budget(const RematProblem& p) {
  for (std::uint32_t v = 0; v < p.size(); ++v)
    if (p.working_set(v) > p.budget) return v;
  return -1;
}

}  // namespace memsim::planner
