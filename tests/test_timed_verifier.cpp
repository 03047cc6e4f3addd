// The verifier's check in time (docs/model.md §8, "In time"): hand-made timed schedules, one
// per rule, each accepted when right and rejected with its exact message when one time is off.
// Uniform mode, transfers and ops take one unit.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "sim/core/errors.h"
#include "sim/core/timed_verifier.h"
#include "support/builders.h"

using namespace memsim;
using namespace memsim::test;

namespace {

// w (weight, in DRAM), x (input, in DRAM) -> f -> y (required output); g reads y.
struct Fixture {
  Graph g;
  TensorId w, x, y;
  OpId f, h;
};

Fixture fixture() {
  GraphBuilder b;
  Fixture fx;
  fx.w = b.add_tensor("w", 1, TensorKind::weight, true);
  fx.x = b.add_tensor("x", 1, TensorKind::input, true);
  fx.y = b.add_tensor("y", 1, TensorKind::activation, false);
  const TensorId in[] = {fx.w, fx.x}, out[] = {fx.y}, h_in[] = {fx.y};
  fx.f = b.add_op("f", in, out, {}, 0, OpPhase::forward);
  fx.h = b.add_op("h", h_in, {}, {}, 0, OpPhase::forward);
  b.mark_required_output(fx.y);
  fx.g = std::move(b).build();
  return fx;
}

TimedStep load(TensorId t, double start, double issued, std::uint16_t channel = 0) {
  return {start, start + 1, {StepKind::load, t}, Resource::dram, channel, issued};
}
TimedStep store(TensorId t, double start, std::uint16_t channel = 0) {
  return {start, start + 1, {StepKind::store, t}, Resource::dram, channel, 0};
}
TimedStep compute(OpId o, double start) {
  return {start, start + 1, {StepKind::compute, o}, Resource::compute, 0, 0};
}
TimedStep drop(TensorId t, double at) {
  return {at, at, {StepKind::drop, t}, Resource::cache, 0, 0};
}

// The whole timed schedule of the fixture: the loads of w and x on one channel (0-1, 1-2),
// f 2-3, store y 3-4, drop x at 3 (dead after f), h 3-4, with the given capacity.
std::vector<TimedStep> good(const Fixture& fx) {
  return {load(fx.w, 0, 0), load(fx.x, 1, 0), compute(fx.f, 2),
          drop(fx.x, 3),    store(fx.y, 3),   compute(fx.h, 3)};
}

std::string rejection(const Fixture& fx, const std::vector<TimedStep>& steps,
                      std::uint64_t capacity = 3, std::uint32_t channels = 1) {
  TimedVerifier v(fx.g, uniform_machine(capacity, channels));
  try {
    for (const TimedStep& s : steps) v.apply(s);
    v.finish();
  } catch (const ScheduleError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("a timed schedule that keeps every rule is accepted with its timed peak",
          "[verifier][timed]") {
  const Fixture fx = fixture();
  TimedVerifier v(fx.g, uniform_machine(3));
  for (const TimedStep& s : good(fx)) v.apply(s);
  const MoveCounts c = v.finish();
  // Occupancy: w from 0, x from 0 (issued at 0, loaded 1-2), y from 2 (f's start): 3 in
  // [2, 3); x leaves at 3.
  CHECK(c.peak_cache_bytes == 3);
  CHECK(c.loads == 2);
  CHECK(c.stores == 1);
}

TEST_CASE("the timed verifier rejects a schedule that overfills the cache in time",
          "[verifier][timed]") {
  // Inputs a, c, d start in DRAM; op r reads d. Capacity 2.
  // a is loaded 0-1 and c 1-2 (both issued at 0). In list order a is dropped before d is
  // loaded, so the list-order replay never holds more than 2; but the drop happens at t=3
  // while d is issued at t=2: in [2, 3) a, c and d occupy 3 slots.
  GraphBuilder b;
  const TensorId a = b.add_tensor("a", 1, TensorKind::input, true);
  const TensorId c = b.add_tensor("c", 1, TensorKind::input, true);
  const TensorId d = b.add_tensor("d", 1, TensorKind::input, true);
  const TensorId reads[] = {d};
  const OpId r = b.add_op("r", reads, {}, {}, 0, OpPhase::forward);
  const Graph g = std::move(b).build();
  TimedVerifier v(g, uniform_machine(2));
  for (const TimedStep& s : {load(a, 0, 0), load(c, 1, 0), drop(a, 3), load(d, 2, 2)}) v.apply(s);
  v.apply(compute(r, 3));
  CHECK(v.in_list_order().counts().peak_cache_bytes == 2);
  CHECK_THROWS_WITH(
      v.finish(), "at t=2 the cache holds 3 tensors, over its capacity of 2: a (1), c (1), d (1)");
}

TEST_CASE("each rule in time is checked, with its message", "[verifier][timed]") {
  const Fixture fx = fixture();
  REQUIRE(rejection(fx, good(fx)).empty());

  SECTION("an op starts before its input's load ends") {
    auto s = good(fx);
    s[2] = compute(fx.f, 1.5);
    CHECK(rejection(fx, s) == "step 3 (compute f): starts at t=1.5 before 'x' is ready at t=2");
  }
  SECTION("a transfer does not last its transfer time") {
    auto s = good(fx);
    s[1].end = 3;
    CHECK(rejection(fx, s) == "step 2 (load x): lasts 2, not its transfer time 1");
  }
  SECTION("an op does not last its compute time") {
    auto s = good(fx);
    s[2].end = 2.5;
    CHECK(rejection(fx, s) == "step 3 (compute f): lasts 0.5, not its compute time 1");
  }
  SECTION("two transfers overlap on one channel") {
    auto s = good(fx);
    s[1] = load(fx.x, 0.5, 0);
    s[2] = compute(fx.f, 1.5);
    CHECK(rejection(fx, s) ==
          "step 2 (load x): starts at t=0.5 on channel 0, still busy until t=1");
  }
  SECTION("two channels may overlap") {
    auto s = good(fx);
    s[1] = load(fx.x, 0, 0, 1);
    s[2] = compute(fx.f, 1);
    s[3] = drop(fx.x, 2);
    s[4] = store(fx.y, 2);
    s[5] = compute(fx.h, 2);
    CHECK(rejection(fx, s, 3, 2).empty());
    CHECK(rejection(fx, s, 3, 1) == "step 2 (load x): runs on channel 1 of 1");
  }
  SECTION("a load starts before it is issued") {
    auto s = good(fx);
    s[1] = load(fx.x, 1, 1.5);
    CHECK(rejection(fx, s) == "step 2 (load x): starts at t=1, before it is issued at t=1.5");
  }
  SECTION("a store starts before the op that wrote the tensor ends") {
    auto s = good(fx);
    s[4] = store(fx.y, 2.5);
    CHECK(rejection(fx, s) == "step 5 (store y): starts at t=2.5, before its value exists (t=3)");
  }
  SECTION("a tensor is dropped while an op still uses it") {
    auto s = good(fx);
    s[3] = drop(fx.x, 2.5);
    CHECK(rejection(fx, s) ==
          "step 4 (drop x): drops the tensor at t=2.5 while its load, a use or a store runs "
          "until t=3");
  }
  SECTION("a dirty tensor is dropped before its store ends") {
    auto s = good(fx);
    s.push_back(drop(fx.y, 4));  // after h (3-4) and the store (3-4): fine
    CHECK(rejection(fx, s).empty());
    s.back() = drop(fx.y, 3.5);
    CHECK(rejection(fx, s) ==
          "step 7 (drop y): drops the tensor at t=3.5 while its load, a use or a store runs "
          "until t=4");
  }
  SECTION("two ops overlap on the compute unit") {
    auto s = good(fx);
    s[5] = compute(fx.h, 2.5);
    CHECK(rejection(fx, s) ==
          "step 6 (compute h): starts at t=2.5 while the previous op runs until t=3");
  }
  SECTION("a tensor is loaded again while its previous copy is still in the cache") {
    auto s = good(fx);
    s.insert(s.begin() + 4, load(fx.x, 4, 2.5));  // x dropped at 3, issued again at 2.5
    CHECK(rejection(fx, s) ==
          "step 5 (load x): is issued at t=2.5 while the tensor's previous copy stays until t=3");
  }
}
