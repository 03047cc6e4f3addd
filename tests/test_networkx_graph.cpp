// `[graph] networkx = "file.json"`: Checkmate's and MOCCASIN's node-link JSON read as a raw
// graph, and every way a file can be wrong reported with the file and the node or link.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "tests/support/run_memsim.h"
#include "tests/support/scenario_text.h"

using memsim::Graph;
using memsim::OpPhase;
using memsim::TensorKind;
using memsim::test::TempDir;

namespace {

void write(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// A byte-mode scenario reading `json` (written next to it as g.json).
struct NetworkxScenario {
  TempDir dir;
  std::string toml;
  explicit NetworkxScenario(const std::string& json, const std::string& extra = "") {
    write(dir.file("g.json"), json);
    toml =
        "[hardware.cache]\ncapacity = \"1 GiB\"\n[hardware.dram]\nbandwidth = \"1 GB/s\"\n"
        "[hardware.compute]\nthroughput = \"1 GFLOP/s\"\n[graph]\nnetworkx = \"g.json\"\n" +
        extra;
    write(dir.file("s.toml"), toml);
  }
  memsim::Simulation load() const {
    const memsim::Registry registry = memsim::builtin_registry();
    return memsim::build_simulation(memsim::parse_scenario_file(dir.file("s.toml")), registry);
  }
  std::string error() const {
    try {
      load();
    } catch (const memsim::ScenarioError& e) {
      return e.what();
    }
    return "";
  }
};

// Checkmate's form: nodes keyed by id, cost_ram and cost_cpu, links by source/target.
const std::string kCheckmate = R"({"directed": true, "multigraph": false,
  "graph": {"name": "tiny"},
  "nodes": [
    {"name": "conv", "backward": false, "cost_cpu": 385, "cost_ram": 4096, "id": 0},
    {"name": "loss", "backward": false, "cost_cpu": 10, "cost_ram": 8, "id": 1},
    {"name": "conv_backward", "backward": true, "cost_cpu": 390, "cost_ram": 4096, "id": 2}],
  "links": [{"source": 0, "target": 1}, {"source": 0, "target": 2},
            {"source": 1, "target": 2}]})";

// MOCCASIN's random layered form: nodes keyed by name, out_cost and duration, links written
// as {"0": u, "1": v} with the graph naming those keys, and a reference order.
const std::string kMoccasin = R"({"directed": true, "multigraph": false,
  "graph": {"name": "layered", "source_node": 0, "target_node": 1, "order": [0, 2, 1]},
  "nodes": [
    {"out_cost": 790, "param_cost": 0, "duration": 0, "name": 0},
    {"out_cost": 4920, "param_cost": 0, "duration": 7, "name": 1},
    {"out_cost": 100, "param_cost": 64, "duration": 5, "name": 2}],
  "links": [{"0": 0, "1": 2}, {"0": 2, "1": 1}, {"0": 0, "1": 1}]})";

}  // namespace

TEST_CASE("networkx: Checkmate's node-link JSON becomes one op and one tensor per node",
          "[networkx]") {
  const NetworkxScenario s(kCheckmate);
  const memsim::Simulation sim = s.load();
  const Graph& g = sim.graph;
  REQUIRE(g.op_count() == 3);
  REQUIRE(g.tensor_count() == 3);
  const auto conv = g.find_op("conv"), loss = g.find_op("loss"), back = g.find_op("conv_backward");
  REQUIRE(back != Graph::kNoOp);
  // Sizes are cost_ram bytes, FLOPs cost_cpu; `backward: true` is a backward op and a gradient.
  CHECK(g.tensor(g.find_tensor("conv")).bytes == 4096);
  CHECK(g.tensor(g.find_tensor("loss")).bytes == 8);
  CHECK(g.op(conv).flops == 385);
  CHECK(g.op(back).flops == 390);
  CHECK(g.op(back).phase == OpPhase::backward);
  CHECK(g.op(loss).phase == OpPhase::forward);
  CHECK(g.tensor(g.find_tensor("conv_backward")).kind == TensorKind::gradient);
  CHECK(g.tensor(g.find_tensor("conv")).kind == TensorKind::activation);
  // Links: conv -> loss, conv -> conv_backward, loss -> conv_backward.
  REQUIRE(g.inputs(back).size() == 2);
  CHECK(g.tensor_name(g.inputs(back)[0]) == "conv");
  CHECK(g.tensor_name(g.inputs(back)[1]) == "loss");
  CHECK(g.inputs(conv).empty());
  // Nothing starts in DRAM and nothing is a required output.
  for (memsim::TensorId t = 0; t < g.tensor_count(); ++t) {
    CHECK_FALSE(g.tensor(t).initial_in_dram);
    CHECK_FALSE(g.tensor(t).required_output);
  }
  CHECK(sim.order == std::vector<memsim::OpId>{conv, loss, back});
}

TEST_CASE("networkx: MOCCASIN's layered graphs, their link keys, order and parameters",
          "[networkx]") {
  const NetworkxScenario s(kMoccasin);
  const memsim::Simulation sim = s.load();
  const Graph& g = sim.graph;
  // Ops in the graph's `order` attribute: 0, 2, 1.
  REQUIRE(g.op_count() == 3);
  CHECK(g.op_name(sim.order[0]) == "0");
  CHECK(g.op_name(sim.order[1]) == "2");
  CHECK(g.op_name(sim.order[2]) == "1");
  CHECK(g.tensor(g.find_tensor("1")).bytes == 4920);
  CHECK(g.op(g.find_op("1")).flops == 7);
  // Node 2's param_cost of 64 bytes: a weight tensor "2.param" starting in DRAM, read by op 2.
  const auto param = g.find_tensor("2.param");
  REQUIRE(param != Graph::kNoTensor);
  CHECK(g.tensor(param).bytes == 64);
  CHECK(g.tensor(param).kind == TensorKind::weight);
  CHECK(g.tensor(param).initial_in_dram);
  const auto op2 = g.find_op("2");
  REQUIRE(g.inputs(op2).size() == 2);
  CHECK(g.tensor_name(g.inputs(op2)[0]) == "0");
  CHECK(g.tensor_name(g.inputs(op2)[1]) == "2.param");
  // Node 1 reads 2 and 0 (links in file order).
  const auto op1 = g.find_op("1");
  REQUIRE(g.inputs(op1).size() == 2);
  CHECK(g.tensor_name(g.inputs(op1)[0]) == "2");
  CHECK(g.tensor_name(g.inputs(op1)[1]) == "0");
  // A param_cost of 0 adds nothing: 3 node tensors + 1 parameter.
  CHECK(g.tensor_count() == 4);
}

TEST_CASE("networkx: uniform mode counts every tensor as one unit", "[networkx]") {
  TempDir dir;
  write(dir.file("g.json"), kCheckmate);
  write(dir.file("s.toml"),
        "[hardware.cache]\ncapacity = \"3 tensors\"\n[graph]\nnetworkx = \"g.json\"\n");
  const memsim::Registry registry = memsim::builtin_registry();
  const auto sim =
      memsim::build_simulation(memsim::parse_scenario_file(dir.file("s.toml")), registry);
  CHECK(sim.graph.tensor(sim.graph.find_tensor("conv")).bytes == 1);
}

TEST_CASE("networkx: bad files are reported with the file and the node or link",
          "[networkx][errors]") {
  const auto error_of = [](const std::string& json) {
    const NetworkxScenario s(json);
    std::string e = s.error();
    // Strip the temp folder so the expected texts stay readable.
    const std::string prefix = s.dir.file("g.json");
    if (e.rfind(prefix, 0) == 0) e = "g.json" + e.substr(prefix.size());
    return e;
  };
  CHECK(error_of("{\"nodes\": [\n  {\"id\": 0,}\n]}") ==
        "g.json:2:12: not valid JSON: syntax error while parsing object key - unexpected '}'; "
        "expected string literal");
  CHECK(error_of("[1, 2]") ==
        "g.json: expected a JSON object with 'nodes' and 'links' (networkx node-link data), got "
        "array");
  CHECK(error_of(R"({"directed": false, "nodes": [], "links": []})") ==
        "g.json: the graph is undirected (\"directed\": false); a data-flow graph must be "
        "directed");
  CHECK(error_of(R"({"nodes": [], "links": []})") ==
        "g.json: expected 'nodes', a non-empty array of node objects");
  CHECK(error_of(R"({"nodes": [{"id": 0, "cost_ram": 1, "cost_cpu": 1}]})") ==
        "g.json: expected 'links', an array of link objects");
  CHECK(error_of(R"({"nodes": [{"id": 0, "cost_cpu": 1}], "links": []})") ==
        "g.json: nodes[0] ('0'): no output size: expected 'cost_ram' (Checkmate) or 'out_cost' "
        "(MOCCASIN), in bytes");
  CHECK(error_of(R"({"nodes": [{"id": 0, "cost_ram": 8}], "links": []})") ==
        "g.json: nodes[0] ('0'): no compute cost: expected 'cost_cpu' (Checkmate) or 'duration' "
        "(MOCCASIN)");
  CHECK(error_of(R"({"nodes": [{"id": 0, "name": "a", "cost_ram": -8, "cost_cpu": 1}],
                     "links": []})") ==
        "g.json: nodes[0] ('a'): cost_ram must be a whole number of bytes >= 0, got -8");
  CHECK(error_of(R"({"nodes": [{"id": 0, "name": "a", "cost_ram": 1.5, "cost_cpu": 1}],
                     "links": []})") ==
        "g.json: nodes[0] ('a'): cost_ram must be a whole number of bytes >= 0, got 1.5");
  CHECK(error_of(R"({"nodes": [{"id": 0, "name": "a", "cost_ram": 1, "cost_cpu": "x"}],
                     "links": []})") ==
        "g.json: nodes[0] ('a'): cost_cpu must be a number >= 0, got \"x\"");
  CHECK(error_of(R"({"nodes": [{"id": 0, "cost_ram": 1, "cost_cpu": 1},
                               {"name": "b", "cost_ram": 1, "cost_cpu": 1}], "links": []})") ==
        "g.json: nodes[1]: no 'id' (every node needs one, as the first node has)");
  CHECK(error_of(R"({"nodes": [{"id": 0, "cost_ram": 1, "cost_cpu": 1},
                               {"id": 0, "cost_ram": 1, "cost_cpu": 1}], "links": []})") ==
        "g.json: nodes[1]: id 0 is used by nodes[0] too");
  CHECK(error_of(R"({"nodes": [{"id": 0, "name": "a", "cost_ram": 1, "cost_cpu": 1},
                               {"id": 1, "name": "a", "cost_ram": 1, "cost_cpu": 1}],
                     "links": []})") == "g.json: nodes[1] and nodes[0] are both named 'a'");
  CHECK(error_of(R"({"nodes": [{"id": 0, "name": "a", "cost_ram": 1, "cost_cpu": 1}],
                     "links": [{"source": 0, "target": 7}]})") ==
        "g.json: links[0]: target 7 is not the id of any node");
  CHECK(error_of(R"({"nodes": [{"id": 0, "name": "a", "cost_ram": 1, "cost_cpu": 1}],
                     "links": [{"source": 0}]})") == "g.json: links[0]: no 'target'");
  CHECK(error_of(R"({"nodes": [{"id": 0, "name": "a", "cost_ram": 1, "cost_cpu": 1}],
                     "links": [{"source": 0, "target": 0}]})") ==
        "g.json: links[0]: node 'a' links to itself");
  CHECK(error_of(R"({"graph": {"order": [0, 0]},
                     "nodes": [{"id": 0, "name": "a", "cost_ram": 1, "cost_cpu": 1}],
                     "links": []})") == "g.json: graph attribute 'order' lists node 'a' twice");
  CHECK(error_of(R"({"graph": {"order": []},
                     "nodes": [{"id": 0, "name": "a", "cost_ram": 1, "cost_cpu": 1}],
                     "links": []})") ==
        "g.json: graph attribute 'order' does not list node 'a' (it must list every node once)");
  CHECK(error_of(R"({"graph": {"order": [3]},
                     "nodes": [{"id": 0, "name": "a", "cost_ram": 1, "cost_cpu": 1}],
                     "links": []})") ==
        "g.json: graph attribute 'order' lists 3, which is not the id of any node");
}

TEST_CASE("networkx: a cycle, a missing file and keys that clash are scenario errors",
          "[networkx][errors]") {
  {
    const NetworkxScenario s(R"({"nodes": [{"id": 0, "name": "a", "cost_ram": 1, "cost_cpu": 1},
                                           {"id": 1, "name": "b", "cost_ram": 1, "cost_cpu": 1}],
                                "links": [{"source": 0, "target": 1}, {"source": 1, "target": 0}]})");
    CHECK_THAT(s.error(), Catch::Contains("cycle"));
  }
  {
    TempDir dir;
    write(dir.file("s.toml"),
          "[hardware.cache]\ncapacity = \"3 tensors\"\n[graph]\n"
          "networkx = \"missing.json\"\n");
    std::string e;
    try {
      memsim::parse_scenario_file(dir.file("s.toml"));
    } catch (const memsim::ScenarioError& err) {
      e = err.what();
    }
    CHECK(e == dir.file("s.toml") + ":4:12: graph.networkx: '" + dir.file("missing.json") +
                   "': cannot open the graph file: No such file or directory (paths are "
                   "relative to the scenario file)");
  }
  {
    // A directory is refused before it is read (read_input_file's check).
    TempDir dir;
    std::filesystem::create_directory(dir.file("graph.json"));
    write(dir.file("s.toml"),
          "[hardware.cache]\ncapacity = \"3 tensors\"\n[graph]\n"
          "networkx = \"graph.json\"\n");
    std::string e;
    try {
      memsim::parse_scenario_file(dir.file("s.toml"));
    } catch (const memsim::ScenarioError& err) {
      e = err.what();
    }
    CHECK(e == dir.file("s.toml") + ":4:12: graph.networkx: '" + dir.file("graph.json") +
                   "': is a directory, not a graph file (paths are relative to the scenario "
                   "file)");
  }
  {
    const NetworkxScenario s(kCheckmate, "ops = [{ name = \"x\" }]\n");
    CHECK(s.error() == s.dir.file("s.toml") +
                           ":9:7: graph.ops: not used with graph.networkx (the JSON file gives "
                           "the tensors and ops); remove it");
  }
}
