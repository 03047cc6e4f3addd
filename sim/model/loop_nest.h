#pragma once
// Loop nests: what an op computes, kept apart from how it is tiled and what that costs
// (Timeloop's workload / mapping / analysis split). docs/model.md "Tiled execution".
//
// An op's nest is a set of named loop dimensions with extents (a dense layer: m, n, k; a
// convolution: n, k, c, p, q, r, s) and, for every tensor the op touches, an affine projection
// of the dimensions onto the tensor's named axes: axis index = offset + sum of
// coeff * (dim / div). A convolution's input row is stride * p + dilation * r - padding, which
// is where halos come from. A tile of the nest is a box of the dimensions; the region of a
// tensor it touches is the projection of the box, axis by axis (policies/tiling/region.h).
//
// These tables live beside a generated schedule (GeneratedSchedule::workload), never in the
// compact Graph.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "sim/core/graph.h"

namespace memsim {

// One loop dimension.
struct LoopDim {
  char name = '?';           // the letter a tiling names it by ("m", "k", "p", ...)
  std::uint64_t extent = 1;  // iterations
  std::uint64_t step = 1;    // a tile size must be a multiple of this (or the whole extent)
  bool tileable = true;      // false: always whole (a kernel window r, s)
};

// One term of an axis projection: coeff * floor(dim / div).
struct AxisTerm {
  std::uint8_t dim = 0;
  std::uint64_t coeff = 1;
  std::uint64_t div = 1;
};

// The index along one tensor axis as a function of the loop indices. No terms: the op touches
// the whole axis whatever its loop indices are.
struct AxisMap {
  std::array<AxisTerm, 3> terms{};
  std::uint8_t count = 0;
  std::int64_t offset = 0;

  static AxisMap whole() { return {}; }
  // coeff * dim + offset
  static AxisMap of(std::uint8_t dim, std::uint64_t coeff = 1, std::int64_t offset = 0) {
    AxisMap m;
    m.terms[0] = {dim, coeff, 1};
    m.count = 1;
    m.offset = offset;
    return m;
  }
  AxisMap& plus(std::uint8_t dim, std::uint64_t coeff = 1, std::uint64_t div = 1) {
    terms[count++] = {dim, coeff, div};
    return *this;
  }
  AxisMap& divided(std::uint64_t div) {  // the last term becomes coeff * floor(dim / div)
    terms[count - 1].div = div;
    return *this;
  }
};

// A tensor's named axes (one letter each) and their extents; the product of the extents times
// the element size is the tensor's bytes.
struct TensorAxes {
  std::string names;
  std::vector<std::uint64_t> extents;
  bool empty() const { return extents.empty(); }
  std::uint64_t elements() const {
    std::uint64_t e = 1;
    for (std::uint64_t x : extents) e *= x;
    return e;
  }
};

// An op's nest: its dimensions and the projection of every tensor of its working set.
struct OperandMap {
  TensorId tensor = Graph::kNoTensor;
  std::vector<AxisMap> axes;  // one per axis of the tensor
};
struct OpNest {
  std::vector<LoopDim> dims;
  std::vector<OperandMap> operands;
  bool empty() const { return dims.empty(); }
  const OperandMap* find(TensorId t) const {
    for (const OperandMap& m : operands)
      if (m.tensor == t) return &m;
    return nullptr;
  }
};

// A layer's forward nest with its tensors as slots (its inputs, its weight, its output). The
// layer's other ops — dL/dX, dL/dW, the recompute — run over the same dimensions: dL/dX
// writes the input slots' region of the input gradients, dL/dW the weight slot's region of the
// weight gradient, from the output slot's region of dL/dY.
struct NestSlot {
  // extra: a tensor the forward op writes for backward (Layer::extras: indices, statistics,
  // masks), read by its backward ops and written again by its recompute.
  enum class Kind : std::uint8_t { input, weight, output, extra } kind = Kind::input;
  std::uint32_t index = 0;  // which input, or which extra
  std::vector<AxisMap> axes;
};
struct NestTemplate {
  std::vector<LoopDim> dims;
  std::vector<NestSlot> slots;
  TensorAxes weight_axes;  // the layer's weight (its gradient and optimizer state alike)
  std::vector<TensorAxes> extra_axes;  // one per Layer::extras entry that has a slot
  bool empty() const { return dims.empty(); }
  const NestSlot* slot(NestSlot::Kind kind, std::uint32_t index = 0) const {
    for (const NestSlot& s : slots)
      if (s.kind == kind && s.index == index) return &s;
    return nullptr;
  }
  // The dimension named `name`, or dims.size().
  std::size_t dim_index(char name) const {
    for (std::size_t d = 0; d < dims.size(); ++d)
      if (dims[d].name == name) return d;
    return dims.size();
  }
};

// What an op is to its layer, for reports and explicit tilings.
enum class NestRole : std::uint8_t {
  none,
  forward,
  recompute,
  backward_data,
  backward_weight,
  update,
  loss
};

// The side table of a generated schedule: tensors' axes and ops' nests, by id. An op without a
// nest (empty dims) is never cut; a tensor without axes is never split.
struct Workload {
  std::vector<TensorAxes> tensors;
  std::vector<OpNest> ops;
  struct Origin {
    std::uint32_t layer = 0xffffffffu;  // LayerId in the LayerGraph; none for the loss
    NestRole role = NestRole::none;
  };
  std::vector<Origin> origins;  // by OpId
  bool empty() const { return ops.empty(); }
};

}  // namespace memsim
