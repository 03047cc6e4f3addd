// The physical limit (issue 11): for C[M x N] = A[M x K] . B[K x N] and a cache of S elements,
// no schedule moves fewer than about 2*M*N*K/sqrt(S) elements (Hong and Kung 1981; Smith et
// al. 2019, "A tight I/O lower bound for matrix multiplication") nor fewer than the compulsory
// M*K + K*N + M*N. The auto tiler of a dense layer, as `memsim run` counts its loads and stores
// (the verifier's counts), must move at most 1.25 x (2*M*N*K/sqrt(S) + M*N) wherever that term
// exceeds the compulsory traffic, and never less than the lower bound.
//
// Where the term exceeds the compulsory traffic only a little (less than 1.4 times), one tile
// shape per op cannot reach 1.25: with M = N = K = c*sqrt(S) the output needs at least
// ceil(c^2 / f) tiles for the fill f < 1 of the cache its tile may take, and each tile of a
// T_m x T_n grid reads its row panel of A and column panel of B, so the traffic is
// (T_m + T_n + 1) M^2 against (2c + 1) M^2: at c = 1.42 (term = 1.28 x compulsory) three
// tiles give 5/3.84 = 1.30. Tiles of two shapes (a split tiling, docs/model.md §16.3) do
// better: at M = N = K = 1024, S = 512 Ki elements, one 1024 x 400 column tile, then two
// 512 x 624 tiles (each with k slabs that fit beside it) read A 1 + 0.5 + 0.5 times, B
// 400/1024 + 2 * 624/1024 times and write C once: 4,833,280 elements, 1.20 x the term
// 4,014,396. The auto tiler splits such products, so 1.25 holds there too. Large cases carry
// the tag [.large] (run with "[tiling][bound][.large]" or "[.large]").
#include <catch2/catch.hpp>
#include <cmath>

#include "support/scenario_text.h"

using namespace memsim;
using namespace memsim::test;

namespace {

struct Case {
  std::uint64_t m, n, k;
  const char* dtype;
  const char* cache;
  std::uint64_t cache_bytes;
};

void check_bound(const Case& c, const std::string& overlap) {
  const std::string text =
      "[hardware.cache]\ncapacity = \"" + std::string(c.cache) +
      "\"\n[hardware.dram]\nbandwidth = \"768 GB/s\"\n[hardware.compute]\nthroughput = \"38.7 "
      "TFLOP/s\"\n[schedule]\noverlap = \"" +
      overlap + "\"\n[model]\nbatch = " + std::to_string(c.m) + "\ndtype = \"" + c.dtype +
      "\"\ninput = " + std::to_string(c.k) +
      "\nlayers = [{ type = \"dense\", out = " + std::to_string(c.n) + " }]\n";
  const RunResult r = run_simulation(load_text(text));
  const double element = std::string(c.dtype) == "fp32" ? 4 : 2;
  const double moved = static_cast<double>(r.counts.load_bytes + r.counts.store_bytes) / element;
  const double s = static_cast<double>(c.cache_bytes) / element;
  const double m = static_cast<double>(c.m), n = static_cast<double>(c.n),
               k = static_cast<double>(c.k);
  const double hong_kung = 2 * m * n * k / std::sqrt(s);
  const double term = hong_kung + m * n;
  const double compulsory = m * k + k * n + m * n;
  INFO(c.m << " x " << c.n << " x " << c.k << " " << c.dtype << ", cache " << c.cache << ", "
           << overlap << ": moved " << moved << " elements, " << moved / term
           << " x (2MNK/sqrt(S) + MN), term / compulsory " << term / compulsory);
  CHECK(moved >= std::max(hong_kung, compulsory));
  if (term > compulsory) CHECK(moved <= 1.25 * term);
}

void check_all(const std::vector<Case>& cases) {
  for (const Case& c : cases)
    for (const char* overlap : {"none", "double-buffer"}) check_bound(c, overlap);
}

}  // namespace

TEST_CASE("a dense layer's traffic is within 1.25x of the matrix-product bound",
          "[tiling][bound]") {
  check_all({
      {1024, 1024, 1024, "fp32", "256 KiB", 256 << 10},  // square, term 3x compulsory
      {2048, 256, 1024, "fp32", "256 KiB", 256 << 10},   // tall and thin
      {1024, 2048, 2048, "fp16", "1 MiB", 1 << 20},      // wide, fp16
      {4096, 4096, 4096, "fp32", "6 MiB", 6 << 20},      // the 4096^3 on 6 MiB
      {8192, 1024, 2048, "fp16", "6 MiB", 6 << 20},      // tall, fp16
      {8192, 8192, 8192, "fp32", "64 MiB", 64 << 20},    // large cache
      {12288, 12288, 12288, "fp16", "64 MiB", 64 << 20},
  });
}

TEST_CASE("near the threshold the product takes tiles of two shapes and stays within 1.25x",
          "[tiling][bound]") {
  check_all({
      {1024, 1024, 1024, "fp16", "1 MiB", 1 << 20},    // term 1.27x compulsory
      {8192, 8192, 8192, "fp16", "64 MiB", 64 << 20},  // term 1.28x compulsory
  });
}

TEST_CASE("the matrix-product bound over a larger grid", "[tiling][bound][.large]") {
  check_all({
      {4096, 4096, 4096, "fp32", "256 KiB", 256 << 10},
      {16384, 1024, 4096, "fp16", "256 KiB", 256 << 10},
      {1024, 16384, 4096, "fp16", "256 KiB", 256 << 10},
      {512, 8192, 8192, "fp32", "1 MiB", 1 << 20},
      {8192, 512, 8192, "fp32", "1 MiB", 1 << 20},
      {4096, 4096, 4096, "fp16", "1 MiB", 1 << 20},
      {2048, 2048, 2048, "fp32", "6 MiB", 6 << 20},
      {8192, 8192, 8192, "fp32", "6 MiB", 6 << 20},
      {16384, 1024, 4096, "fp32", "6 MiB", 6 << 20},
      {256, 4096, 16384, "fp16", "256 KiB", 256 << 10},
      {8192, 8192, 8192, "fp16", "40 MiB", 40 << 20},
      {16384, 16384, 16384, "fp32", "64 MiB", 64 << 20},
  });
}
