// Memory levels on the differential test's random cases (tests/reference/random_case.h): the
// same DAG, machine and policy with one or two memory levels added below the DRAM and some
// kinds of tensor placed there. The verifier must accept every such run (every hop, staging
// copy and link in list order and in time, docs/model.md §15.7), and what happens in the cache
// must not change (below).
#include <catch2/catch.hpp>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "sim/core/errors.h"
#include "sim/core/simulation.h"
#include "support/scenario_text.h"
#include "tests/reference/random_case.h"

namespace {

// Records the tensor and link of every hop.
class Hops : public memsim::StepSink {
 public:
  void on_step(const memsim::TimedStep& s) override {
    if (s.step.kind == memsim::StepKind::load || s.step.kind == memsim::StepKind::store)
      hops.push_back(s);
  }
  std::vector<memsim::TimedStep> hops;
};

// The scenario of `c` with levels 3 (and, when `four`, 4) below its DRAM: each link slower
// than the DRAM's, kinds of tensor placed at random among the memory levels.
std::string with_deep_levels(const memsim_reference::Case& c, std::mt19937_64& rng, bool four) {
  const bool uniform = c.machine.uniform;
  const auto link = [&](const char* name, int factor) {
    std::string s = "[[hardware.levels]]\nname = \"" + std::string(name) + "\"\n";
    if (uniform)
      s += "transfer_time = " + std::to_string(factor) + "\n";
    else
      s += "bandwidth = \"" + std::to_string(1 + rng() % 4) + " B/s\"\nlatency = \"" +
           std::to_string(rng() % 3) + " s\"\nchannels = " + std::to_string(1 + rng() % 2) + "\n";
    return s;
  };
  // Levels 1 and 2 are filled in by the case's [hardware.cache] and [hardware.dram] (§15.1).
  std::string levels = "[[hardware.levels]]\n[[hardware.levels]]\n" + link("host", 3);
  if (four) levels += link("disk", 5);
  std::string placement = "[placement]\n";
  const char* names[] = {"DRAM", "host", "disk"};
  for (const char* kind :
       {"weights", "activations", "inputs", "gradients", "optimizer_state", "other", "labels"})
    placement += std::string(kind) + " = \"" + names[rng() % (four ? 3 : 2)] + "\"\n";
  std::string toml = memsim_reference::scenario_toml(c);
  // Tables of [hardware] first, then the rest; [placement] before [graph] (a top-level table).
  const std::size_t graph = toml.find("[graph]");
  return levels + toml.substr(0, graph) + placement + toml.substr(graph);
}

}  // namespace

TEST_CASE("random cases on three and four levels: verified, and the cache decides as on two",
          "[levels][random]") {
  int deep_hops = 0, queued = 0, staged = 0;
  for (std::uint64_t seed = 1; seed <= 400; ++seed) {
    const memsim_reference::Case c = memsim_reference::random_case(seed);
    std::mt19937_64 rng(seed);
    const bool four = seed % 3 == 0;
    const std::string toml = with_deep_levels(c, rng, four);
    INFO("seed " << seed << "\n" << toml);
    const memsim::Simulation two = memsim::test::load_text(memsim_reference::scenario_toml(c));
    const memsim::Simulation deep = memsim::test::load_text(toml);
    Hops hops;
    memsim::RunResult r2, rk;
    REQUIRE_NOTHROW(r2 = memsim::run_simulation(two));
    REQUIRE_NOTHROW(rk = memsim::run_simulation(deep, &hops));
    // §4's decisions (which tensor is loaded, stored, evicted, dropped, and when in the list)
    // depend on times only through Belady's "clean at D" tie-break: under LRU and FIFO the
    // cache's moves are those of the two-level run, whatever the homes.
    if (deep.eviction != "belady") {
      CHECK(rk.counts.loads == r2.counts.loads);
      CHECK(rk.counts.stores == r2.counts.stores);
      CHECK(rk.counts.load_bytes == r2.counts.load_bytes);
      CHECK(rk.counts.store_bytes == r2.counts.store_bytes);
      CHECK(rk.counts.drops == r2.counts.drops);
    }
    // Every link-1 move of a tensor homed at level h is one hop over each link 2..h-1 the same
    // way (a staged load's deep hops come earlier in the list, §15.3, and every staging copy is
    // read, §15.7).
    std::vector<std::uint64_t> expect_up(deep.machine.link_count(), 0),
        expect_down(deep.machine.link_count(), 0);
    for (std::size_t i = 0; i < hops.hops.size(); ++i) {
      const memsim::TimedStep& s = hops.hops[i];
      // A hop into level 2 not followed by the rest of its chain: a staging copy left by a
      // prefetch that found no room (§15.3).
      const bool chained = i + 1 < hops.hops.size() && hops.hops[i + 1].step == s.step;
      staged += s.step.kind == memsim::StepKind::load && s.link == 2 && !chained;
      if (s.link != 1) {
        ++deep_hops;
        if (s.step.kind == memsim::StepKind::load && s.issued < s.start) ++queued;
        continue;
      }
      const std::uint32_t home = deep.graph.tensor(s.step.id).home;
      for (std::uint32_t k = 2; k < home; ++k)
        ++(s.step.kind == memsim::StepKind::load ? expect_up : expect_down)[k - 1];
    }
    for (std::uint32_t k = 2; k <= deep.machine.link_count(); ++k) {
      CHECK(rk.traffic.links[k - 1].up == expect_up[k - 1]);
      CHECK(rk.traffic.links[k - 1].down == expect_down[k - 1]);
    }
    // Time never runs backwards: every link-1 figure of §7 is there, and the run lasts at least
    // as long as its compute.
    CHECK(rk.times.time >= rk.times.compute_busy);
  }
  // The cases exercise deep hops, deep hops that queue behind others on their link, and
  // staging.
  CHECK(deep_hops > 1000);
  CHECK(queued > 50);
  CHECK(staged > 20);
}
