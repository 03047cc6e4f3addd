#include "policies/tiling/region.h"

#include <algorithm>
#include <initializer_list>

namespace memsim {

Interval project(const AxisMap& map, std::uint64_t extent, std::span<const LoopDim> dims,
                 const std::uint64_t* lo, const std::uint64_t* hi) {
  if (map.count == 0) return {0, extent};
  bool at_start = true, at_end = true;
  int cut = 0, cut_term = -1;
  std::int64_t first = map.offset, last = map.offset;
  for (int i = 0; i < map.count; ++i) {
    const AxisTerm& t = map.terms[i];
    const std::uint64_t e = dims[t.dim].extent;
    at_start = at_start && lo[t.dim] == 0;
    at_end = at_end && hi[t.dim] == e;
    if (lo[t.dim] != 0 || hi[t.dim] != e) {
      ++cut;
      cut_term = i;
    }
    const auto c = static_cast<std::int64_t>(t.coeff);
    first += c * static_cast<std::int64_t>(lo[t.dim] / t.div);
    last += c * static_cast<std::int64_t>((hi[t.dim] - 1) / t.div);
  }
  const auto end = static_cast<std::int64_t>(extent);
  std::int64_t a = at_start ? 0 : first;
  std::int64_t b = at_end ? end : last + 1;
  if (!at_end && cut == 1) {
    // The next tile along the one cut dimension starts where that dimension is hi.
    const AxisTerm& t = map.terms[cut_term];
    const std::int64_t next =
        first - static_cast<std::int64_t>(t.coeff) * static_cast<std::int64_t>(lo[t.dim] / t.div) +
        static_cast<std::int64_t>(t.coeff) * static_cast<std::int64_t>(hi[t.dim] / t.div);
    b = std::max(b, next);
  }
  a = std::clamp<std::int64_t>(a, 0, end);
  b = std::clamp<std::int64_t>(b, a, end);
  return {static_cast<std::uint64_t>(a), static_cast<std::uint64_t>(b)};
}

IntervalStats interval_stats(const AxisMap& map, std::uint64_t extent,
                             std::span<const LoopDim> dims, const std::uint64_t* tile,
                             const std::uint64_t* trips, std::uint32_t mask) {
  IntervalStats s;
  int cut = -1, cuts = 0;
  for (int i = 0; i < map.count; ++i) {
    const std::uint8_t d = map.terms[i].dim;
    if (((mask >> d) & 1u) && trips[d] > 1 && d != cut) {
      cut = d;
      ++cuts;
    }
  }
  constexpr std::uint64_t kEdge = 8;
  if (cuts == 1 && trips[cut] > 4 * kEdge) {
    std::uint64_t lo[kMaxNestDims] = {}, hi[kMaxNestDims] = {};
    for (std::size_t d = 0; d < dims.size(); ++d) hi[d] = dims[d].extent;
    const std::uint64_t n = trips[cut], t = tile[cut], e = dims[cut].extent;
    const auto length = [&](std::uint64_t pos) {
      lo[cut] = pos * t;
      hi[cut] = std::min(e, lo[cut] + t);
      return project(map, extent, dims, lo, hi).size();
    };
    const std::uint64_t inner = length(kEdge);
    bool uniform = true;
    for (std::uint64_t pos : {kEdge / 2, kEdge - 1, kEdge + 1, n / 2, n - kEdge - 1, n - kEdge})
      uniform = uniform && length(pos) == inner;
    if (uniform) {
      for (std::uint64_t pos = 0; pos < kEdge; ++pos)
        for (std::uint64_t at : {pos, n - 1 - pos}) {
          const std::uint64_t l = length(at);
          s.sum += l;
          s.max = std::max(s.max, l);
        }
      s.sum += (n - 2 * kEdge) * inner;
      s.max = std::max(s.max, inner);
      return s;
    }
  }
  for_each_interval(map, extent, dims, tile, trips, mask, [&](const Interval& r) {
    s.sum += r.size();
    s.max = std::max(s.max, r.size());
  });
  return s;
}

}  // namespace memsim
