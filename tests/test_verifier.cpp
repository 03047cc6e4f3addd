// The verifier: replays load/store/compute/drop steps against the model and recounts moves.
#include <catch2/catch.hpp>

#include "sim/core/errors.h"
#include "sim/core/liveness.h"
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

namespace {
// x (input, 1 B) and w (weight, 4 B) start in DRAM, u (input, `unused` B) too but no op uses
// it; f(x, w) -> a (2 B), g(a) -> b (8 B), h(b, w) -> c (32 B, required output).
Graph live_graph(std::uint64_t unused) {
  GraphBuilder b;
  const TensorId x = b.add_tensor("x", 1, TensorKind::input, true);
  const TensorId w = b.add_tensor("w", 4, TensorKind::weight, true);
  b.add_tensor("u", unused, TensorKind::input, true);
  const TensorId a = b.add_tensor("a", 2, TensorKind::activation, false);
  const TensorId bt = b.add_tensor("b", 8, TensorKind::activation, false);
  const TensorId c = b.add_tensor("c", 32, TensorKind::activation, false);
  const TensorId f_in[] = {x, w}, f_out[] = {a}, g_in[] = {a}, g_out[] = {bt}, h_in[] = {bt, w},
                 h_out[] = {c};
  b.add_op("f", f_in, f_out, {}, 0, OpPhase::forward);
  b.add_op("g", g_in, g_out, {}, 0, OpPhase::forward);
  b.add_op("h", h_in, h_out, {}, 0, OpPhase::forward);
  b.mark_required_output(c);
  return std::move(b).build();
}

const LivenessReport& replayed_liveness(Verifier& v, const Graph& g) {
  for (const Step& s : steps(g, {"load x", "load w", "compute f", "drop x", "compute g", "drop a",
                                 "compute h", "store c"}))
    v.apply(s);
  REQUIRE(v.liveness() != nullptr);
  return *v.liveness();
}
}  // namespace

TEST_CASE("the replay counts peak live memory as the ops run", "[verifier][liveness]") {
  // Live intervals (liveness.h), positions f=0, g=1, h=2: x [0,0] (starts in DRAM, last read
  // by f); w [0,2] (a weight stays live); u [0,0] (starts in DRAM, never used); a [0,1];
  // b [1,2]; c [2,2] (required output: to the end).
  SECTION("peak at the first op") {
    // u = 64: live at f = x 1 + w 4 + u 64 + a 2 = 71; at g = w 4 + a 2 + b 8 = 14;
    // at h = w 4 + b 8 + c 32 = 44. Peak 71 at f: inputs 65, weights 4, activations 2.
    const Graph g = live_graph(64);
    Verifier v(g, 1000);
    const LivenessReport& r = replayed_liveness(v, g);
    CHECK(r.peak_live_bytes == 71);
    CHECK(g.op_name(r.peak_op) == "f");
    CHECK(r.peak_by_kind[static_cast<int>(TensorKind::input)] == 65);
    CHECK(r.peak_by_kind[static_cast<int>(TensorKind::weight)] == 4);
    CHECK(r.peak_by_kind[static_cast<int>(TensorKind::activation)] == 2);
  }
  SECTION("peak at the last op, after u has died") {
    // u = 16: at f 1 + 4 + 16 + 2 = 23; at g 14; at h 44 (u died after f). Peak 44 at h:
    // weights 4, activations b 8 + c 32 = 40, inputs 0.
    const Graph g = live_graph(16);
    Verifier v(g, 1000);
    const LivenessReport& r = replayed_liveness(v, g);
    CHECK(r.peak_live_bytes == 44);
    CHECK(g.op_name(r.peak_op) == "h");
    CHECK(r.peak_by_kind[static_cast<int>(TensorKind::input)] == 0);
    CHECK(r.peak_by_kind[static_cast<int>(TensorKind::weight)] == 4);
    CHECK(r.peak_by_kind[static_cast<int>(TensorKind::activation)] == 40);
    // The same as the pass over the order.
    const LivenessReport pass = analyze_liveness(g, v.compute_order());
    CHECK(pass.peak_live_bytes == r.peak_live_bytes);
    CHECK(pass.peak_op == r.peak_op);
    CHECK(pass.peak_by_kind == r.peak_by_kind);
  }
}

TEST_CASE("the replay counts each memory level's peak live over the tensors homed there",
          "[verifier][liveness][levels]") {
  // docs/model.md §15.5. live_graph(64) with w (weight, 4 B), a (2 B) and c (required output,
  // 32 B) homed at level 3, the host, on a machine of four levels; x, u, b at level 2. Live
  // intervals as above: x [0,0], w [0,2], u [0,0], a [0,1], b [1,2], c [2,2].
  // Level 2 (x, u, b): f 1 + 64 = 65, g 8, h 8. Peak 65 at f: inputs 65.
  // Level 3 (w, a, c): f 4 + 2 = 6, g 6, h 4 + 32 = 36 (a died after g). Peak 36 at h:
  //   weights 4, activations 32.
  // Level 4 (nothing homed): peak 0, at the first op (liveness.h's rule).
  Graph g = live_graph(64);
  for (const char* name : {"w", "a", "c"}) g.set_home(g.find_tensor(name), 3);
  VerifierOptions options;
  options.keep_compute_order = false;
  options.level_count = 4;
  Verifier v(g, 1000, options);
  // w's load is its chain 3 -> 2 -> 1, c's store 1 -> 2 -> 3 (§15.8): one step each.
  for (const Step& s : steps(g, {"load x", "load w", "compute f", "drop x", "compute g", "drop a",
                                 "compute h", "store c"}))
    v.apply(s);
  v.finish();
  REQUIRE(v.level_liveness(2) != nullptr);
  REQUIRE(v.level_liveness(3) != nullptr);
  REQUIRE(v.level_liveness(4) != nullptr);
  CHECK(v.level_liveness(1) == nullptr);
  CHECK(v.level_liveness(5) == nullptr);
  const int input = static_cast<int>(TensorKind::input),
            weight = static_cast<int>(TensorKind::weight),
            activation = static_cast<int>(TensorKind::activation);
  const LivenessReport& l2 = *v.level_liveness(2);
  CHECK(l2.peak_live_bytes == 65);
  CHECK(g.op_name(l2.peak_op) == "f");
  CHECK(l2.peak_by_kind[input] == 65);
  CHECK(l2.peak_by_kind[weight] == 0);
  CHECK(l2.peak_by_kind[activation] == 0);
  const LivenessReport& l3 = *v.level_liveness(3);
  CHECK(l3.peak_live_bytes == 36);
  CHECK(g.op_name(l3.peak_op) == "h");
  CHECK(l3.peak_by_kind[input] == 0);
  CHECK(l3.peak_by_kind[weight] == 4);
  CHECK(l3.peak_by_kind[activation] == 32);
  const LivenessReport& l4 = *v.level_liveness(4);
  CHECK(l4.peak_live_bytes == 0);
  CHECK(g.op_name(l4.peak_op) == "f");
  // The whole run's is unchanged (71 at f), and the order was not kept: nothing reads it.
  CHECK(v.liveness()->peak_live_bytes == 71);
  CHECK(v.compute_order().empty());
  // The same as the pass over the order, level by level.
  const std::vector<OpId> order{g.find_op("f"), g.find_op("g"), g.find_op("h")};
  for (std::uint8_t level = 2; level <= 4; ++level) {
    const LivenessReport pass = analyze_liveness(g, order, level);
    CHECK(pass.peak_live_bytes == v.level_liveness(level)->peak_live_bytes);
    CHECK(pass.peak_op == v.level_liveness(level)->peak_op);
    CHECK(pass.peak_by_kind == v.level_liveness(level)->peak_by_kind);
  }
}

TEST_CASE("a tensor homed outside the machine's levels leaves each level's count to the pass",
          "[verifier][liveness][levels]") {
  // c homed at level 4 on a machine of three: the replay cannot say which level it counts in,
  // so it counts none and keeps the order for the pass (and so on two levels: no level counts).
  Graph g = live_graph(64);
  g.set_home(g.find_tensor("c"), 4);
  VerifierOptions options;
  options.keep_compute_order = false;
  options.level_count = 3;
  Verifier v(g, 1000, options);
  CHECK(v.level_liveness(2) == nullptr);
  CHECK(v.level_liveness(3) == nullptr);
  CHECK(v.liveness() != nullptr);
  for (const Step& s : steps(g, {"load x", "load w", "compute f"})) v.apply(s);
  CHECK(v.compute_order().size() == 1);
  options.level_count = 2;
  CHECK(Verifier(live_graph(64), 1000, options).level_liveness(2) == nullptr);
}

TEST_CASE("the replay leaves liveness to the pass over the order when a tensor has two producers",
          "[verifier][liveness]") {
  // f and g both write t: the replay cannot tell, when f runs, whether t dies there.
  GraphBuilder b;
  const TensorId t = b.add_tensor("t", 1, TensorKind::activation, false);
  const TensorId out[] = {t};
  b.add_op("f", {}, out, {}, 0, OpPhase::forward);
  b.add_op("g", {}, out, {}, 0, OpPhase::forward);
  const Graph g = std::move(b).build();
  const Verifier v(g, 1);
  CHECK(v.liveness() == nullptr);
}

TEST_CASE(
    "the replay leaves liveness to the pass over the order when a produced tensor starts "
    "in DRAM",
    "[verifier][liveness]") {
  GraphBuilder b;
  const TensorId t = b.add_tensor("t", 1, TensorKind::activation, true);
  const TensorId out[] = {t};
  b.add_op("f", {}, out, {}, 0, OpPhase::forward);
  const Graph g = std::move(b).build();
  const Verifier v(g, 1);
  CHECK(v.liveness() == nullptr);
}

TEST_CASE("the graph records whether each output has one producer and whether ops update",
          "[verifier][liveness]") {
  // Built by hand: a chain in -> f -> mid -> g -> out has one producer per output and no update.
  const Graph chain = two_op_graph();
  CHECK(chain.outputs_have_one_producer());
  CHECK_FALSE(chain.has_updates());
  CHECK(Verifier(chain, 3).liveness() != nullptr);
  // One op listing its output twice is still its one producer.
  {
    GraphBuilder b;
    const TensorId t = b.add_tensor("t", 1, TensorKind::activation, false);
    const TensorId out[] = {t, t};
    b.add_op("f", {}, out, {}, 0, OpPhase::forward);
    CHECK(std::move(b).build().outputs_have_one_producer());
  }
  // A second producer, even with an op in between, clears it; so does a produced tensor that
  // starts in DRAM.
  {
    GraphBuilder b;
    const TensorId t = b.add_tensor("t", 1, TensorKind::activation, false);
    const TensorId u = b.add_tensor("u", 1, TensorKind::activation, false);
    const TensorId out_t[] = {t}, out_u[] = {u};
    b.add_op("f", {}, out_t, {}, 0, OpPhase::forward);
    b.add_op("g", out_t, out_u, {}, 0, OpPhase::forward);
    b.add_op("h", {}, out_t, {}, 0, OpPhase::forward);
    CHECK_FALSE(std::move(b).build().outputs_have_one_producer());
  }
  {
    GraphBuilder b;
    const TensorId w = b.add_tensor("w", 1, TensorKind::weight, true);
    const TensorId x = b.add_tensor("x", 1, TensorKind::input, true);
    const TensorId in[] = {x}, upd[] = {w};
    b.add_op("step", in, {}, upd, 0, OpPhase::update);
    const Graph g = std::move(b).build();
    CHECK(g.has_updates());
    CHECK(g.outputs_have_one_producer());  // no op outputs anything
  }
}
