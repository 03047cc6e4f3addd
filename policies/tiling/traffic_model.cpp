#include "policies/tiling/traffic_model.h"

#include <algorithm>
#include <stdexcept>

#include "policies/tiling/region.h"

namespace memsim {

namespace {

// Tiles of a uniform tiling, dimension `dim` (when >= 0) taking extent `extent`.
std::uint64_t grid_tiles(const std::vector<LoopDim>& dims, const std::vector<std::uint64_t>& tile,
                         int dim, std::uint64_t extent) {
  std::uint64_t n = 1;
  for (std::size_t d = 0; d < dims.size(); ++d) {
    const std::uint64_t e = static_cast<int>(d) == dim ? extent : dims[d].extent;
    n *= (e + tile[d] - 1) / tile[d];
  }
  return n;
}

}  // namespace

std::uint64_t Tiling::tiles(const std::vector<LoopDim>& dims) const {
  if (!split()) return grid_tiles(dims, tile, -1, 0);
  return grid_tiles(dims, tile, split_dim, split_at) +
         grid_tiles(dims, rest_tile, split_dim, dims[split_dim].extent - split_at);
}

bool splittable(const NestProblem& p, std::size_t d) {
  if (d >= p.dims.size() || !p.dims[d].tileable || p.dims[d].extent <= 1) return false;
  for (const OperandInfo& x : p.operands) {
    bool depends = false;
    for (std::size_t a = 0; a < x.maps.size(); ++a) {
      const AxisMap& m = x.maps[a];
      for (int i = 0; i < m.count; ++i) {
        if (m.terms[i].dim != d) continue;
        depends = true;
        if (m.count != 1 || m.terms[0].coeff != 1 || m.terms[0].div != 1 || m.offset != 0 ||
            x.extents[a] != p.dims[d].extent)
          return false;
      }
    }
    if (!depends && x.access != Access::read) return false;
  }
  return true;
}

NestProblem restricted_problem(const NestProblem& problem, std::size_t d, std::uint64_t lo,
                               std::uint64_t hi) {
  NestProblem p = problem;
  p.dims[d].extent = hi - lo;
  for (OperandInfo& x : p.operands)
    for (std::size_t a = 0; a < x.maps.size(); ++a)
      if (x.maps[a].count == 1 && x.maps[a].terms[0].dim == d) x.extents[a] = hi - lo;
  return p;
}

NestProblem part_problem(const NestProblem& problem, const Tiling& tiling, int part) {
  const auto d = static_cast<std::size_t>(tiling.split_dim);
  return part == 0 ? restricted_problem(problem, d, 0, tiling.split_at)
                   : restricted_problem(problem, d, tiling.split_at, problem.dims[d].extent);
}

Tiling part_tiling(const Tiling& tiling, int part) {
  Tiling t;
  t.tile = part == 0 ? tiling.tile : tiling.rest_tile;
  t.order = part == 0 ? tiling.order : tiling.rest_order;
  return t;
}

std::size_t epilogue_axis(const OperandInfo& operand) {
  for (std::size_t a = 0; a < operand.extents.size(); ++a)
    if (operand.extents[a] > 1) return a;
  return 0;
}

AxisCost axis_cost(const NestProblem& p, std::size_t x, std::size_t a, const std::uint64_t* tile,
                   const std::uint64_t* trips) {
  const AxisMap& m = p.operands[x].maps[a];
  AxisCost ac;
  for (int t = 0; t < m.count; ++t) {
    const std::uint8_t d = m.terms[t].dim;
    if (trips[d] <= 1) continue;
    if (std::find(ac.dims, ac.dims + ac.count, d) == ac.dims + ac.count) ac.dims[ac.count++] = d;
  }
  for (std::uint32_t sub = 0; sub < (1u << ac.count); ++sub) {
    std::uint32_t mask = 0;
    for (int j = 0; j < ac.count; ++j)
      if ((sub >> j) & 1u) mask |= 1u << ac.dims[j];
    const IntervalStats st = interval_stats(m, p.operands[x].extents[a], p.dims, tile, trips, mask);
    ac.sum[sub] = st.sum;
    ac.max[sub] = st.max;
  }
  return ac;
}

std::uint64_t IntervalCache::hash(const Key& k) {
  // splitmix64's finalizer over the fields
  const auto mix = [](std::uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  };
  std::uint64_t h = mix((std::uint64_t{k.x} << 32) ^ k.a);
  for (std::uint64_t s : k.sizes) h = mix(h ^ s);
  return h;
}

void IntervalCache::grow() {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(old.empty() ? 1024 : old.size() * 2, Slot{});
  const std::size_t mask = slots_.size() - 1;
  for (const Slot& s : old) {
    if (!s.used) continue;
    std::size_t i = hash(s.key) & mask;
    while (slots_[i].used) i = (i + 1) & mask;
    slots_[i] = s;
  }
}

const AxisCost& IntervalCache::get(const NestProblem& p, std::size_t x, std::size_t a,
                                   const std::uint64_t* tile, const std::uint64_t* trips) {
  const AxisMap& m = p.operands[x].maps[a];
  Key k{{0, 0, 0}, static_cast<std::uint32_t>(x), static_cast<std::uint32_t>(a)};
  for (int i = 0; i < m.count; ++i) k.sizes[i] = tile[m.terms[i].dim];
  if (2 * (used_ + 1) > slots_.size()) grow();
  const std::size_t bits = slots_.size() - 1;
  std::size_t i = hash(k) & bits;
  for (; slots_[i].used; i = (i + 1) & bits)
    if (slots_[i].key == k) return slots_[i].cost;
  slots_[i] = {k, axis_cost(p, x, a, tile, trips), true};
  ++used_;
  return slots_[i].cost;
}

TileCost::TileCost(const NestProblem& p, const std::vector<std::uint64_t>& tile,
                   IntervalCache* cache) {
  assign(p, tile, cache);
}

void TileCost::assign(const NestProblem& p, const std::vector<std::uint64_t>& tile,
                      IntervalCache* cache) {
  if (p.dims.size() > kMaxNestDims)
    throw std::invalid_argument("a loop nest has too many dimensions");
  p_ = &p;
  trips_.clear();
  cut_ = 0;
  tiles_ = 1;
  working_set_ = 0;
  epilogue_ = 0;
  for (std::size_t d = 0; d < p.dims.size(); ++d) {
    trips_.push_back((p.dims[d].extent + tile[d] - 1) / tile[d]);
    tiles_ *= trips_.back();
    if (trips_.back() > 1) cut_ |= 1u << d;
  }
  ops_.resize(p.operands.size());
  for (std::size_t i = 0; i < p.operands.size(); ++i) {
    const OperandInfo& x = p.operands[i];
    OperandCost& c = ops_[i];
    c.related = 0;
    c.axes.resize(x.maps.size());
    for (std::size_t a = 0; a < x.maps.size(); ++a) {
      const AxisMap& m = x.maps[a];
      for (int t = 0; t < m.count; ++t) c.related |= 1u << m.terms[t].dim;
      c.axes[a] = cache ? cache->get(p, i, a, tile.data(), trips_.data())
                        : axis_cost(p, i, a, tile.data(), trips_.data());
    }
  }
  for (std::size_t i = 0; i < p.operands.size(); ++i) {
    const OperandInfo& x = p.operands[i];
    const std::uint64_t tile_bytes = largest(i, cut_);
    working_set_ += tile_bytes;
    if (x.access == Access::write && x.required_output && written_more_than_once(i)) {
      // The epilogue writes the required output in pieces along its first long axis.
      const std::uint64_t len = ops_[i].axes[epilogue_axis(x)].tile_max();
      const std::uint64_t pieces = std::max<std::uint64_t>(1, std::min(kEpiloguePieces, len));
      epilogue_ = std::max(epilogue_, (tile_bytes + pieces - 1) / pieces);
    }
  }
}

std::uint64_t TileCost::largest(std::size_t x, std::uint32_t outer) const {
  std::uint64_t b = p_->operands[x].element_bytes;
  for (const AxisCost& ac : ops_[x].axes) {
    std::uint32_t sub = 0;
    for (int j = 0; j < ac.count; ++j)
      if ((outer >> ac.dims[j]) & 1u) sub |= 1u << j;
    b *= ac.max[sub];
  }
  return b;
}

std::uint64_t TileCost::summed(std::size_t x, std::uint32_t outer, std::uint32_t repeat) const {
  std::uint64_t b = p_->operands[x].element_bytes;
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
  return summed(operand, cut_, cut_ & ~ops_[operand].related) > p_->operands[operand].bytes();
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
    for (std::size_t i = 0; i < p_->operands.size(); ++i)
      if (p_->operands[i].access != Access::write && ((ops_[i].related >> levels.back()) & 1u))
        p.window += lookahead * largest(i, cut_);
  p.fits = p.working_set + p.epilogue + p.window <= capacity;
  const std::uint64_t extra = p.epilogue + p.window;
  const std::uint64_t budget = capacity > extra ? capacity - extra : 0;
  const auto footprint = [&](std::uint32_t outer) {
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i < p_->operands.size(); ++i) sum += largest(i, outer);
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
    for (std::size_t i = 0; i < p_->operands.size(); ++i) {
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
    for (const OperandInfo& x : p_->operands) {
      if (x.access != Access::write) p.loads += x.bytes();
      if (x.access != Access::read) p.stores += x.bytes();
    }
    return p;
  }
  p.streaming_dim = levels[b - 1];
  const std::uint32_t outer = mask(b - 1);
  for (std::size_t i = 0; i < p_->operands.size(); ++i) {
    const OperandInfo& x = p_->operands[i];
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
  if (tiling.split())  // the parts write disjoint regions (splittable)
    return written_more_than_once(part_problem(problem, tiling, 0), part_tiling(tiling, 0),
                                  operand) ||
           written_more_than_once(part_problem(problem, tiling, 1), part_tiling(tiling, 1),
                                  operand);
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
      b *= cache ? cache->get(p, i, a, tile.data(), trips).tile_max()
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

Prediction combine_parts(const Prediction& a, const Prediction& b) {
  Prediction p;
  p.fits = a.fits && b.fits;
  p.tiles = a.tiles + b.tiles;
  p.working_set = std::max(a.working_set, b.working_set);
  p.epilogue = std::max(a.epilogue, b.epilogue);
  p.window = std::max(a.window, b.window);
  p.loads = a.loads + b.loads;
  p.stores = a.stores + b.stores;
  p.streaming_dim = a.streaming_dim >= 0 ? a.streaming_dim : b.streaming_dim;
  return p;
}

Prediction predict(const NestProblem& problem, const Tiling& tiling, std::uint64_t capacity,
                   std::uint32_t lookahead) {
  if (tiling.split())
    return combine_parts(
        predict(part_problem(problem, tiling, 0), part_tiling(tiling, 0), capacity, lookahead),
        predict(part_problem(problem, tiling, 1), part_tiling(tiling, 1), capacity, lookahead));
  return TileCost(problem, tiling.tile).evaluate(tiling.order, capacity, lookahead);
}

}  // namespace memsim
