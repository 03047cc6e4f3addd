#include "sim/core/dag.h"

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/depth_first_search.hpp>
#include <functional>
#include <queue>

#include "sim/core/op_operands.h"

namespace memsim {
namespace {

using DepGraph = boost::adjacency_list<boost::vecS, boost::vecS, boost::bidirectionalS>;

DepGraph dependency_graph(const Graph& graph) {
  DepGraph dag(graph.op_count());
  for (OpId o = 0; o < graph.op_count(); ++o) {
    for_each_read(graph, o, [&](TensorId t) {
      const OpId p = graph.producer(t);
      if (p != Graph::kNoOp) boost::add_edge(p, o, dag);
    });
  }
  return dag;
}

// Records the DFS path; on the first back edge the cycle is the path from its target on.
struct CycleFinder : boost::default_dfs_visitor {
  std::vector<OpId>* path;
  std::vector<OpId>* cycle;
  void discover_vertex(DepGraph::vertex_descriptor v, const DepGraph&) const {
    path->push_back(static_cast<OpId>(v));
  }
  void finish_vertex(DepGraph::vertex_descriptor, const DepGraph&) const { path->pop_back(); }
  void back_edge(DepGraph::edge_descriptor e, const DepGraph& g) const {
    if (!cycle->empty()) return;
    const auto target = static_cast<OpId>(boost::target(e, g));
    auto it = std::find(path->begin(), path->end(), target);
    cycle->assign(it, path->end());
  }
};

}  // namespace

std::vector<OpId> find_cycle(const Graph& graph) {
  const DepGraph dag = dependency_graph(graph);
  std::vector<OpId> path, cycle;
  std::vector<boost::default_color_type> colors(boost::num_vertices(dag));
  CycleFinder visitor;
  visitor.path = &path;
  visitor.cycle = &cycle;
  boost::depth_first_search(dag,
                            boost::visitor(visitor).color_map(boost::make_iterator_property_map(
                                colors.begin(), boost::get(boost::vertex_index, dag))));
  return cycle;
}

std::vector<OpId> stable_topological_order(const Graph& graph) {
  const DepGraph dag = dependency_graph(graph);
  std::vector<std::size_t> waiting(boost::num_vertices(dag));
  std::priority_queue<OpId, std::vector<OpId>, std::greater<>> ready;
  for (std::size_t v = 0; v < waiting.size(); ++v) {
    waiting[v] = boost::in_degree(v, dag);
    if (waiting[v] == 0) ready.push(static_cast<OpId>(v));
  }
  std::vector<OpId> order;
  order.reserve(waiting.size());
  while (!ready.empty()) {
    const OpId v = ready.top();
    ready.pop();
    order.push_back(v);
    for (auto [e, end] = boost::out_edges(v, dag); e != end; ++e) {
      const auto w = boost::target(*e, dag);
      if (--waiting[w] == 0) ready.push(static_cast<OpId>(w));
    }
  }
  return order;
}

}  // namespace memsim
