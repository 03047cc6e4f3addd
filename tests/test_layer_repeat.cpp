// `repeat = N` of a layer: every repetition is a layer of its own (name, input, shape, counts),
// whether the assembler builds it or shares the record of the repetition before it (from the
// third repetition on, when the input shape did not change).
#include <catch2/catch.hpp>
#include <string>

#include "policies/models/layer_graph_builder.h"
#include "sim/scenario/scenario_parse.h"
#include "support/layer_graph_of.h"

namespace memsim {
namespace {

// The tests below give the [model] table's body.
LayerGraph graph_of(const std::string& model) {
  return test::graph_of("[model]\n" + model);
}
std::string graph_error(const std::string& model) {
  return test::graph_error("[model]\n" + model);
}

TEST_CASE("a repeated dense layer: each repetition by hand", "[layers][repeat]") {
  // batch 2, 16 -> 8 features, then 8 -> 8 four times: the first reads 16 features, every
  // later one 8. Parameters in x out; forward FLOPs 2 x batch x in x out.
  const LayerGraph g =
      graph_of("batch = 2\ninput = 16\nlayers = [{ type = \"dense\", out = 8, repeat = 5 }]\n");
  REQUIRE(g.size() == 5);
  for (LayerId i = 0; i < 5; ++i) {
    CAPTURE(i);
    const Layer& l = g.layer(i);
    const double in = i == 0 ? 16 : 8;
    CHECK(g.name(i) == "dense" + std::to_string(i + 1));
    CHECK(test::inputs_of(g, i) == std::vector<LayerId>{i == 0 ? kModelInput : i - 1});
    CHECK(l.shape == Shape{8, 1, 1});
    CHECK(l.params == static_cast<std::uint64_t>(in) * 8);
    CHECK(l.flops_forward == 2 * 2 * in * 8);
    CHECK(l.flops_backward_data == 2 * 2 * in * 8);
    CHECK(l.flops_backward_weight == 2 * 2 * in * 8);
    CHECK(l.backward_data_reads == std::vector<SavedRef>{{SavedRef::Of::weight, 0}});
    CHECK(l.backward_weight_reads == std::vector<SavedRef>{{SavedRef::Of::input, 0}});
  }
  // Repetitions 1 (reads 16 features) and 2 (reads 8) are built; 3, 4 and 5 read what 2 read,
  // so they share its record: two records for five layers.
  CHECK(g.record_count() == 2);
}

TEST_CASE("a layer graph names a run of numbered layers from one entry", "[layers][repeat]") {
  // Layers 0-2 continue one run ("d" 4, 5, 6); layer 3 is a plain name; layer 4 starts "d" again
  // at 7, which does not continue the run before it (a plain name stands between); layer 5 is
  // "d" 9, a gap in the numbers; layer 6 has another text at the next number.
  LayerGraph g;
  Layer record;
  record.type = "relu";
  const LayerId x0[] = {kModelInput};
  const LayerId first = g.add(record, {"d", 4}, x0);
  for (LayerId i = 1; i < 7; ++i) {
    const LayerId previous[] = {i - 1};
    const LayerName names[] = {{"d", 5}, {"d", 6}, {"plain"}, {"d", 7}, {"d", 9}, {"e.", 10}};
    CHECK(g.add_copy(first, names[i - 1], previous) == i);
  }
  const std::vector<std::string> expected{"d4", "d5", "d6", "plain", "d7", "d9", "e.10"};
  for (LayerId i = 0; i < 7; ++i) {
    CAPTURE(i);
    CHECK(g.name(i) == expected[i]);
    CHECK(test::inputs_of(g, i) == std::vector<LayerId>{i == 0 ? kModelInput : i - 1});
    CHECK(&g.layer(i) == &g.layer(0));  // one record
  }
  CHECK(g.size() == 7);
  CHECK(g.record_count() == 1);
  CHECK_THROWS_AS(g.name(7), std::out_of_range);
  CHECK_THROWS_AS(g.inputs(7), std::out_of_range);
  CHECK(g.input_of(3, 0) == 2);
  CHECK_THROWS_WITH(g.input_of(3, 1), "LayerGraph: layer 3 has 1 inputs, not 2");
}

TEST_CASE("a repeat whose shape shrinks builds each repetition for its own input",
          "[layers][repeat]") {
  // 3x3 convolutions without padding, 1 -> 2 channels, then 2 -> 2: 12x12 -> 10x10 -> 8x8 ->
  // 6x6 -> 4x4. Parameters 9 x in x out; forward FLOPs 2 x (out x h x w) x 9 x in.
  const LayerGraph g = graph_of(
      "batch = 1\ninput = [1, 12, 12]\nlayers = [{ type = \"conv2d\", out = 2, kernel = 3, "
      "name = \"c\", repeat = 4 }]\n");
  REQUIRE(g.size() == 4);
  const std::uint64_t side[] = {10, 8, 6, 4};
  for (std::size_t i = 0; i < 4; ++i) {
    CAPTURE(i);
    const double in = i == 0 ? 1 : 2;
    CHECK(g.name(i) == "c." + std::to_string(i + 1));
    CHECK(g.layer(i).shape == Shape{2, side[i], side[i]});
    CHECK(g.layer(i).params == 9 * static_cast<std::uint64_t>(in) * 2);
    CHECK(g.layer(i).flops_forward == 2.0 * 2 * side[i] * side[i] * 9 * in);
  }
}

TEST_CASE("names of repeated layers clash with other names in the order they are made",
          "[layers][repeat][errors]") {
  // Line 5 is `layers = [...]` (the scenario's lines 1-4: [hardware.cache], capacity, [model],
  // input); a name error points at the entry's table: 10 characters of "layers = [" and the
  // first table before it.
  // An explicit name taken later by a generated one: the repeat's third layer is dense3.
  // The second table starts at column 11 + 44 + 2 = 57.
  CHECK(graph_error("input = 4\nlayers = [{ type = \"dense\", out = 4, name = \"dense3\" }, "
                    "{ type = \"dense\", out = 4, repeat = 5 }]\n") ==
        "m.toml:5:57: layer name 'dense3' is used twice; names must be unique");
  // A generated name taken later by an explicit one; the second table at 11 + 39 + 2 = 52.
  CHECK(graph_error("input = 4\nlayers = [{ type = \"dense\", out = 4, repeat = 5 }, "
                    "{ type = \"dense\", out = 4, name = \"dense2\" }]\n") ==
        "m.toml:5:52: layer name 'dense2' is used twice; names must be unique");
}

TEST_CASE("a name clash inside a long repeat is found at the layer that makes it",
          "[layers][repeat][errors]") {
  // The repeat's layers are dense2..dense7 (layers 1..6); from its third layer (dense4) on they
  // are added as one run, and dense5 is the explicit name of the first table (11 + 44 + 2 = 57).
  CHECK(graph_error("input = 4\nlayers = [{ type = \"dense\", out = 4, name = \"dense5\" }, "
                    "{ type = \"dense\", out = 4, repeat = 6 }]\n") ==
        "m.toml:5:57: layer name 'dense5' is used twice; names must be unique");
  // Without the clash the same model has 7 layers, each reading the one before, named in order.
  const LayerGraph g = graph_of(
      "input = 4\nlayers = [{ type = \"dense\", out = 4, name = \"first\" }, "
      "{ type = \"dense\", out = 4, repeat = 6 }]\n");
  REQUIRE(g.size() == 7);
  for (LayerId i = 1; i < 7; ++i) {
    CAPTURE(i);
    CHECK(g.name(i) == "dense" + std::to_string(i + 1));
    CHECK(test::inputs_of(g, i) == std::vector<LayerId>{i - 1});
  }
  // first, dense2 and dense3 are built (a repeat shares records from its third layer on):
  // three records for seven layers.
  CHECK(g.record_count() == 3);
}

TEST_CASE("an unknown input among many repeated names suggests the first nearest in name order",
          "[layers][repeat][errors]") {
  // dense33 is one edit from dense3, dense13, dense23 and dense30..dense32 (30 layers): the
  // first of those in lexicographic order (dense1, dense10, ..., dense13, ...) is dense13.
  // The error points at the inputs array: the first table (11..50), ", " and the second
  // table's `{ type = "dense", out = 4, inputs = ` put its `[` at column 53 + 36 = 89.
  CHECK(graph_error("input = 4\nlayers = [{ type = \"dense\", out = 4, repeat = 30 }, "
                    "{ type = \"dense\", out = 4, inputs = [\"dense33\"] }]\n") ==
        "m.toml:5:89: model.layers.inputs: 'dense33' is not an earlier layer or block; did you "
        "mean 'dense13'? (inputs name layers defined above, or \"input\" for the model's input)");
}

}  // namespace
}  // namespace memsim
