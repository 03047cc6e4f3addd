// Bounds on tiling's work (TilingBounds, policies/tiling/tile_schedule.h; the scenario fuzzer
// sets them): the tile shapes the auto tiler tries (TilerOptions::shape_limit, counted by hand
// on a small nest) and the tile ops of a tiling, with the errors when a scenario passes them.
#include <catch2/catch.hpp>

#include "policies/generators/inference.h"
#include "policies/tiling/auto_tiler.h"
#include "policies/tiling/model_tiling.h"
#include "policies/tiling/tile_schedule.h"
#include "support/element_wise_nest.h"
#include "support/scenario_text.h"

using namespace memsim;
using namespace memsim::test;

namespace {

// A dense layer of 64 -> 64 features on a batch of 64, fp32: input, weight and output 16 KiB
// each, a 48 KiB working set. The layer table starts at line 10 (six hardware lines, [model],
// batch, input), column 11.
std::string dense(const std::string& capacity, const std::string& extra = "") {
  return byte_hardware(capacity) +
         "[model]\nbatch = 64\ninput = 64\nlayers = [{ type = \"dense\", out = 64" + extra +
         " }]\n";
}

GeneratedSchedule generate(const ScenarioSpec& spec, const TilingBounds& bounds) {
  return generate_inference({*spec.model, spec.schedule, spec.machine.uniform,
                             spec.machine.cache_capacity, spec.machine.dram_capacity},
                            bounds);
}

}  // namespace

TEST_CASE("the auto tiler counts the tile shapes it tries and stops past its bound",
          "[tiling][model]") {
  // Capacity 32 B (4 elements). Candidates: n in {1, 2}; h (the last cut dimension, which takes
  // its largest size that fits) in {1, 2, 3, 4, 8}. n = 1: h = 8 needs 64 B, h = 4 needs 32 B:
  // one shape, both of its loop orders fit. n = 2: h = 8, 4, 3 need 128, 64, 48 B; h = 2 needs
  // 32 B: a second shape. Every tiling moves each byte once (64 + 64 B), the compulsory
  // traffic, so no split is searched: 2 shapes in all.
  std::uint64_t tried = 0;
  const TilingChoice c = choose_tiling(element_wise_nest(), {32, 0, 2, &tried});
  CHECK(tried == 2);
  CHECK(c.tiling.tile == std::vector<std::uint64_t>{1, 4});  // as without a bound
  std::uint64_t unbounded = 0;
  CHECK(choose_tiling(element_wise_nest(), {32, 0, 0, &unbounded}).tiling.tile == c.tiling.tile);
  CHECK(unbounded == 2);
  std::uint64_t stopped = 0;
  CHECK_THROWS_WITH(choose_tiling(element_wise_nest(), {32, 0, 1, &stopped}),
                    "the auto tiler tried more than 1 tile shapes");
}

TEST_CASE("a scenario whose tiling passes the shape bound is an error at the layer",
          "[tiling][scenario]") {
  // 48 KiB does not fit the 32 KiB cache, so the auto tiler cuts the forward op.
  const ScenarioSpec spec = parse_scenario_text(dense("32 KiB"), "s.toml", {});
  const ModelTiling unbounded = plan_model_tiling(spec);
  REQUIRE(unbounded.plan.active);
  const std::uint64_t tried = unbounded.plan.shapes_tried;
  REQUIRE(tried > 1);
  // At the bound the plan is the same; one below it the planner stops.
  const ModelTiling at = plan_model_tiling(spec, tried);
  CHECK(at.plan.shapes_tried == tried);
  CHECK(at.plan.ops.front().tiling.tile == unbounded.plan.ops.front().tiling.tile);
  const std::string over = "s.toml:10:11: layer 'dense1': the auto tiler tried more than " +
                           std::to_string(tried - 1) +
                           " tile shapes for op 'dense1.forward', the bound its caller set (a "
                           "smaller layer or a larger cache needs fewer)";
  CHECK_THROWS_WITH(plan_model_tiling(spec, tried - 1), over);
  // The generator holds to the same bound.
  CHECK(generate(spec, {tried, 0}).tiling);
  CHECK_THROWS_WITH(generate(spec, {tried - 1, 0}), over);
}

TEST_CASE("a scenario whose tiling has more tile ops than the bound is an error at the layer",
          "[tiling][scenario]") {
  // tiles m = 16 cut the batch of 64 into 4 tile ops (no epilogue: nothing is written twice).
  const ScenarioSpec spec =
      parse_scenario_text(dense("1 MiB", ", tiles = { m = 16 }"), "s.toml", {});
  const GeneratedSchedule at = generate(spec, {0, 4});
  REQUIRE(at.tiling);
  CHECK(at.order.size() == 4);
  CHECK_THROWS_WITH(generate(spec, {0, 3}),
                    "s.toml:10:11: layer 'dense1': with op 'dense1.forward' the tiling has 4 "
                    "tile ops, more than the 3 its caller allows (fewer with larger tiles or a "
                    "larger cache)");
}
