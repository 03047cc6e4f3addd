#pragma once
// Dependency structure of a Graph, on Boost.Graph: op u -> op v when v reads or updates a
// tensor u produces.
#include <vector>

#include "sim/core/graph.h"

namespace memsim {

// The ops on one cycle, in dependency order (empty when the graph is acyclic).
std::vector<OpId> find_cycle(const Graph& graph);

// A topological order that prefers the op listed first among those ready (so a listed order
// that is already valid comes back unchanged). Requires an acyclic graph.
std::vector<OpId> stable_topological_order(const Graph& graph);

}  // namespace memsim
