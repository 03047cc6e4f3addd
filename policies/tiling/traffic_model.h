#pragma once
// The analytic traffic model of one tiled op under LRU (docs/model.md "Tiled execution", "How
// the auto tiler decides"): the bytes the executor will load and store for an op whose loop
// nest is cut into tiles of given sizes and run in a given loop order.
//
// Levels are the cut dimensions (more than one tile) in loop order, outermost first. The
// footprint FP(b) of the loops at levels >= b is the bytes of every operand's region when
// those loops run their whole range and the outer ones sit at one tile (the largest such
// region). LRU keeps what one run of the inner loops touches when that fits, so:
//   - b* is the outermost level whose inner footprint fits the budget (the cache less the room
//     lookahead needs and an epilogue piece); the loop just outside it, the streaming loop,
//     reuses what its previous iteration left (a stationary operand, the overlap of halos);
//   - each operand moves, for every position of the loops outside the streaming loop, its
//     region over the streaming loop and everything inside it: its bytes summed over those
//     positions, times the trip counts of the outer loops it does not depend on that enclose
//     a loop it does depend on (across a loop nested inside every loop it depends on, every
//     tile op in between touches the operand's same blocks, so LRU keeps them);
//   - a read operand is loaded that often; an output is stored that often and loaded that
//     often less once (its first visit writes it); an updated operand is loaded and stored that
//     often. When everything fits, every operand moves once.
#include <cstdint>
#include <vector>

#include "sim/model/loop_nest.h"

namespace memsim {

enum class Access : std::uint8_t { read, write, update };

struct OperandInfo {
  std::vector<AxisMap> maps;
  std::vector<std::uint64_t> extents;
  std::uint64_t element_bytes = 1;
  Access access = Access::read;
  bool required_output = false;
  std::uint64_t bytes() const {
    std::uint64_t b = element_bytes;
    for (std::uint64_t e : extents) b *= e;
    return b;
  }
};

// An op's nest with what the model needs to know about each operand.
struct NestProblem {
  std::vector<LoopDim> dims;
  std::vector<OperandInfo> operands;
};

// Tile sizes per dimension and the loop order (every dimension, outermost first).
//
// A split tiling (docs/model.md §16.3) cuts the nest along one dimension into two parts, each
// tiled with its own sizes and order, so tiles of two shapes cover it (where no one shape fits
// the cache well: a 1024-wide product on a cache that holds a 700 x 700 tile). The first part,
// [0, split_at) of split_dim, is tiled by tile/order; the second, [split_at, extent), by
// rest_tile/rest_order; its tiles come after the first part's.
struct Tiling {
  std::vector<std::uint64_t> tile;
  std::vector<std::uint8_t> order;
  int split_dim = -1;  // -1: one part (a uniform tiling)
  std::uint64_t split_at = 0;
  std::vector<std::uint64_t> rest_tile;
  std::vector<std::uint8_t> rest_order;

  bool split() const { return split_dim >= 0; }
  std::uint64_t tiles(const std::vector<LoopDim>& dims) const;
  bool whole(const std::vector<LoopDim>& dims) const { return tiles(dims) == 1; }
};

// An output that is a required output and that several tiles write (partial sums over a cut
// reduction, or overlapping halos) is accumulated in a partial copy and written out piece by
// piece after its last tile (the epilogue, docs/model.md): this many pieces per tile region.
inline constexpr std::uint64_t kEpiloguePieces = 16;

struct Prediction {
  bool fits = false;              // working_set + epilogue + window <= capacity
  std::uint64_t tiles = 1;        // tile ops (epilogue ops not counted)
  std::uint64_t working_set = 0;  // bytes of the largest tile op
  std::uint64_t epilogue = 0;     // bytes an epilogue piece adds next to it
  std::uint64_t window = 0;       // bytes lookahead needs for the next tiles' new inputs
  std::uint64_t loads = 0, stores = 0;
  int streaming_dim = -1;  // the streaming loop's dimension; -1 when everything fits
  std::uint64_t traffic() const { return loads + stores; }
};

// A split tiling's prediction is the sum of its parts' (each part as its own nest, see
// part_problem): tiles, loads and stores added; it fits when both parts fit; working set,
// epilogue and window are the larger part's.
Prediction predict(const NestProblem& problem, const Tiling& tiling, std::uint64_t capacity,
                   std::uint32_t lookahead);
Prediction combine_parts(const Prediction& first, const Prediction& second);

// Whether the nest may be split along dimension d (docs/model.md §16.3): d may be tiled, every
// written or updated operand depends on it (so the parts write disjoint regions and no
// partial sums cross the split), and every axis it projects onto is d alone (coefficient 1,
// no divisor, no offset, the axis as long as d) — so a part is the same nest with d and those
// axes shorter.
bool splittable(const NestProblem& problem, std::size_t d);

// Part `part` (0 or 1) of a split tiling as a nest of its own, and its uniform tiling. The
// part's indices along the split dimension and along the axes it projects onto start at 0
// (the tensors' indices are the part's plus split_at for the second part).
NestProblem part_problem(const NestProblem& problem, const Tiling& tiling, int part);
Tiling part_tiling(const Tiling& tiling, int part);
// The nest restricted to [lo, hi) of a splittable dimension d, indices from 0.
NestProblem restricted_problem(const NestProblem& problem, std::size_t d, std::uint64_t lo,
                               std::uint64_t hi);

// One operand axis under one set of tile sizes: its cut dimensions, and for every subset of
// them held at one tile (the others whole) the sum and the largest of its regions.
struct AxisCost {
  std::uint8_t dims[3] = {};  // its cut dimensions
  int count = 0;
  std::uint64_t sum[8] = {}, max[8] = {};  // by subset of dims held at one tile
  // Its largest region when every cut dimension is at one tile: a tile's.
  std::uint64_t tile_max() const { return max[(1u << count) - 1]; }
};

AxisCost axis_cost(const NestProblem& p, std::size_t x, std::size_t a, const std::uint64_t* tile,
                   const std::uint64_t* trips);

// axis_cost by the tile sizes of the dimensions an axis depends on (a search tries many
// combinations of sizes; each axis sees few of them). Open addressing with linear probing.
class IntervalCache {
 public:
  const AxisCost& get(const NestProblem& p, std::size_t x, std::size_t a, const std::uint64_t* tile,
                      const std::uint64_t* trips);

 private:
  struct Key {
    std::uint64_t sizes[3];
    std::uint32_t x, a;
    bool operator==(const Key&) const = default;
  };
  struct Slot {
    Key key;
    AxisCost cost;
    bool used = false;
  };
  static std::uint64_t hash(const Key& k);
  void grow();
  std::vector<Slot> slots_;
  std::size_t used_ = 0;
};

// The part of the model that depends on the tile sizes only: each operand's region sizes for
// every set of dimensions held at one tile. Evaluating many loop orders of one set of sizes
// (as the auto tiler does) reuses it.
class TileCost {
 public:
  TileCost(const NestProblem& problem, const std::vector<std::uint64_t>& tile,
           IntervalCache* cache = nullptr);
  TileCost() = default;
  // Recomputes for other sizes, reusing the buffers (the auto tiler tries thousands of sizes).
  void assign(const NestProblem& problem, const std::vector<std::uint64_t>& tile,
              IntervalCache* cache = nullptr);
  std::uint64_t tiles() const { return tiles_; }
  std::uint32_t cut_mask() const { return cut_; }  // dimensions with more than one tile
  // Bytes of the largest tile op, and what an epilogue piece adds (0 without an epilogue).
  std::uint64_t working_set() const { return working_set_; }
  std::uint64_t epilogue() const { return epilogue_; }
  bool written_more_than_once(std::size_t operand) const;
  Prediction evaluate(const std::vector<std::uint8_t>& order, std::uint64_t capacity,
                      std::uint32_t lookahead) const;

 private:
  struct OperandCost {
    std::vector<AxisCost> axes;
    std::uint32_t related = 0;  // dimensions it depends on
  };
  // With the dimensions in `outer` at one tile and the others whole: operand x's largest
  // region, and its regions summed over every position of `outer` (times the trip counts of
  // the dimensions in `repeat`).
  std::uint64_t largest(std::size_t x, std::uint32_t outer) const;
  // `repeat`: the dimensions whose every iteration moves the regions again.
  std::uint64_t summed(std::size_t x, std::uint32_t outer, std::uint32_t repeat) const;
  const NestProblem* p_ = nullptr;
  std::vector<std::uint64_t> trips_;
  std::uint32_t cut_ = 0;
  std::uint64_t tiles_ = 1;
  std::vector<OperandCost> ops_;
  std::uint64_t working_set_ = 0, epilogue_ = 0;
};

// The bytes of the largest tile op's regions (no epilogue, no window): a quick necessary
// condition for a tiling to fit.
std::uint64_t tile_working_set(const NestProblem& problem, const std::vector<std::uint64_t>& tile,
                               IntervalCache* cache = nullptr);

// Every operand once: reads loaded, outputs stored, updates loaded and stored.
std::uint64_t compulsory_bytes(const NestProblem& problem);

// Whether the operand is written by more than one tile (so a required output needs the
// epilogue).
bool written_more_than_once(const NestProblem& problem, const Tiling& tiling, std::size_t operand);

// The axis of an operand an epilogue splits into pieces: its first axis longer than 1.
std::size_t epilogue_axis(const OperandInfo& operand);

}  // namespace memsim
