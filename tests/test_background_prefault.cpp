// Faulting a builder's reserved room in on a second thread (sim/core/background_prefault.h), and
// giving the room left over back: what is resident, and that no value changes.
#include <sys/mman.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <cstring>
#include <vector>

#include "sim/core/background_prefault.h"
#include "sim/core/graph.h"

using namespace memsim;

namespace {

constexpr std::size_t MiB = std::size_t{1} << 20;

// A fresh private mapping: none of its pages resident until touched or populated.
struct Mapping {
  explicit Mapping(std::size_t n) : bytes(n) {
    void* p = mmap(nullptr, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    at = p == MAP_FAILED ? nullptr : static_cast<char*>(p);
  }
  ~Mapping() {
    if (at) munmap(at, bytes);
  }
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  // How many of the pages in [from, from + n) are resident (mincore(2)).
  std::size_t resident(std::size_t from, std::size_t n) const {
    const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
    std::vector<unsigned char> in((n + page - 1) / page);
    if (mincore(at + from, n, in.data()) != 0) return 0;
    std::size_t count = 0;
    for (unsigned char c : in) count += c & 1;
    return count;
  }
  char* at = nullptr;
  std::size_t bytes;
};

// Does this kernel populate on request (MADV_POPULATE_WRITE, Linux 5.14)?
bool kernel_populates() {
  Mapping probe(4096);
  return probe.at && madvise(probe.at, 4096, 23 /* MADV_POPULATE_WRITE */) == 0;
}

}  // namespace

TEST_CASE("a background prefault makes a large block resident and changes no byte", "[prefault]") {
  const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  const std::size_t bytes = 24 * MiB;  // above kMinBytes (16 MiB): worth a thread
  REQUIRE(bytes >= BackgroundPrefault::kMinBytes);
  Mapping m(bytes);
  REQUIRE(m.at != nullptr);
  CHECK(m.resident(0, bytes) == 0);
  // A value already written at each end: the advice must leave both as they are.
  std::memcpy(m.at, "first", 6);
  std::memcpy(m.at + bytes - 5, "last", 5);
  const BackgroundPrefault::Block blocks[] = {{m.at, bytes}};
  BackgroundPrefault prefault(blocks);
  CHECK(prefault.started());
  prefault.wait();
  CHECK(std::strcmp(m.at, "first") == 0);
  CHECK(std::strcmp(m.at + bytes - 5, "last") == 0);
  if (!kernel_populates()) {
    WARN("this kernel has no MADV_POPULATE_WRITE: the prefault does nothing");
    return;
  }
  CHECK(m.resident(0, bytes) == bytes / page);  // every page, from the end back to the start
}

TEST_CASE("a background prefault starts no thread for small or empty blocks", "[prefault]") {
  Mapping m(4 * MiB);
  REQUIRE(m.at != nullptr);
  // 4 MiB in all, under kMinBytes: faulting it costs less than a thread.
  const BackgroundPrefault::Block small[] = {{m.at, 2 * MiB}, {m.at + 2 * MiB, 2 * MiB}};
  CHECK_FALSE(BackgroundPrefault(small).started());
  // No block, a null block, a block of less than a page: nothing to populate.
  CHECK_FALSE(BackgroundPrefault({}).started());
  const BackgroundPrefault::Block none[] = {{nullptr, 64 * MiB}, {m.at + 1, 100}};
  CHECK_FALSE(BackgroundPrefault(none).started());
  CHECK(m.resident(0, 4 * MiB) == 0);
}

TEST_CASE("release_whole_pages gives back only the whole pages inside a range", "[prefault]") {
  const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  Mapping m(8 * page);
  REQUIRE(m.at != nullptr);
  std::memset(m.at, 7, 8 * page);
  REQUIRE(m.resident(0, 8 * page) == 8);
  // From the middle of page 1 to the middle of page 6: pages 2..5 are wholly inside.
  release_whole_pages(m.at + page + page / 2, 5 * page);
  CHECK(m.resident(0, 2 * page) == 2);
  CHECK(m.resident(2 * page, 4 * page) == 0);
  CHECK(m.resident(6 * page, 2 * page) == 2);
  // The partial pages keep their bytes; a released page reads as zeros.
  CHECK(m.at[page + page / 2 - 1] == 7);
  CHECK(m.at[page + page / 2] == 7);
  CHECK(m.at[6 * page + page / 2] == 7);
  CHECK(m.at[3 * page] == 0);
  release_whole_pages(nullptr, 4 * page);  // nothing to give back: no effect, no crash
  release_whole_pages(m.at, 0);
  CHECK(m.resident(0, page) == 1);
}

TEST_CASE("a graph reserved far above its size builds the same graph", "[prefault][graph]") {
  // A reserve of 10^6 tensors and ops (about 50 MB, above kMinBytes: the room is faulted in
  // on a second thread, and what is left over given back at build) for a graph of three
  // tensors and two ops: the graph must be exactly what the same calls build without one.
  const auto make = [](bool reserve) {
    GraphBuilder b;
    if (reserve) b.reserve(1'000'000, 1'000'000, 2'000'000, 0);
    const TensorId x = b.add_tensor("x", 10, TensorKind::input, true);
    const TensorId y = b.add_tensor("y", 20, TensorKind::activation, false);
    const TensorId z = b.add_tensor("z", 30, TensorKind::activation, false);
    const TensorId fx[] = {x}, fy[] = {y}, gz[] = {z};
    b.add_op("f", fx, fy, {}, 5, OpPhase::forward);
    b.add_op("g", fy, gz, {}, 7, OpPhase::forward);
    b.mark_required_output(z);
    return std::move(b).build();
  };
  const Graph reserved = make(true), plain = make(false);
  REQUIRE(reserved.tensor_count() == 3);
  REQUIRE(reserved.op_count() == 2);
  CHECK(reserved.tensor(1).bytes == 20);
  CHECK(reserved.tensor(2).required_output);
  CHECK(reserved.op(1).flops == 7);
  CHECK(reserved.max_working_set_bytes() == 50);
  CHECK(reserved.inputs(1).size() == 1);
  CHECK(reserved.inputs(1)[0] == 1);
  CHECK(reserved.outputs(1)[0] == 2);
  CHECK(reserved.producer(2) == 1);
  CHECK(reserved.tensor_name(2) == plain.tensor_name(2));
  CHECK(reserved.op_name(1) == plain.op_name(1));
  CHECK(reserved.max_working_set_bytes() == plain.max_working_set_bytes());  // g: 20 + 30
}
