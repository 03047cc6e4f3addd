#pragma once
// A parameter sweep: the grid of points (the cartesian product of each swept key's values,
// first key slowest), slices of it for running on many machines (shards), and running the
// points of a slice on several threads. What a point computes is the caller's: a runner maps
// the point's "key=value" overrides to one flat JSON object (the fields of `run` or `solve`).
#include <cstddef>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace memsim {

struct SweepParam {
  std::string key;                  // a scenario key, as for --set
  std::vector<std::string> values;  // as parse_sweep_values returns them
};

// More points than this is a typo, not a sweep.
inline constexpr std::size_t kMaxSweepPoints = 1000000;

class SweepGrid {
 public:
  // Throws ScenarioError when there is no parameter, a key is swept twice or the product
  // exceeds kMaxSweepPoints.
  explicit SweepGrid(std::vector<SweepParam> params);
  const std::vector<SweepParam>& params() const { return params_; }
  std::size_t size() const { return size_; }
  // The values of point `index` (0-based, < size()), one per parameter; the last parameter
  // varies fastest.
  std::vector<std::string> values_at(std::size_t index) const;
  // The same as "key=value" overrides for the scenario parser.
  std::vector<std::string> overrides_at(std::size_t index) const;

 private:
  std::vector<SweepParam> params_;
  std::size_t size_ = 1;
};

// --shard i/N: the i-th (1-based) of N contiguous slices of the grid.
struct Shard {
  std::size_t index = 1;
  std::size_t count = 1;
};
// "i/N" with 1 <= i <= N; throws ScenarioError quoting the text otherwise.
Shard parse_shard(std::string_view text);
// Points [begin, end) (0-based) of `shard` in a grid of `points`: slice sizes differ by at
// most one, and the slices of 1/N..N/N cover the grid in order. Slices may be empty when
// N exceeds the number of points.
struct PointRange {
  std::size_t begin = 0;
  std::size_t end = 0;
};
PointRange shard_range(std::size_t points, Shard shard);

// What a sweep computes at a point: the fields it reports (in CSV column order) and a
// function from the point's overrides to a JSON object with those fields. `run` may throw;
// the message becomes the point's error. It is called from several threads at once, so it
// must not share mutable state between calls.
struct SweepRunner {
  std::vector<std::string> fields;
  std::vector<std::string> numeric_fields;  // the fields a plot can draw
  std::function<nlohmann::ordered_json(const std::vector<std::string>& overrides)> run;
};

struct PointOutcome {
  std::size_t index = 0;          // 0-based grid index
  nlohmann::ordered_json fields;  // empty when the point failed
  std::string error;              // empty when the point ran
};

// Called after each finished point with the count done so far and the total (serialised:
// never two calls at once).
using SweepProgress = std::function<void(std::size_t done, std::size_t total)>;

// Runs the points of `range` on `jobs` threads (at least 1). The outcomes come back in grid
// order whatever order they finish in, so the result does not depend on `jobs`.
std::vector<PointOutcome> run_sweep(const SweepGrid& grid, PointRange range,
                                    const SweepRunner& runner, unsigned jobs,
                                    const SweepProgress& progress = {});

}  // namespace memsim
