// The sweep engine: grid order, shards, parallel runs equal to single runs, failed points,
// the CSV table and merging shard tables.
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "policies/register_builtin.h"
#include "sim/core/errors.h"
#include "sim/report/report.h"
#include "sim/scenario/build_simulation.h"
#include "sim/scenario/scenario_parse.h"
#include "sim/study/sweep.h"
#include "sim/study/sweep_run_point.h"
#include "sim/study/sweep_table.h"
#include "sim/study/sweep_values.h"

using namespace memsim;

namespace {

const std::string kPaging = MEMSIM_SOURCE_DIR "/scenarios/lecture/paging.toml";

std::string read_paging() {
  std::ifstream in(kPaging);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

SweepGrid paging_grid() {
  return SweepGrid({{"hardware.cache.capacity", parse_sweep_values("2..4 tensors")},
                    {"policy.eviction", parse_sweep_values("lru,fifo,belady")}});
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ScenarioError& e) {
    return e.what();
  }
  return "(no error)";
}

std::string table(const SweepGrid& grid, const SweepRunner& runner,
                  const std::vector<PointOutcome>& outcomes) {
  std::ostringstream out;
  write_sweep_csv(out, grid, runner.fields, outcomes);
  return out.str();
}

}  // namespace

TEST_CASE("the grid is the cartesian product, first parameter slowest", "[sweep]") {
  const SweepGrid grid = paging_grid();
  REQUIRE(grid.size() == 9);  // 3 capacities x 3 policies
  CHECK(grid.values_at(0) == std::vector<std::string>{"2 tensors", "lru"});
  CHECK(grid.values_at(1) == std::vector<std::string>{"2 tensors", "fifo"});
  CHECK(grid.values_at(3) == std::vector<std::string>{"3 tensors", "lru"});
  CHECK(grid.values_at(8) == std::vector<std::string>{"4 tensors", "belady"});
  CHECK(grid.overrides_at(5) ==
        std::vector<std::string>{"hardware.cache.capacity=3 tensors", "policy.eviction=belady"});
}

TEST_CASE("a bad grid is an input error", "[sweep]") {
  CHECK(error_of([] { SweepGrid({}); }) == "a sweep needs at least one --param KEY --values LIST");
  CHECK(error_of([] {
          SweepGrid({{"policy.eviction", {"lru"}}, {"policy.eviction", {"fifo"}}});
        }) == "--param policy.eviction is given twice; list all its values in one --values");
  // 1001 x 1000 = 1,001,000 points, just over the limit of 1,000,000.
  CHECK(error_of([] {
          SweepGrid({{"a", parse_sweep_values("1..1001")}, {"b", parse_sweep_values("1..1000")}});
        }) == "the sweep grid has more than 1000000 points; split it into several sweeps");
}

TEST_CASE("shards are 1-based contiguous slices that tile the grid", "[sweep][shard]") {
  // 10 points in 3 slices: [0,3) [3,6) [6,10) by k*10/3 rounded down: 0, 3, 6, 10.
  CHECK(shard_range(10, parse_shard("1/3")).begin == 0);
  CHECK(shard_range(10, parse_shard("1/3")).end == 3);
  CHECK(shard_range(10, parse_shard("2/3")).begin == 3);
  CHECK(shard_range(10, parse_shard("2/3")).end == 6);
  CHECK(shard_range(10, parse_shard("3/3")).begin == 6);
  CHECK(shard_range(10, parse_shard("3/3")).end == 10);
  // More shards than points: some slices are empty, together they still cover every point.
  std::size_t covered = 0;
  for (std::size_t i = 1; i <= 5; ++i) {
    const PointRange r = shard_range(2, Shard{i, 5});
    CHECK(r.begin == covered);
    covered = r.end;
  }
  CHECK(covered == 2);
  CHECK(error_of([] { parse_shard("0/4"); }) == "--shard '0/4': i counts from 1 to N (4), got 0");
  CHECK(error_of([] { parse_shard("5/4"); }) == "--shard '5/4': i counts from 1 to N (4), got 5");
  CHECK(error_of([] { parse_shard("1/0"); }) == "--shard '1/0': N must be at least 1");
  CHECK(error_of([] { parse_shard("2"); }) ==
        "--shard '2': expected i/N with whole numbers 1 <= i <= N, e.g. 3/8");
}

TEST_CASE("each sweep row equals a single run of the same point", "[sweep]") {
  const Registry registry = builtin_registry();
  const SweepGrid grid = paging_grid();
  const SweepRunner runner = make_run_point_runner(kPaging, read_paging(), {}, registry);
  const std::vector<PointOutcome> outcomes = run_sweep(grid, {0, grid.size()}, runner, 3);
  REQUIRE(outcomes.size() == 9);
  for (std::size_t i = 0; i < grid.size(); ++i) {
    CAPTURE(i);
    CHECK(outcomes[i].index == i);
    CHECK(outcomes[i].error.empty());
    const Simulation sim =
        build_simulation(parse_scenario_file(kPaging, grid.overrides_at(i)), registry);
    CHECK(outcomes[i].fields == run_report_json(sim, run_simulation(sim)));
  }
  // The textbook's fault counts for 3 frames (Silberschatz ch. 9): LRU 12, FIFO 15, OPT 9.
  // Point 3 + k is capacity 3 with policy k (lru, fifo, belady).
  CHECK(outcomes[3].fields["loads"] == 12);
  CHECK(outcomes[4].fields["loads"] == 15);
  CHECK(outcomes[5].fields["loads"] == 9);
}

TEST_CASE("the table does not depend on the number of threads", "[sweep]") {
  const Registry registry = builtin_registry();
  const SweepGrid grid = paging_grid();
  const SweepRunner runner = make_run_point_runner(kPaging, read_paging(), {}, registry);
  const std::string one = table(grid, runner, run_sweep(grid, {0, grid.size()}, runner, 1));
  const std::string four = table(grid, runner, run_sweep(grid, {0, grid.size()}, runner, 4));
  CHECK(one == four);
}

TEST_CASE("a failing point is reported on its row and the others still run", "[sweep]") {
  const Registry registry = builtin_registry();
  const SweepGrid grid({{"policy.eviction", {"lru", "nosuch", "belady"}}});
  const SweepRunner runner = make_run_point_runner(kPaging, read_paging(), {}, registry);
  std::size_t progress_calls = 0;
  const auto outcomes =
      run_sweep(grid, {0, 3}, runner, 2, [&](std::size_t done, std::size_t total) {
        ++progress_calls;
        CHECK(done <= total);
      });
  CHECK(progress_calls == 3);
  CHECK(outcomes[0].error.empty());
  CHECK(outcomes[0].fields["loads"] == 12);
  CHECK(outcomes[1].fields.is_null());
  CHECK(outcomes[1].error.find("'nosuch'") != std::string::npos);
  CHECK(outcomes[2].fields["loads"] == 9);
  // The failed row has the point and its value, empty result cells, and the error last.
  const std::string csv = table(grid, runner, outcomes);
  std::istringstream lines(csv);
  std::string header, row1, row2;
  std::getline(lines, header);
  std::getline(lines, row1);
  std::getline(lines, row2);
  const auto cells = split_csv_line(row2);
  REQUIRE(cells.size() == 2 + 1 + runner.fields.size() + 1);
  CHECK(cells[0] == "2");
  CHECK(cells[1] == "3");
  CHECK(cells[2] == "nosuch");
  for (std::size_t f = 0; f < runner.fields.size(); ++f) CHECK(cells[3 + f].empty());
  CHECK(cells.back() == outcomes[1].error);
}

TEST_CASE("the CSV table: header, quoting, cells", "[sweep][csv]") {
  CHECK(csv_cell(nlohmann::ordered_json("a \"b\", c")) == "\"a \"\"b\"\", c\"");
  CHECK(csv_cell(nlohmann::ordered_json(0.5)) == "0.5");
  CHECK(csv_cell(nlohmann::ordered_json(12)) == "12");
  CHECK(csv_cell(nlohmann::ordered_json(false)) == "false");
  CHECK(csv_cell(nlohmann::ordered_json()) == "");
  CHECK(csv_cell(nlohmann::ordered_json::array({"load X0", "compute f"})) ==
        "\"[\"\"load X0\"\",\"\"compute f\"\"]\"");
  CHECK(split_csv_line("1,\"a,b\",\"say \"\"hi\"\"\",") ==
        std::vector<std::string>{"1", "a,b", "say \"hi\"", ""});
  const SweepGrid grid({{"k", {"x", "y"}}});
  std::vector<PointOutcome> outcomes(2);
  outcomes[0].index = 0;
  outcomes[0].fields["n"] = 3;
  outcomes[1].index = 1;
  outcomes[1].error = "bad\nthing";
  std::ostringstream out;
  write_sweep_csv(out, grid, {"n"}, outcomes);
  CHECK(out.str() ==
        "point,points,k,n,error\n"
        "1,2,\"x\",3,\n"
        "2,2,\"y\",,\"bad thing\"\n");
}

TEST_CASE("merge joins shard tables and rejects missing, doubled and foreign rows",
          "[sweep][merge]") {
  const std::string h = "point,points,k,n,error\n";
  const auto merged = merge_sweep_csv(
      {{"b.csv", h + "3,3,\"z\",5,\n"}, {"a.csv", h + "1,3,\"x\",3,\n2,3,\"y\",4,\n"}});
  CHECK(merged == h + "1,3,\"x\",3,\n2,3,\"y\",4,\n3,3,\"z\",5,\n");
  CHECK(error_of([&] {
          merge_sweep_csv({{"a.csv", h + "1,3,\"x\",3,\n"}});
        }) == "points missing from every file: 2, 3 (of 3); is a shard file missing?");
  CHECK(error_of([&] {
          merge_sweep_csv(
              {{"a.csv", h + "1,2,\"x\",3,\n2,2,\"y\",4,\n"}, {"b.csv", h + "2,2,\"y\",4,\n"}});
        }) == "b.csv:2: point 2 appears twice (also at a.csv:3)");
  CHECK(error_of([&] {
          merge_sweep_csv({{"a.csv", h + "4,3,\"x\",3,\n"}});
        }) == "a.csv:2: point 4 is outside 1..3");
  CHECK(error_of([&] {
          merge_sweep_csv({{"a.csv", h + "1,2,\"x\",3,\n"}, {"b.csv", h + "2,5,\"y\",4,\n"}});
        }) == "b.csv:2: this row belongs to a sweep of 5 points, the row at a.csv:2 to one of 2");
  CHECK(error_of([&] {
          merge_sweep_csv({{"a.csv", h + "1,2,\"x\",3,\n"}, {"b.csv", "point,points,j,n,error\n"}});
        }) ==
        "b.csv:1: the header differs from a.csv's; were both made by the same sweep command?");
  CHECK(error_of([&] {
          merge_sweep_csv({{"c.csv", "time,loads\n1,2\n"}});
        }) == "c.csv:1: not a memsim sweep table: the header must start with point,points");
  CHECK(error_of([&] {
          merge_sweep_csv({{"a.csv", h + "x,3,\"x\",3,\n"}});
        }) ==
        "a.csv:2: expected a point number and the grid size in the first two columns, got "
        "'x,3,\"x\",3,'");
  CHECK(error_of([&] { merge_sweep_csv({{"a.csv", h}}); }) == "no points in any of the files");
  // More than ten missing points: the first ten and a count.
  CHECK(error_of([&] {
          merge_sweep_csv({{"a.csv", h + "1,13,\"x\",3,\n"}});
        }) ==
        "points missing from every file: 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 and 2 more (of 13); is a "
        "shard file missing?");
}
