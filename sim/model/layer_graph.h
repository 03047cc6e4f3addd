#pragma once
// A model as a DAG of layers with shapes, parameter counts and FLOPs resolved: what a [model]
// becomes before a generator turns it into tensors and ops (policies/models builds it).
#include <cstdint>
#include <string>
#include <vector>

#include "sim/core/errors.h"

namespace memsim {

// Per-sample activation shape: channels x height x width (a dense layer's features are c).
struct Shape {
  std::uint64_t c = 1, h = 1, w = 1;
  std::uint64_t elements() const { return c * h * w; }
  friend bool operator==(const Shape&, const Shape&) = default;
};
std::string to_string(const Shape& s);  // "512" or "64x56x56"

using LayerId = std::uint32_t;
inline constexpr LayerId kModelInput = 0xffffffffu;  // X0, the model's input

struct Layer {
  std::string name;
  std::string type;
  std::vector<LayerId> inputs;  // producing layers, or kModelInput
  Shape shape;                  // output shape per sample
  std::uint64_t params = 0;     // trainable parameters (weights, biases, batch-norm gamma/beta)
  // For the whole batch; a multiply-add is 2 FLOPs.
  double flops_forward = 0;
  double flops_backward_data = 0;    // dL/dX of its inputs
  double flops_backward_weight = 0;  // dL/dW
  // Multiply-adds of its weighted sums (convolutions and dense layers; 0 for the others), forward,
  // for the whole batch: what torchvision's "GFLOPS" column counts.
  double macs = 0;
  SourcePos pos;
};

struct LayerGraph {
  std::uint64_t batch = 1;
  std::uint32_t dtype_bytes = 4;
  Shape input;
  std::vector<Layer> layers;  // in a valid (topological) order; the last one is the output

  std::uint64_t weight_bytes(const Layer& l) const { return l.params * dtype_bytes; }
  std::uint64_t activation_bytes(const Layer& l) const {
    return batch * l.shape.elements() * dtype_bytes;
  }
  std::uint64_t input_bytes() const { return batch * input.elements() * dtype_bytes; }
};

}  // namespace memsim
