#pragma once
// Training schedule (schedule.kind = "training"): forward, loss gradient, backward, optimizer
// update and gradient-checkpointing recomputes, for any LayerGraph (chains and DAGs).
//
// Names (sim/core/graph.h): every op and tensor is "<layer>.<role>" for the model layer it
// belongs to; L_i below is layer i's name ("fc", "layer4.1.conv2"; dense1.. when unnamed).
// Tensors:
//   input                  the model's input X0 (DRAM)
//   L_i.weight             W_i, layers with parameters (DRAM)
//   L_i.out                X_i, the layer's output activation
//   label                  the label, X_n's size (DRAM; loss = "separate" only)
//   L_i.out.grad           dL/dX_i (gradient)      L_i.weight.grad   dL/dW_i (gradient)
//   L_i.weight.m, .v       optimizer state (momentum: m; adam: m and v), W_i's size (DRAM)
//   L_i.out.recomputed     X_i recomputed for the backward pass (checkpointing)
//   L_i.indices, .mean, .invstd, .mask   what the layer keeps for backward besides its inputs
//                          and output (Layer::extras; written by L_i.forward when X_i is a
//                          checkpoint, else by L_i.recompute as L_i.indices.recomputed, ...)
//   L_i.weight.master      master weights (schedule.master_weights; optimizer-state kind, as
//                          ZeRO counts them): the copy the optimizer updates
// Ops, in the order they run:
//   L_i.forward    reads L_i.weight and the layer's input activations, writes L_i.out  forward
//   loss.dX        reads L_n.out and label, writes L_n.out.grad; batch * |X_n| FLOPs (the MSE
//                  gradient y^ - y, one subtraction per element)                     backward
//                  With loss = "fused" there is no loss op: X_n itself is dL/dy^ (the lecture's
//                  brain-teaser).
//   then for layer i = n down to 1 (layers no gradient reaches are skipped):
//   L_j.recompute  recomputes L_j.out.recomputed for a non-checkpointed X_j the next op needs,
//                  from the nearest checkpoints (policies/generators/checkpointing.h);
//                  flops_forward                                                    recompute
//   L_i.dW         reads L_i.out.grad and what the layer saves for dL/dW
//                  (Layer::backward_weight_reads), writes L_i.weight.grad;
//                  flops_backward_weight (layers with parameters)                   backward
//   L_i.dX         reads L_i.out.grad and what the layer saves for dL/dX
//                  (Layer::backward_data_reads: its weight, inputs, output or extras, as
//                  autograd saves them), writes dL/dX of each input layer (none for the
//                  model input: nobody needs dL/dX0); flops_backward_data. At a fan-out
//                  (an activation read by several layers) the first consumer in backward order
//                  writes its .out.grad, later ones add into it in place (`updates`), one more
//                  FLOP per element.                                                backward
//   A tied layer (Layer::tied: GPT-2's language-model head) has no weight of its own: its
//   forward, dX and recompute ops read the weight of the layer it is tied to (L_t.weight), its
//   dW op writes L_t.weight.grad (it runs first in backward, being later in the model) and
//   L_t.dW adds into it in place (+ params_t FLOPs); L_t alone has an update op.
//   L_i.update     reads L_i.weight.grad, updates L_i.weight (and .master, .m, .v) in place
//                  (with a master copy, the weight is cast back from it: 0 FLOPs);
//                  optimizer_cost(...).flops_per_param * params (optimizer_costs.h)  update
//                  Where it runs is schedule.update:
//                  "after-backward" (default): every L_i.update after the last backward op,
//                    in layer order i = 1..n (torch.optim visits model.parameters() in that
//                    order), as in loss.backward(); optimizer.step(): every weight gradient is
//                    live at once at the end of the backward pass.
//                  "per-layer": right after the layer's backward ops (L_i.dX must read the
//                    old weight), so its gradient dies at once, as with a fused per-layer
//                    optimizer step.
// A saved input or output that is not a checkpoint is recomputed (L_j.recompute) before the
// backward op that reads it.
// Required outputs: with optimizer "none" the weight gradients; otherwise the updated weights
// and optimizer state.
#include <cstdint>
#include <vector>

#include "policies/generators/optimizer_costs.h"
#include "sim/model/generator.h"
#include "sim/model/layer_graph.h"

namespace memsim {

struct TilingBounds;  // policies/tiling/tile_schedule.h

// Where the optimizer's update ops run (schedule.update).
enum class UpdatePlacement : std::uint8_t { after_backward, per_layer };

struct TrainingOptions {
  bool fused_loss = false;
  Optimizer optimizer = Optimizer::none;
  UpdatePlacement update = UpdatePlacement::after_backward;
  // Bytes per parameter (0 = the model's dtype): gradients (.weight.grad), a master copy
  // (.weight.master) the optimizer updates (0 = none), and the optimizer state (.weight.m,
  // .weight.v; 0 = the master's dtype, or the model's without a master).
  std::uint32_t grad_bytes = 0;
  std::uint32_t master_bytes = 0;
  std::uint32_t state_bytes = 0;
  // kept[j], j = 0..n: X_j is a checkpoint (resolve_checkpoints). Empty: keep everything.
  std::vector<std::uint8_t> kept;
};

// The schedule for a LayerGraph built by hand or by build_layer_graph. `uniform`: every tensor
// is one unit.
GeneratedSchedule generate_training_graph(const LayerGraph& model, const TrainingOptions& options,
                                          bool uniform);
// The same, with the loop nests of its ops and tensors (for tiling) in `nests`.
GeneratedSchedule generate_training_graph(const LayerGraph& model, const TrainingOptions& options,
                                          bool uniform, Workload& nests);

// loss, optimizer, update and checkpoint as a ScheduleSpec gives them (ScenarioError for an
// unknown optimizer or a checkpoint beyond the model's layers); checkpoint = "optimal" is
// solved for a DRAM of dram_capacity bytes.
TrainingOptions training_options(const ScheduleSpec& schedule, const LayerGraph& model,
                                 bool uniform, std::uint64_t dram_capacity);

// The registered generator: builds the LayerGraph and reads loss, optimizer and checkpoint
// from the schedule.
GeneratedSchedule generate_training(const GeneratorInput& in);
// The same within bounds on tiling's work (TilingBounds; the scenario fuzzer registers it).
GeneratedSchedule generate_training(const GeneratorInput& in, const TilingBounds& bounds);

}  // namespace memsim
