#pragma once
// Gradient checkpointing (Chen et al. 2016, "Training Deep Nets with Sublinear Memory Cost"):
// which forward activations a training schedule keeps until the backward pass needs them.
//
// Activations are numbered as the layers that write them: X_j is layer j's output (j = 1..n),
// X_0 the model's input. X_j is a *checkpoint* when it is kept from its forward op until its
// last backward use. Every other activation is freed after its last forward use and, when the
// backward pass needs it, recomputed from checkpoints (policies/generators/training.h).
//   - X_0 is always available: it is the input and sits in DRAM.
//   - X_n is always kept: the loss gradient reads it right after the forward pass.
//   - "none"    (no checkpointing): every activation is kept.
//   - "every:k" keeps X_j for j = k, 2k, 3k, ... (and X_n).
//   - "sqrt"    is every:k with k = round(sqrt(n)), at least 1: about sqrt(n) checkpoints and
//               segments of about sqrt(n) layers, so peak live activations stay near 2*sqrt(n)
//               for one extra forward pass of the non-checkpointed layers.
//   - [i, ...]  keeps exactly the listed X_i (1 <= i <= n; X_n is kept anyway).
#include <cstdint>
#include <vector>

#include "sim/scenario/scenario_spec.h"

namespace memsim {

// kept[j] for j = 0..layer_count: whether X_j is a checkpoint (kept[0] and kept[n] are 1).
// Throws ScenarioError at schedule.checkpoint for a listed index beyond the model's layers.
std::vector<std::uint8_t> resolve_checkpoints(const ScheduleSpec& schedule,
                                              std::size_t layer_count);

// The k that "sqrt" stands for on an n-layer model.
std::uint64_t sqrt_checkpoint_interval(std::size_t layer_count);

}  // namespace memsim
