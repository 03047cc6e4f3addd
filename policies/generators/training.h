#pragma once
// Training schedule (schedule.kind = "training"): forward, loss gradient, backward, optimizer
// update and gradient-checkpointing recomputes, for any LayerGraph (chains and DAGs).
//
// Tensors (i is a 1-based layer index; "-" is none):
//   X0 input (DRAM) | W<i> weight (DRAM, layers with parameters) | X<i> activation
//   Y label, X_n's size (DRAM; loss = "separate" only)
//   dX<i> = dL/dX_i (gradient) | G<i> = dL/dW_i (gradient) | M<i>, V<i> optimizer state (DRAM)
//   X<i>.re activation recomputed for the backward pass (checkpointing)
// Ops, in the order they run:
//   fwd<i>   reads W<i> and the layer's input activations, writes X<i>           forward
//   loss     reads X_n and Y, writes dX_n; batch * |X_n| FLOPs (the MSE gradient y^ - y, one
//            subtraction per element)                                          backward
//            With loss = "fused" there is no loss op: X_n itself is dL/dy^ (the lecture's
//            brain-teaser).
//   then for layer i = n down to 1 (layers no gradient reaches are skipped):
//   re<j>    recomputes X<j>.re for a non-checkpointed X_j the next op needs, from the nearest
//            checkpoints (policies/generators/checkpointing.h); flops_forward     recompute
//   bwdW<i>  reads dX<i> and the layer's input activations, writes G<i>;
//            flops_backward_weight (layers with parameters only)               backward
//   bwdX<i>  reads W<i> and dX<i>, writes dL/dX of each input layer (none for X0: nobody needs
//            dL/dX0); flops_backward_data. At a fan-out (an activation read by several
//            layers) the first consumer in backward order writes its dX, later ones add into
//            it in place (`updates`), one more FLOP per element.              backward
//   P<i> master weights (optimizer state kind, as ZeRO counts them; schedule.master_weights):
//            the copy the optimizer updates; upd<i> then writes W<i> from it (a cast: 0 FLOPs)
//   upd<i>   reads G<i>, updates W<i> (and P<i>, M<i>, V<i>) in place;
//            optimizer_cost(...).flops_per_param * params (optimizer_costs.h)     update
//            Where it runs is schedule.update:
//            "after-backward" (default): every upd<i> after the last backward op, in layer
//              order i = 1..n (torch.optim visits model.parameters() in that order), as in
//              loss.backward(); optimizer.step(): every G<i> is live at once at the end of
//              the backward pass.
//            "per-layer": right after the layer's backward ops (bwdX<i> must read the old
//              W<i>), so G<i> dies at once, as with a fused per-layer optimizer step.
// Backward of a layer reads its input activations only for dL/dW; dL/dX reads W and the
// incoming gradient, which is exact for linear layers (dense, conv, add; the lecture ignores
// the ReLU) and leaves out the input reads of nonlinear ones (max-pool, batch-norm).
// Required outputs: with optimizer "none" the gradients G<i>; otherwise the updated W<i>,
// M<i>, V<i>.
#include <cstdint>
#include <vector>

#include "policies/generators/optimizer_costs.h"
#include "sim/model/generator.h"
#include "sim/model/layer_graph.h"

namespace memsim {

// Where the optimizer's update ops run (schedule.update).
enum class UpdatePlacement : std::uint8_t { after_backward, per_layer };

struct TrainingOptions {
  bool fused_loss = false;
  Optimizer optimizer = Optimizer::none;
  UpdatePlacement update = UpdatePlacement::after_backward;
  // Bytes per parameter (0 = the model's dtype): gradients G<i>, a master copy P<i> the
  // optimizer updates (0 = none), and the optimizer state M<i>, V<i> (0 = the master's dtype,
  // or the model's without a master).
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

// The registered generator: builds the LayerGraph and reads loss, optimizer and checkpoint
// from the schedule.
GeneratedSchedule generate_training(const GeneratorInput& in);

}  // namespace memsim
