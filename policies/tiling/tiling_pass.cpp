#include "policies/tiling/tiling_pass.h"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <unordered_map>

#include "policies/tiling/nest_problem.h"
#include "policies/tiling/region.h"

namespace memsim {
namespace {

constexpr std::size_t kMaxList = 65535;

// Walks the tiles of a cut op in loop order: the innermost cut dimension fastest; a split
// tiling's first part, then its second (docs/model.md §16.3). Boxes are in the op's nest.
class TileWalker {
 public:
  TileWalker(const std::vector<LoopDim>& dims, const Tiling& t) : dims_(dims) {
    if (t.split()) {
      const auto d = static_cast<std::size_t>(t.split_dim);
      parts_.push_back({t.tile, t.order, t.split_dim, 0, t.split_at});
      parts_.push_back({t.rest_tile, t.rest_order, t.split_dim, t.split_at, dims[d].extent});
    } else {
      parts_.push_back({t.tile, t.order, -1, 0, 0});
    }
    start(0);
  }
  bool next() {
    for (std::size_t i = levels_.size(); i-- > 0;) {
      const std::uint8_t d = levels_[i];
      if (++pos_[d] < trips_[d]) {
        set(d);
        return true;
      }
      pos_[d] = 0;
      set(d);
    }
    if (part_ + 1 == parts_.size()) return false;
    start(part_ + 1);
    return true;
  }
  const std::uint64_t* lo() const { return lo_; }
  const std::uint64_t* hi() const { return hi_; }
  // The box's share of the nest's iterations.
  double share() const {
    double s = 1;
    for (std::size_t d = 0; d < dims_.size(); ++d)
      s *= static_cast<double>(hi_[d] - lo_[d]) / static_cast<double>(dims_[d].extent);
    return s;
  }

 private:
  struct Part {
    std::vector<std::uint64_t> tile;
    std::vector<std::uint8_t> order;
    int dim;                 // the split dimension, -1 for the whole nest
    std::uint64_t from, to;  // the part's range of it
  };
  void start(std::size_t part) {
    part_ = part;
    const Part& p = parts_[part];
    levels_.clear();
    for (std::size_t d = 0; d < dims_.size(); ++d) {
      base_[d] = static_cast<int>(d) == p.dim ? p.from : 0;
      end_[d] = static_cast<int>(d) == p.dim ? p.to : dims_[d].extent;
      trips_[d] = (end_[d] - base_[d] + p.tile[d] - 1) / p.tile[d];
      pos_[d] = 0;
      set(static_cast<std::uint8_t>(d));
    }
    for (std::uint8_t d : p.order)
      if (trips_[d] > 1) levels_.push_back(d);
  }
  void set(std::uint8_t d) {
    lo_[d] = base_[d] + pos_[d] * parts_[part_].tile[d];
    hi_[d] = std::min(end_[d], lo_[d] + parts_[part_].tile[d]);
  }
  const std::vector<LoopDim>& dims_;
  std::vector<Part> parts_;
  std::size_t part_ = 0;
  std::vector<std::uint8_t> levels_;
  std::uint64_t trips_[kMaxNestDims] = {}, pos_[kMaxNestDims] = {}, base_[kMaxNestDims] = {},
                end_[kMaxNestDims] = {}, lo_[kMaxNestDims] = {}, hi_[kMaxNestDims] = {};
};

class Pass {
 public:
  Pass(const Graph& g, std::span<const OpId> order, const Workload& w,
       const std::vector<OpPlan>& plans)
      : g_(g), order_(order), w_(w), plans_(plans) {}

  TiledGraph run() && {
    for (LayerIndex l = 0; l < g_.layer_count(); ++l)
      layers_.push_back(b_.add_layer(g_.layer_name(l)));
    prepare_tensors();
    problems_.resize(g_.op_count());
    for (OpId o : order_)
      if (plans_[o].cut) {
        problems_[o] = nest_problem(g_, w_, o);
        if (problems_[o].dims.empty()) throw std::logic_error("a cut op has no loop nest");
        collect_cuts(o);
      }
    for (auto& c : cuts_) {
      std::sort(c.begin(), c.end());
      c.erase(std::unique(c.begin(), c.end()), c.end());
    }
    create_blocks();
    for (OpId o : order_) plans_[o].cut ? emit_tiles(o) : emit_whole(o);
    check_produced();
    out_.graph = std::move(b_).build();
    return std::move(out_);
  }

 private:
  // --- tensors and their cuts ---------------------------------------------------------------
  void prepare_tensors() {
    const std::size_t n = g_.tensor_count();
    axis_base_.assign(n + 1, 0);
    element_.assign(n, 0);
    for (TensorId t = 0; t < n; ++t) {
      element_[t] = element_bytes(g_, w_, t);
      const std::size_t axes = element_[t] ? w_.tensors[t].extents.size() : 0;
      axis_base_[t + 1] = axis_base_[t] + axes;
    }
    cuts_.assign(axis_base_[n], {});
    for (TensorId t = 0; t < n; ++t)
      for (std::size_t a = 0; a < axes(t); ++a) cuts_[axis_base_[t] + a] = {0, extent(t, a)};
    epilogue_.assign(n, 0);
  }
  std::size_t axes(TensorId t) const { return axis_base_[t + 1] - axis_base_[t]; }
  std::uint64_t extent(TensorId t, std::size_t a) const { return w_.tensors[t].extents[a]; }
  std::vector<std::uint64_t>& cuts(TensorId t, std::size_t a) { return cuts_[axis_base_[t] + a]; }

  std::vector<TensorId> working_set(OpId o) const {
    const auto ws = g_.working_set(o);
    return {ws.begin(), ws.end()};
  }

  void collect_cuts(OpId o) {
    const NestProblem& p = problems_[o];
    const Tiling& t = plans_[o].tiling;
    const std::vector<TensorId> ws = working_set(o);
    for (std::size_t i = 0; i < ws.size(); ++i)
      if (p.operands[i].access == Access::write && p.operands[i].required_output &&
          written_more_than_once(p, t, i))
        epilogue_[ws[i]] = 1;
    if (!t.split()) return collect_part_cuts(ws, p, t, -1, 0);
    // Each part is its own nest whose indices along the split dimension, and the axes it
    // projects onto, start at the part's first index (splittable).
    collect_part_cuts(ws, part_problem(p, t, 0), part_tiling(t, 0), t.split_dim, 0);
    collect_part_cuts(ws, part_problem(p, t, 1), part_tiling(t, 1), t.split_dim, t.split_at);
  }

  // The cuts of every region of a uniformly tiled nest `p`, its axes that project dimension
  // `shifted` alone moved by `shift`.
  void collect_part_cuts(const std::vector<TensorId>& ws, const NestProblem& p, const Tiling& t,
                         int shifted, std::uint64_t shift) {
    std::vector<std::uint64_t> trips(p.dims.size());
    for (std::size_t d = 0; d < p.dims.size(); ++d)
      trips[d] = (p.dims[d].extent + t.tile[d] - 1) / t.tile[d];
    for (std::size_t i = 0; i < ws.size(); ++i) {
      const TensorId tensor = ws[i];
      const OperandInfo& x = p.operands[i];
      const bool epilogue = x.access == Access::write && epilogue_[tensor];
      const std::size_t piece_axis = epilogue_axis(x);
      for (std::size_t a = 0; a < x.maps.size(); ++a) {
        std::vector<std::uint64_t>& c = cuts(tensor, a);
        const std::uint64_t off =
            x.maps[a].count == 1 && static_cast<int>(x.maps[a].terms[0].dim) == shifted ? shift : 0;
        for_each_interval(x.maps[a], x.extents[a], p.dims, t.tile.data(), trips.data(), ~0u,
                          [&](const Interval& r) {
                            c.push_back(off + r.lo);
                            c.push_back(off + r.hi);
                            if (!epilogue || a != piece_axis) return;
                            const std::uint64_t pieces =
                                std::max<std::uint64_t>(1, std::min(kEpiloguePieces, r.size()));
                            for (std::uint64_t j = 1; j < pieces; ++j)
                              c.push_back(off + r.lo + j * r.size() / pieces);
                          });
      }
    }
  }

  void create_blocks() {
    const std::size_t n = g_.tensor_count();
    block_base_.assign(n, 0);
    block_count_.assign(n, 1);
    partial_base_.assign(n, Graph::kNoTensor);
    std::size_t total = 0;
    for (TensorId t = 0; t < n; ++t) {
      for (std::size_t a = 0; a < axes(t); ++a) block_count_[t] *= cuts(t, a).size() - 1;
      total += block_count_[t] * (epilogue_[t] ? 2 : 1);
    }
    b_.reserve(total, g_.op_count() * 4, g_.op_count() * 8, 0);
    out_.tensor_origin.reserve(total);
    for (TensorId t = 0; t < n; ++t) {
      block_base_[t] = add_blocks(t, false);
      if (epilogue_[t]) partial_base_[t] = add_blocks(t, true);
    }
    written_.assign(out_.tensor_origin.size(), 0);
  }

  // Layer l's tile k ("<layer>.tile<k>"), one entry per layer and k.
  LayerIndex tile_layer(LayerIndex l, std::size_t k) {
    const std::uint64_t key = (std::uint64_t{l} << 32) | k;
    const auto it = tiles_.find(key);
    if (it != tiles_.end()) return it->second;
    return tiles_.emplace(key, b_.add_tile(layers_[l], static_cast<std::uint32_t>(k)))
        .first->second;
  }

  static TensorRole partial_role(TensorRole role) {
    return role == TensorRole::weight_grad ? TensorRole::weight_grad_partial
                                           : TensorRole::out_partial;
  }

  // Adds tensor t's blocks (its partial copy's with `partial`); returns the first id. Block k
  // of a tensor of layer L with role R is "L.tile<k>.R"; one block keeps the tensor's name.
  TensorId add_blocks(TensorId t, bool partial) {
    const Tensor& orig = g_.tensor(t);
    const TensorRole role = partial ? partial_role(orig.role) : orig.role;
    const TensorId first = static_cast<TensorId>(out_.tensor_origin.size());
    const std::size_t count = block_count_[t];
    std::vector<std::size_t> index(axes(t), 0);
    for (std::size_t k = 0; k < count; ++k) {
      std::uint64_t bytes = orig.bytes;
      if (count > 1) {
        bytes = element_[t];
        for (std::size_t a = 0; a < axes(t); ++a) {
          const auto& c = cuts(t, a);
          bytes *= c[index[a] + 1] - c[index[a]];
        }
      }
      const LayerIndex layer = count > 1 ? tile_layer(orig.layer, k) : layers_[orig.layer];
      const TensorId id =
          b_.add_tensor(layer, role, bytes, orig.kind, partial ? false : orig.initial_in_dram);
      if (orig.required_output && !partial) b_.mark_required_output(id);
      out_.tensor_origin.push_back(t);
      for (std::size_t a = axes(t); a-- > 0;) {
        if (++index[a] < cuts(t, a).size() - 1) break;
        index[a] = 0;
      }
    }
    return first;
  }

  // Calls fn(block index) for every block of tensor t inside the regions `r` (one per axis).
  template <typename Fn>
  void for_each_block(TensorId t, const Interval* r, Fn&& fn) {
    const std::size_t n = axes(t);
    std::size_t first[kMaxNestDims], last[kMaxNestDims], stride[kMaxNestDims], at[kMaxNestDims];
    std::size_t s = 1;
    for (std::size_t a = n; a-- > 0;) {
      const auto& c = cuts(t, a);
      first[a] =
          static_cast<std::size_t>(std::lower_bound(c.begin(), c.end(), r[a].lo) - c.begin());
      last[a] = static_cast<std::size_t>(std::lower_bound(c.begin(), c.end(), r[a].hi) - c.begin());
      if (first[a] >= c.size() || c[first[a]] != r[a].lo || last[a] >= c.size() ||
          c[last[a]] != r[a].hi)
        throw std::logic_error("a tile region does not fall on block boundaries");
      stride[a] = s;
      s *= c.size() - 1;
      at[a] = first[a];
    }
    for (std::size_t a = 0; a < n; ++a)
      if (first[a] == last[a]) return;  // empty region
    while (true) {
      std::size_t k = 0;
      for (std::size_t a = 0; a < n; ++a) k += at[a] * stride[a];
      fn(k);
      std::size_t a = n;
      while (a-- > 0) {
        if (++at[a] < last[a]) break;
        at[a] = first[a];
      }
      if (a == static_cast<std::size_t>(-1)) break;
    }
  }

  // --- ops ------------------------------------------------------------------------------------
  // Emits an op of `origin`'s layer with `role`: tile `tile` of it, or (kNoTile) the layer's.
  void emit(OpId origin, std::size_t tile, OpRole role, double flops) {
    const Op& op = g_.op(origin);
    for (const auto* list : {&in_, &outs_, &ups_})
      if (list->size() > kMaxList)
        throw std::length_error(
            "tile " + std::to_string(tile) + " of op '" + g_.op_name(origin) + "' would list " +
            std::to_string(list->size()) +
            " blocks in one list (at most 65535): the tilings of the ops around "
            "it cut its tensors too finely; give its layer explicit tiles");
    const LayerIndex layer = tile == kNoTile ? layers_[op.layer] : tile_layer(op.layer, tile);
    // Tile ops and epilogues count in the phase of the op they come from.
    const OpId id = b_.add_op(layer, role, in_, outs_, ups_, flops, op.phase);
    out_.order.push_back(id);
    out_.op_origin.push_back(origin);
  }

  void emit_whole(OpId o) {
    in_.clear();
    outs_.clear();
    ups_.clear();
    for (TensorId t : g_.inputs(o))
      for (std::size_t k = 0; k < block_count_[t]; ++k) in_.push_back(block_base_[t] + k);
    for (TensorId t : g_.outputs(o))
      for (std::size_t k = 0; k < block_count_[t]; ++k) {
        const TensorId id = block_base_[t] + static_cast<TensorId>(k);
        (written_[id] ? ups_ : outs_).push_back(id);
        written_[id] = 1;
      }
    for (TensorId t : g_.updates(o))
      for (std::size_t k = 0; k < block_count_[t]; ++k) ups_.push_back(block_base_[t] + k);
    emit(o, kNoTile, g_.op(o).role, g_.op(o).flops);
  }

  void emit_tiles(OpId o) {
    const NestProblem& p = problems_[o];
    const Tiling& tiling = plans_[o].tiling;
    const std::vector<TensorId> ws = working_set(o);
    // The last tile writing each block of a required output that goes through a partial copy.
    std::vector<std::vector<std::size_t>> last_write(ws.size());
    bool any_epilogue = false;
    for (std::size_t i = 0; i < ws.size(); ++i)
      if (p.operands[i].access == Access::write && partial_base_[ws[i]] != Graph::kNoTensor) {
        last_write[i].assign(block_count_[ws[i]], 0);
        any_epilogue = true;
      }
    Interval regions[kMaxNestDims];
    const auto region_of = [&](const TileWalker& walker, std::size_t i) {
      const OperandInfo& x = p.operands[i];
      for (std::size_t a = 0; a < x.maps.size(); ++a)
        regions[a] = project(x.maps[a], x.extents[a], p.dims, walker.lo(), walker.hi());
    };
    if (any_epilogue) {
      TileWalker walker(p.dims, tiling);
      std::size_t k = 0;
      do {
        for (std::size_t i = 0; i < ws.size(); ++i) {
          if (last_write[i].empty()) continue;
          region_of(walker, i);
          for_each_block(ws[i], regions, [&](std::size_t b) { last_write[i][b] = k; });
        }
        ++k;
      } while (walker.next());
    }
    const double flops = g_.op(o).flops;
    const OpRole role = g_.op(o).role;
    TileWalker walker(p.dims, tiling);
    std::size_t k = 0;
    struct Flush {
      TensorId from, to;
      std::size_t block;
      bool single;  // the tensor is one block
    };
    std::vector<Flush> flush;  // partial block -> block
    do {
      in_.clear();
      outs_.clear();
      ups_.clear();
      flush.clear();
      for (std::size_t i = 0; i < ws.size(); ++i) {
        const TensorId t = ws[i];
        region_of(walker, i);
        const Access access = p.operands[i].access;
        const bool partial = !last_write[i].empty();
        for_each_block(t, regions, [&](std::size_t b) {
          const TensorId block = block_base_[t] + static_cast<TensorId>(b);
          if (access == Access::read) {
            in_.push_back(block);
          } else if (access == Access::update) {
            ups_.push_back(block);
          } else {
            const TensorId target = partial ? partial_base_[t] + static_cast<TensorId>(b) : block;
            (written_[target] ? ups_ : outs_).push_back(target);
            written_[target] = 1;
            if (partial && last_write[i][b] == k)
              flush.push_back({target, block, b, block_count_[t] == 1});
          }
        });
      }
      emit(o, k, role, flops * walker.share());
      for (const Flush& f : flush) {
        in_.assign(1, f.from);
        outs_.assign(1, f.to);
        ups_.clear();
        written_[f.to] = 1;
        emit(o, f.single ? kNoTile : f.block, OpRole::epilogue, 0);
      }
      ++k;
    } while (walker.next());
  }

  // Every block of a tensor an op produces must be written by that op's tiles.
  void check_produced() {
    for (TensorId t = 0; t < g_.tensor_count(); ++t) {
      if (g_.producer(t) == Graph::kNoOp) continue;
      for (std::size_t k = 0; k < block_count_[t]; ++k)
        if (!written_[block_base_[t] + k])
          throw std::logic_error("tiling left block " + std::to_string(k) + " of '" +
                                 std::string(g_.tensor_name(t)) + "' unwritten");
    }
  }

  const Graph& g_;
  std::span<const OpId> order_;
  const Workload& w_;
  const std::vector<OpPlan>& plans_;
  std::vector<NestProblem> problems_;
  std::vector<std::size_t> axis_base_;
  std::vector<std::uint64_t> element_;
  std::vector<std::vector<std::uint64_t>> cuts_;
  std::vector<std::uint8_t> epilogue_;
  std::vector<TensorId> block_base_, partial_base_;
  std::vector<std::size_t> block_count_;
  std::vector<std::uint8_t> written_;
  std::vector<TensorId> in_, outs_, ups_;
  std::vector<LayerIndex> layers_;  // the original graph's layers, in the tiled one
  std::unordered_map<std::uint64_t, LayerIndex> tiles_;
  GraphBuilder b_;
  TiledGraph out_;
};

}  // namespace

TiledGraph tile_graph(const Graph& graph, std::span<const OpId> order, const Workload& workload,
                      const std::vector<OpPlan>& plans) {
  return Pass(graph, order, workload, plans).run();
}

}  // namespace memsim
