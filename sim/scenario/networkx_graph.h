#pragma once
// `[graph] networkx = "file.json"`: the node-link JSON that networkx writes
// (networkx.node_link_data) and that Checkmate and MOCCASIN publish their graphs in, read as a
// raw [graph] (docs/model.md, "Graphs from networkx"):
//  * every node is one op that writes one tensor of the same name; a link u -> v means v reads
//    u's tensor;
//  * the tensor's size is the node's `cost_ram` (Checkmate) or `out_cost` (MOCCASIN), in bytes;
//    the op's FLOPs are its `cost_cpu` or `duration` (the graphs' compute cost, in their units);
//  * a MOCCASIN `param_cost` above 0 becomes a weight tensor `<name>.param` of that many bytes,
//    starting in DRAM, that the op reads;
//  * nodes are keyed by `id` when they have one, otherwise by `name`; links by `source` and
//    `target`, or by the keys the graph's `source_node` / `target_node` attributes name;
//  * ops are listed in the graph's `order` attribute when it has one, otherwise in file order;
//    Checkmate's `backward: true` makes an op a backward op (its tensor a gradient).
#include <string>

#include "sim/core/errors.h"
#include "sim/scenario/scenario_spec.h"

namespace memsim {

// Reads `path` into graph.tensors and graph.ops (replacing nothing else). Throws ScenarioError
// naming the file and the node or link at fault; `key_pos` (where the scenario names the file)
// is used when the file cannot be opened.
void read_networkx_graph(const std::string& path, const SourcePos& key_pos, GraphSpec& graph);

}  // namespace memsim
