#pragma once
// A small nest for the tiler's tests: n = 2, h = 8, element-wise, an input and an output of
// 4 B per element, so a tile of e elements needs 8e bytes (test_tiling_model.cpp derives its
// tiling; test_tiling_shape_limit.cpp counts the shapes tried on it).
#include "policies/tiling/traffic_model.h"

namespace memsim::test {

inline NestProblem element_wise_nest() {
  NestProblem p;
  p.dims = {{'n', 2}, {'h', 8}};
  OperandInfo x;
  x.maps = {AxisMap::of(0), AxisMap::of(1)};
  x.extents = {2, 8};
  x.element_bytes = 4;
  p.operands = {x, x};
  p.operands[1].access = Access::write;
  return p;
}

}  // namespace memsim::test
