// The verifier: replays load/store/compute/drop steps against the model and recounts moves.
#include <catch2/catch.hpp>

#include "sim/core/errors.h"
#include "sim/core/verifier.h"
#include "support/builders.h"

using namespace memsim;

namespace {
// in (starts in DRAM) -> f -> mid -> g -> out (required). All tensors one unit.
Graph two_op_graph() {
  GraphBuilder b;
  const TensorId in = b.add_tensor("in", 1, TensorKind::input, true);
  const TensorId mid = b.add_tensor("mid", 1, TensorKind::activation, false);
  const TensorId out = b.add_tensor("out", 1, TensorKind::activation, false);
  const TensorId f_in[] = {in}, f_out[] = {mid}, g_in[] = {mid}, g_out[] = {out};
  b.add_op("f", f_in, f_out, {}, 0, OpPhase::forward);
  b.add_op("g", g_in, g_out, {}, 0, OpPhase::forward);
  b.mark_required_output(out);
  return std::move(b).build();
}

std::vector<Step> steps(const Graph& g, std::initializer_list<const char*> lines) {
  std::vector<Step> out;
  for (const char* line : lines) out.push_back(parse_step(g, line));
  return out;
}

std::string rejection(const Graph& g, std::uint64_t capacity, const std::vector<Step>& s) {
  try {
    verify(g, capacity, s);
  } catch (const ScheduleError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("a valid schedule is accepted and its moves recounted", "[verifier]") {
  const Graph g = two_op_graph();
  // load in, f, drop in (dead: free), g, drop mid (dead), store out: 1 load + 1 store.
  const auto s =
      steps(g, {"load in", "compute f", "drop in", "compute g", "drop mid", "store out"});
  const MoveCounts c = verify(g, 2, s);
  CHECK(c.loads == 1);
  CHECK(c.stores == 1);
  CHECK(c.moves() == 2);
  CHECK(c.drops == 2);
  CHECK(c.computes == 2);
  // Peak: in + mid while f runs = 2, then mid + out while g runs = 2.
  CHECK(c.peak_cache_bytes == 2);
}

TEST_CASE("the verifier rejects each kind of broken schedule", "[verifier]") {
  const Graph g = two_op_graph();
  SECTION("over capacity: f needs in and mid at once, capacity 1") {
    CHECK(rejection(g, 1, steps(g, {"load in", "compute f"})) ==
          "step 2 (compute f): working set does not fit: cache over capacity: 2 > 1");
  }
  SECTION("input not resident") {
    CHECK(rejection(g, 2, steps(g, {"compute f"})) ==
          "step 1 (compute f): input 'in' is not in the cache");
  }
  SECTION("a live dirty tensor dropped") {
    CHECK(rejection(g, 2, steps(g, {"load in", "compute f", "drop mid"})) ==
          "step 3 (drop mid): drops a live tensor that has no copy in DRAM (store it first)");
  }
  SECTION("a required output missing at the end") {
    CHECK(rejection(g, 2, steps(g, {"load in", "compute f", "drop in", "compute g"})) ==
          "schedule ends with required output 'out' not in DRAM");
  }
  SECTION("an op that never ran") {
    CHECK(rejection(g, 2, steps(g, {"load in", "compute f"})) == "schedule ends before op 'g' ran");
  }
  SECTION("loading what DRAM does not hold") {
    CHECK(rejection(g, 2, steps(g, {"load mid"})) ==
          "step 1 (load mid): tensor has no valid copy in DRAM to load");
  }
  SECTION("running an op twice") {
    CHECK(rejection(g, 3, steps(g, {"load in", "compute f", "compute f"})) ==
          "step 3 (compute f): op already ran");
  }
  SECTION("over capacity on a load") {
    // Storing mid makes it clean, but it still occupies the only slot.
    CHECK(rejection(g, 2, steps(g, {"load in", "compute f", "store mid", "load in"})) ==
          "step 4 (load in): tensor is already in the cache");
  }
}

TEST_CASE("a stored tensor may be dropped and loaded again", "[verifier]") {
  const Graph g = two_op_graph();
  const auto s = steps(g, {"load in", "compute f", "drop in", "store mid", "drop mid", "load mid",
                           "compute g", "drop mid", "store out"});
  const MoveCounts c = verify(g, 2, s);
  CHECK(c.loads == 2);   // in, mid again
  CHECK(c.stores == 2);  // mid, out
  CHECK(c.load_bytes == 2);
  CHECK(c.store_bytes == 2);
}

TEST_CASE("with recompute allowed a lost tensor comes back by running its producer again",
          "[verifier]") {
  const Graph g = two_op_graph();
  // Drop mid unstored (lost), run f again from in, then g.
  const auto s = steps(g, {"load in", "compute f", "drop mid", "compute f", "drop in", "compute g",
                           "drop mid", "store out"});
  CHECK_THROWS_AS(verify(g, 2, s), ScheduleError);
  const MoveCounts c = verify(g, 2, s, VerifierOptions{true});
  CHECK(c.computes == 3);
  CHECK(c.moves() == 2);
}

TEST_CASE("schedule steps parse by name", "[verifier]") {
  const Graph g = two_op_graph();
  CHECK(parse_step(g, "load in") == Step{StepKind::load, g.find_tensor("in")});
  CHECK(describe(g, Step{StepKind::compute, g.find_op("g")}) == "compute g");
  CHECK_THROWS_WITH(parse_step(g, "load nope"), "step \"load nope\": no tensor named 'nope'");
  CHECK_THROWS_WITH(parse_step(g, "fetch in"),
                    "step \"fetch in\": expected load, store, compute or drop followed by a name");
}
