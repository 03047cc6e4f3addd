// docs/scenario-reference.md lists every scenario key and every output field. These tests keep
// it complete without a hand-copied list: the keys come from the scenario parser's own tables
// (observe_key_tables reports each table it reads and the keys it accepts there), the layer
// types and blocks from the model builder's tables, the allowed names from the registry and the
// graph's name tables, and the output fields from what memsim writes (its JSON keys and CSV
// headers). A key or field missing from the page fails here, and so does a scenario key the
// page lists that the parser does not accept.
#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "policies/models/layer_graph_builder.h"
#include "policies/register_builtin.h"
#include "policies/solver/plan_report.h"
#include "sim/core/graph.h"
#include "sim/scenario/scenario_parse.h"
#include "support/run_memsim.h"

using namespace memsim;
using namespace memsim::test;

namespace {

const std::string& reference() {
  static const std::string text = read_file(source_path("docs/scenario-reference.md"));
  return text;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// The lines under `heading` (a whole line such as "## Scenario keys") up to the next heading of
// the same or a higher level; fails the test when the heading is missing.
std::string section(const std::string& heading) {
  const std::size_t level = heading.find(' ');
  std::string out;
  bool inside = false;
  for (const std::string& line : lines_of(reference())) {
    if (inside && line.rfind('#', 0) == 0 && line.find(' ') <= level) break;
    if (inside) out += line + "\n";
    if (line == heading) inside = true;
  }
  INFO("heading: " << heading);
  REQUIRE(inside);
  return out;
}

// The code spans (`...`) of a text.
std::vector<std::string> code_spans(const std::string& text) {
  std::vector<std::string> out;
  for (std::size_t open = text.find('`'); open != std::string::npos;) {
    const std::size_t close = text.find('`', open + 1);
    if (close == std::string::npos) break;
    out.push_back(text.substr(open + 1, close - open - 1));
    open = text.find('`', close + 1);
  }
  return out;
}

// A table row's first cell ("| `a`, `b` | ..." -> "`a`, `b`"), or "" for other lines.
std::string first_cell(const std::string& line) {
  if (line.rfind("| `", 0) != 0) return "";
  const std::size_t end = line.find(" |", 2);
  return line.substr(2, end == std::string::npos ? std::string::npos : end - 2);
}

// The names a section's tables list in their first column: every code span of the first
// cell, brackets of a table header ("[hardware]", "[[graph.ops]]") taken off.
std::set<std::string> listed_names(const std::string& text) {
  std::set<std::string> out;
  for (const std::string& line : lines_of(text))
    for (std::string name : code_spans(first_cell(line))) {
      while (!name.empty() && name.front() == '[') name.erase(0, 1);
      while (!name.empty() && name.back() == ']') name.pop_back();
      out.insert(name);
    }
  return out;
}

// The row of a section's table whose first cell is exactly `name` in backticks.
std::string row_of(const std::string& text, const std::string& name) {
  for (const std::string& line : lines_of(text))
    if (first_cell(line) == "`" + name + "`" || first_cell(line) == "`[" + name + "]`" ||
        first_cell(line) == "`[[" + name + "]]`")
      return line;
  return "";
}

void require_listed(const std::set<std::string>& names, const std::string& heading) {
  const std::set<std::string> listed = listed_names(section(heading));
  for (const std::string& name : names) {
    INFO("docs/scenario-reference.md, under \"" << heading << "\", lists no `" << name << "`");
    CHECK(listed.count(name) == 1);
  }
}

// Every key the parser accepts, as a dotted path ("hardware.dram.bandwidth"): the parser tells
// which tables it reads and which keys each takes while it reads the shipped scenarios (and
// their hardware presets) and two scenarios that reach every table.
std::set<std::string> accepted_keys() {
  std::set<std::string> keys;
  struct Stop {  // the observer refers to `keys`: removed however this function ends
    ~Stop() { observe_key_tables({}); }
  } stop;
  observe_key_tables([&](std::string_view table, std::span<const std::string_view> accepted) {
    for (std::string_view k : accepted)
      keys.insert(table.empty() ? std::string(k) : std::string(table) + "." + std::string(k));
  });
  const std::string scenarios = source_path("scenarios");
  for (const auto& entry : std::filesystem::recursive_directory_iterator(scenarios)) {
    const std::string path = entry.path().string();
    if (entry.path().extension() != ".toml" ||
        path.find("/scenarios/hardware/") != std::string::npos)
      continue;  // presets are read through a scenario's hardware.preset
    parse_scenario_file(path);
  }
  // A [graph] with tensors and ops, and a [model] trained, with a preset and every table.
  const std::string hardware = R"(
[scenario]
name = "every-table"
[hardware]
preset = "h100-sxm"
[hardware.cache]
capacity = "50 MiB"
[hardware.dram]
bandwidth = "1 TB/s"
[hardware.compute]
precision = "fp32"
[hardware.compute.throughput_by_dtype]
fp32 = "1 TFLOP/s"
[policy]
eviction = "lru"
[placement]
optimizer_state = "HBM3"
)";
  parse_scenario_text(hardware + R"(
[graph]
tensors = [{ name = "X", size = "1 MiB" }]
ops = [{ name = "f", inputs = ["X"] }]
)",
                      source_path("every-table-graph.toml"));
  parse_scenario_text(hardware + R"(
[model]
input = 4
layers = [{ type = "dense", out = 4 }]
[schedule]
kind = "training"
)",
                      source_path("every-table-model.toml"));
  return keys;
}

nlohmann::json json_of(const std::string& text) {
  INFO(text);
  return nlohmann::json::parse(text);
}

// An object's keys, and (to `depth` levels) the keys of the objects it holds, as "a.b", and of
// the objects in the arrays it holds, as "a[].b".
void collect_fields(const nlohmann::json& j, const std::string& prefix, int depth,
                    std::set<std::string>& out) {
  if (!j.is_object()) return;
  for (const auto& [key, value] : j.items()) {
    out.insert(prefix + key);
    if (depth <= 1) continue;
    if (value.is_object()) collect_fields(value, prefix + key + ".", depth - 1, out);
    if (value.is_array())
      for (const auto& item : value) collect_fields(item, prefix + key + "[].", depth - 1, out);
  }
}

std::set<std::string> fields_of(const nlohmann::json& j, int depth) {
  std::set<std::string> out;
  collect_fields(j, "", depth, out);
  return out;
}

std::vector<std::string> csv_header(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text.substr(0, text.find('\n')));
  for (std::string cell; std::getline(in, cell, ',');) out.push_back(cell);
  return out;
}

std::set<std::string> set_of(const std::vector<std::string>& v) {
  return std::set<std::string>(v.begin(), v.end());
}

std::string memsim_out(const std::string& args) {
  const CommandResult r = run_memsim(args);
  INFO("memsim " << args << "\n" << r.err);
  REQUIRE(r.status == 0);
  return r.out;
}

const std::string kMlp = source_path("scenarios/lecture/mlp3-double-buffer.toml");
const std::string kPaging = source_path("scenarios/lecture/paging.toml");

}  // namespace

TEST_CASE("reference: every key the scenario parser accepts is listed, and only those",
          "[scenario-reference]") {
  const std::set<std::string> keys = accepted_keys();
  // The parser's tables as of this page: a sample that must be among them, so that an observer
  // that reported nothing cannot pass.
  for (const char* k : {"hardware.dram.bandwidth", "graph.tensors.kind", "model.layers.repeat",
                        "schedule.checkpoint", "preset.description"}) {
    INFO(k);
    CHECK(keys.count(k) == 1);
  }
  require_listed(keys, "## Scenario keys");
  // And the other way: every name the page's key tables list is a key the parser takes.
  const std::set<std::string> layer_types = listed_names(section("#### Layer types and blocks"));
  for (const std::string& name : listed_names(section("## Scenario keys"))) {
    if (layer_types.count(name)) continue;  // the next test's
    INFO("docs/scenario-reference.md lists `" << name << "`, which the parser does not accept");
    CHECK(keys.count(name) == 1);
  }
}

TEST_CASE("reference: every layer type and block, with each of its keys", "[scenario-reference]") {
  const std::string table = section("#### Layer types and blocks");
  std::set<std::string> known;
  const auto check = [&](const std::string& name, const std::vector<std::string>& keys) {
    known.insert(name);
    const std::string row = row_of(table, name);
    INFO("layer type `" << name << "`: " << row);
    REQUIRE(!row.empty());
    const std::vector<std::string> spans = code_spans(row);
    for (const std::string& key : keys) {
      INFO("key `" << key << "`");
      CHECK(std::find(spans.begin(), spans.end(), key) != spans.end());
    }
  };
  for (const LayerType& t : layer_types()) check(t.name, t.keys);
  for (const BlockType& b : block_types()) check(b.name, b.keys);
  for (const std::string& name : listed_names(table)) {
    INFO("the layer table lists `" << name << "`, which is no layer type or block");
    CHECK(known.count(name) == 1);
  }
}

TEST_CASE("reference: the allowed names come from the registry and the graph's tables",
          "[scenario-reference]") {
  const std::string keys = section("## Scenario keys");
  const Registry registry = builtin_registry();
  const auto require_values = [&](const std::string& key, const std::vector<std::string>& names) {
    const std::string row = row_of(keys, key);
    INFO("`" << key << "`: " << row);
    REQUIRE(!row.empty());
    for (const std::string& name : names) {
      INFO("value \"" << name << "\"");
      CHECK(row.find("\"" + name + "\"") != std::string::npos);
    }
  };
  std::vector<std::string> evictions, kinds, tensor_kinds, phases;
  for (const auto& e : registry.evictions()) evictions.push_back(e.name);
  for (const auto& g : registry.generators()) kinds.push_back(g.name);
  for (int k = 0; k < kTensorKindCount; ++k)
    tensor_kinds.emplace_back(to_string(static_cast<TensorKind>(k)));
  for (OpPhase p : {OpPhase::forward, OpPhase::backward, OpPhase::update, OpPhase::recompute})
    phases.emplace_back(to_string(p));
  CHECK(evictions.size() >= 3);
  CHECK(kinds.size() >= 2);
  require_values("policy.eviction", evictions);
  require_values("schedule.kind", kinds);
  require_values("graph.tensors.kind", tensor_kinds);
  require_values("graph.ops.phase", phases);
}

TEST_CASE("reference: every field of memsim run's JSON and CSV, per-layer and time line",
          "[scenario-reference]") {
  const TempDir tmp;
  const nlohmann::json run = json_of(memsim_out("run " + kMlp + " --format json"));
  const std::vector<std::string> csv = csv_header(memsim_out("run " + kMlp + " --format csv"));
  // The same fields in both, but the lists (levels, links), which one CSV row cannot hold.
  std::set<std::string> scalar_fields = fields_of(run, 1);
  for (const auto& [key, value] : run.items())
    if (value.is_array()) scalar_fields.erase(key);
  CHECK(set_of(csv) == scalar_fields);
  require_listed(fields_of(run, 1), "### `memsim run --format json` and `--format csv`");

  const std::string csv_file = tmp.file("layers.csv"), json_file = tmp.file("layers.json"),
                    timeline = tmp.file("timeline.csv");
  memsim_out("run " + kMlp + " --per-layer " + csv_file + " --timeline " + timeline);
  memsim_out("run " + kMlp + " --per-layer " + json_file);
  const std::vector<std::string> columns = csv_header(read_file(csv_file));
  const nlohmann::json layers = json_of(read_file(json_file));
  CHECK(set_of(columns) == fields_of(layers["rows"][0], 1));  // rows and total: the CSV's
  CHECK(set_of(columns) == fields_of(layers["total"], 1));
  std::set<std::string> per_layer = set_of(columns);
  for (const std::string& f : fields_of(layers, 1)) per_layer.insert(f);
  require_listed(per_layer, "### `memsim run --per-layer FILE.csv` and `FILE.json`");
  require_listed(set_of(csv_header(read_file(timeline))), "### `memsim run --timeline FILE.csv`");
}

TEST_CASE("reference: every field of the trace, in byte and in uniform mode",
          "[scenario-reference]") {
  const TempDir tmp;
  std::set<std::string> fields;
  for (const std::string& scenario : {kMlp, kPaging}) {
    const std::string file = tmp.file("trace.json");
    memsim_out("run " + scenario + " --trace " + file);
    const nlohmann::json trace = json_of(read_file(file));
    for (const std::string& f : fields_of(trace, 2))
      if (f.rfind("traceEvents[].", 0) != 0) fields.insert(f);
    for (const auto& event : trace["traceEvents"]) {
      for (const auto& [key, value] : event.items()) fields.insert(key);
      for (const auto& [key, value] : event["args"].items()) fields.insert("args." + key);
    }
  }
  CHECK(fields.count("args.working_set_bytes") == 1);    // byte mode
  CHECK(fields.count("args.working_set_tensors") == 1);  // uniform mode
  require_listed(fields, "### `memsim run --trace FILE.json`");
}

TEST_CASE("reference: every field of memsim solve's JSON, exact and planned",
          "[scenario-reference]") {
  const nlohmann::json exact = json_of(memsim_out("solve " + kPaging + " --timings --format json"));
  require_listed(fields_of(exact, 1), "### `memsim solve --format json` (exact search)");
  // The planner writes some keys only in some cases: found or not, the recompute objective,
  // --timings. Its report function, given each case, names them all.
  std::set<std::string> planned;
  const Graph empty = GraphBuilder().build();
  for (const bool found : {false, true}) {
    PlannerResult r;
    r.found = found;
    for (const PlanObjective o : {PlanObjective::time, PlanObjective::recompute})
      for (const std::string& f : fields_of(plan_report_json(empty, o, r, true), 1))
        planned.insert(f);
  }
  CHECK(planned.count("why") == 1);
  CHECK(planned.count("budget_bytes") == 1);
  require_listed(planned,
                 "### `memsim solve --format json` (planner: `--objective time|recompute`, or "
                 "beyond the exact search)");
  // And the planner's report as memsim solve prints it has no other keys.
  const nlohmann::json plan =
      json_of(memsim_out("solve " + source_path("scenarios/remat/mlp6-train.toml") +
                         " --objective recompute --budget 0.8x --timings --format json"));
  for (const std::string& f : fields_of(plan, 1)) {
    INFO(f);
    CHECK(planned.count(f) == 1);
  }
}

TEST_CASE("reference: every field of memsim info's and memsim fit's JSON", "[scenario-reference]") {
  const nlohmann::json info = json_of(
      memsim_out("info " + source_path("scenarios/lecture/conv-vs-fc.toml") + " --format json"));
  CHECK(fields_of(info, 2).count("layers[].bound") == 1);
  require_listed(fields_of(info, 2), "### `memsim info --format json`");

  const std::string fit = "fit " + source_path("scenarios/lecture/mlp3-training.toml") +
                          " --set 'hardware.dram.capacity=\"1 GiB\"' --format json";
  std::set<std::string> fields = fields_of(json_of(memsim_out(fit)), 2);
  for (const std::string& f : fields_of(json_of(memsim_out(fit + " --compare checkpoint")), 2))
    fields.insert(f);
  CHECK(fields.count("at_next.peak_by_kind") == 1);
  CHECK(fields.count("results[].checkpoint") == 1);
  require_listed(fields, "### `memsim fit --format json`");
}

TEST_CASE("reference: every column of a sweep table", "[scenario-reference]") {
  // point, points, the swept key, the fields of run (or solve) and error.
  const std::string sweep = "sweep " + kPaging + " --param policy.eviction --values lru";
  const std::vector<std::string> run = csv_header(memsim_out(sweep));
  const std::vector<std::string> solve = csv_header(memsim_out(sweep + " --solve --timings"));
  const std::set<std::string> run_fields =
      listed_names(section("### `memsim run --format json` and `--format csv`"));
  const std::set<std::string> solve_fields =
      listed_names(section("### `memsim solve --format json` (exact search)"));
  const std::set<std::string> own = listed_names(section("### `memsim sweep` CSV"));
  for (const auto& [columns, fields] : {std::pair{run, run_fields}, std::pair{solve, solve_fields}})
    for (const std::string& column : columns) {
      if (column == "policy.eviction") continue;  // the swept key, named as given
      INFO("sweep column `" << column << "` is listed neither under the sweep nor its runner");
      CHECK((own.count(column) == 1 || fields.count(column) == 1));
    }
  CHECK(own == std::set<std::string>{"point", "points", "error"});
}
