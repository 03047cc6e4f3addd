#include "sim/scenario/networkx_graph.h"

#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <vector>

#include "sim/io/input_file.h"

namespace memsim {
namespace {

using nlohmann::json;

std::string q(std::string_view s) {
  return "'" + std::string(s) + "'";
}

// A node key or name as text: networkx writes them as strings or integers.
std::optional<std::string> key_text(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return std::to_string(v.get<std::int64_t>());
  if (v.is_number_unsigned()) return std::to_string(v.get<std::uint64_t>());
  return std::nullopt;
}

// 1-based line and column of the byte at `offset` (nlohmann reports a byte count).
SourcePos position_of(const std::string& path, const std::string& text, std::size_t offset) {
  SourcePos pos{path, 1, 1};
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++pos.line;
      pos.column = 1;
    } else {
      ++pos.column;
    }
  }
  return pos;
}

class Reader {
 public:
  Reader(std::string path) : path_(std::move(path)) {}

  [[noreturn]] void fail(const std::string& what) const {
    throw ScenarioError(SourcePos{path_, 0, 0}, what);
  }

  // A whole number of bytes >= 0 (a float with no fraction is accepted: JSON writers differ).
  std::uint64_t bytes(const json& v, const std::string& where, std::string_view key) const {
    if (v.is_number_unsigned()) return v.get<std::uint64_t>();
    if (v.is_number_integer() && v.get<std::int64_t>() >= 0)
      return static_cast<std::uint64_t>(v.get<std::int64_t>());
    if (v.is_number_float()) {
      const double d = v.get<double>();
      if (std::isfinite(d) && d >= 0 && d == std::floor(d) && d < 1.8e19)
        return static_cast<std::uint64_t>(d);
    }
    fail(where + ": " + std::string(key) + " must be a whole number of bytes >= 0, got " +
         v.dump());
  }

  double cost(const json& v, const std::string& where, std::string_view key) const {
    if (v.is_number()) {
      const double d = v.get<double>();
      if (std::isfinite(d) && d >= 0) return d;
    }
    fail(where + ": " + std::string(key) + " must be a number >= 0, got " + v.dump());
  }

 private:
  std::string path_;
};

const json* member(const json& object, std::string_view key) {
  const auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

}  // namespace

void read_networkx_graph(const std::string& path, const SourcePos& key_pos, GraphSpec& graph) {
  std::string text;
  try {
    text = read_input_file(path, "graph file");
  } catch (const ScenarioError& e) {
    // Blame the scenario's key; the file's own path is in the message.
    throw ScenarioError(key_pos, "graph.networkx: '" + path + "': " + e.message() +
                                     " (paths are relative to the scenario file)");
  }
  json root;
  try {
    root = json::parse(text);
  } catch (const json::parse_error& e) {
    // nlohmann's message starts "[json.exception.parse_error.101] parse error at line L,
    // column C: "; the position is given separately, so keep only what follows.
    std::string what = e.what();
    const auto colon = what.find(": ", what.find("parse error"));
    if (colon != std::string::npos) what = what.substr(colon + 2);
    throw ScenarioError(position_of(path, text, e.byte > 0 ? e.byte - 1 : 0),
                        "not valid JSON: " + what);
  }
  const Reader r(path);
  if (!root.is_object())
    r.fail("expected a JSON object with 'nodes' and 'links' (networkx node-link data), got " +
           std::string(root.type_name()));
  if (const json* directed = member(root, "directed"); directed && *directed == false)
    r.fail("the graph is undirected (\"directed\": false); a data-flow graph must be directed");
  const json* graph_attrs = member(root, "graph");
  if (graph_attrs && !graph_attrs->is_object())
    r.fail("'graph' (the graph's attributes) must be an object, got " +
           std::string(graph_attrs->type_name()));
  const json* nodes = member(root, "nodes");
  if (!nodes || !nodes->is_array() || nodes->empty())
    r.fail("expected 'nodes', a non-empty array of node objects");
  const json* links = member(root, "links");
  if (!links) links = member(root, "edges");  // networkx >= 3.4 may write "edges"
  if (!links || !links->is_array()) r.fail("expected 'links', an array of link objects");

  // Nodes.
  if (!(*nodes)[0].is_object()) r.fail("nodes[0]: expected an object");
  const std::string id_key = member((*nodes)[0], "id") ? "id" : "name";
  struct Node {
    std::string name;
    std::uint64_t bytes = 0;
    std::uint64_t param_bytes = 0;
    double cost = 0;
    bool backward = false;
    std::vector<std::size_t> preds;
  };
  std::vector<Node> parsed;
  std::map<std::string, std::size_t> by_key;
  std::map<std::string, std::size_t> by_name;
  for (std::size_t i = 0; i < nodes->size(); ++i) {
    const json& n = (*nodes)[i];
    std::string where = "nodes[" + std::to_string(i) + "]";
    if (!n.is_object()) r.fail(where + ": expected an object, got " + std::string(n.type_name()));
    const json* key = member(n, id_key);
    if (!key) r.fail(where + ": no '" + id_key + "' (every node needs one, as the first node has)");
    const auto key_str = key_text(*key);
    if (!key_str) r.fail(where + ": '" + id_key + "' must be a string or an integer");
    if (!by_key.emplace(*key_str, i).second)
      r.fail(where + ": " + id_key + " " + key->dump() + " is used by nodes[" +
             std::to_string(by_key[*key_str]) + "] too");
    Node node;
    node.name = *key_str;
    if (const json* name = member(n, "name")) {
      const auto name_str = key_text(*name);
      if (!name_str || name_str->empty())
        r.fail(where + ": 'name' must be a non-empty string or an integer");
      node.name = *name_str;
    }
    if (node.name.empty()) r.fail(where + ": the node's name is empty");
    if (!by_name.emplace(node.name, i).second)
      r.fail(where + " and nodes[" + std::to_string(by_name[node.name]) + "] are both named " +
             q(node.name));
    where += " (" + q(node.name) + ")";
    if (const json* size = member(n, "cost_ram"))
      node.bytes = r.bytes(*size, where, "cost_ram");
    else if (const json* out = member(n, "out_cost"))
      node.bytes = r.bytes(*out, where, "out_cost");
    else
      r.fail(where +
             ": no output size: expected 'cost_ram' (Checkmate) or 'out_cost' "
             "(MOCCASIN), in bytes");
    if (const json* c = member(n, "cost_cpu"))
      node.cost = r.cost(*c, where, "cost_cpu");
    else if (const json* d = member(n, "duration"))
      node.cost = r.cost(*d, where, "duration");
    else
      r.fail(where +
             ": no compute cost: expected 'cost_cpu' (Checkmate) or 'duration' "
             "(MOCCASIN)");
    if (const json* p = member(n, "param_cost"))
      node.param_bytes = r.bytes(*p, where, "param_cost");
    if (const json* b = member(n, "backward")) {
      if (!b->is_boolean()) r.fail(where + ": 'backward' must be true or false");
      node.backward = b->get<bool>();
    }
    parsed.push_back(std::move(node));
  }

  // Links: u -> v means v reads u's output.
  std::string source_key = "source", target_key = "target";
  if (graph_attrs) {
    if (const json* s = member(*graph_attrs, "source_node")) {
      const auto t = key_text(*s);
      if (!t) r.fail("graph attribute 'source_node' must be a string or an integer");
      source_key = *t;
    }
    if (const json* s = member(*graph_attrs, "target_node")) {
      const auto t = key_text(*s);
      if (!t) r.fail("graph attribute 'target_node' must be a string or an integer");
      target_key = *t;
    }
  }
  for (std::size_t i = 0; i < links->size(); ++i) {
    const json& l = (*links)[i];
    const std::string where = "links[" + std::to_string(i) + "]";
    if (!l.is_object()) r.fail(where + ": expected an object, got " + std::string(l.type_name()));
    std::size_t ends[2] = {0, 0};
    const std::string* keys[2] = {&source_key, &target_key};
    for (int e = 0; e < 2; ++e) {
      const json* v = member(l, *keys[e]);
      if (!v) r.fail(where + ": no '" + *keys[e] + "'");
      const auto k = key_text(*v);
      const auto it = k ? by_key.find(*k) : by_key.end();
      if (it == by_key.end())
        r.fail(where + ": " + *keys[e] + " " + v->dump() + " is not the " + id_key +
               " of any node");
      ends[e] = it->second;
    }
    if (ends[0] == ends[1])
      r.fail(where + ": node " + q(parsed[ends[0]].name) + " links to itself");
    auto& preds = parsed[ends[1]].preds;
    if (std::find(preds.begin(), preds.end(), ends[0]) == preds.end()) preds.push_back(ends[0]);
  }

  // The order ops are listed in.
  std::vector<std::size_t> order;
  const json* listed = graph_attrs ? member(*graph_attrs, "order") : nullptr;
  if (listed) {
    if (!listed->is_array()) r.fail("graph attribute 'order' must be an array of node keys");
    std::vector<char> seen(parsed.size(), 0);
    for (const json& v : *listed) {
      const auto k = key_text(v);
      const auto it = k ? by_key.find(*k) : by_key.end();
      if (it == by_key.end())
        r.fail("graph attribute 'order' lists " + v.dump() + ", which is not the " + id_key +
               " of any node");
      if (seen[it->second]++)
        r.fail("graph attribute 'order' lists node " + q(parsed[it->second].name) + " twice");
      order.push_back(it->second);
    }
    for (std::size_t i = 0; i < parsed.size(); ++i)
      if (!seen[i])
        r.fail("graph attribute 'order' does not list node " + q(parsed[i].name) +
               " (it must list every node once)");
  } else {
    for (std::size_t i = 0; i < parsed.size(); ++i) order.push_back(i);
  }

  const SourcePos at{path, 0, 0};
  graph.tensors.clear();
  graph.ops.clear();
  for (std::size_t i : order) {
    const Node& node = parsed[i];
    TensorSpec t;
    t.name = node.name;
    t.bytes = node.bytes;
    t.kind = node.backward ? TensorKind::gradient : TensorKind::activation;
    t.kind_given = true;
    t.pos = at;
    graph.tensors.push_back(t);
    OpSpec op;
    op.name = node.name;
    for (std::size_t p : node.preds) op.inputs.push_back(parsed[p].name);
    if (node.param_bytes > 0) {
      TensorSpec w;
      w.name = node.name + ".param";
      w.bytes = node.param_bytes;
      w.kind = TensorKind::weight;
      w.kind_given = true;
      w.initial_in_dram = true;
      w.pos = at;
      graph.tensors.push_back(w);
      op.inputs.push_back(w.name);
    }
    op.outputs.push_back(node.name);
    op.flops = node.cost;
    op.phase = node.backward ? OpPhase::backward : OpPhase::forward;
    op.pos = at;
    graph.ops.push_back(std::move(op));
  }
}

}  // namespace memsim
