// The pictures a reader finds a whole network in: the run time line's phase bands, layer labels,
// worst-stalling layer and live memory by kind; its aggregated form for runs with more events
// than pixels; the per-layer bar chart; and the helpers they share. Every picture is parsed as
// XML (tests/xml_check.h) and its labels are checked against figures derived by hand.
#include <catch2/catch.hpp>

#include "policies/register_builtin.h"
#include "sim/core/liveness.h"
#include "sim/report/layer_groups.h"
#include "sim/report/per_layer.h"
#include "sim/report/svg_layer_bars.h"
#include "sim/report/svg_timeline.h"
#include "sim/report/tee_sink.h"
#include "sim/report/time_bins.h"
#include "support/builders.h"
#include "support/scenario_text.h"
#include "tests/xml_check.h"

using namespace memsim;
using namespace memsim::test;

namespace {

std::string dense_chain(int layers, int cache_tensors, const std::string& schedule) {
  std::string s = uniform_hardware(cache_tensors) + "[model]\ninput = 4\nlayers = [\n";
  for (int i = 0; i < layers; ++i) s += "  { type = \"dense\", out = 4 },\n";
  return s + "]\n[schedule]\n" + schedule;
}

struct Drawn {
  std::string svg;
  std::vector<XmlElement> elements;
  PerLayerReport report;
};

Drawn draw(const Simulation& sim, bool bars = false) {
  TimelineRecorder timeline;
  PerLayerRecorder layers(sim.graph, sim.machine);
  TeeSink tee(&timeline, &layers);
  const RunResult r = run_simulation(sim, &tee);
  layers.finish();
  Drawn d;
  d.report = per_layer_report(sim, r, layers);
  d.svg = bars ? layer_bars_svg(sim, d.report) : timeline_svg(sim, timeline);
  d.elements = parse_xml(d.svg);
  return d;
}

bool has_text(const std::vector<XmlElement>& els, const std::string& text) {
  return std::any_of(els.begin(), els.end(),
                     [&](const XmlElement& e) { return e.name == "text" && e.text == text; });
}

std::size_t count_attr(const std::vector<XmlElement>& els, const std::string& attr,
                       const std::string& value) {
  return std::count_if(els.begin(), els.end(), [&](const XmlElement& e) {
    const auto it = e.attributes.find(attr);
    return it != e.attributes.end() && it->second == value;
  });
}

const XmlElement* find_title_prefix(const std::vector<XmlElement>& els, const std::string& cls,
                                    const std::string& prefix) {
  // Elements are in document order: a rect's <title> follows it.
  for (std::size_t i = 0; i + 1 < els.size(); ++i) {
    const auto it = els[i].attributes.find("class");
    if (it != els[i].attributes.end() && it->second == cls && els[i + 1].name == "title" &&
        els[i + 1].text.rfind(prefix, 0) == 0)
      return &els[i];
  }
  return nullptr;
}

}  // namespace

TEST_CASE("time line: phase bands, labelled, one per run of ops of one phase", "[svg][pictures]") {
  // Training of 3 dense layers, separate loss, sgd, updates after backward: forward x3, then
  // loss.dX and the backward ops (all backward), then the 3 updates: three bands.
  const Drawn d = draw(load_text(dense_chain(3, 8,
                                             "kind = \"training\"\noptimizer = \"sgd\"\n"
                                             "update = \"after-backward\"\n")));
  CHECK(count_class(d.elements, "rect", "phase-band") == 3);
  CHECK(count_attr(d.elements, "data-phase", "forward") >= 1);
  for (const char* phase : {"forward", "backward", "update"}) {
    CAPTURE(phase);
    CHECK(find_title_prefix(d.elements, "phase-band", std::string(phase) + ": ") != nullptr);
  }
  // forward: 3 ops; backward: loss.dX, dense3 dW and dX, dense2 dW and dX, dense1 dW = 6 ops.
  CHECK(find_title_prefix(d.elements, "phase-band", "forward: 3 ops") != nullptr);
  CHECK(find_title_prefix(d.elements, "phase-band", "backward: 6 ops") != nullptr);
  CHECK(find_title_prefix(d.elements, "phase-band", "update: 3 ops") != nullptr);
}

TEST_CASE("time line: the worst-stalling layer is named, outlined and marked", "[svg][pictures]") {
  // Uniform chain of 3 dense layers, cache 4, no overlap (derived in test_per_layer.cpp):
  // dense1 waits 2 units for its weight and the input, dense2 and dense3 1 unit each for their
  // weights: 4 units of stall, dense1 has half.
  const Drawn d = draw(load_text(dense_chain(3, 4, "kind = \"inference\"\n")));
  CHECK(has_text(d.elements,
                 "\u25bc worst-stalling layer (outlined): dense1, stalled 2 units (50.0% of all "
                 "stall)"));
  CHECK(count_class(d.elements, "rect", "worst-stall") == 1);  // dense1's one stall
  CHECK(count_class(d.elements, "path", "worst-mark") == 1);
  SECTION("a run without stalls names none") {
    // A cache of 8 still loads the first weight and the input before dense1: there is always
    // a first stall. A raw graph whose op reads nothing from DRAM never waits.
    const Simulation sim = load_text(uniform_hardware(2) +
                                     "[graph]\nops = [{ name = \"f\", outputs = [\"y\"] }]\n"
                                     "outputs = [\"y\"]\n");
    const Drawn none = draw(sim);
    CHECK(count_class(none.elements, "text", "callout") == 0);
    CHECK(count_class(none.elements, "path", "worst-mark") == 0);
  }
}

TEST_CASE("time line: live memory stacked by kind, with its peak", "[svg][pictures]") {
  // The same chain: weights live throughout (3 tensors); at dense1 the input and its output
  // are live, at dense2 out1 and out2, at dense3 out2 and out3: 5 tensors at every op, first
  // reached at dense1.forward. Kinds: weights (3), activations, inputs.
  const Drawn d = draw(load_text(dense_chain(3, 4, "kind = \"inference\"\n")));
  CHECK(count_class(d.elements, "polygon", "live-area") == 3);
  CHECK(count_attr(d.elements, "data-kind", "weight") == 1);
  CHECK(count_attr(d.elements, "data-kind", "activation") == 1);
  CHECK(count_attr(d.elements, "data-kind", "input") == 1);
  CHECK(has_text(d.elements, "peak 5 tensors at dense1.forward"));
  for (const char* legend : {"weights", "activations", "inputs", "time line", "live memory"})
    CHECK(has_text(d.elements, legend));
}

TEST_CASE("time line: layer labels group the ops of a model's parts", "[svg][pictures]") {
  // A stem conv and two basic blocks: the Layers row groups stem, layer1.0 and layer1.1 at depth
  // 1 ("layer1" spans both blocks) and splits them at depth 2.
  const std::string model =
      "[hardware.cache]\ncapacity = \"64 tensors\"\n[model]\ninput = [4, 8, 8]\nlayers = [\n"
      "  { type = \"conv2d\", name = \"stem\", out = 4, kernel = 3, padding = 1 },\n"
      "  { type = \"basic_block\", name = \"layer1.0\", out = 4 },\n"
      "  { type = \"basic_block\", name = \"layer1.1\", out = 4 },\n]\n";
  const Drawn d = draw(load_text(model));
  CHECK(find_title_prefix(d.elements, "layer-group", "stem: 1 op,") != nullptr);
  CHECK(find_title_prefix(d.elements, "layer-group alt", "layer1: 14 ops,") != nullptr);
  CHECK(find_title_prefix(d.elements, "layer-group alt", "layer1.0: 7 ops,") != nullptr);
  CHECK(find_title_prefix(d.elements, "layer-group", "layer1.1: 7 ops,") != nullptr);
  CHECK(has_text(d.elements, "layer1"));
}

TEST_CASE("time line: more events than pixels are drawn as columns", "[svg][pictures]") {
  // 600 dense layers: 600 ops, 601 loads (input and weights), a store, and stalls: more than
  // the 980 px of the time axis. Columns replace events: no rect per op, at most one per column
  // and kind.
  const Drawn d = draw(load_text(dense_chain(600, 4, "kind = \"inference\"\n")));
  CHECK(count_class(d.elements, "rect", "op") == 0);
  CHECK(count_class(d.elements, "rect", "load") == 0);
  const std::size_t op_bins = count_class(d.elements, "rect", "op-bin");
  CHECK(op_bins > 0);
  CHECK(op_bins <= 980);
  CHECK(count_class(d.elements, "rect", "load-bin") <= 980);
  CHECK(count_class(d.elements, "rect", "stall-bin") <= 980);
  CHECK(d.svg.size() < 2'000'000);
  CHECK(has_text(d.elements, "peak 602 tensors at dense1.forward"));  // 600 weights + 2
}

TEST_CASE("per-layer bars: one row per layer, time split and bytes, the worst outlined",
          "[svg][pictures][per-layer]") {
  // The uniform chain: dense1 computes 1 and stalls 2; dense2 and dense3 compute 1 and stall 1.
  // Bars share one scale, so dense1's stall bar is twice as wide as its compute bar.
  const Drawn d = draw(load_text(dense_chain(3, 4, "kind = \"inference\"\n")), true);
  std::vector<std::string> names;
  for (const XmlElement& e : d.elements)
    if (e.name == "text" && e.attributes.count("class") &&
        e.attributes.at("class").rfind("layer-name", 0) == 0)
      names.push_back(e.text);
  CHECK(names == std::vector<std::string>{"dense1", "dense2", "dense3"});
  CHECK(count_class(d.elements, "text", "layer-name worst") == 1);
  CHECK(count_class(d.elements, "rect", "worst-row") == 1);
  const XmlElement* compute = find_title_prefix(d.elements, "bar-compute", "dense1: forward");
  const XmlElement* stall = find_title_prefix(d.elements, "bar-stall-load", "dense1: stall");
  REQUIRE(compute);
  REQUIRE(stall);
  CHECK(std::stod(stall->attributes.at("width")) ==
        Approx(2 * std::stod(compute->attributes.at("width"))).margin(0.02));
  // Bytes: dense1 loaded 2 tensors, dense3 1 and stored 1.
  CHECK(find_title_prefix(d.elements, "bar-load", "dense1: loaded 2 tensors") != nullptr);
  CHECK(find_title_prefix(d.elements, "bar-store", "dense3: stored 1 tensor") != nullptr);
  CHECK(has_text(d.elements, "time (time units)"));
  CHECK(has_text(d.elements, "bytes moved (tensors)"));
  SECTION("a deep model shows its busiest layers and folds the rest into one row") {
    const Drawn deep = draw(load_text(dense_chain(100, 4, "kind = \"inference\"\n")), true);
    std::size_t rows = 0;
    for (const XmlElement& e : deep.elements)
      rows += e.name == "text" && e.attributes.count("class") &&
              e.attributes.at("class").rfind("layer-name", 0) == 0;
    CHECK(rows == kShownLayers + 1);
    CHECK(has_text(deep.elements, std::to_string(100 - kShownLayers) + " other layers"));
  }
}

TEST_CASE("picture helpers: name prefixes, layer groups, time columns, live bytes by kind",
          "[svg][pictures]") {
  CHECK(name_prefix("layer4.1.conv2", 1) == "layer4");
  CHECK(name_prefix("layer4.1.conv2", 2) == "layer4.1");
  CHECK(name_prefix("layer4.1.conv2", 5) == "layer4.1.conv2");
  CHECK(name_prefix("fc", 2) == "fc");

  // Columns of width 1 over [0, 4): an event over [0.5, 2.25) fills half of column 0, all of
  // column 1 and a quarter of column 2.
  TimeBins bins(4, 4, 2);
  bins.add(0.5, 2.25, 1);
  CHECK(bins.fraction(0, 1) == 0.5);
  CHECK(bins.fraction(1, 1) == 1.0);
  CHECK(bins.fraction(2, 1) == 0.25);
  CHECK(bins.fraction(3, 1) == 0.0);
  CHECK(bins.fraction(1, 0) == 0.0);
  CHECK(bins.column_of(3.99) == 3);
  CHECK(bins.column_of(9) == 3);

  // Chain X0 = 2, W = {4, 4}, X1 = 3, X2 = 5 (test_executor's peak-live example): at position 0
  // weights 8, input 2, activation X1 3; at position 1 weights 8, activations X1 + X2 = 8.
  const Graph g = chain_graph({2, {4, 4}, {3, 5}, {1, 1}});
  const std::vector<OpId> order{0, 1};
  const std::uint32_t both[] = {0, 1};
  const auto kinds = live_bytes_by_kind_at(g, order, both);
  REQUIRE(kinds.size() == 2);
  CHECK(kinds[0][static_cast<int>(TensorKind::weight)] == 8);
  CHECK(kinds[0][static_cast<int>(TensorKind::input)] == 2);
  CHECK(kinds[0][static_cast<int>(TensorKind::activation)] == 3);
  CHECK(kinds[1][static_cast<int>(TensorKind::input)] == 0);
  CHECK(kinds[1][static_cast<int>(TensorKind::activation)] == 8);
  const std::uint32_t second[] = {1};
  CHECK(live_bytes_by_kind_at(g, order, second)[0] == kinds[1]);
}
