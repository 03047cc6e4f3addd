// Bounded memory (issue 10 item 4): a [model] is estimated before it is built and refused over
// --memory-limit, and a SCALE-Sim topology is read in memory proportional to its meaningful
// text, not to its commas.
#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>

#include "policies/models/layer_graph_builder.h"
#include "sim/core/errors.h"
#include "tests/support/run_memsim.h"
#include "tests/support/scenario_text.h"

using memsim::test::load_error;
using memsim::test::read_file;
using memsim::test::run_memsim;
using memsim::test::TempDir;

namespace {

const std::string kUniform = "[hardware.cache]\ncapacity = \"8 tensors\"\n[model]\ninput = 64\n";

std::string write(const TempDir& dir, const std::string& name, const std::string& text) {
  std::ofstream(dir.file(name), std::ios::binary) << text;
  return dir.file(name);
}

}  // namespace

TEST_CASE("a model of 10^9 layers is refused before anything is built", "[limits]") {
  const auto started = std::chrono::steady_clock::now();
  // 10^9 layers at 800 bytes each: 8 * 10^11 bytes = 745.06 GiB, over the default 4 GiB.
  CHECK(load_error(kUniform + "layers = [{ type = \"dense\", out = 64, repeat = 1000000000 }]\n") ==
        "s.toml:5:11: the model is too large: 1000000000 layers need about 745.06 GiB (about 800 "
        "bytes a layer), over the memory limit of 4.00 GiB; raise it with --memory-limit SIZE");
  // Refused, not built: well under the minutes building 10^9 layers took (a generous bound that
  // only an attempt to build would exceed).
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(10));
}

TEST_CASE("the memory limit option sets the limit: the estimate is layers x 800 bytes",
          "[limits][cli]") {
  const TempDir dir;
  // Three dense layers: 3 * 800 = 2400 bytes.
  const std::string s =
      write(dir, "s.toml", kUniform + "layers = [{ type = \"dense\", out = 4, repeat = 3 }]\n");
  CHECK(run_memsim("validate " + s + " --memory-limit 2400").status == 0);
  const auto over = run_memsim("validate " + s + " --memory-limit 2399");
  CHECK(over.status == 2);
  CHECK(over.err == s + ":5:11: the model is too large: 3 layers need about 2.34 KiB (about 800 "
                        "bytes a layer), over the memory limit of 2.34 KiB; raise it with "
                        "--memory-limit SIZE\n");
  // A block entry counts as kMaxLayersPerBlock = 17 layers (a transformer_block's): 17 * 800 =
  // 13600 bytes.
  const std::string b =
      write(dir, "b.toml",
            "[hardware.cache]\ncapacity = \"64 tensors\"\n[model]\n"
            "input = [8, 8, 8]\nlayers = [{ type = \"basic_block\", out = 8 }]\n");
  CHECK(run_memsim("validate " + b + " --memory-limit 13600").status == 0);
  CHECK(run_memsim("validate " + b + " --memory-limit 13599").status == 2);
  // The same limit reaches every point of a sweep, and info.
  const auto sweep =
      run_memsim("sweep " + s + " --param policy.eviction --values lru " + "--memory-limit 2399");
  CHECK(sweep.status == 2);
  const auto info = run_memsim("info " + s + " --memory-limit 2399");
  CHECK(info.status == 2);
  const auto bad = run_memsim("validate " + s + " --memory-limit 0");
  CHECK(bad.status == 2);
  CHECK(bad.err == "memsim validate: --memory-limit: must be more than 0 bytes\n");
}

TEST_CASE("a topology is refused over the limit before its rows are built", "[limits][topology]") {
  const TempDir dir;
  std::string csv = "Layer, M, N, K,\n";
  for (int i = 0; i < 10; ++i) csv += "g" + std::to_string(i) + ", 4, 4, 4,\n";
  write(dir, "t.csv", csv);
  const std::string s = write(dir, "s.toml",
                              "[hardware.cache]\ncapacity = \"8 tensors\"\n[model]\n"
                              "topology = \"t.csv\"\n");
  // 11 lines after the header line counts its final empty line too: 11 * 800 = 8800 bytes.
  CHECK(run_memsim("validate " + s + " --memory-limit 8800").status == 0);
  const auto over = run_memsim("validate " + s + " --memory-limit 8799");
  CHECK(over.status == 2);
  CHECK(over.err == s + ":4:12: the model is too large: 11 layers need about 8.59 KiB (about 800 "
                        "bytes a layer), over the memory limit of 8.59 KiB; raise it with "
                        "--memory-limit SIZE\n");
}

TEST_CASE("a topology header of 50 MB of commas is read in bounded memory", "[limits][topology]") {
  const TempDir dir;
  write(dir, "wide.csv", "Layer, M, N, K," + std::string(50'000'000, ',') + "\n");
  const std::string s = write(dir, "s.toml",
                              "[hardware.cache]\ncapacity = \"8 tensors\"\n[model]\n"
                              "topology = \"wide.csv\"\n");
  // Every empty field used to be stored (5.7 GB for this file); now trailing empty fields are
  // not stored at all. With the address space capped at 1 GiB the old reader fails with
  // bad_alloc (exit 1); the new one reads the file (50 MB) and says what is wrong.
  const std::string cmd = "validate " + s;
#if !defined(__SANITIZE_ADDRESS__)
  const std::string limited =
      "sh -c 'ulimit -v 1048576; exec " + std::string(MEMSIM_BINARY) + " " + cmd + "'";
  const auto r = memsim::test::run_command(limited);
#else
  const auto r = run_memsim(cmd);  // ASan reserves more address space than any cap allows
#endif
  CHECK(r.status == 2);
  CHECK(r.err == dir.file("wide.csv") + ":1: the topology has no layers after its header\n");
  // A row with text in more than 64 columns is no topology row. "g, 4, 4, 4" is 10 characters
  // and each ", x" 3 more: the k-th x is at column 10 + 3k; the 65th field is the 61st x, 193.
  std::string many = "Layer, M, N, K,\ng, 4, 4, 4";
  for (int i = 0; i < 70; ++i) many += ", x";
  write(dir, "wide.csv", many + "\n");
  const auto columns = run_memsim(cmd);
  CHECK(columns.status == 2);
  CHECK(columns.err == dir.file("wide.csv") +
                           ":2:193: row 2 has more than 64 columns; a SCALE-Sim topology row has "
                           "at most 10\n");
}
