#include "sim/study/sweep.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <mutex>
#include <set>
#include <thread>

#include "sim/core/errors.h"

namespace memsim {

SweepGrid::SweepGrid(std::vector<SweepParam> params) : params_(std::move(params)) {
  if (params_.empty())
    throw ScenarioError(SourcePos{}, "a sweep needs at least one --param KEY --values LIST");
  std::set<std::string> keys;
  for (const SweepParam& p : params_) {
    if (!keys.insert(p.key).second)
      throw ScenarioError(
          SourcePos{}, "--param " + p.key + " is given twice; list all its values in one --values");
    // Each list has at least one value (parse_sweep_values) and at most kMaxSweepValues, so
    // this product cannot overflow before the check fires.
    size_ *= p.values.size();
    if (size_ > kMaxSweepPoints)
      throw ScenarioError(SourcePos{}, "the sweep grid has more than " +
                                           std::to_string(kMaxSweepPoints) +
                                           " points; split it into several sweeps");
  }
  if (size_ == 0) throw ScenarioError(SourcePos{}, "a --values list is empty");
}

std::vector<std::string> SweepGrid::values_at(std::size_t index) const {
  std::vector<std::string> values(params_.size());
  for (std::size_t p = params_.size(); p-- > 0;) {
    const std::size_t n = params_[p].values.size();
    values[p] = params_[p].values[index % n];
    index /= n;
  }
  return values;
}

std::vector<std::string> SweepGrid::overrides_at(std::size_t index) const {
  std::vector<std::string> overrides = values_at(index);
  for (std::size_t p = 0; p < params_.size(); ++p)
    overrides[p] = params_[p].key + "=" + overrides[p];
  return overrides;
}

Shard parse_shard(std::string_view text) {
  const auto bad = [&](const std::string& why) {
    return ScenarioError(SourcePos{}, "--shard '" + std::string(text) + "': " + why);
  };
  const std::size_t slash = text.find('/');
  const auto number = [&](std::string_view s) -> std::size_t {
    if (s.empty() || s.size() > 9 || !std::all_of(s.begin(), s.end(), [](char c) {
          return std::isdigit(static_cast<unsigned char>(c));
        }))
      throw bad("expected i/N with whole numbers 1 <= i <= N, e.g. 3/8");
    return std::stoul(std::string(s));
  };
  if (slash == std::string_view::npos)
    throw bad("expected i/N with whole numbers 1 <= i <= N, e.g. 3/8");
  Shard s{number(text.substr(0, slash)), number(text.substr(slash + 1))};
  if (s.count == 0) throw bad("N must be at least 1");
  if (s.index == 0 || s.index > s.count)
    throw bad("i counts from 1 to N (" + std::to_string(s.count) + "), got " +
              std::to_string(s.index));
  return s;
}

PointRange shard_range(std::size_t points, Shard shard) {
  // Slice k (0-based) is [k*P/N, (k+1)*P/N): sizes differ by at most one and they tile [0, P).
  const auto edge = [&](std::size_t k) { return k * points / shard.count; };
  return {edge(shard.index - 1), edge(shard.index)};
}

std::vector<PointOutcome> run_sweep(const SweepGrid& grid, PointRange range,
                                    const SweepRunner& runner, unsigned jobs,
                                    const SweepProgress& progress) {
  const std::size_t count = range.end - range.begin;
  std::vector<PointOutcome> outcomes(count);
  // Workers take the next point from a shared counter and write only their own slot, so the
  // result is in grid order whatever finishes first.
  std::atomic<std::size_t> next{0};
  std::mutex progress_mutex;
  std::size_t done = 0;
  const auto work = [&] {
    for (std::size_t i; (i = next.fetch_add(1)) < count;) {
      PointOutcome& out = outcomes[i];
      out.index = range.begin + i;
      try {
        out.fields = runner.run(grid.overrides_at(out.index));
      } catch (const std::exception& e) {
        out.fields = nlohmann::ordered_json();
        out.error = e.what();
      }
      if (progress) {
        std::lock_guard<std::mutex> lock(progress_mutex);
        progress(++done, count);
      }
    }
  };
  const unsigned threads = std::max(1u, static_cast<unsigned>(std::min<std::size_t>(jobs, count)));
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work);
  work();  // the calling thread is one of the workers
  for (std::thread& t : pool) t.join();
  return outcomes;
}

}  // namespace memsim
