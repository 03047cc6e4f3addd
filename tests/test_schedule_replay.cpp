// sim/schedule_replay and sim/schedule_file: a given step list timed on the machine model.
#include <catch2/catch.hpp>

#include "sim/core/errors.h"
#include "sim/core/schedule_replay.h"
#include "sim/report/timeline.h"
#include "sim/scenario/schedule_file.h"
#include "tests/support/builders.h"
#include "tests/support/graph_sketch.h"

using namespace memsim;

namespace {

std::vector<Step> steps_of(const Graph& g, const std::string& text) {
  return parse_schedule_text(g, text, "s.txt");
}

}  // namespace

TEST_CASE("replay: loads queue on one channel, the op waits for both", "[replay]") {
  // Uniform: transfers and ops take 1. load X0 [0,1], load W1 [1,2] (one channel, FCFS);
  // f1 waits for W1: runs [2,3], a load stall of 2; the drops free space at 3 (end of f1);
  // store X1 starts when X1 is produced: [3,4]. Time 4, DRAM busy 3, compute busy 1.
  test::GraphSketch s;
  s.sources = {{"X0", 1}, {"W1", 1}};
  s.ops = {{"f1", {"W1", "X0"}, {"X1"}, {}}};
  s.required = {"X1"};
  const Graph g = s.build();
  TimelineRecorder rec;
  const auto steps = steps_of(g, "load X0\nload W1\ncompute f1\ndrop W1\ndrop X0\nstore X1\n");
  const ExecutionTimes t = replay_schedule(g, steps, test::uniform_machine(3), rec);
  CHECK(t.time == 4);
  CHECK(t.stall_load == 2);
  CHECK(t.stall_store == 0);
  CHECK(t.compute_busy == 1);
  CHECK(t.dram_busy == 3);
  REQUIRE(rec.steps().size() == 6);
  CHECK(rec.steps()[2].start == 2);
  CHECK(rec.steps()[3].start == 3);  // drop W1 after its last use
  CHECK(rec.steps()[5].start == 3);
}

TEST_CASE("replay: space freed by a store delays the next op (store stall)", "[replay]") {
  // Cache 2, f: X0 -> A, g: Y0 -> B, A and B required.
  // load X0 [0,1]; f [1,2] (stall 1, load); drop X0 frees its slot at 2; store A [2,3];
  // drop A frees its slot at 3 (after the store). load Y0 takes X0's slot (free at 2) but the
  // channel is busy with store A until 3: [3,4]. g needs a slot for B: A's, free at 3 after a
  // store. g starts at 4: stall [2,4], of which [2,3] waits for the store's space and [3,4]
  // for the load. store B [5,6]. Time 6; stalls: load 1 + 1 = 2, store 1; DRAM busy 4.
  test::GraphSketch s;
  s.sources = {{"X0", 1}, {"Y0", 1}};
  s.ops = {{"f", {"X0"}, {"A"}, {}}, {"g", {"Y0"}, {"B"}, {}}};
  s.required = {"A", "B"};
  const Graph g = s.build();
  TimelineRecorder rec;
  const auto steps =
      steps_of(g, "load X0\ncompute f\ndrop X0\nstore A\ndrop A\nload Y0\ncompute g\nstore B\n");
  const ExecutionTimes t = replay_schedule(g, steps, test::uniform_machine(2), rec);
  CHECK(t.time == 6);
  CHECK(t.stall_load == 2);
  CHECK(t.stall_store == 1);
  CHECK(t.compute_busy == 2);
  CHECK(t.dram_busy == 4);
  REQUIRE(rec.stalls().size() == 3);
  CHECK(rec.stalls()[1].start == 2);
  CHECK(rec.stalls()[1].end == 3);
  CHECK(rec.stalls()[1].waiting_for_store);
}

TEST_CASE("replay: bytes over bandwidth on two channels", "[replay]") {
  // 1 B/s, no latency, 1 FLOP/s, two channels. load A (2 B) [0,2] on one channel and load B
  // (3 B) [0,3] on the other; f (4 FLOP) waits for B: [3,7]; store C (1 B) [7,8].
  // Time 8, compute busy 4, load stall 3, DRAM busy [0,3] + [7,8] = 4.
  GraphBuilder b;
  const TensorId a = b.add_tensor("A", 2, TensorKind::input, true);
  const TensorId bb = b.add_tensor("B", 3, TensorKind::input, true);
  const TensorId c = b.add_tensor("C", 1, TensorKind::activation, false);
  const TensorId in[] = {a, bb}, out[] = {c};
  b.add_op("f", in, out, {}, 4, OpPhase::forward);
  b.mark_required_output(c);
  const Graph g = std::move(b).build();
  TimelineRecorder rec;
  const ExecutionTimes t = replay_schedule(g, steps_of(g, "load A\nload B\ncompute f\nstore C"),
                                           test::unit_rate_machine(6, 2), rec);
  CHECK(t.time == 8);
  CHECK(t.compute_busy == 4);
  CHECK(t.stall_load == 3);
  CHECK(t.dram_busy == 4);
  CHECK(rec.steps()[1].channel == 1);
}

TEST_CASE("replay: a step that breaks the model is the verifier's error", "[replay]") {
  test::GraphSketch s;
  s.sources = {{"X0", 1}};
  s.ops = {{"f", {"X0"}, {"A"}, {}}};
  s.required = {"A"};
  const Graph g = s.build();
  TimelineRecorder rec;
  CHECK_THROWS_WITH(replay_schedule(g, steps_of(g, "compute f"), test::uniform_machine(2), rec),
                    "step 1 (compute f): input 'X0' is not in the cache");
}

TEST_CASE("schedule files: comments, blank lines, and bad lines with FILE:LINE", "[replay]") {
  test::GraphSketch s;
  s.sources = {{"X0", 1}};
  s.ops = {{"f", {"X0"}, {"A"}, {}}};
  const Graph g = s.build();
  const auto steps = parse_schedule_text(g, "# solver output\n\nload X0\n  compute f\n", "a.txt");
  REQUIRE(steps.size() == 2);
  CHECK(steps[1] == Step{StepKind::compute, 0});
  CHECK_THROWS_WITH(parse_schedule_text(g, "load X0\n\nlode X0\n", "a.txt"),
                    "a.txt:3:1: step \"lode X0\": expected load, store, compute or drop followed "
                    "by a name");
  CHECK_THROWS_WITH(parse_schedule_text(g, "load Q\n", "a.txt"),
                    "a.txt:1:1: step \"load Q\": no tensor named 'Q'");
  CHECK_THROWS_WITH(read_schedule_file(g, "/nonexistent/dir/s.txt"),
                    "/nonexistent/dir/s.txt: cannot open the schedule file: No such file or "
                    "directory");
}
