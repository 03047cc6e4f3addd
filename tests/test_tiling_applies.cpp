// tiling_may_apply (policies/tiling/tile_schedule.h): the generators record loop nests only
// when it says tiling can change or reject the schedule. Each case is checked against
// plan_tiling itself on the same schedule with its nests: whenever the predicate is false, the
// plan cuts nothing (so leaving the nests out cannot change a run).
#include <catch2/catch.hpp>

#include "policies/generators/inference.h"
#include "policies/models/layer_graph_builder.h"
#include "policies/tiling/model_tiling.h"
#include "policies/tiling/tile_schedule.h"
#include "support/scenario_text.h"

using namespace memsim;
using namespace memsim::test;

namespace {

// A dense layer of 64 -> 64 features on a batch of 64, fp32: its input, weight and output are
// 64 * 64 * 4 B = 16 KiB each, so its forward op's working set is 48 KiB.
std::string dense(const std::string& hardware, const std::string& extra = "") {
  return hardware + "[model]\nbatch = 64\ninput = 64\nlayers = [{ type = \"dense\", out = 64" +
         extra + " }]\n";
}

struct Verdict {
  bool may_apply = false;
  bool plan_active = false;
};

Verdict verdict(const std::string& text, const std::vector<std::string>& overrides = {}) {
  const ScenarioSpec spec = parse_scenario_text(text, "s.toml", overrides);
  const ModelTiling m = plan_model_tiling(spec);
  const TilingInput input{m.model, spec.schedule, spec.machine.cache_capacity,
                          spec.machine.uniform};
  return {tiling_may_apply(m.graph, m.order, input), m.plan.active};
}

}  // namespace

TEST_CASE("tiling applies only when a layer has tiles or an op outgrows the cache",
          "[tiling][generator]") {
  SECTION("48 KiB fits 1 MiB: nothing to tile") {
    const Verdict v = verdict(dense(byte_hardware("1 MiB")));
    CHECK_FALSE(v.may_apply);
    CHECK_FALSE(v.plan_active);
  }
  SECTION("48 KiB does not fit 32 KiB: the auto tiler cuts the op") {
    const Verdict v = verdict(dense(byte_hardware("32 KiB")));
    CHECK(v.may_apply);
    CHECK(v.plan_active);
  }
  SECTION("tiling none: an op that does not fit is not cut (the cache check rejects it later)") {
    const Verdict v = verdict(dense(byte_hardware("32 KiB")), {"schedule.tiling=\"none\""});
    CHECK_FALSE(v.may_apply);
    CHECK_FALSE(v.plan_active);
  }
  SECTION("explicit tiles apply even when the op fits") {
    // m = 16 cuts the batch of 64 into 4 tiles.
    const Verdict v = verdict(dense(byte_hardware("1 MiB"), ", tiles = { m = 16 }"));
    CHECK(v.may_apply);
    CHECK(v.plan_active);
  }
  SECTION("a training schedule: the same rule over its forward and backward ops") {
    // dL/dW reads X (16 KiB) and dL/dY (16 KiB) and writes dL/dW (16 KiB): 48 KiB, as forward.
    CHECK_FALSE(verdict(dense(byte_hardware("1 MiB")), {"schedule.kind=\"training\""}).may_apply);
    const Verdict v = verdict(dense(byte_hardware("32 KiB")), {"schedule.kind=\"training\""});
    CHECK(v.may_apply);
    CHECK(v.plan_active);
  }
}

TEST_CASE("uniform mode never tiles, and tiles there are still an error", "[tiling][generator]") {
  const std::string hardware = "[hardware.cache]\ncapacity = \"4 tensors\"\n";
  const Verdict v = verdict(dense(hardware));
  CHECK_FALSE(v.may_apply);
  CHECK_FALSE(v.plan_active);
  // The generator must still reach plan_tiling to report the error at the tiles.
  const std::string text = dense(hardware, ", tiles = { m = 16 }");
  const ScenarioSpec spec = parse_scenario_text(text, "s.toml", {});
  const LayerGraph model = build_layer_graph(*spec.model);
  const GeneratedSchedule s = generate_inference_graph(model, true);
  CHECK(tiling_may_apply(s.graph, s.order, {model, spec.schedule, 4, true}));
  CHECK_THAT(load_error(text), Catch::Matchers::Contains(
                                   "tiles need a cache in bytes; uniform mode (tensors as units) "
                                   "does not tile"));
}

TEST_CASE("a model run without tiling is the schedule with no loop nests recorded",
          "[tiling][generator]") {
  // Every op fits: the run is the untiled schedule (one op per layer, nothing rolled up).
  const Simulation sim = load_text(dense(byte_hardware("1 MiB")));
  CHECK_FALSE(sim.tiling);
  REQUIRE(sim.graph.op_count() == 1);
  CHECK(sim.graph.op_name(0) == "dense1.forward");
}
