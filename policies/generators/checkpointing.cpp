#include "policies/generators/checkpointing.h"

#include <cmath>
#include <string>

namespace memsim {

std::uint64_t sqrt_checkpoint_interval(std::size_t layer_count) {
  const auto k =
      static_cast<std::uint64_t>(std::llround(std::sqrt(static_cast<double>(layer_count))));
  return k < 1 ? 1 : k;
}

std::vector<std::uint8_t> resolve_checkpoints(const ScheduleSpec& schedule,
                                              std::size_t layer_count) {
  const std::size_t n = layer_count;
  std::vector<std::uint8_t> kept(n + 1, 0);
  if (schedule.checkpoint == "none") {
    kept.assign(n + 1, 1);
  } else if (schedule.checkpoint == "list") {
    for (std::uint64_t j : schedule.checkpoint_layers) {
      if (j > n)
        throw ScenarioError(schedule.checkpoint_pos,
                            "schedule.checkpoint: layer index " + std::to_string(j) +
                                " is beyond the model's " + std::to_string(n) + " layers");
      kept[j] = 1;
    }
  } else {
    const std::uint64_t k =
        schedule.checkpoint == "sqrt" ? sqrt_checkpoint_interval(n) : schedule.checkpoint_every;
    if (k == 0)  // the parser accepts only none, sqrt, every:K (K >= 1) and lists
      throw ScenarioError(schedule.checkpoint_pos,
                          "schedule.checkpoint: unknown value '" + schedule.checkpoint + "'");
    for (std::uint64_t j = k; j <= n; j += k) kept[j] = 1;
  }
  kept[0] = 1;
  kept[n] = 1;
  return kept;
}

}  // namespace memsim
