// Hardware presets (scenarios/hardware/): `[hardware] preset = "NAME"` loads the machine, keys
// the scenario sets override it, and the compute throughput is the one for the model's dtype.
#include <catch2/catch.hpp>

#include "sim/scenario/hardware_presets.h"
#include "sim/scenario/scenario_parse.h"
#include "support/run_memsim.h"

namespace memsim {
namespace {

const std::string kModel = "[model]\ninput = 8\nlayers = [{ type = \"dense\", out = 8 }]\n";

// Parsed as if the scenario lived in the repository's scenarios/ folder.
ScenarioSpec parse(const std::string& text, const std::vector<std::string>& overrides = {}) {
  return parse_scenario_text(text, test::source_path("scenarios/test.toml"), overrides);
}

std::string parse_error(const std::string& text) {
  try {
    parse(text);
  } catch (const ScenarioError& e) {
    return e.message();
  }
  return "";
}

constexpr double kGiB = 1024.0 * 1024 * 1024;
constexpr double kMiB = 1024.0 * 1024;

struct Expected {
  const char* name;
  double l2_mib, dram_gib, bandwidth_gbs, fp32_tflops, fp16_tflops;
};

// The datasheet values the preset files cite (dense throughputs).
const Expected kPresets[] = {
    {"rtx-a6000", 6, 48, 768, 38.7, 154.8}, {"a100-40gb", 40, 40, 1555, 19.5, 312},
    {"a100-80gb", 40, 80, 2039, 19.5, 312}, {"h100-sxm", 50, 80, 3350, 67, 989.4},
    {"h200", 50, 141, 4800, 67, 989.4},
};

TEST_CASE("every preset loads with its datasheet values", "[presets]") {
  for (const Expected& e : kPresets) {
    INFO(e.name);
    const std::string hw = "[hardware]\npreset = \"" + std::string(e.name) + "\"\n";
    const ScenarioSpec fp32 = parse(hw + kModel);
    CHECK(fp32.hardware_preset == e.name);
    CHECK(fp32.machine.cache_capacity == static_cast<std::uint64_t>(e.l2_mib * kMiB));
    CHECK(!fp32.machine.uniform);
    CHECK(fp32.machine.dram_capacity == static_cast<std::uint64_t>(e.dram_gib * kGiB));
    CHECK(fp32.machine.dram_bandwidth == Approx(e.bandwidth_gbs * 1e9));
    CHECK(fp32.machine.compute_throughput == Approx(e.fp32_tflops * 1e12));
    CHECK(fp32.throughput_precision == "fp32");
    // The model's dtype picks the throughput: fp16 runs on the tensor cores.
    const ScenarioSpec fp16 = parse(hw + kModel, {"model.dtype=\"fp16\""});
    CHECK(fp16.machine.compute_throughput == Approx(e.fp16_tflops * 1e12));
    CHECK(fp16.throughput_precision == "fp16");
  }
}

TEST_CASE("keys the scenario sets override the preset", "[presets]") {
  const ScenarioSpec spec = parse(
      "[hardware]\npreset = \"h100-sxm\"\n[hardware.cache]\ncapacity = \"1 MiB\"\n"
      "[hardware.dram]\nlatency = \"400 ns\"\n" +
          kModel,
      {"hardware.dram.bandwidth=\"1 TB/s\""});
  CHECK(spec.machine.cache_capacity == 1024 * 1024);   // scenario
  CHECK(spec.machine.dram_latency == Approx(400e-9));  // scenario (the preset has none)
  CHECK(spec.machine.dram_bandwidth == Approx(1e12));  // --set
  CHECK(spec.machine.dram_capacity == static_cast<std::uint64_t>(80 * kGiB));  // preset
  CHECK(spec.machine.compute_throughput == Approx(67e12));                     // preset, fp32
  SECTION("a throughput given directly wins over the per-dtype table") {
    const ScenarioSpec s = parse(
        "[hardware]\npreset = \"h100-sxm\"\n[hardware.compute]\n"
        "throughput = \"10 TFLOP/s\"\n" +
        kModel);
    CHECK(s.machine.compute_throughput == Approx(10e12));
    CHECK(s.throughput_precision.empty());
  }
  SECTION("precision picks another entry: fp32 data on tensor cores as tf32") {
    const ScenarioSpec s = parse(
        "[hardware]\npreset = \"a100-80gb\"\n[hardware.compute]\n"
        "precision = \"tf32\"\n" +
        kModel);
    CHECK(s.machine.compute_throughput == Approx(156e12));
    CHECK(s.throughput_precision == "tf32");
  }
  SECTION("a scenario may override one entry of the table") {
    const ScenarioSpec s = parse(
        "[hardware]\npreset = \"rtx-a6000\"\n"
        "[hardware.compute.throughput_by_dtype]\nfp32 = \"20 TFLOP/s\"\n" +
        kModel);
    CHECK(s.machine.compute_throughput == Approx(20e12));
  }
}

TEST_CASE("preset errors list what would be right", "[presets][errors]") {
  const std::vector<std::string> known =
      known_hardware_presets(test::source_path("scenarios/test.toml"));
  CHECK(known ==
        std::vector<std::string>{"a100-40gb", "a100-80gb", "h100-sxm", "h200", "rtx-a6000"});
  CHECK(parse_error("[hardware]\npreset = \"h100\"\n" + kModel) ==
        "hardware.preset: unknown preset 'h100'; known presets: a100-40gb, a100-80gb, h100-sxm, "
        "h200, rtx-a6000");
  CHECK(parse_error("[hardware]\npreset = \"../models/resnet18\"\n" + kModel) ==
        "hardware.preset: unknown preset '../models/resnet18'; known presets: a100-40gb, "
        "a100-80gb, h100-sxm, h200, rtx-a6000");
  // Ampere has no fp8 entry.
  CHECK(parse_error("[hardware]\npreset = \"a100-40gb\"\n" + kModel + "dtype = \"fp8\"\n") ==
        "hardware.compute.throughput_by_dtype has no fp8 entry (the model's dtype); it lists fp32, "
        "tf32, bf16, fp16: set hardware.compute.precision to one of them or give "
        "hardware.compute.throughput");
  CHECK(parse_error("[hardware]\npreset = \"h200\"\n[hardware.compute.throughput_by_dtype]\n"
                    "fp3 = \"1 TFLOP/s\"\n" +
                    kModel) ==
        "unknown key 'fp3' in [hardware.compute.throughput_by_dtype]; did you mean 'fp32'?");
}

TEST_CASE("a preset is found from a scenario outside the repository", "[presets][cli]") {
  const test::TempDir dir;
  const std::string file = dir.file("mine.toml");
  std::ofstream(file) << "[hardware]\npreset = \"rtx-a6000\"\n" << kModel;
  // MEMSIM_PRESET_DIR (compiled in) is the fallback when no ancestor has scenarios/hardware/.
  const ScenarioSpec spec = parse_scenario_file(file);
  CHECK(spec.machine.cache_capacity == 6 * 1024 * 1024);
  const auto r = test::run_memsim("run " + file);
  CHECK(r.status == 0);
  CHECK(r.err.empty());
}

}  // namespace
}  // namespace memsim
