#include "policies/tiling/auto_tiler.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <string>

namespace memsim {

std::vector<std::uint64_t> candidate_sizes(const LoopDim& dim, double growth) {
  if (!dim.tileable || dim.extent <= 1) return {dim.extent};
  const std::uint64_t step = std::max<std::uint64_t>(1, dim.step);
  const std::uint64_t units = (dim.extent + step - 1) / step;
  std::vector<std::uint64_t> sizes;
  for (std::uint64_t trips = 1;;) {
    const std::uint64_t size = std::min(dim.extent, step * ((units + trips - 1) / trips));
    if (sizes.empty() || sizes.back() != size) sizes.push_back(size);
    if (trips >= units) break;
    trips = std::max(trips + 1, static_cast<std::uint64_t>(std::floor(trips * growth)));
    trips = std::min(trips, units);
  }
  std::reverse(sizes.begin(), sizes.end());
  return sizes;
}

Tiling whole_tiling(const NestProblem& problem) {
  Tiling t;
  for (std::size_t d = 0; d < problem.dims.size(); ++d) {
    t.tile.push_back(problem.dims[d].extent);
    t.order.push_back(static_cast<std::uint8_t>(d));
  }
  return t;
}

namespace {

// The last spatial dimension (q of a convolution or pooling, w of an element-wise nest) is
// cut only when nothing fits otherwise.
bool secondary(const NestProblem& p, std::size_t d) {
  const char n = p.dims[d].name;
  return n == 'q' || n == 'w';
}

class Search {
 public:
  Search(const NestProblem& p, const TilerOptions& options, std::uint32_t lookahead,
         bool cut_secondary)
      : p_(p),
        capacity_(options.capacity),
        lookahead_(lookahead),
        shape_limit_(options.shape_limit),
        shapes_tried_(options.shapes_tried) {
    const std::size_t n = p.dims.size();
    std::vector<bool> cuttable(n);
    for (std::size_t d = 0; d < n; ++d)
      cuttable[d] =
          p.dims[d].tileable && p.dims[d].extent > 1 && (cut_secondary || !secondary(p, d));
    for (double growth : {1.2, 1.5, 2.0, 4.0}) {
      candidates_.assign(n, {});
      double leaves = 1;
      last_ = n;
      for (std::size_t d = 0; d < n; ++d) {
        candidates_[d] = cuttable[d] ? candidate_sizes(p.dims[d], growth)
                                     : std::vector<std::uint64_t>{p.dims[d].extent};
        if (cuttable[d]) last_ = d;
      }
      for (std::size_t d = 0; d < n; ++d)
        if (d != last_) leaves *= static_cast<double>(candidates_[d].size());
      if (leaves <= static_cast<double>(kLeafBudget)) break;
    }
    current_ = whole_tiling(p);
    // No reduction: every written operand's axes name every dimension longer than 1.
    for (const OperandInfo& o : p.operands) {
      if (o.access == Access::read) continue;
      std::vector<bool> named(n, false);
      for (const AxisMap& m : o.maps)
        for (int i = 0; i < m.count; ++i) named[m.terms[i].dim] = true;
      for (std::size_t d = 0; d < n; ++d)
        if (p.dims[d].extent > 1 && !named[d]) no_reduction_ = false;
    }
  }

  bool run(TilingChoice& best) {
    found_ = false;
    descend(0);
    if (found_) best = best_;
    return found_;
  }

 private:
  // Whether the current sizes, with dimensions >= from at their smallest candidate, leave a
  // tile op that fits (working set alone: a necessary condition).
  bool may_fit(std::size_t from) {
    std::vector<std::uint64_t> t = current_.tile;
    for (std::size_t d = from; d < t.size(); ++d) t[d] = candidates_[d].front();
    return tile_working_set(p_, t, &cache_) <= capacity_;
  }

  void descend(std::size_t d) {
    if (d == p_.dims.size()) {
      leaf();
      return;
    }
    const std::vector<std::uint64_t>& sizes = candidates_[d];
    if (d == last_) {
      // For each loop order, the largest size at which it fits (with the epilogue and the
      // window, which depends on the innermost loop).
      satisfied_.clear();
      std::size_t orders = 1;
      for (std::size_t e = 0, n = 1; e < p_.dims.size(); ++e)
        if (e == d || current_.tile[e] < p_.dims[e].extent) orders *= n++;
      for (std::size_t i = sizes.size(); i-- > 0 && satisfied_.size() < orders;) {
        current_.tile[d] = sizes[i];
        if (may_fit(d + 1)) descend(d + 1);
      }
      current_.tile[d] = p_.dims[d].extent;
      return;
    }
    for (std::uint64_t s : sizes) {
      current_.tile[d] = s;
      if (!may_fit(d + 1)) break;  // larger sizes fit no better
      descend(d + 1);
    }
    current_.tile[d] = p_.dims[d].extent;
  }

  // Less traffic; then, for a nest without a reduction (every tiling moves each byte once),
  // the innermost cut dimension as far out as possible and along it the largest tile; then
  // fewer cut dimensions; then cuts of earlier dimensions (batch first); then fewer tiles.
  // (Cutting outer dimensions and few of them keeps the blocks of the tensors an op shares
  // with its neighbours coarse: an element-wise op after a product tiled by batch and head
  // cuts batch and head too, rather than thin rows across all of them.)
  bool better(const Prediction& a, std::vector<std::uint8_t> cut_a,
              const std::vector<std::uint64_t>& tile_a, const Prediction& b,
              const std::vector<std::uint8_t>& cut_b,
              const std::vector<std::uint64_t>& tile_b) const {
    if (a.traffic() != b.traffic()) return a.traffic() < b.traffic();
    const auto innermost = [](const std::vector<std::uint8_t>& cut) {
      return cut.empty() ? -1 : static_cast<int>(*std::max_element(cut.begin(), cut.end()));
    };
    if (no_reduction_) {
      const int ia = innermost(cut_a), ib = innermost(cut_b);
      if (ia != ib) return ia < ib;
      if (ia >= 0 && tile_a[ia] != tile_b[ib]) return tile_a[ia] > tile_b[ib];
    }
    if (cut_a.size() != cut_b.size()) return cut_a.size() < cut_b.size();
    std::sort(cut_a.begin(), cut_a.end());
    if (cut_a != cut_b) return cut_a < cut_b;
    return a.tiles < b.tiles;
  }

  void leaf() {
    if (shapes_tried_ && ++*shapes_tried_ > shape_limit_ && shape_limit_ > 0)
      throw TilerLimitReached("the auto tiler tried more than " + std::to_string(shape_limit_) +
                              " tile shapes");
    std::vector<std::uint8_t> cut, rest;
    for (std::size_t d = 0; d < p_.dims.size(); ++d) {
      const bool is_cut = current_.tile[d] < p_.dims[d].extent;
      (is_cut ? cut : rest).push_back(static_cast<std::uint8_t>(d));
    }
    cost_.assign(p_, current_.tile, &cache_);
    const TileCost& cost = cost_;
    if (cost.working_set() + cost.epilogue() > capacity_) return;
    std::vector<std::uint8_t> order;
    do {
      order = cut;
      order.insert(order.end(), rest.begin(), rest.end());
      const Prediction pr = cost.evaluate(order, capacity_, lookahead_);
      if (!pr.fits) continue;  // the window depends on the innermost loop
      // A loop order's best size is the largest at which it fits (traffic does not grow with
      // a tile): smaller sizes of the last dimension are not tried for it again.
      std::uint64_t key = 0;  // the order of the cut dimensions, 5 bits each
      for (std::uint8_t c : cut) key = key << 5 | (c + 1u);
      if (std::find(satisfied_.begin(), satisfied_.end(), key) != satisfied_.end()) continue;
      satisfied_.push_back(key);
      if (!found_ ||
          better(pr, cut, current_.tile, best_.prediction, best_cut_, best_.tiling.tile)) {
        best_.tiling = Tiling{};
        best_.tiling.tile = current_.tile;
        best_.tiling.order = order;
        best_.prediction = pr;
        best_cut_ = cut;
        std::sort(best_cut_.begin(), best_cut_.end());
        found_ = true;
      }
    } while (std::next_permutation(cut.begin(), cut.end()));
  }

  const NestProblem& p_;
  std::uint64_t capacity_;
  std::uint32_t lookahead_;
  std::uint64_t shape_limit_;
  std::uint64_t* shapes_tried_;
  std::vector<std::vector<std::uint64_t>> candidates_;
  std::size_t last_ = 0;
  Tiling current_;
  TilingChoice best_;
  std::vector<std::uint8_t> best_cut_;  // sorted
  bool found_ = false;
  bool no_reduction_ = true;
  std::vector<std::uint64_t> satisfied_;  // loop orders that fit a larger size
  IntervalCache cache_;
  TileCost cost_;
};

}  // namespace

// One shape of tile for the whole op: the rounds of §16.7.
TilingChoice choose_uniform_tiling(const NestProblem& problem, const TilerOptions& options) {
  TilingChoice whole;
  whole.tiling = whole_tiling(problem);
  whole.prediction = predict(problem, whole.tiling, options.capacity, 0);
  if (problem.dims.empty() || whole.prediction.fits) return whole;
  for (bool cut_secondary : {false, true}) {
    std::vector<std::uint32_t> windows{options.lookahead};
    if (options.lookahead > 0) windows.push_back(0);
    for (std::uint32_t lookahead : windows) {
      Search search(problem, options, lookahead, cut_secondary);
      TilingChoice best;
      if (search.run(best)) return best;
    }
  }
  return whole;
}

namespace {

// Where a dimension of extent E (step t, u = ceil(E / t) steps) is split: at t * round(u * j /
// 2^r). Round r = 3 tries j = 1 .. 7; each next round (up to kSplitRounds) tries the two
// points halfway between the best split so far and its neighbours of the round before.
constexpr int kSplitRounds = 6;

std::uint64_t split_point(const LoopDim& dim, std::uint64_t j, int round) {
  const std::uint64_t step = std::max<std::uint64_t>(1, dim.step);
  const std::uint64_t units = (dim.extent + step - 1) / step;
  const std::uint64_t den = std::uint64_t{1} << round;
  return step * ((units * j + den / 2) / den);
}

// Less traffic, then fewer tiles.
bool better_split(const Prediction& a, const Prediction& b) {
  return a.traffic() != b.traffic() ? a.traffic() < b.traffic() : a.tiles < b.tiles;
}

}  // namespace

TilingChoice choose_tiling(const NestProblem& problem, const TilerOptions& options) {
  const TilingChoice uniform = choose_uniform_tiling(problem, options);
  if (!uniform.cut()) return uniform;
  // Tiles of two shapes (§16.7): one dimension split in two parts, each tiled on its own, when
  // that predicts at least 1/32 less traffic than the best single shape.
  const std::uint64_t target = uniform.prediction.traffic() - uniform.prediction.traffic() / 32;
  if (compulsory_bytes(problem) >= target) return uniform;
  TilingChoice best = uniform;
  for (std::size_t d = 0; d < problem.dims.size(); ++d) {
    // Only a dimension the uniform tiling cuts into a few tiles: there rounding the tiles to
    // the extent wastes the most (searching every dimension made ResNet-50 training at batch
    // 256 take 2.3 s of CPU instead of 1.1 s for 0.03 % less traffic).
    const std::uint64_t trips =
        (problem.dims[d].extent + uniform.tiling.tile[d] - 1) / uniform.tiling.tile[d];
    if (secondary(problem, d) || !splittable(problem, d) || trips < 2 || trips > kSplitMaxTrips)
      continue;
    const LoopDim& dim = problem.dims[d];
    std::map<std::uint64_t, TilingChoice> parts;  // by the part's extent along d
    const auto part = [&](std::uint64_t lo, std::uint64_t hi) -> const TilingChoice& {
      auto it = parts.find(hi - lo);
      if (it == parts.end())
        it = parts
                 .emplace(hi - lo,
                          choose_uniform_tiling(restricted_problem(problem, d, lo, hi), options))
                 .first;
      return it->second;
    };
    TilingChoice dim_best;  // the best split of d so far (tiles 0: none yet)
    dim_best.prediction.tiles = 0;
    // Tries a split at `at`; true when it is the best of d so far.
    const auto try_at = [&](std::uint64_t at) {
      if (at == 0 || at >= dim.extent) return false;
      const TilingChoice& first = part(0, at);
      const TilingChoice& second = part(at, dim.extent);
      if (!first.prediction.fits || !second.prediction.fits) return false;
      const Prediction both = combine_parts(first.prediction, second.prediction);
      if (both.tiles > kSplitTileFactor * uniform.prediction.tiles) return false;
      if (dim_best.prediction.tiles > 0 && !better_split(both, dim_best.prediction)) return false;
      dim_best.tiling = first.tiling;
      dim_best.tiling.split_dim = static_cast<int>(d);
      dim_best.tiling.split_at = at;
      dim_best.tiling.rest_tile = second.tiling.tile;
      dim_best.tiling.rest_order = second.tiling.order;
      dim_best.prediction = both;
      return true;
    };
    std::uint64_t best_j = 0;  // the best split of d, in units of 2^-round of its steps
    for (std::uint64_t j = 1; j < 8; ++j)
      if (try_at(split_point(dim, j, 3))) best_j = j;
    for (int round = 4; best_j > 0 && round <= kSplitRounds; ++round) {
      best_j *= 2;
      const std::uint64_t centre = best_j;
      if (try_at(split_point(dim, centre - 1, round))) best_j = centre - 1;
      if (try_at(split_point(dim, centre + 1, round))) best_j = centre + 1;
    }
    if (dim_best.prediction.tiles == 0 || dim_best.prediction.traffic() >= target) continue;
    if (!best.tiling.split() || better_split(dim_best.prediction, best.prediction)) {
      best = dim_best;
      best.uniform = uniform.tiling;
      best.uniform_prediction = uniform.prediction;
    }
  }
  return best;
}

}  // namespace memsim
