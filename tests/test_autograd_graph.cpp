// The benchmark's training graphs with several ops per layer (bench/autograd_graph.h): the ops
// and their inputs as the header's comment derives them, and the recompute planner on a small
// one against the exact search.
#include <catch2/catch.hpp>
#include <cmath>
#include <map>
#include <string>

#include "bench/autograd_graph.h"
#include "policies/solver/remat_exact.h"
#include "policies/solver/remat_plan.h"
#include "policies/solver/remat_planner.h"
#include "policies/solver/remat_problem.h"
#include "support/planner_brackets.h"

using namespace memsim;

namespace {

// Each op's inputs by name, in the order the graph lists them.
std::map<std::string, std::vector<std::string>> inputs_by_name(const bench::LayeredGraph& g) {
  std::map<std::string, std::vector<std::string>> out;
  for (OpId o : g.order) {
    auto& in = out[std::string(g.graph.op_name(o))];
    for (TensorId t : g.graph.inputs(o)) in.emplace_back(g.graph.tensor_name(t));
  }
  return out;
}

}  // namespace

TEST_CASE(
    "autograd graph: three ops forward and four backward per layer, skips and their "
    "gradients",
    "[planner][autograd]") {
  using V = std::vector<std::string>;
  // U-Net with 12 layers: half = 6; skips from every third encoder layer i = 1, 4 to its mirror
  // 11 - i when that is past the middle: 1 -> 10, 4 -> 7. 7 x 11 + 2 = 79 ops.
  const bench::LayeredGraph g = bench::autograd_graph(bench::TrainingShape::unet, 12, 1);
  CHECK(g.graph.op_count() == 79);
  CHECK(g.order.size() == 79);
  const auto in = inputs_by_name(g);
  CHECK(in.at("x") == V{});
  CHECK(in.at("conv1") == V{"x"});
  CHECK(in.at("bn1") == V{"conv1"});
  CHECK(in.at("relu1") == V{"bn1"});
  CHECK(in.at("conv10") == V{"relu9", "relu1"});
  CHECK(in.at("conv7") == V{"relu6", "relu4"});
  CHECK(in.at("loss") == V{"relu11"});
  // The last layer's backward ops read the loss; each layer's input gradient feeds the layer
  // below.
  CHECK(in.at("relu_grad11") == V{"loss", "relu11"});
  CHECK(in.at("bn_grad11") == V{"relu_grad11", "conv11"});
  CHECK(in.at("conv_grad_w11") == V{"bn_grad11", "relu10"});
  CHECK(in.at("conv_grad_x11") == V{"bn_grad11"});
  CHECK(in.at("relu_grad10") == V{"conv_grad_x11", "relu10"});
  // The gradient of relu1 (made by layer 2's conv_grad_x) also takes what conv10 passed back
  // through the skip; that of relu4 (layer 5's) what conv7 did.
  CHECK(in.at("conv_grad_x2") == V{"bn_grad2", "bn_grad10"});
  CHECK(in.at("conv_grad_x5") == V{"bn_grad5", "bn_grad7"});
  CHECK(in.at("conv_grad_w1") == V{"bn_grad1", "x"});
  CHECK(in.at("conv_grad_x1") == V{"bn_grad1"});
  // The order lists the forward ops, the loss, then layers 11 down to 1.
  CHECK(g.graph.op_name(g.order[0]) == "x");
  CHECK(g.graph.op_name(g.order[34]) == "loss");  // 1 + 3 x 11 ops before it
  CHECK(g.graph.op_name(g.order[35]) == "relu_grad11");
  CHECK(g.graph.op_name(g.order[78]) == "conv_grad_x1");
}

TEST_CASE("autograd graph: the planner's plan and bound bracket the exact optimum",
          "[planner][autograd]") {
  // Four layers: 7 x 3 + 2 = 23 ops, small enough for the exact search. The planner without
  // it must return a valid plan costing at least the optimum and a bound at most it.
  for (const bench::TrainingShape shape :
       {bench::TrainingShape::resnet, bench::TrainingShape::unet}) {
    const bench::LayeredGraph g = bench::autograd_graph(shape, 4, 2);
    planner::RematProblem p = planner::make_remat_problem(g.graph, g.order, 0);
    REQUIRE(p.size() == 23);
    test::check_planner_brackets_optimum(std::move(p));
  }
}
