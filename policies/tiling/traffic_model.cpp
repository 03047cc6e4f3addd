#include "policies/tiling/traffic_model.h"

#include <algorithm>
#include <stdexcept>

#include "policies/tiling/region.h"

namespace memsim {

std::uint64_t Tiling::tiles(const std::vector<LoopDim>& dims) const {
  std::uint64_t n = 1;
  for (std::size_t d = 0; d < dims.size(); ++d) n *= (dims[d].extent + tile[d] - 1) / tile[d];
  return n;
}

std::size_t epilogue_axis(const OperandInfo& operand) {
  for (std::size_t a = 0; a < operand.extents.size(); ++a)
    if (operand.extents[a] > 1) return a;
  return 0;
}

std::size_t IntervalCache::Hash::operator()(const Key& k) const {
  std::size_t h = (std::size_t{k.x} << 40) ^ (std::size_t{k.a} << 32) ^ k.mask;
  for (std::uint64_t s : k.sizes) h = h * 1000003u ^ s;
  return h;
}

IntervalCache::Stats IntervalCache::get(const NestProblem& p, std::size_t x, std::size_t a,
                                        std::uint32_t mask, const std::uint64_t* tile,
                                        const std::uint64_t* trips) {
  const AxisMap& m = p.operands[x].maps[a];
  Key k{{0, 0, 0}, static_cast<std::uint32_t>(x), static_cast<std::uint32_t>(a), 0};
  for (int i = 0; i < m.count; ++i) {
    const std::uint8_t d = m.terms[i].dim;
    k.sizes[i] = tile[d];
    if ((mask >> d) & 1u) k.mask |= 1u << i;
  }
  const auto it = map_.find(k);
  if (it != map_.end()) return it->second;
  const IntervalStats st = interval_stats(m, p.operands[x].extents[a], p.dims, tile, trips, mask);
  return map_.emplace(k, Stats{st.sum, st.max}).first->second;
}

TileCost::TileCost(const NestProblem& p, const std::vector<std::uint64_t>& tile,
                   IntervalCache* cache)
    : p_(p) {
  if (p.dims.size() > kMaxNestDims)
    throw std::invalid_argument("a loop nest has too many dimensions");
  for (std::size_t d = 0; d < p.dims.size(); ++d) {
    trips_.push_back((p.dims[d].extent + tile[d] - 1) / tile[d]);
    tiles_ *= trips_.back();
    if (trips_.back() > 1) cut_ |= 1u << d;
  }
  ops_.resize(p.operands.size());
  for (std::size_t i = 0; i < p.operands.size(); ++i) {
    const OperandInfo& x = p.operands[i];
    OperandCost& c = ops_[i];
    c.axes.resize(x.maps.size());
    for (std::size_t a = 0; a < x.maps.size(); ++a) {
      const AxisMap& m = x.maps[a];
      AxisCost& ac = c.axes[a];
      for (int t = 0; t < m.count; ++t) {
        const std::uint8_t d = m.terms[t].dim;
        c.related |= 1u << d;
        if (!((cut_ >> d) & 1u)) continue;
        if (std::find(ac.dims, ac.dims + ac.count, d) == ac.dims + ac.count)
          ac.dims[ac.count++] = d;
      }
      for (std::uint32_t sub = 0; sub < (1u << ac.count); ++sub) {
        std::uint32_t mask = 0;
        for (int j = 0; j < ac.count; ++j)
          if ((sub >> j) & 1u) mask |= 1u << ac.dims[j];
        if (cache) {
          const IntervalCache::Stats st = cache->get(p, i, a, mask, tile.data(), trips_.data());
          ac.sum[sub] = st.sum;
          ac.max[sub] = st.max;
        } else {
          const IntervalStats st =
              interval_stats(m, x.extents[a], p.dims, tile.data(), trips_.data(), mask);
          ac.sum[sub] = st.sum;
          ac.max[sub] = st.max;
        }
      }
    }
  }
  for (std::size_t i = 0; i < p.operands.size(); ++i) {
    const OperandInfo& x = p.operands[i];
    const std::uint64_t tile_bytes = largest(i, cut_);
    working_set_ += tile_bytes;
    if (x.access == Access::write && x.required_output && written_more_than_once(i)) {
      // The epilogue writes the required output in pieces along its first long axis.
      const AxisCost& ac = ops_[i].axes[epilogue_axis(x)];
      const std::uint64_t len = ac.max[(1u << ac.count) - 1];
      const std::uint64_t pieces = std::max<std::uint64_t>(1, std::min(kEpiloguePieces, len));
      epilogue_ = std::max(epilogue_, (tile_bytes + pieces - 1) / pieces);
    }
  }
}

std::uint64_t TileCost::largest(std::size_t x, std::uint32_t outer) const {
  std::uint64_t b = p_.operands[x].element_bytes;
  for (const AxisCost& ac : ops_[x].axes) {
    std::uint32_t sub = 0;
    for (int j = 0; j < ac.count; ++j)
      if ((outer >> ac.dims[j]) & 1u) sub |= 1u << j;
    b *= ac.max[sub];
  }
  return b;
}

std::uint64_t TileCost::summed(std::size_t x, std::uint32_t outer, std::uint32_t repeat) const {
  std::uint64_t b = p_.operands[x].element_bytes;
  for (const AxisCost& ac : ops_[x].axes) {
    std::uint32_t sub = 0;
    for (int j = 0; j < ac.count; ++j)
      if ((outer >> ac.dims[j]) & 1u) sub |= 1u << j;
    b *= ac.sum[sub];
  }
  for (std::size_t d = 0; d < trips_.size(); ++d)
    if ((repeat >> d) & 1u) b *= trips_[d];
  return b;
}

bool TileCost::written_more_than_once(std::size_t operand) const {
  return summed(operand, cut_, cut_ & ~ops_[operand].related) > p_.operands[operand].bytes();
}

Prediction TileCost::evaluate(const std::vector<std::uint8_t>& order, std::uint64_t capacity,
                              std::uint32_t lookahead) const {
  struct Levels {  // cut dimensions, outermost first
    std::uint8_t at[kMaxNestDims];
    std::size_t n = 0;
    std::size_t size() const { return n; }
    bool empty() const { return n == 0; }
    std::uint8_t operator[](std::size_t i) const { return at[i]; }
    std::uint8_t back() const { return at[n - 1]; }
  } levels;
  std::uint32_t prefix[kMaxNestDims + 1] = {0};  // prefix[i]: the first i levels
  for (std::uint8_t d : order)
    if ((cut_ >> d) & 1u) {
      levels.at[levels.n] = d;
      prefix[levels.n + 1] = prefix[levels.n] | (1u << d);
      ++levels.n;
    }
  const auto mask = [&](std::size_t first) { return prefix[first]; };
  Prediction p;
  p.tiles = tiles_;
  p.working_set = working_set_;
  p.epilogue = epilogue_;
  if (lookahead > 0 && !levels.empty())
    for (std::size_t i = 0; i < p_.operands.size(); ++i)
      if (p_.operands[i].access != Access::write && ((ops_[i].related >> levels.back()) & 1u))
        p.window += lookahead * largest(i, cut_);
  p.fits = p.working_set + p.epilogue + p.window <= capacity;
  const std::uint64_t extra = p.epilogue + p.window;
  const std::uint64_t budget = capacity > extra ? capacity - extra : 0;
  const auto footprint = [&](std::uint32_t outer) {
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i < p_.operands.size(); ++i) sum += largest(i, outer);
    return sum;
  };
  // The bytes LRU must hold for operands to be reused from one iteration of the loop at
  // level s to the next (its stack distance): every operand's region over the loops inside s,
  // twice for one that depends on s but on none of the loops inside it (the old and the new
  // region are both touched by every tile op around the change).
  const auto reuse_distance = [&](std::size_t s) {
    std::uint32_t inner = 0;
    for (std::size_t l = s + 1; l < levels.size(); ++l) inner |= 1u << levels[l];
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i < p_.operands.size(); ++i) {
      const std::uint32_t related = ops_[i].related;
      const bool twice = ((related >> levels[s]) & 1u) && !(related & inner);
      sum += (twice ? 2 : 1) * largest(i, mask(s + 1));
    }
    return sum;
  };
  // b: 0 when everything fits; else 1 + the streaming level, the outermost loop across whose
  // iterations the loops inside it are reused (the innermost loop always is: every operand it
  // does not depend on stays in every tile op).
  std::size_t b = 0;
  if (!levels.empty() && footprint(mask(0)) > budget) {
    b = levels.size();
    for (std::size_t s = 0; s + 1 < levels.size(); ++s)
      if (reuse_distance(s) <= budget) {
        b = s + 1;
        break;
      }
  }
  if (b == 0) {
    for (const OperandInfo& x : p_.operands) {
      if (x.access != Access::write) p.loads += x.bytes();
      if (x.access != Access::read) p.stores += x.bytes();
    }
    return p;
  }
  p.streaming_dim = levels[b - 1];
  const std::uint32_t outer = mask(b - 1);
  for (std::size_t i = 0; i < p_.operands.size(); ++i) {
    const OperandInfo& x = p_.operands[i];
    // Every tile op between two iterations of a loop that sits inside all the loops x depends
    // on uses x's same blocks, so LRU keeps them: only outer loops x does not depend on, around
    // one it does, move x again.
    std::size_t innermost = 0;  // 1 + the level of the innermost loop x depends on
    for (std::size_t l = 0; l < levels.size(); ++l)
      if ((ops_[i].related >> levels[l]) & 1u) innermost = l + 1;
    std::uint32_t repeat = 0;
    for (std::size_t l = 0; l + 1 < b && l + 1 < innermost; ++l)
      if (!((ops_[i].related >> levels[l]) & 1u)) repeat |= 1u << levels[l];
    const std::uint64_t moved = summed(i, outer, repeat);
    switch (x.access) {
      case Access::read:
        p.loads += moved;
        break;
      case Access::write:
        p.stores += moved;
        p.loads += moved - std::min(moved, x.bytes());
        break;
      case Access::update:
        p.loads += moved;
        p.stores += moved;
        break;
    }
  }
  return p;
}

bool written_more_than_once(const NestProblem& problem, const Tiling& tiling, std::size_t operand) {
  return TileCost(problem, tiling.tile).written_more_than_once(operand);
}

std::uint64_t tile_working_set(const NestProblem& p, const std::vector<std::uint64_t>& tile,
                               IntervalCache* cache) {
  std::uint64_t trips[kMaxNestDims];
  for (std::size_t d = 0; d < p.dims.size(); ++d)
    trips[d] = (p.dims[d].extent + tile[d] - 1) / tile[d];
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < p.operands.size(); ++i) {
    const OperandInfo& x = p.operands[i];
    std::uint64_t b = x.element_bytes;
    for (std::size_t a = 0; a < x.maps.size(); ++a)
      b *= cache ? cache->get(p, i, a, ~0u, tile.data(), trips).max
                 : interval_stats(x.maps[a], x.extents[a], p.dims, tile.data(), trips, ~0u).max;
    sum += b;
  }
  return sum;
}

std::uint64_t compulsory_bytes(const NestProblem& problem) {
  std::uint64_t sum = 0;
  for (const OperandInfo& x : problem.operands)
    sum += (x.access == Access::update ? 2 : 1) * x.bytes();
  return sum;
}

Prediction predict(const NestProblem& problem, const Tiling& tiling, std::uint64_t capacity,
                   std::uint32_t lookahead) {
  return TileCost(problem, tiling.tile).evaluate(tiling.order, capacity, lookahead);
}

}  // namespace memsim
