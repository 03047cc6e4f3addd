// Every bad input is exit 2 at the right place (issue 10 item 5): directories given as inputs,
// --set errors that name --set and the key, huge names and op arities at the op's line, sizes
// and counts that overflow 64 bits, times that are not finite, messages kept on one line.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "sim/core/errors.h"
#include "tests/support/run_memsim.h"
#include "tests/support/scenario_text.h"

namespace fs = std::filesystem;
using memsim::test::load_error;
using memsim::test::run_memsim;
using memsim::test::source_path;
using memsim::test::TempDir;

namespace {

const std::string kPaging = source_path("scenarios/lecture/paging.toml");

}  // namespace

TEST_CASE("a directory given as an input file says so", "[errors][cli]") {
  const TempDir dir;
  const std::string d = dir.path.string();
  const auto scenario = run_memsim("run " + d);
  CHECK(scenario.status == 2);
  CHECK(scenario.err == d + ": is a directory, not a scenario file\n");
  const auto schedule = run_memsim("run " + kPaging + " --schedule " + d);
  CHECK(schedule.status == 2);
  CHECK(schedule.err == d + ": is a directory, not a schedule file\n");
  // A topology is blamed on the scenario's key, with the file's own path.
  fs::create_directory(dir.file("topo.csv"));
  std::ofstream(dir.file("s.toml")) << "[hardware.cache]\ncapacity = \"64 MiB\"\n"
                                    << "[hardware.dram]\nbandwidth = \"1 GB/s\"\n"
                                    << "[hardware.compute]\nthroughput = \"1 TFLOP/s\"\n"
                                    << "[model]\ntopology = \"topo.csv\"\n";
  const auto topology = run_memsim("run " + dir.file("s.toml"));
  CHECK(topology.status == 2);
  CHECK(topology.err == dir.file("s.toml") + ":8:12: model.topology: '" + dir.file("topo.csv") +
                            "': is a directory, not a topology file (paths are relative to the "
                            "scenario file)\n");
}
