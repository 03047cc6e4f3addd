#include "sim/core/verifier.h"

#include <algorithm>
#include <string>

#include "sim/core/errors.h"
#include "sim/core/op_operands.h"

namespace memsim {
namespace {

// sim/core/liveness.h: weights, optimizer state and required outputs stay live to the end.
bool stays_live(const Tensor& t) {
  return t.kind == TensorKind::weight || t.kind == TensorKind::optimizer_state || t.required_output;
}

}  // namespace

Verifier::Verifier(const Graph& graph, std::uint64_t capacity, VerifierOptions options)
    : graph_(graph),
      capacity_(capacity),
      options_(options),
      state_(graph.tensor_count(), Flags{}),
      remaining_uses_(graph.tensor_count(), 0),
      computed_(graph.op_count(), Flags{}),
      tensor_count_(graph.tensor_count()),
      op_count_(graph.op_count()),
      live_exact_(graph.outputs_have_one_producer()) {
  for (OpId o = 0; o < graph.op_count(); ++o) {
    for (TensorId t : graph.inputs(o)) ++remaining_uses_[t];
    for (TensorId t : graph.updates(o)) ++remaining_uses_[t];
  }
  // Each level's count, where the run's is exact and every home is one of the levels (a scenario
  // cannot place a tensor elsewhere; a graph that does is left to the pass over the order).
  if (live_exact_ && options.level_count > 2) {
    bool known = true;
    for (TensorId t = 0; t < graph.tensor_count() && known; ++t)
      known = graph.tensor(t).home >= 2 && graph.tensor(t).home <= options.level_count;
    if (known) level_live_.resize(options.level_count - 1);
  }
  // The order is kept where a pass over it must count what the replay could not.
  keep_order_ = options.keep_compute_order || !live_exact_ ||
                (options.level_count > 2 && level_live_.empty());
  if (keep_order_) order_.reserve(graph.op_count());
  bool deep = false;  // in a local: a member would be stored at every tensor
  for (TensorId t = 0; t < graph.tensor_count(); ++t) {
    const Tensor& x = graph.tensor(t);
    // Live from t=0 if it starts in DRAM (one that no op uses, nor produces, only at the first
    // op); weights, optimizer state and required outputs never die.
    const bool stays = stays_live(x);
    const bool first_only = x.initial_in_dram && remaining_uses_[t] == 0 && !stays;
    state_[t] = static_cast<Flags>((x.initial_in_dram ? kDramValid | kLiveSeen : 0) |
                                   (first_only || stays ? kNoDeath : 0));
    deep = deep || x.home > 2;
    if (first_only) {
      live_.live_at_first_only(x);
      if (!level_live_.empty()) level_live_[x.home - 2].live_at_first_only(x);
    } else if (x.initial_in_dram) {
      born(x);
    }
  }
  deep_ = deep;
}

void Verifier::fail(const Step& step, const std::string& why) const {
  throw ScheduleError("step " + std::to_string(step_index_) + " (" + describe(graph_, step) +
                      "): " + why);
}

void Verifier::apply(const Step& step) {
  const bool transfer = step.kind == StepKind::load || step.kind == StepKind::store;
  if (!transfer || step.id >= tensor_count_ || graph_.tensor(step.id).home <= 2)
    return apply(step, 1);
  // docs/model.md §15.8: a load is the up chain from the home, a store the down chain to it;
  // one step of the list.
  ++step_index_;
  const std::uint32_t home = graph_.tensor(step.id).home;
  if (step.kind == StepKind::load)
    for (std::uint32_t link = home - 1; link >= 1; --link) apply_hop(step, link);
  else
    for (std::uint32_t link = 1; link < home; ++link) apply_hop(step, link);
}

void Verifier::apply(const Step& step, std::uint32_t link) {
  switch (step.kind) {
    case StepKind::load:
      return apply_load(step, link);
    case StepKind::store:
      return apply_store(step, link);
    case StepKind::drop:
      return apply_drop(step);
    case StepKind::compute:
      return apply_compute(step);
  }
}

void Verifier::check_no_staging_copy(const Step& step, OpId o) const {
  for (TensorId t : written_by(graph_, o))
    for (std::uint32_t level = 2; level < graph_.tensor(t).home; ++level)
      if (staging_.contains(staging_key(t, level)))
        fail_with(step, [&] {
          return "rewrites '" + std::string(graph_.tensor_name(t)) +
                 "', whose staging copy at level " + std::to_string(level) + " no hop has read";
        });
}

// docs/model.md §15.7: a hop of a tensor homed below level 2, or over a link below level 1.
void Verifier::apply_hop(const Step& step, std::uint32_t link) {
  const TensorId t = step.id;
  const std::uint32_t home = graph_.tensor(t).home;
  const std::string name(graph_.tensor_name(t));
  if (link < 1 || link + 1 > home)
    fail_with(step, [&] {
      return "hops over link " + std::to_string(link) + ", but '" + name + "' lives at level " +
             std::to_string(home) + " (links 1 to " + std::to_string(home - 1) + " reach it)";
    });
  const bool up = step.kind == StepKind::load;
  const std::uint32_t from = up ? link + 1 : link, to = up ? link : link + 1;
  // The copy the hop reads: the home copy, a staging copy (consumed) or the cache's.
  if (from == home) {
    if (!dram_valid(t))
      fail_with(step, [&] { return "'" + name + "' has no valid copy at its home to load"; });
  } else if (from == 1) {
    if (!resident(t)) fail_with(step, [&] { return "tensor is not in the cache"; });
  } else if (staging_.erase(staging_key(t, from)) == 0) {
    fail_with(step, [&] {
      return "'" + name + "' has no copy at level " + std::to_string(from) + " to move";
    });
  }
  // The copy it writes.
  const std::uint64_t bytes = graph_.tensor(t).bytes;
  if (to == 1) {
    if (resident(t)) fail_with(step, [&] { return "tensor is already in the cache"; });
    enter_cache(step, t, bytes);
  } else if (to == home) {
    set(t, kDramValid, true);
  } else if (!staging_.insert(staging_key(t, to)).second) {
    fail_with(step, [&] {
      return "'" + name + "' already has a staging copy at level " + std::to_string(to);
    });
  }
  if (link == 1) {
    ++(up ? counts_.loads : counts_.stores);
    (up ? counts_.load_bytes : counts_.store_bytes) += bytes;
  }
  if (used_ > counts_.peak_cache_bytes) counts_.peak_cache_bytes = used_;
}

MoveCounts Verifier::finish() const {
  for (OpId o = 0; o < graph_.op_count(); ++o)
    if (computed_[o] == Flags{})
      throw ScheduleError("schedule ends before op '" + std::string(graph_.op_name(o)) + "' ran");
  for (TensorId t = 0; t < graph_.tensor_count(); ++t)
    if (graph_.tensor(t).required_output && !dram_valid(t))
      throw ScheduleError(
          "schedule ends with required output '" + std::string(graph_.tensor_name(t)) + "' not " +
          (graph_.tensor(t).home > 2 ? "at its home, level " + std::to_string(graph_.tensor(t).home)
                                     : std::string("in DRAM")));
  if (!staging_.empty()) {
    const std::uint64_t key = *std::min_element(staging_.begin(), staging_.end());
    throw ScheduleError("schedule ends with a staging copy of '" +
                        std::string(graph_.tensor_name(static_cast<TensorId>(key >> 5))) +
                        "' at level " + std::to_string(key & 31) + " that no hop read");
  }
  return counts_;
}

MoveCounts verify(const Graph& graph, std::uint64_t capacity, std::span<const Step> steps,
                  VerifierOptions options) {
  Verifier v(graph, capacity, options);
  for (const Step& s : steps) v.apply(s);
  return v.finish();
}

}  // namespace memsim
