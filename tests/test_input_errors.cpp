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

namespace {

// A byte-mode machine with room for anything, for the size tests.
const std::string kBytes =
    "[hardware.cache]\ncapacity = \"1 KiB\"\n"           // line 1-2
    "[hardware.dram]\nbandwidth = \"1 GB/s\"\n"          // 3-4
    "[hardware.compute]\nthroughput = \"1 TFLOP/s\"\n";  // 5-6

}  // namespace

TEST_CASE("errors in a --set name --set and the key, and are exit 2", "[errors][cli]") {
  CHECK(load_error("[hardware.cache]\ncapacity = \"4 tensors\"\n[graph]\n"
                   "ops = [{ name = \"f\", inputs = [\"a\"] }]\n",
                   {"foo.bar=1"}) ==
        "--set foo.bar: unknown key 'foo' at the top level; expected one of: scenario, hardware, "
        "placement, graph, model, schedule, policy");
  const auto del =
      run_memsim("validate " + kPaging + " --set \"$(printf 'scenario.name=a\\177b')\"");
  CHECK(del.status == 2);
  CHECK(del.err ==
        "--set scenario.name: the value contains the control character \\x7f; values are text\n");
  const auto utf8 =
      run_memsim("validate " + kPaging + " --set \"$(printf 'scenario.name=a\\377b')\"");
  CHECK(utf8.status == 2);
  CHECK(utf8.err == "--set scenario.name: the value is not valid UTF-8 (byte 2)\n");
  // A tab is text: kept, so the name is not silently "lru".
  const auto tab =
      run_memsim("validate " + kPaging + " --set \"$(printf 'policy.eviction=l\\tru')\"");
  CHECK(tab.status == 2);
  CHECK(tab.err ==
        "--set: policy.eviction: unknown policy 'l\\tru'; known policies: belady, "
        "fifo, lru\n");
}

TEST_CASE("a newline in a name, key or value is escaped: every message is one line",
          "[errors][cli]") {
  CHECK(load_error("[hardware.cache]\ncapacity = \"4 tensors\"\n[graph]\n"
                   "ops = [{ name = \"f\", inputs = [\"a\"] }]\noutputs = [\"x\\ny\"]\n") ==
        "s.toml:5:11: graph.outputs names 'x\\ny', which no op uses and no tensor declares");
  const auto key = run_memsim("validate " + kPaging + " --set \"$(printf 'scenario.na\\nme=1')\"");
  CHECK(key.status == 2);
  CHECK(key.err == "--set: unknown key 'na\\nme' in [scenario]; did you mean 'name'?\n");
  const auto usage = run_memsim("run " + kPaging + " --format \"$(printf 'x\\ny')\"");
  CHECK(usage.status == 2);
  CHECK(usage.err == "memsim run: --format must be text, json or csv, not 'x\\ny'\n");
}

TEST_CASE("names beyond 65535 bytes and ops beyond 65535 inputs are exit 2 at the op's line",
          "[errors]") {
  const std::string head = "[hardware.cache]\ncapacity = \"400 tensors\"\n[graph]\nops = [\n";
  const std::string long_name(70000, 'x');
  CHECK(load_error(head + "{ name = \"" + long_name + "\", inputs = [\"a\"] },\n]\n") ==
        "s.toml:5:1: op name 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...' (70000 characters) is "
        "too long; names are at most 65535 bytes");
  CHECK(load_error(head + "{ name = \"f\", inputs = [\"" + long_name + "\"] },\n]\n") ==
        "s.toml:5:1: op 'f' names tensor 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...' (70000 "
        "characters), which is too long; names are at most 65535 bytes");
  std::string inputs;
  for (int i = 0; i < 65536; ++i) inputs += (i ? ", \"t" : "\"t") + std::to_string(i) + "\"";
  CHECK(load_error(head + "{ name = \"f\", inputs = [" + inputs + "] },\n]\n") ==
        "s.toml:5:1: op 'f' has 65536 inputs; an op has at most 65535 inputs, 65535 outputs and "
        "65535 updates");
}

TEST_CASE("sizes and counts that overflow 64 bits are exit 2, too large, at the line", "[errors]") {
  // Two tensors of 8388608 TiB = 2^23 * 2^40 = 2^63 bytes each: together 2^64, one more than
  // 64 bits hold (it used to wrap to 0 and pass a 1 KiB cache).
  CHECK(load_error(kBytes +
                   "[graph]\ntensors = [\n"
                   "  { name = \"A\", size = \"8388608 TiB\" },\n"
                   "  { name = \"B\", size = \"8388608 TiB\" },\n"
                   "  { name = \"C\", size = \"1 KiB\" },\n]\n"
                   "ops = [{ name = \"f\", inputs = [\"A\", \"B\"], outputs = [\"C\"] }]\n") ==
        "s.toml:10:3: too large for 64 bits: the tensors' sizes add up to more than 2^64 - 1 "
        "bytes (with tensor 'B')");
  // Input [2^20, 2^20, 2^20]: 2^60 elements, 2^63 bytes at 8 bytes each: it fits. A dense layer
  // on it has 2^60 * 4 = 2^62 parameters, 2^65 bytes at 8: they do not.
  CHECK(load_error(kBytes + "[model]\ninput = [1048576, 1048576, 1048576]\n"
                            "layers = [{ type = \"dense\", out = 4 }]\n") ==
        "s.toml:9:11: layer 'dense1' (dense): too large for 64 bits: the parameters, "
        "4611686018427387904 x 8 bytes");
  // [2^21, 2^21, 2^21] is 2^63 elements: 2^66 bytes at 8.
  CHECK(load_error(kBytes + "[model]\ninput = [2097152, 2097152, 2097152]\n"
                            "layers = [{ type = \"dense\", out = 4 }]\n") ==
        "s.toml:8:9: model.input: too large for 64 bits: 2097152x2097152x2097152 x batch 1 x 8 "
        "bytes");
  // A conv with 2^62 filters of 3 * 3 * 3 weights: 27 * 2^62 (it used to wrap to 0 parameters).
  CHECK(load_error(kBytes + "[model]\ninput = [3, 8, 8]\n"
                            "layers = [{ type = \"conv2d\", out = 4611686018427387904, kernel = 3 "
                            "}]\n") ==
        "s.toml:9:11: layer 'conv2d1' (conv2d): too large for 64 bits: the weights");
}

TEST_CASE("rates whose derived times are not finite are refused", "[errors]") {
  // The input is 268435456 fp32 features = 1 GiB; at 1e-300 B/s it takes 2^30 / 1e-300 = 1.07e309
  // s, beyond the largest double (1.8e308): inf, and every share of it NaN.
  const std::string model =
      "[model]\ninput = 268435456\nlayers = [{ type = \"dense\", out = 4 }]\n";
  CHECK(load_error("[hardware.cache]\ncapacity = \"8 GiB\"\n[hardware.dram]\nbandwidth = "
                   "\"1e-300 B/s\"\n[hardware.compute]\nthroughput = \"1 TFLOP/s\"\n" +
                   model) ==
        "s.toml:4:13: hardware.dram.bandwidth 1e-300 B/s: moving tensor 'input' (1.00 GiB) would "
        "take longer than any time memsim can count; a time must be a finite number of seconds");
  // The dense op does 2 * 2^28 * 4 = 2^31 FLOPs: at 1e-300 FLOP/s, 2.1e309 s.
  CHECK(load_error("[hardware.cache]\ncapacity = \"8 GiB\"\n[hardware.dram]\nbandwidth = "
                   "\"1 GB/s\"\n[hardware.compute]\nthroughput = \"1e-300 FLOP/s\"\n" +
                   model) ==
        "s.toml:6:14: hardware.compute.throughput 1e-300 FLOP/s: op 'dense1.forward' (2.15 GFLOP) "
        "would "
        "take longer than any time memsim can count; a time must be a finite number of seconds");
  // Each finite, together not: A and B are 1 GiB each, at 1.07374e-299 B/s 2^30 / 1.07374e-299
  // = 1.00000e308 s each, and 2.0e308 s together, past 1.8e308: refused at B (a bound on the
  // times from the total bytes must not let this through).
  CHECK(load_error("[hardware.cache]\ncapacity = \"4 GiB\"\n[hardware.dram]\nbandwidth = "
                   "\"1.07374e-299 B/s\"\n[hardware.compute]\nthroughput = \"1 TFLOP/s\"\n"
                   "[graph]\ntensors = [\n"
                   "  { name = \"A\", size = \"1 GiB\" },\n"
                   "  { name = \"B\", size = \"1 GiB\" },\n"
                   "  { name = \"C\", size = \"1 KiB\" },\n]\n"
                   "ops = [{ name = \"f\", inputs = [\"A\", \"B\"], outputs = [\"C\"] }]\n") ==
        "s.toml:4:13: hardware.dram.bandwidth 1.07374e-299 B/s: moving tensor 'B' (1.00 GiB) "
        "would take longer than any time memsim can count; a time must be a finite number of "
        "seconds");
}
