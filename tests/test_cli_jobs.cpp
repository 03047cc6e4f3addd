// `memsim run --jobs N`: 1 keeps the verifier on the executor's thread, 2 or more (the default)
// lets a run of 50,000 ops or more be verified on a second thread (docs/model.md §8). The
// results must be the same either way.
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support/run_memsim.h"

using namespace memsim::test;

TEST_CASE("run --jobs 1 and 2 give the default's output, byte for byte", "[cli][run][jobs]") {
  // 60,000 dense layers (60,000 ops: past the 50,000 from which the default uses a second
  // thread) on a uniform 4-tensor cache, double-buffered; every load, op and store takes 1
  // unit. Loads: X0 and each layer's weight, N + 1 = 60,001; one store, the last output. X0
  // loads in [0, 1), W1 in [1, 2), layer 1 runs in [2, 3) while W2 loads, and so on: layer k
  // runs in [k + 1, k + 2), the store of XN in [N + 2, N + 3). Time N + 3 = 60,003; the only
  // stall is layer 1's 2 units.
  const TempDir dir;
  const std::string file = dir.file("chain.toml");
  std::ofstream(file) << "[hardware.cache]\ncapacity = \"4 tensors\"\n[schedule]\noverlap = "
                         "\"double-buffer\"\n[model]\nbatch = 1\ninput = 64\nlayers = [{ type = "
                         "\"dense\", out = 64, repeat = 60000 }]\n";
  const CommandResult standard = run_memsim("run " + file + " --format json");
  REQUIRE(standard.status == 0);
  const nlohmann::json j = nlohmann::json::parse(standard.out);
  CHECK(j["loads"] == 60001);
  CHECK(j["stores"] == 1);
  CHECK(j["time_s"] == 60003);
  CHECK(j["stall_s"] == 2);
  for (const char* jobs : {"1", "2", "8"}) {
    INFO("--jobs " << jobs);
    const CommandResult r = run_memsim("run " + file + " --format json --jobs " + jobs);
    CHECK(r.status == 0);
    CHECK(r.out == standard.out);
  }
  const CommandResult text = run_memsim("run " + file);
  const CommandResult one = run_memsim("run " + file + " --jobs 1");
  CHECK(text.status == 0);
  CHECK(one.out == text.out);  // the top layers too (their recorder runs on either thread)
}

TEST_CASE("run --jobs must be a whole number from 1 to 1024", "[cli][run][jobs][errors]") {
  const std::string run = "run " + source_path("scenarios/lecture/mlp3-sequential.toml");
  for (const char* bad : {"0", "-1", "2.5", "two", "1025"}) {
    INFO(bad);
    const CommandResult r = run_memsim(run + " --jobs " + bad);
    CHECK(r.status == 2);
    CHECK(r.err == std::string("memsim run: --jobs must be a whole number from 1 to 1024, not '") +
                       bad + "'\n");
  }
}
