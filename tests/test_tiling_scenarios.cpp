// Tiling from a scenario file: [schedule] tiling, a layer's `tiles`, their errors (exact text),
// the model zoo on its presets' real L2 caches, and `memsim info`'s tiling section.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "policies/models/layer_graph_builder.h"
#include "support/dram_reads.h"
#include "support/run_memsim.h"
#include "support/scenario_text.h"

using namespace memsim;
using namespace memsim::test;
using Catch::Matchers::Contains;

namespace {

const std::string kHardware = R"([hardware.cache]
capacity = "1 MiB"
[hardware.dram]
bandwidth = "1 GB/s"
[hardware.compute]
throughput = "1 GFLOP/s"
)";

// A dense layer over a 4 x 8 x 8 input (256 features, 64 positions per channel).
std::string dense_with(const std::string& layer) {
  return kHardware + "[model]\nbatch = 64\ninput = [4, 8, 8]\nlayers = [" + layer + "]\n";
}

}  // namespace

TEST_CASE("explicit tiles: every mistake is an error at its value", "[tiling][scenario]") {
  // The layer table starts at line 10, column 11; `tiles = {` at column 47, its first value at
  // 53 ("order = " values at 57).
  CHECK(load_error(dense_with("{ type = \"dense\", out = 64, tiles = { x = 4 } }")) ==
        "s.toml:10:53: layer 'dense1' (dense): tiles.x: not a loop dimension; this layer's are "
        "m, n, k (and order)");
  CHECK(load_error(dense_with("{ type = \"dense\", out = 64, tiles = { m = 0 } }")) ==
        "s.toml:10:53: layer 'dense1' (dense): tiles.m: expected a tile size from 1 to 64 (the "
        "dimension's extent), got 0");
  CHECK(load_error(dense_with("{ type = \"dense\", out = 64, tiles = { m = 99 } }")) ==
        "s.toml:10:53: layer 'dense1' (dense): tiles.m: expected a tile size from 1 to 64 (the "
        "dimension's extent), got 99");
  CHECK(load_error(dense_with("{ type = \"dense\", out = 64, tiles = { order = \"mkz\" } }")) ==
        "s.toml:10:57: layer 'dense1' (dense): tiles.order: 'z' is not a loop dimension; this "
        "layer's are m, n, k");
  CHECK(load_error(dense_with("{ type = \"dense\", out = 64, tiles = { order = \"mkm\" } }")) ==
        "s.toml:10:57: layer 'dense1' (dense): tiles.order: 'm' is listed twice; name each of m, "
        "n, k at most once, outermost first");
  CHECK(load_error(dense_with("{ type = \"dense\", out = 64, tiles = { order = 3 } }")) ==
        "s.toml:10:57: layer 'dense1' (dense): tiles.order: expected a string such as \"mnk\"");
  CHECK(load_error(dense_with("{ type = \"dense\", out = 64, tiles = 4 }")) ==
        "s.toml:10:47: model.layers.tiles: expected a table of tile sizes (e.g. tiles = { m = "
        "512, k = 128 }), got an integer");
  CHECK(load_error(dense_with("{ type = \"dense\", out = 64, tiles = { m = 1.5 } }")) ==
        "s.toml:10:53: model.layers.tiles.m: expected an integer tile size or the order string, "
        "got a float");
  // 256 features are 4 channels of 8 x 8 positions: a k tile holds whole channels.
  CHECK(load_error(dense_with("{ type = \"dense\", out = 64, tiles = { k = 20 } }")) ==
        "s.toml:10:53: layer 'dense1' (dense): tiles.k: 20 is not a multiple of 64 (a tile of k "
        "holds whole input channels, 64 features each) nor the whole extent 256");
  CHECK(load_error(dense_with("{ type = \"conv2d\", out = 8, kernel = 3, tiles = { r = 1 } }")) ==
        "s.toml:10:65: layer 'conv2d1' (conv2d): tiles.r: this dimension is never tiled; use 3 or "
        "leave it out");
  CHECK(load_error(dense_with("{ type = \"bottleneck\", out = 64, tiles = { n = 1 } }")) ==
        "s.toml:10:52: layer 'bottleneck1' (bottleneck): tiles apply to a layer, not to a block "
        "of layers of different kinds");
  // A tiling whose tile does not fit: 64 x 256 x 64 floats whole is 64 + 64 + 16 KiB... with m
  // whole (nothing cut) on a 64 KiB cache.
  std::string small = dense_with("{ type = \"dense\", out = 64, tiles = { m = 64 } }");
  small.replace(small.find("1 MiB"), 5, "64 KiB");
  CHECK(load_error(small) ==
        "s.toml:10:47: layer 'dense1': with tiles whole (nothing cut), a tile op of "
        "'dense1.forward' needs 147456 bytes (144.00 KiB) resident at once, but the cache holds "
        "65536 bytes (64.00 KiB)");
  CHECK(load_error("[hardware.cache]\ncapacity = \"4 tensors\"\n[model]\nbatch = 4\ninput = "
                   "16\nlayers = [{ type = \"dense\", out = 4, tiles = { m = 2 } }]\n") ==
        "s.toml:6:46: layer 'dense1': tiles need a cache in bytes; uniform mode (tensors as "
        "units) does not tile");
  CHECK(load_error(kHardware + "[schedule]\ntiling = \"sometimes\"\n[model]\nbatch = 4\ninput = "
                               "16\nlayers = [{ type = \"dense\", out = 4 }]\n") ==
        "s.toml:8:10: schedule.tiling: expected \"auto\" (cut ops that do not fit the cache into "
        "tiles) or \"none\", got \"sometimes\"");
}

TEST_CASE("tiling auto leaves a schedule that fits alone, none never cuts", "[tiling][scenario]") {
  // Everything fits 1 MiB: auto changes nothing (same ops, no roll-up map).
  const std::string fits = dense_with("{ type = \"dense\", out = 64 }");
  const Simulation a = load_text(fits);
  const Simulation n = load_text(fits, {"schedule.tiling=\"none\""});
  CHECK_FALSE(a.tiling);
  REQUIRE(a.graph.op_count() == n.graph.op_count());
  CHECK(a.graph.op_name(0) == "dense1.forward");
  CHECK(a.graph.tensor_count() == n.graph.tensor_count());
  // 64 KiB does not hold 144 KiB: auto cuts it, and every step is verified; with explicit tiles
  // and tiling "none", only the given tiles apply.
  const Simulation cut = load_text(fits, {"hardware.cache.capacity=\"64 KiB\""});
  REQUIRE(cut.tiling);
  CHECK(cut.graph.op_count() > 1);
  CHECK_NOTHROW(run_simulation(cut));
  const Simulation given =
      load_text(dense_with("{ type = \"dense\", out = 64, tiles = { m = 16 } }"),
                {"schedule.tiling=\"none\""});
  CHECK(given.graph.find_op("dense1.tile3.forward") != Graph::kNoOp);
  CHECK(given.graph.find_op("dense1.tile4.forward") == Graph::kNoOp);
}

TEST_CASE("the model zoo runs on each preset's real L2, inference and training",
          "[tiling][scenario][zoo]") {
  const Registry registry = builtin_registry();
  const std::string model = GENERATE(as<std::string>{}, "vgg16", "resnet18", "resnet50",
                                     "mobilenet_v2", "gpt2", "bert-base");
  const std::string kind = GENERATE(as<std::string>{}, "inference", "training");
  INFO(model << " " << kind);
  const std::vector<std::string> overrides{"schedule.kind=" + kind};
  const ScenarioSpec spec =
      parse_scenario_file(test::source_path("scenarios/models/" + model + ".toml"), overrides);
  CHECK(spec.machine.cache_capacity == 6u << 20);  // the RTX A6000's L2, no override
  const Simulation sim = build_simulation(spec, registry);
  REQUIRE(sim.tiling);                      // some layer does not fit 6 MiB
  const RunResult r = run_simulation(sim);  // throws if the verifier objects
  CHECK(r.counts.peak_cache_bytes <= spec.machine.cache_capacity);
  // Tiles split FLOPs by share: the forward total is the layer graph's.
  double forward = 0;
  const LayerGraph graph = build_layer_graph(*spec.model);
  for (const Layer& l : graph.layers()) forward += l.flops_forward;
  CHECK(r.flops[0] == Approx(forward).epsilon(1e-9));
  // Every tensor that starts in DRAM and is read is loaded at least once.
  CHECK(r.counts.load_bytes >= initial_bytes_read(sim));
}

TEST_CASE("memsim info explains each op's tiling", "[tiling][scenario][info]") {
  // fp32 4096 x 4096 x 4096 on 6 MiB (scenarios/tiling/gemm4096.toml's layer).
  const std::string file = test::source_path("scenarios/tiling/gemm4096.toml");
  const auto text = run_memsim("info " + file);
  REQUIRE(text.status == 0);
  CHECK_THAT(text.out, Contains("tiling     cache 6.00 MiB, lookahead 0, schedule.tiling auto: "
                                "ops that do not fit are cut into tiles"));
  CHECK_THAT(text.out, Contains("layer   op              role          untiled  tiling"));
  CHECK_THAT(text.out, Contains("dense1  dense1.forward  forward    192.00 MiB  "));
  const auto json = run_memsim("info " + file + " --format json");
  REQUIRE(json.status == 0);
  const auto j = nlohmann::json::parse(json.out);
  const auto& op = j["tiling"]["ops"][0];
  CHECK(op["op"] == "dense1.forward");
  CHECK(op["untiled_bytes"] == 3 * 64ull * 1024 * 1024);  // A, B and C: 64 MiB each
  CHECK(op["cut"] == true);
  CHECK(op["order"].get<std::string>().back() == 'k');  // the reduction streams innermost
  // The lower bound: 2 * 4096^3 / sqrt(6 MiB / 4) floats, above the compulsory 192 MiB.
  const double s = 6.0 * 1024 * 1024 / 4;
  CHECK(op["lower_bound_bytes"].get<double>() ==
        Approx(4 * 2 * 4096.0 * 4096 * 4096 / std::sqrt(s)).epsilon(1e-9));
  // What `memsim run` counts equals the prediction (the model is exact here).
  const auto run = run_memsim("run " + file + " --format json");
  REQUIRE(run.status == 0);
  const auto r = nlohmann::json::parse(run.out);
  CHECK(r["load_bytes"].get<std::uint64_t>() + r["store_bytes"].get<std::uint64_t>() ==
        op["predicted_bytes"].get<std::uint64_t>());
}

TEST_CASE("memsim info shows both parts of a split tiling", "[tiling][scenario][info][split]") {
  // 1024^3 fp16 on 1 MiB (scenarios/tiling/gemm1024-fp16.toml): the auto tiler splits the
  // product (tests/test_tiling_split.cpp derives why). The JSON gives the first part's tile and
  // order and, under "split", the dimension, the point and the second part's; the parts cover
  // the dimension: 0 < at < 1024, and each part's tile sizes fit inside it.
  const std::string file = test::source_path("scenarios/tiling/gemm1024-fp16.toml");
  const auto json = run_memsim("info " + file + " --format json");
  REQUIRE(json.status == 0);
  const auto j = nlohmann::json::parse(json.out);
  const auto& op = j["tiling"]["ops"][0];
  REQUIRE(op["split"].is_object());
  const std::string dim = op["split"]["dim"];
  CHECK((dim == "m" || dim == "n"));
  const std::uint64_t at = op["split"]["at"];
  CHECK(at > 0);
  CHECK(at < 1024);
  for (const auto& [name, size] : op["tile"].items())
    CHECK(size.get<std::uint64_t>() <= (name == dim ? at : 1024));
  for (const auto& [name, size] : op["split"]["tile"].items())
    CHECK(size.get<std::uint64_t>() <= (name == dim ? 1024 - at : 1024));
  // The text names the split: "<dim><at: ..., <dim>>=<at>: ...".
  const auto text = run_memsim("info " + file);
  REQUIRE(text.status == 0);
  CHECK_THAT(text.out, Contains(dim + "<" + std::to_string(at) + ": ") &&
                           Contains(", " + dim + ">=" + std::to_string(at) + ": "));
  // The runner-up: the best single tile shape, with more tiles' worth of traffic than the
  // split (at least 1/32 more, §16.7), and the text's line for it.
  const auto& one = op["split"]["one_shape"];
  CHECK(one["predicted_bytes"].get<std::uint64_t>() -
            one["predicted_bytes"].get<std::uint64_t>() / 32 >
        op["predicted_bytes"].get<std::uint64_t>());
  CHECK_THAT(text.out, Contains("split      dense1.forward: one tile shape, ") &&
                           Contains("; two shapes move "));
  // `memsim run` moves at most what the model predicts (the parts are predicted from an empty
  // cache each; the executor may keep blocks across the boundary).
  const auto run = run_memsim("run " + file + " --format json");
  REQUIRE(run.status == 0);
  const auto r = nlohmann::json::parse(run.out);
  CHECK(r["load_bytes"].get<std::uint64_t>() + r["store_bytes"].get<std::uint64_t>() <=
        op["predicted_bytes"].get<std::uint64_t>());
}
