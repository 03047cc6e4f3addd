// Names of ops and tensors (sim/core/graph.h): composed from the layer table and a role, found
// again by name, with tiles as layers of their own; and the names the generators give a model.
#include <catch2/catch.hpp>
#include <set>

#include "sim/core/schedule.h"
#include "support/scenario_text.h"

using namespace memsim;
using namespace memsim::test;

TEST_CASE("names are <layer>.<role>, or the layer's own name for role none", "[names]") {
  GraphBuilder b;
  const LayerIndex input = b.add_layer("input");
  const LayerIndex conv = b.add_layer("layer4.1.conv1");
  const TensorId x = b.add_tensor(input, TensorRole::none, 4, TensorKind::input, true);
  const TensorId w = b.add_tensor(conv, TensorRole::weight, 8, TensorKind::weight, true);
  const TensorId y = b.add_tensor(conv, TensorRole::out, 4, TensorKind::activation, false);
  const TensorId dy = b.add_tensor(conv, TensorRole::out_grad, 4, TensorKind::gradient, false);
  const TensorId g = b.add_tensor(conv, TensorRole::weight_grad, 8, TensorKind::gradient, false);
  const TensorId m = b.add_tensor(conv, TensorRole::weight_m, 8, TensorKind::optimizer_state, 1);
  const TensorId v = b.add_tensor(conv, TensorRole::weight_v, 8, TensorKind::optimizer_state, 1);
  const TensorId r = b.add_tensor(conv, TensorRole::out_recomputed, 4, TensorKind::activation, 0);
  const TensorId s = b.add_tensor(conv, TensorRole::saved, 4, TensorKind::activation, false);
  const TensorId raw = b.add_tensor("p7", 1, TensorKind::other, true);
  const TensorId xw[] = {x, w}, ys[] = {y}, dys[] = {dy, x}, gs[] = {g}, ws[] = {w, m, v};
  const OpId f = b.add_op(conv, OpRole::forward, xw, ys, {}, 10);
  const OpId dw = b.add_op(conv, OpRole::dW, dys, gs, {}, 10);
  const OpId up = b.add_op(conv, OpRole::update, gs, {}, ws, 10);
  const OpId re = b.add_op(conv, OpRole::recompute, xw, std::span<const TensorId>(&r, 1), {}, 10);
  const OpId dx = b.add_op(conv, OpRole::dX, std::span<const TensorId>(&dy, 1), {}, {}, 1);
  const OpId own = b.add_op("fwd1", xw, {}, {}, 1, OpPhase::backward);
  const Graph graph = std::move(b).build();

  CHECK(graph.tensor_name(x) == "input");
  CHECK(graph.tensor_name(w) == "layer4.1.conv1.weight");
  CHECK(graph.tensor_name(y) == "layer4.1.conv1.out");
  CHECK(graph.tensor_name(dy) == "layer4.1.conv1.out.grad");
  CHECK(graph.tensor_name(g) == "layer4.1.conv1.weight.grad");
  CHECK(graph.tensor_name(m) == "layer4.1.conv1.weight.m");
  CHECK(graph.tensor_name(v) == "layer4.1.conv1.weight.v");
  CHECK(graph.tensor_name(r) == "layer4.1.conv1.out.recomputed");
  CHECK(graph.tensor_name(s) == "layer4.1.conv1.saved");
  CHECK(graph.tensor_name(raw) == "p7");
  CHECK(graph.op_name(f) == "layer4.1.conv1.forward");
  CHECK(graph.op_name(dw) == "layer4.1.conv1.dW");
  CHECK(graph.op_name(dx) == "layer4.1.conv1.dX");
  CHECK(graph.op_name(up) == "layer4.1.conv1.update");
  CHECK(graph.op_name(re) == "layer4.1.conv1.recompute");
  CHECK(graph.op_name(own) == "fwd1");

  SECTION("a generated op's phase follows its role; a named op keeps the phase it was given") {
    CHECK(graph.op(f).phase == OpPhase::forward);
    CHECK(graph.op(dw).phase == OpPhase::backward);
    CHECK(graph.op(dx).phase == OpPhase::backward);
    CHECK(graph.op(up).phase == OpPhase::update);
    CHECK(graph.op(re).phase == OpPhase::recompute);
    CHECK(graph.op(own).phase == OpPhase::backward);
  }
  SECTION("every op knows its layer") {
    for (OpId o : {f, dw, dx, up, re}) CHECK(graph.op(o).layer == conv);
    CHECK(graph.layer_name(graph.op(own).layer) == "fwd1");
    CHECK(graph.layer_count() == 4);  // input, layer4.1.conv1, p7, fwd1
  }
  SECTION("find by name finds exactly the composed names") {
    for (TensorId t = 0; t < graph.tensor_count(); ++t)
      CHECK(graph.find_tensor(graph.tensor_name(t)) == t);
    for (OpId o = 0; o < graph.op_count(); ++o) CHECK(graph.find_op(graph.op_name(o)) == o);
    for (const char* almost :
         {"layer4.1.conv1", "layer4.1.conv1.", "layer4.1.conv1.forwar", "layer4.1.conv1.forwardx",
          "layer4.1.conv1forward", ".forward", "forward", "layer4.1.conv2.forward", "fwd"}) {
      CAPTURE(almost);
      CHECK(graph.find_op(almost) == Graph::kNoOp);
    }
    CHECK(graph.find_tensor("layer4.1.conv1.grad") == Graph::kNoTensor);
    CHECK(graph.find_tensor("layer4.1.conv1.weightgrad") == Graph::kNoTensor);
  }
  SECTION("schedule steps name them") {
    CHECK(describe(graph, {StepKind::compute, f}) == "compute layer4.1.conv1.forward");
    CHECK(parse_step(graph, "load layer4.1.conv1.weight.m") == Step{StepKind::load, m});
    CHECK(parse_step(graph, "compute fwd1") == Step{StepKind::compute, own});
  }
}

TEST_CASE("a tile is a layer of its own named <layer>.tile<k>, rolled up to its layer",
          "[names][tiles]") {
  GraphBuilder b;
  const LayerIndex conv = b.add_layer("conv1");
  const LayerIndex t0 = b.add_tile(conv, 0);
  const LayerIndex t3 = b.add_tile(conv, 3);
  const LayerIndex fc = b.add_layer("fc");  // a named layer after tiles keeps its own name
  const LayerIndex t3_again = b.add_tile(t3, 5);
  const TensorId w = b.add_tensor(t3, TensorRole::weight, 1, TensorKind::weight, true);
  const TensorId y = b.add_tensor(t3, TensorRole::out, 1, TensorKind::activation, false);
  const TensorId ws[] = {w}, ys[] = {y};
  const OpId op = b.add_op(t3, OpRole::forward, ws, ys, {}, 1);
  const Graph g = std::move(b).build();
  CHECK(g.layer_name(t0) == "conv1.tile0");
  CHECK(g.layer_name(fc) == "fc");
  CHECK(g.op_name(op) == "conv1.tile3.forward");
  CHECK(g.tensor_name(w) == "conv1.tile3.weight");
  CHECK(g.find_op("conv1.tile3.forward") == op);
  CHECK(g.find_op("conv1.tile0.forward") == Graph::kNoOp);
  CHECK(g.find_tensor("conv1.tile3.out") == y);
  CHECK(g.layer_root(t3) == conv);
  CHECK(g.layer_root(conv) == conv);
  CHECK(g.layer_root(fc) == fc);
  CHECK(g.layer_tile(t3) == 3);
  CHECK(g.layer_tile(conv) == kNoTile);
  // A tile of a tile is a tile of the layer: names and roll-ups never nest.
  CHECK(g.layer_root(t3_again) == conv);
  CHECK(g.layer_name(t3_again) == "conv1.tile5");
}

TEST_CASE("numbered layer names are kept as runs and found again digit by digit",
          "[names][tiles]") {
  // d4, d5 continue one run; a tile of d5 takes index 2; d7 at index 3 still continues it (4 +
  // 3 = 7, and the tile is named after its layer); the plain x ends the run; d8 after it starts
  // a new one; "d" 10 at index 6 does not continue it (8 + 1 = 9), nor does "e" 9.
  GraphBuilder b;
  const LayerIndex d4 = b.add_layer("d", 4);
  const LayerIndex d5 = b.add_layer("d", 5);
  const LayerIndex tile = b.add_tile(d5, 2);
  const LayerIndex d7 = b.add_layer("d", 7);
  const LayerIndex x = b.add_layer("x");
  const LayerIndex d8 = b.add_layer("d", 8);
  const LayerIndex d10 = b.add_layer("d", 10);
  const LayerIndex e9 = b.add_layer("e", 9);
  const TensorId out = b.add_tensor(d7, TensorRole::out, 1, TensorKind::activation, false);
  const Graph g = std::move(b).build();
  const std::vector<std::string> expected{"d4", "d5", "d5.tile2", "d7", "x", "d8", "d10", "e9"};
  const LayerIndex ids[] = {d4, d5, tile, d7, x, d8, d10, e9};
  REQUIRE(g.layer_count() == 8);
  for (std::size_t i = 0; i < 8; ++i) {
    CAPTURE(i);
    CHECK(ids[i] == i);
    CHECK(g.layer_name(ids[i]) == expected[i]);
  }
  CHECK(g.layer_root(tile) == d5);
  // Found by comparing the text and then the digits: no leading zero, no extra digit.
  CHECK(g.find_tensor("d7.out") == out);
  for (const char* other : {"d07.out", "d70.out", "d.out", "d8.out", "e7.out", "d7"}) {
    CAPTURE(other);
    CHECK(g.find_tensor(other) == Graph::kNoTensor);
  }
}

TEST_CASE("a name given whole keeps its trailing number as a run would", "[names]") {
  // "r17" is "r" 17 and "r18" continues it; "r07" (a leading zero), "r0" (no number 0) and a
  // 10-digit number are kept whole; "9" is the empty text and 9. Each reads back as given and is
  // found by it.
  const std::vector<std::string> given{"r17", "r18", "r07", "r0", "x1234567890", "9", "r19"};
  GraphBuilder b;
  std::vector<TensorId> tensors;
  for (const std::string& name : given)
    tensors.push_back(b.add_tensor(name, 1, TensorKind::other, true));
  const Graph g = std::move(b).build();
  for (std::size_t i = 0; i < given.size(); ++i) {
    CAPTURE(given[i]);
    CHECK(g.tensor_name(tensors[i]) == given[i]);
    CHECK(g.find_tensor(given[i]) == tensors[i]);
  }
  CHECK(g.find_tensor("r7") == Graph::kNoTensor);
  CHECK(g.find_tensor("r") == Graph::kNoTensor);
}

TEST_CASE("a model's layer names are added by runs, as one add_layer per layer would", "[names]") {
  // The model: dense1..dense1000 (one run), then "head" (a plain name). After "input" (layer
  // 0) they are layers 1..1001: dense1 is layer 1, dense1000 layer 1000, head layer 1001; a
  // layer added after them ("loss") is 1002.
  NameRuns model;
  model.add_consecutive(0, "dense", 1, 1000);
  model.add(1000, "head", 0);
  GraphBuilder b;
  CHECK(b.add_layer("input") == 0);
  CHECK(b.add_layers(model) == 1);
  CHECK(b.add_layer("loss") == 1002);
  const TensorId w = b.add_tensor(1000, TensorRole::weight, 1, TensorKind::weight, true);
  const Graph g = std::move(b).build();
  CHECK(g.layer_count() == 1003);
  CHECK(g.layer_name(1) == "dense1");
  CHECK(g.layer_name(1000) == "dense1000");
  CHECK(g.layer_name(1001) == "head");
  CHECK(g.layer_name(1002) == "loss");
  CHECK(g.find_tensor("dense1000.weight") == w);
  // A text too long for the storage (65535 bytes) is refused as add_layer refuses it.
  NameRuns long_name;
  long_name.add(0, std::string(65536, 'x'), 0);
  GraphBuilder refused;
  CHECK_THROWS_WITH(refused.add_layers(long_name), "name longer than 65535 characters");
}

namespace {

std::vector<std::string> op_names(const Simulation& sim) {
  std::vector<std::string> names;
  for (OpId o : sim.order) names.push_back(sim.graph.op_name(o));
  return names;
}

const std::string kMachine = "[hardware.cache]\ncapacity = \"64 tensors\"\n";
const std::string kBlockModel =
    "[model]\nbatch = 1\ninput = [4, 8, 8]\nlayers = [\n"
    "  { type = \"conv2d\", name = \"stem\", out = 4, kernel = 3, padding = 1 },\n"
    "  { type = \"basic_block\", name = \"layer1.0\", out = 4 },\n"
    "  { type = \"flatten\" },\n"
    "  { type = \"dense\", name = \"fc\", out = 10 },\n]\n";

}  // namespace

TEST_CASE("a model's ops and tensors carry their layer's name", "[names][generators]") {
  SECTION("inference: <layer>.forward reads <layer>.weight and the input layers' .out") {
    const Simulation sim = load_text(kMachine + kBlockModel);
    // basic_block (stride 1, same channels, no projection): conv1, bn1, relu1, conv2, bn2,
    // add, relu2 (policies/models/resnet_blocks.cpp); the unnamed flatten is the 9th layer
    // built: flatten9 (layer_graph_builder.cpp names an unnamed layer <type><number>).
    const std::vector<std::string> names = op_names(sim);
    REQUIRE(names.size() == 1 + 7 + 1 + 1);
    CHECK(names.front() == "stem.forward");
    CHECK(names[1] == "layer1.0.conv1.forward");
    CHECK(names[8] == "flatten9.forward");
    CHECK(names.back() == "fc.forward");
    const Graph& g = sim.graph;
    const OpId conv1 = g.find_op("layer1.0.conv1.forward");
    REQUIRE(conv1 != Graph::kNoOp);
    std::set<std::string> reads;
    for (TensorId t : g.inputs(conv1)) reads.insert(g.tensor_name(t));
    CHECK(reads == std::set<std::string>{"layer1.0.conv1.weight", "stem.out"});
    const OpId add = g.find_op("layer1.0.add.forward");
    REQUIRE(add != Graph::kNoOp);
    reads.clear();
    for (TensorId t : g.inputs(add)) reads.insert(g.tensor_name(t));
    CHECK(reads == std::set<std::string>{"layer1.0.bn2.out", "stem.out"});
    CHECK(g.tensor_name(g.inputs(g.find_op("stem.forward"))[1]) == "input");
    CHECK(g.tensor(g.find_tensor("fc.out")).required_output);
  }
  SECTION("training: every op and tensor name is unique, in a layer of the model") {
    const Simulation sim =
        load_text(kMachine + kBlockModel +
                  "[schedule]\nkind = \"training\"\noptimizer = \"adam\"\ncheckpoint = [2]\n");
    const Graph& g = sim.graph;
    std::set<std::string> ops, tensors;
    for (OpId o = 0; o < g.op_count(); ++o) CHECK(ops.insert(g.op_name(o)).second);
    for (TensorId t = 0; t < g.tensor_count(); ++t) CHECK(tensors.insert(g.tensor_name(t)).second);
    for (const char* op : {"loss.dX", "layer1.0.conv1.dW", "layer1.0.conv1.dX",
                           "layer1.0.conv1.update", "stem.update", "fc.dW"})
      CHECK(ops.count(op) == 1);
    for (const char* t : {"input", "label", "fc.out.grad", "stem.weight.grad", "stem.weight.m",
                          "stem.weight.v", "layer1.0.add.out.grad"})
      CHECK(tensors.count(t) == 1);
    // Checkpoint [2] keeps X2 (layer1.0.conv1's output), X0 and X10. layer1.0.conv2.dW reads
    // X4 (relu1's output), recomputed from X2 through bn1 and relu1, under their layer's name.
    CHECK(ops.count("layer1.0.relu1.recompute") == 1);
    CHECK(tensors.count("layer1.0.relu1.out.recomputed") == 1);
  }
}
