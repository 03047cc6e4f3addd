#include "sim/model/layer_graph.h"

namespace memsim {

std::string to_string(const Shape& s) {
  if (s.h == 1 && s.w == 1) return std::to_string(s.c);
  return std::to_string(s.c) + "x" + std::to_string(s.h) + "x" + std::to_string(s.w);
}

}  // namespace memsim
