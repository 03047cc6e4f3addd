#pragma once
// What `memsim info` prints: per-layer parameters, FLOPs, bytes, arithmetic intensity and the
// roofline verdict, computed from the [model] alone (no schedule is run).
//
// Definitions (per layer, whole batch):
//   flops_backward   = flops_backward_weight + flops_backward_data, the latter only when the
//                      layer reads an activation other than X0 (nobody needs dL/dX0). The
//                      training schedule's `run` adds, on top, the loss gradient (batch * |X_n|
//                      FLOPs with loss = "separate") and one FLOP per element where gradients of
//                      a fan-out are summed.
//   weight_bytes     = params * dtype bytes
//   activation_bytes = the layer's output activation, batch * |X_i| * dtype bytes
//   intensity        = flops_forward / (weight_bytes + input activation bytes +
//                      activation_bytes): FLOPs per byte if the forward op streams its weights,
//                      inputs and output through DRAM exactly once.
//   bound            = "compute" when intensity >= ridge, "memory" below it, where
//                      ridge = compute throughput / (DRAM channels * bandwidth) (the
//                      roofline's knee; `bandwidth` is per channel, so the DRAM moves
//                      channels * bandwidth bytes per second in all);
//                      "n/a" when the machine has no throughput or bandwidth (uniform cache).
//   macs             = the layer's multiply-adds (Layer::macs: convolutions and dense layers
//                      only), forward, whole batch; the total is what torchvision's tables call
//                      a model's "GFLOPS".
//   saved_bytes      = the bytes the layer keeps for its backward pass, as autograd saves
//                      them (saved_tensors.h); the total counts each storage once, so it can
//                      be less than the sum of the layers'.
//   flops_update     = the optimizer's FLOPs per parameter (optimizer_costs.h) * params, for
//                      kind = "training"; 0 for inference and optimizer "none".
#include <cstdint>
#include <string>
#include <vector>

#include "sim/scenario/scenario_spec.h"

namespace memsim {

struct LayerInfo {
  std::string name;
  std::string type;
  std::uint64_t params = 0;
  double flops_forward = 0;
  double flops_backward = 0;
  double macs = 0;
  std::uint64_t weight_bytes = 0;
  std::uint64_t input_bytes = 0;       // activations the layer reads (X0 included)
  std::uint64_t activation_bytes = 0;  // the activation it writes
  std::uint64_t saved_bytes = 0;       // kept for backward (policies/models/saved_tensors.h)
  double intensity = 0;                // FLOP per byte
  std::string bound;                   // "compute", "memory" or "n/a"
};

struct ModelInfo {
  std::uint64_t params = 0;
  double flops_forward = 0;
  double flops_backward = 0;
  double flops_update = 0;
  double macs = 0;  // conv + dense multiply-adds, forward
  std::uint64_t weight_bytes = 0;
  std::uint64_t activation_bytes = 0;  // all layers' outputs
  std::uint64_t saved_bytes = 0;       // kept for backward, every storage once
  // Training: bytes per parameter of the weights, gradients, master copy and optimizer state
  // (schedule.master_weights, grad_dtype, optimizer_dtype; all 0 for inference).
  struct PerParam {
    std::uint32_t weights = 0, gradients = 0, master = 0, optimizer = 0;
    std::uint32_t total() const { return weights + gradients + master + optimizer; }
  } per_param;
  double ridge = 0;       // FLOP per byte; 0 when not defined
  std::string optimizer;  // as applied to flops_update ("none" for inference)
  std::vector<LayerInfo> layers;
};

// Throws ScenarioError: for a raw [graph] (info describes models), or what build_layer_graph
// throws for a bad model.
ModelInfo describe_model(const ScenarioSpec& spec);

}  // namespace memsim
