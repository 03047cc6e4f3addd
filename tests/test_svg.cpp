// The SVG pictures: well-formed XML (checked by tests/xml_check.h), one shape per event.
#include <catch2/catch.hpp>

#include "policies/register_builtin.h"
#include "sim/core/errors.h"
#include "sim/core/simulation.h"
#include "sim/report/svg_sweep_plot.h"
#include "sim/report/svg_text.h"
#include "sim/report/svg_timeline.h"
#include "sim/scenario/build_simulation.h"
#include "sim/scenario/scenario_parse.h"
#include "tests/xml_check.h"

using namespace memsim;
using memsim::test::count_class;
using memsim::test::parse_xml;

namespace {

Simulation load(const std::string& name, std::vector<std::string> overrides = {}) {
  return build_simulation(
      parse_scenario_file(MEMSIM_SOURCE_DIR "/scenarios/lecture/" + name, overrides),
      builtin_registry());
}

struct Picture {
  std::vector<test::XmlElement> elements;
  TimelineRecorder recorder;
};

Picture draw(const Simulation& sim) {
  Picture p;
  run_simulation(sim, &p.recorder);
  p.elements = parse_xml(timeline_svg(sim, p.recorder));
  return p;
}

std::size_t steps_of(const TimelineRecorder& r, StepKind kind) {
  return std::count_if(r.steps().begin(), r.steps().end(),
                       [&](const TimedStep& s) { return s.step.kind == kind; });
}

}  // namespace

TEST_CASE("the xml checker rejects what is not well-formed", "[svg]") {
  CHECK_NOTHROW(parse_xml("<a x=\"1\"><b/>t &amp; u</a>"));
  CHECK_THROWS(parse_xml("<a><b></a></b>"));
  CHECK_THROWS(parse_xml("<a>x & y</a>"));
  CHECK_THROWS(parse_xml("<a x=1/>"));
  CHECK_THROWS(parse_xml("<a/><b/>"));
  CHECK_THROWS(parse_xml("<a>"));
}

TEST_CASE("timeline svg: one rect per load, store, op and stall", "[svg]") {
  SECTION("paging, counted by hand") {
    // LRU with 3 frames: 12 loads, no stores, 20 ops, 12 stalls (one per fault, no overlap).
    const Picture p = draw(load("paging.toml"));
    CHECK(count_class(p.elements, "rect", "load") == 12);
    CHECK(count_class(p.elements, "rect", "store") == 0);
    CHECK(count_class(p.elements, "rect", "op") == 20);
    CHECK(count_class(p.elements, "rect", "stall") == 12);
    CHECK(count_class(p.elements, "polygon", "cache-curve") == 1);
  }
  SECTION("double buffering, against the recorded time line") {
    const Picture p = draw(load("mlp3-double-buffer.toml"));
    CHECK(count_class(p.elements, "rect", "load") == steps_of(p.recorder, StepKind::load));
    CHECK(count_class(p.elements, "rect", "store") == steps_of(p.recorder, StepKind::store));
    CHECK(count_class(p.elements, "rect", "op") == steps_of(p.recorder, StepKind::compute));
    CHECK(count_class(p.elements, "rect", "stall") == p.recorder.stalls().size());
    // 3 layers: 3 ops; X0 and W1..W3 loaded, X3 stored.
    CHECK(count_class(p.elements, "rect", "op") == 3);
    CHECK(count_class(p.elements, "rect", "load") == 4);
    CHECK(count_class(p.elements, "rect", "store") == 1);
  }
  SECTION("two DRAM channels get a memory row each") {
    const Picture p = draw(load("mlp3-double-buffer.toml", {"hardware.dram.channels=2"}));
    std::size_t rows = 0;
    for (const auto& e : p.elements)
      if (e.name == "text" && e.attributes.count("class") && e.attributes.at("class") == "row-name")
        rows += e.text == "Memory 0" || e.text == "Memory 1" || e.text == "Compute";
    CHECK(rows == 3);
  }
}

TEST_CASE("timeline svg: labels sit where they fit and say what the lecture says", "[svg]") {
  // mlp3-sequential: a load of dense2.weight lasts 1.765 us of a 29.636 us run, 1.765 / 29.636
  // * 980 = 58 px of the 980 px time axis. At 12 px a character is ~7.2 px wide and a label
  // needs 6 px of margin: "Load dense2.weight" (18 chars, 136 px) and "dense2.weight" (100 px)
  // do not fit, the layer "dense2" (49 px) does. The op dense2.forward computes for 6.936 us =
  // 229 px: its own name (14 chars, 107 px) fits. A raw [graph]'s op would read "Compute
  // <output>".
  const Picture p = draw(load("mlp3-sequential.toml"));
  bool load_label = false, compute_label = false, long_label = false;
  for (const auto& e : p.elements) {
    load_label |= e.name == "text" && e.text == "dense2";
    compute_label |= e.name == "text" && e.text == "dense2.forward";
    long_label |= e.name == "text" && e.text == "Load dense2.weight";
  }
  CHECK(load_label);
  CHECK(compute_label);
  CHECK_FALSE(long_label);
}

TEST_CASE("timeline svg: names are escaped", "[svg]") {
  const std::string toml =
      "[scenario]\nname = \"a<b & 'c'\"\n[hardware.cache]\ncapacity = \"2 tensors\"\n"
      "[graph]\nops = [{ name = \"x&y\", inputs = [\"<in>\"], outputs = [\"o\\\"ut\"] }]\n";
  const Simulation sim = build_simulation(parse_scenario_text(toml, "t.toml"), builtin_registry());
  TimelineRecorder rec;
  run_simulation(sim, &rec);
  const std::string svg = timeline_svg(sim, rec);
  const auto elements = parse_xml(svg);
  CHECK(svg.find("a&lt;b &amp; &apos;c&apos;") != std::string::npos);
  CHECK(count_class(elements, "rect", "op") == 1);
}

TEST_CASE("sweep plot: a panel per metric, a line per series, a marker per point", "[svg]") {
  const SweepGrid grid({{"cap", {"1", "2", "3"}}, {"policy", {"lru", "fifo"}}});
  std::vector<PointOutcome> outcomes(6);
  for (std::size_t i = 0; i < 6; ++i) {
    outcomes[i].index = i;
    outcomes[i].fields["moves"] = 10 - static_cast<int>(i);
    outcomes[i].fields["stall_s"] = 0.5 * static_cast<double>(i);
    outcomes[i].fields["scenario"] = "s";
  }
  outcomes[3].fields = nullptr;  // point 4 (cap 2, fifo) failed
  outcomes[3].error = "boom";
  const auto elements = parse_xml(sweep_plot_svg(grid, outcomes, {"moves", "stall_s"}, "t <1>"));
  CHECK(count_class(elements, "g", "panel") == 2);
  // Per panel: 5 markers (6 points, one failed); lru's line runs through 3 points, fifo's is
  // broken by the failure into single points that draw no line.
  CHECK(count_class(elements, "circle", "point") == 10);
  CHECK(count_class(elements, "polyline", "series") == 2);
  // The failed point is a cross on each panel's floor, its error in the tooltip, and the
  // legend says what the cross means.
  CHECK(count_class(elements, "path", "failed") == 2);
  std::size_t boom = 0, failed_legend = 0, stall_title = 0;
  for (const auto& e : elements) {
    boom += e.name == "title" && e.text == "cap = 2, policy = fifo: failed: boom";
    failed_legend += e.name == "text" && e.text == "failed point";
    // stall_s runs to 0.5 * 5 = 2.5 s: written in seconds.
    stall_title += e.name == "text" && e.text == "stall_s (s)";
  }
  CHECK(boom == 2);
  CHECK(failed_legend == 2);
  CHECK(stall_title == 1);
  try {
    sweep_plot_svg(grid, outcomes, {"scenario"}, "t");
    FAIL("no error");
  } catch (const ScenarioError& e) {
    CHECK(std::string(e.what()) == "--plot scenario: not a number field of the sweep's results");
  }
}

TEST_CASE("svg text helpers", "[svg]") {
  CHECK(xml_escape("<a & \"b\" 'c'>") == "&lt;a &amp; &quot;b&quot; &apos;c&apos;&gt;");
  CHECK(svg_num(12.5) == "12.5");
  CHECK(svg_num(3.0) == "3");
  CHECK(svg_num(0.004) == "0");
  // 0..32 in about 10 steps: 32 / 10 = 3.2 rounds up to a step of 5.
  CHECK(nice_ticks(0, 32, 10) == std::vector<double>{0, 5, 10, 15, 20, 25, 30});
  CHECK(nice_ticks(0, 1, 5) == std::vector<double>{0, 0.2, 0.4, 0.6000000000000001, 0.8, 1});
}

TEST_CASE("sweep plot: values in their unit, long labels slanted, nothing cut off", "[svg]") {
  // time_s of 2e-6 .. 8e-6 s: microseconds, ticks 0, 2, 4, 6, 8 (us). Eight x values of
  // "1024 MiB"-like text (8 chars, ~53 px at 11 px) are 470 / 7 = 67 px apart: they fit flat;
  // "hardware.cache.capacity = 1024 MiB" would not, so it is slanted.
  std::vector<std::string> flat, wide;
  for (int i = 1; i <= 8; ++i) {
    flat.push_back(std::to_string(i * 128) + " MiB");
    wide.push_back("a rather long value " + std::to_string(i));
  }
  for (const auto& values : {flat, wide}) {
    const SweepGrid grid({{"hardware.cache.capacity", values},
                          {"policy.eviction", {"a policy with a long legend entry", "b"}}});
    std::vector<PointOutcome> outcomes(grid.size());
    for (std::size_t i = 0; i < grid.size(); ++i) {
      outcomes[i].index = i;
      outcomes[i].fields["time_s"] = 1e-6 * static_cast<double>(i + 2) * 0.9;
      outcomes[i].fields["load_bytes"] = 1048576.0 * static_cast<double>(i);
    }
    const std::string title(values == flat ? 120 : 20, 't');
    const std::string svg = sweep_plot_svg(grid, outcomes, {"time_s", "load_bytes"}, title);
    const auto elements = parse_xml(svg);
    std::size_t slanted = 0, us = 0, mib = 0;
    for (const auto& e : elements) {
      slanted += e.name == "text" && e.attributes.count("transform");
      us += e.name == "text" && e.text == "time_s (us)";
      mib += e.name == "text" && e.text == "load_bytes (MiB)";
    }
    CHECK(slanted == (values == wide ? 2 * values.size() : 0));
    CHECK(us == 1);
    CHECK(mib == 1);
    // The picture is wide enough for the title (16 px bold, ~9.6 px a character) and for the
    // legend beside the plot (90 + 470 + 16 + 42 + text).
    const double width = std::stod(elements.front().attributes.at("width"));
    CHECK(width >= 90 + 0.6 * 16 * static_cast<double>(title.size()));
    CHECK(width >= 90 + 470 + 16 + 42 +
                       text_width("policy.eviction = a policy with a long legend entry", 12));
  }
}
