#pragma once
// The optimizers a training schedule can end with, and what each costs per trainable parameter.
// This is the ONE place these constants are derived; the training generator and `memsim info`
// both read them from here.
//
// Counting convention (the lecture's): every elementwise add, subtract, multiply, divide and
// square root is 1 FLOP; scalars that depend only on the step t (alpha, beta, 1 - beta,
// 1 - beta^t) are computed once per step, not per parameter, and are not counted.
//
//   sgd       theta <- theta - alpha * g                      mul, sub              =  2
//   momentum  m <- mu * m + g                                 mul, add              =  2
//             theta <- theta - alpha * m                      mul, sub              =  2
//                                                                            total     4
//   adam      (the lecture's Algorithm 1, Kingma & Ba)
//             m <- beta1 * m + (1 - beta1) * g                mul, mul, add         =  3
//             v <- beta2 * v + (1 - beta2) * g^2              square, mul, mul, add =  4
//             m_hat <- m / (1 - beta1^t)                      div                   =  1
//             v_hat <- v / (1 - beta2^t)                      div                   =  1
//             theta <- theta - alpha * m_hat / (sqrt(v_hat) + eps)
//                                                 sqrt, add, div, mul, sub          =  5
//                                                                            total    14
//
// State tensors (each the size of the weight): momentum keeps M, adam keeps M and V.
#include <cstdint>
#include <string_view>

namespace memsim {

enum class Optimizer : std::uint8_t { none, sgd, momentum, adam };

struct OptimizerCost {
  double flops_per_param;     // per trainable parameter, per step
  std::uint32_t state_count;  // state tensors per weight, each the weight's size
};

constexpr OptimizerCost optimizer_cost(Optimizer o) {
  switch (o) {
    case Optimizer::none:
      return {0, 0};
    case Optimizer::sgd:
      return {2, 0};
    case Optimizer::momentum:
      return {4, 1};
    case Optimizer::adam:
      return {14, 2};
  }
  return {0, 0};
}

// "none", "sgd", "momentum", "adam"; false for anything else (`out` unchanged).
constexpr bool parse_optimizer(std::string_view name, Optimizer& out) {
  if (name == "none")
    out = Optimizer::none;
  else if (name == "sgd")
    out = Optimizer::sgd;
  else if (name == "momentum")
    out = Optimizer::momentum;
  else if (name == "adam")
    out = Optimizer::adam;
  else
    return false;
  return true;
}

}  // namespace memsim
