// schedule.loss / optimizer / checkpoint: accepted values, and the exact one-line error for
// every bad one (file:line:col of the value, what is wrong, what would be right).
#include <catch2/catch.hpp>

#include "support/scenario_text.h"

using namespace memsim;
using memsim::test::load_error;
using memsim::test::load_text;

namespace {
// Lines 1-6 hardware, 7-10 model (4 layers), 11 [schedule], 12 kind; the key under test is on
// line 13, its value starting at column 1 + len("key = ").
const std::string kScenario = R"([hardware.cache]
capacity = "6 MiB"
[hardware.dram]
bandwidth = "768 GB/s"
[hardware.compute]
throughput = "38.7 TFLOP/s"
[model]
batch = 4
input = 16
layers = [{ type = "dense", out = 16, repeat = 4 }]
[schedule]
kind = "training"
)";
}  // namespace

TEST_CASE("good training keys load", "[training][scenario]") {
  for (const char* line :
       {"loss = \"fused\"", "loss = \"separate\"", "optimizer = \"none\"", "optimizer = \"sgd\"",
        "optimizer = \"momentum\"", "optimizer = \"adam\"", "update = \"after-backward\"",
        "update = \"per-layer\"", "checkpoint = \"none\"", "checkpoint = \"sqrt\"",
        "checkpoint = \"every:3\"", "checkpoint = [1, 3]", "checkpoint = []", "checkpoint = [4]"}) {
    CAPTURE(line);
    CHECK(load_error(kScenario + line + "\n").empty());
  }
  // --set takes an array as TOML.
  CHECK(load_error(kScenario, {"schedule.checkpoint=[2]"}).empty());
  const Simulation sim = load_text(kScenario, {"schedule.optimizer=adam"});
  CHECK(sim.graph.find_tensor("dense4.weight.v") != Graph::kNoTensor);
}

TEST_CASE("bad training keys give their exact errors", "[training][scenario][errors]") {
  CHECK(load_error(kScenario + "optimizer = \"adamw\"\n") ==
        "s.toml:13:13: schedule.optimizer: unknown optimizer 'adamw'; expected none, sgd, "
        "momentum or adam");
  CHECK(load_error(kScenario + "optimizer = 1\n") ==
        "s.toml:13:13: schedule.optimizer: expected a string, got an integer");
  CHECK(load_error(kScenario + "update = \"fused\"\n") ==
        "s.toml:13:10: schedule.update: unknown update placement 'fused'; expected "
        "after-backward (every gradient complete before the optimizer runs, as loss.backward(); "
        "optimizer.step()) or per-layer (each layer's update right after its dL/dW, as a fused "
        "optimizer does)");
  CHECK(load_error(kScenario + "update = true\n") ==
        "s.toml:13:10: schedule.update: expected a string, got a boolean");
  CHECK(load_error(kScenario + "loss = \"mse\"\n") ==
        "s.toml:13:8: schedule.loss: unknown loss 'mse'; expected separate (an op computes dL/dy "
        "from X_n and the label) or fused (X_n is dL/dy)");
  CHECK(load_error(kScenario + "checkpoint = \"half\"\n") ==
        "s.toml:13:14: schedule.checkpoint: expected \"none\", \"sqrt\", \"every:K\", "
        "\"optimal\" or an array of layer indices, got \"half\"");
  CHECK(load_error(kScenario + "checkpoint = 2\n") ==
        "s.toml:13:14: schedule.checkpoint: expected \"none\", \"sqrt\", \"every:K\", "
        "\"optimal\" or an array of layer indices, got an integer");
  for (const char* bad : {"every:0", "every:", "every:x", "every:-2"}) {
    CAPTURE(bad);
    CHECK(load_error(kScenario + "checkpoint = \"" + bad + "\"\n") ==
          "s.toml:13:14: schedule.checkpoint: expected \"every:K\" with K a whole number of at "
          "least 1, got \"" +
              std::string(bad) + "\"");
  }
  CHECK(load_error(kScenario + "checkpoint = [2, 0]\n") ==
        "s.toml:13:18: schedule.checkpoint: layer index 0 is not a layer (layers count from 1; "
        "X0 is always available)");
  CHECK(
      load_error(kScenario + "checkpoint = [2, \"a\"]\n") ==
      "s.toml:13:18: schedule.checkpoint: expected an array of layer indices, got a string in it");
  // Beyond the model: known only once the model is built (4 layers); points at the value.
  CHECK(load_error(kScenario + "checkpoint = [2, 5]\n") ==
        "s.toml:13:14: schedule.checkpoint: layer index 5 is beyond the model's 4 layers");
  CHECK(load_error(kScenario + "optimiser = \"sgd\"\n") ==
        "s.toml:13:1: unknown key 'optimiser' in [schedule]; did you mean 'optimizer'?");
}

TEST_CASE("training keys on an inference schedule are an error", "[training][scenario][errors]") {
  std::string inference = kScenario;
  inference.replace(inference.find("\"training\""), 10, "\"inference\"");
  CHECK(load_error(inference + "optimizer = \"sgd\"\n") ==
        "s.toml:13:13: schedule.optimizer: applies to kind = \"training\"; this schedule's kind "
        "is \"inference\"");
  CHECK(load_error(inference + "update = \"per-layer\"\n") ==
        "s.toml:13:10: schedule.update: applies to kind = \"training\"; this schedule's kind "
        "is \"inference\"");
  CHECK(load_error(inference + "checkpoint = \"sqrt\"\n") ==
        "s.toml:13:14: schedule.checkpoint: applies to kind = \"training\"; this schedule's kind "
        "is \"inference\"");
  // An override switching the kind back makes the same keys valid.
  CHECK(load_error(inference + "loss = \"fused\"\n", {"schedule.kind=training"}).empty());
}
