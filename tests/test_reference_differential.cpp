// Issue 9's differential test: memsim against the independent reference executor
// (tests/reference/, written from docs/model.md alone) on seeded random DAGs. Every count and
// every time must agree exactly. A failure names its seed and prints the scenario, which
// reproduces it with `memsim run` (save the text as case.toml).
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <map>
#include <string>

#include "tests/reference/compare_with_memsim.h"
#include "tests/reference/random_case.h"
#include "tests/reference/shrink.h"
#include "tests/reference/worked_examples.h"

using namespace memsim_reference;

namespace {

// The seeds of the differential test. Changing them changes the cases: keep them fixed.
constexpr std::uint64_t kFirstSeed = 1;
constexpr std::uint64_t kLastSeed = 1200;

std::string report(const std::string& what, const Case& c, const Comparison& r) {
  return what + ": " + c.summary + "\n" + (r.error.empty() ? r.diff : "memsim: " + r.error + "\n") +
         "scenario:\n" + scenario_toml(c);
}

}  // namespace

TEST_CASE("reference differential: memsim agrees with the reference on 1200 random DAGs",
          "[reference]") {
  int failures = 0;
  for (std::uint64_t seed = kFirstSeed; seed <= kLastSeed; ++seed) {
    const Case c = random_case(seed);
    const Comparison r = compare_with_memsim(c);
    if (r.agree()) continue;
    // The first few in full (with the scenario), the rest by seed.
    if (++failures <= 3)
      FAIL_CHECK(report("seed " + std::to_string(seed), c, r));
    else
      FAIL_CHECK("seed " << seed << ": " << c.summary << "\n"
                         << (r.error.empty() ? r.diff.substr(0, r.diff.find('\n')) : r.error));
  }
  CHECK(failures == 0);
}

TEST_CASE("reference differential: the random cases cover the mix issue 9 asks for",
          "[reference]") {
  // Counts over the seeds above; each must be well represented (at least 5 % of the cases for
  // a two-way split, and so on), so the differential test cannot silently lose a dimension.
  int uniform = 0, bytes = 0, two_channels = 0, latency = 0, just_fits = 0, roomy = 0, updates = 0,
      required = 0, initial_dram = 0, weights = 0, stores = 0, store_stalls = 0, evicting = 0,
      small = 0, large = 0, decimal = 0, undeclared = 0;
  int policy[3] = {0, 0, 0}, lookahead[4] = {0, 0, 0, 0};
  const int cases = static_cast<int>(kLastSeed - kFirstSeed + 1);
  std::vector<Coverage> coverage;
  for (std::uint64_t seed = kFirstSeed; seed <= kLastSeed; ++seed) {
    const Case c = random_case(seed);
    const Result r = run_reference(c.graph, c.machine, c.options);
    coverage.push_back(r.coverage);
    undeclared += c.declared < c.graph.tensors.size();  // tensors named only by ops
    (c.machine.uniform ? uniform : bytes)++;
    two_channels += c.machine.channels == 2;
    latency += !c.machine.uniform && c.machine.latency > 0;
    // Byte mode with a bandwidth that is not a power of two: times that round.
    const double bw = c.machine.bandwidth;
    decimal += !c.machine.uniform && std::ldexp(1.0, std::ilogb(bw)) != bw;
    just_fits += c.machine.capacity == largest_working_set(c);
    std::uint64_t total = 0;
    for (const Tensor& t : c.graph.tensors) total += c.machine.uniform ? 1 : t.bytes;
    roomy += c.machine.capacity >= total;
    policy[static_cast<int>(c.options.policy)]++;
    lookahead[c.options.lookahead]++;
    bool has_update = false, has_required = false, has_initial = false, has_weight = false;
    for (const Op& op : c.graph.ops) has_update = has_update || !op.updates.empty();
    for (const Tensor& t : c.graph.tensors) {
      has_required = has_required || t.required;
      has_initial = has_initial || t.initial_dram;
      has_weight = has_weight || t.kind == Kind::weight || t.kind == Kind::optimizer_state;
    }
    updates += has_update;
    required += has_required;
    initial_dram += has_initial;
    weights += has_weight;
    stores += r.stores > 0;
    store_stalls += r.stall_store > 0;
    evicting += r.drops > 0 && r.loads > 0;
    small += c.graph.ops.size() <= 10;
    large += c.graph.ops.size() >= 30;
  }
  // Every rule of §4-§5 decides something in at least 1 % of the cases.
  const auto cases_with = [&](int Coverage::*rule) {
    int n = 0;
    for (const Coverage& cov : coverage) n += cov.*rule > 0;
    return n;
  };
  const int hundredth = cases / 100;
  CHECK(cases_with(&Coverage::victims_stored) >= hundredth);
  CHECK(cases_with(&Coverage::victims_in_flight) >= hundredth);
  CHECK(cases_with(&Coverage::prefetched_tensors_evicted) >= hundredth);
  CHECK(cases_with(&Coverage::prefetch_evictions) >= hundredth);
  CHECK(cases_with(&Coverage::prefetch_stops) >= hundredth);
  CHECK(cases_with(&Coverage::allocations_waiting_for_store) >= hundredth);
  CHECK(cases_with(&Coverage::loads_waiting_for_own_store) >= hundredth);
  CHECK(cases_with(&Coverage::loads_waiting_for_previous_copy) >= 1);
  CHECK(cases_with(&Coverage::updates_waiting_for_store) >= hundredth);
  CHECK(cases_with(&Coverage::belady_by_cleanliness) >= hundredth);
  CHECK(cases_with(&Coverage::belady_by_id) >= hundredth);
  const int twentieth = cases / 20;
  CHECK(uniform >= 5 * twentieth);
  CHECK(bytes >= 5 * twentieth);
  CHECK(two_channels >= 5 * twentieth);
  CHECK(latency >= 2 * twentieth);
  CHECK(decimal >= twentieth);
  CHECK(undeclared >= 2 * twentieth);
  CHECK(just_fits >= 2 * twentieth);
  CHECK(roomy >= twentieth);
  for (int p : policy) CHECK(p >= 4 * twentieth);
  for (int l : lookahead) CHECK(l >= 3 * twentieth);
  CHECK(updates >= 5 * twentieth);
  CHECK(required >= 10 * twentieth);
  CHECK(initial_dram == cases);
  CHECK(weights >= 10 * twentieth);
  CHECK(stores >= 5 * twentieth);
  CHECK(store_stalls >= twentieth);
  CHECK(evicting >= 5 * twentieth);
  CHECK(small >= 2 * twentieth);
  CHECK(large >= 2 * twentieth);
}

TEST_CASE("reference differential: memsim agrees with the reference on the worked examples",
          "[reference]") {
  const std::vector<std::pair<std::string, Case>> examples = {
      {"space reused after write-back", space_reused_after_write_back()},
      {"prefetch that does not fit", prefetch_that_does_not_fit()},
      {"store running is dirty", store_running_is_dirty()},
      {"stall split follows store", stall_split_follows_store()},
      {"prefetch per tensor", prefetch_per_tensor()},
      {"load waits only for its bytes", load_waits_only_for_its_bytes()},
      {"paging fifo", paging(Policy::fifo)},
      {"paging lru", paging(Policy::lru)},
      {"paging belady", paging(Policy::belady)},
      {"reload waits for previous copy", reload_waits_for_previous_copy()},
      {"pieces with the same instant", pieces_with_the_same_instant()},
  };
  for (const auto& [name, c] : examples) {
    Case named = c;
    named.summary = name;
    const Comparison r = compare_with_memsim(named);
    INFO(report(name, named, r));
    CHECK(r.agree());
  }
}

// The kind of a disagreement: the figures that differ ("DRAM busy", "time, op3 start, ..."),
// without op names, so that cases with the same cause group together.
std::string disagreement_kind(const Comparison& r) {
  if (!r.error.empty()) return "memsim error";
  std::string kind;
  std::size_t at = 0;
  while (at < r.diff.size()) {
    const std::size_t eol = r.diff.find('\n', at);
    std::string figure = r.diff.substr(at, r.diff.find(':', at) - at);
    if (figure.ends_with(" start") || figure.ends_with(" end"))
      figure = figure.ends_with(" start") ? "op start" : "op end";
    if (figure.starts_with("transfer ")) figure = "transfer";
    if (kind.find(figure) == std::string::npos) kind += (kind.empty() ? "" : ", ") + figure;
    at = eol == std::string::npos ? r.diff.size() : eol + 1;
  }
  return kind;
}

// Not run by default: `memsim_tests "[.reference-shrink]"` with MEMSIM_REFERENCE_SEEDS=A-B runs
// seeds A..B, groups the disagreements by the figures that differ, and prints for each group
// its seeds and the smallest case its first seed shrinks to (with the same figures differing).
TEST_CASE("reference differential: shrink disagreements", "[.reference-shrink]") {
  const char* range = std::getenv("MEMSIM_REFERENCE_SEEDS");
  std::uint64_t first = kFirstSeed, last = kLastSeed;
  if (range) {
    const std::string text(range);
    const auto dash = text.find('-');
    first = std::stoull(text.substr(0, dash));
    last = dash == std::string::npos ? first : std::stoull(text.substr(dash + 1));
  }
  std::map<std::string, std::vector<std::uint64_t>> groups;
  for (std::uint64_t seed = first; seed <= last; ++seed) {
    const Comparison r = compare_with_memsim(random_case(seed));
    if (!r.agree()) groups[disagreement_kind(r)].push_back(seed);
  }
  for (const auto& [kind, seeds] : groups) {
    std::cout << "==== " << seeds.size() << " case(s) where " << kind << " differ: seeds";
    for (std::size_t k = 0; k < seeds.size() && k < 20; ++k) std::cout << " " << seeds[k];
    std::cout << (seeds.size() > 20 ? " ..." : "") << "\n";
    const Case small = shrink(random_case(seeds.front()), [&kind](const Case& x) {
      const Comparison r = compare_with_memsim(x);
      return r.error.empty() && !r.diff.empty() && disagreement_kind(r) == kind;
    });
    std::cout << report("seed " + std::to_string(seeds.front()) + " shrunk", small,
                        compare_with_memsim(small))
              << "\n";
  }
  std::cout << groups.size() << " kind(s) of disagreement in seeds " << first << "-" << last
            << "\n";
  SUCCEED();
}
