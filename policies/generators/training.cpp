// Training schedule generator: see training.h for the tensors and ops it emits and why.
#include "policies/generators/training.h"

#include <algorithm>
#include <span>
#include <stdexcept>
#include <string>

#include "policies/generators/checkpointing.h"
#include "policies/generators/optimal_checkpoints.h"
#include "policies/models/layer_graph_builder.h"
#include "policies/tiling/nest_recorder.h"
#include "policies/tiling/tile_schedule.h"
#include "sim/scenario/scenario_spec.h"

namespace memsim {
namespace {

constexpr TensorId kNone = Graph::kNoTensor;

class TrainingBuilder {
 public:
  // record_nests: fill the loop nests for tiling (never in uniform mode, which does not tile).
  TrainingBuilder(const LayerGraph& model, const TrainingOptions& options, bool uniform,
                  bool record_nests)
      : m_(model),
        opt_(options),
        uniform_(uniform),
        n_(model.size()),
        nests_(model, record_nests && !uniform) {
    if (opt_.kept.empty()) opt_.kept.assign(n_ + 1, 1);
    if (opt_.kept.size() != n_ + 1)
      throw std::invalid_argument("TrainingOptions::kept needs one entry per activation X0..Xn");
    opt_.kept[0] = opt_.kept[n_] = 1;
    weight_.assign(n_, kNone);
    activation_.assign(n_, kNone);
    // Only with checkpointing (some X_j not kept): fewer fresh bytes per layer otherwise.
    if (std::find(opt_.kept.begin(), opt_.kept.end(), 0) != opt_.kept.end())
      recomputed_.assign(n_, kNone);
    gradient_.assign(n_, kNone);
    gradient_of_weight_.assign(n_, kNone);
    // Per layer only when some layer has extras (a dense chain has none: 48 bytes a layer).
    bool extras = false;
    for (LayerId i = 0; i < n_ && !extras; ++i) extras = !model.layer(i).extras.empty();
    if (extras) {
      extras_.assign(n_, {});
      recomputed_extras_.assign(n_, {});
    }
  }

  GeneratedSchedule build() && {
    if (n_ == 0) throw std::invalid_argument("a training schedule needs at least one layer");
    reserve();
    forward();
    loss();
    for (std::size_t i = n_; i-- > 0;) backward(static_cast<LayerId>(i));
    // after-backward: optimizer.step() visits the parameters in model.parameters() order,
    // which is layer order.
    std::sort(deferred_updates_.begin(), deferred_updates_.end());
    for (LayerId i : deferred_updates_) update(i);
    return {std::move(b_).build(), std::move(order_), nullptr};
  }

  Workload take_nests() && { return std::move(nests_).take(); }

 private:
  // Room for every tensor, op and operand the schedule can have, so that the graph's arrays
  // never grow by copying (a 10^6-layer chain's would be copied about 20 times). The counts are
  // upper bounds (every layer recomputed, every optimizer state): room never written is address
  // space, not memory.
  void reserve() {
    const OptimizerCost cost = optimizer_cost(opt_.optimizer);
    const std::size_t per_weight = 3 + (opt_.master_bytes > 0) + cost.state_count;
    std::size_t tensors = 3, ops = 1, operands = 3;  // the input, the label and the loss
    for (LayerId i = 0; i < n_; ++i) {
      const Layer& layer = m_.layer(i);
      const std::size_t extras = layer.extras.size(), inputs = m_.inputs(i).size();
      const bool recomputed = !opt_.kept[i + 1];
      tensors += (2 + extras) * (recomputed ? 2 : 1) + 1;
      ops += 2 + recomputed;
      operands += (2 + inputs + extras) * (recomputed ? 2 : 1);    // forward, recompute
      operands += 2 + layer.backward_data_reads->size() + inputs;  // dX
      if (layer.has_weight()) {
        ops += 2;  // dW, update
        operands += 2 + layer.backward_weight_reads->size() + per_weight;
        tensors += per_weight - 1;
      }
    }
    b_.reserve(tensors, ops, operands, 0, 0);
    order_.reserve(ops);
  }

  // The graph layer of model layer i.
  LayerIndex named(LayerId i) const { return first_layer_ + i; }
  std::uint64_t size(std::uint64_t bytes) const { return uniform_ ? 1 : bytes; }
  std::uint64_t grad_bytes() const { return opt_.grad_bytes ? opt_.grad_bytes : m_.dtype_bytes; }
  std::uint64_t state_bytes() const {
    return opt_.state_bytes    ? opt_.state_bytes
           : opt_.master_bytes ? opt_.master_bytes
                               : m_.dtype_bytes;
  }
  // The layer whose weight layer i uses: itself, or the one it is tied to (Layer::tied).
  LayerId owner(LayerId i) const { return m_.layer(i).weight_owner(i); }
  TensorId weight_of(LayerId i) const { return weight_[owner(i)]; }
  std::uint64_t act_bytes(LayerId i) const { return size(m_.activation_bytes(m_.layer(i))); }
  double elements(LayerId i) const {
    return static_cast<double>(m_.batch) * static_cast<double>(m_.layer(i).shape.elements());
  }

  void emit(LayerIndex layer, OpRole role, std::span<const TensorId> reads,
            std::span<const TensorId> writes, std::span<const TensorId> updates, double flops) {
    order_.push_back(b_.add_op(layer, role, reads, writes, updates, flops));
  }

  // A use for the loop nests, kept only when they are recorded (never in uniform mode).
  void note_use(std::vector<NestRecorder::Use>& uses, const NestRecorder::Use& use) const {
    if (nests_.enabled()) uses.push_back(use);
  }

  static void add_unique(std::vector<TensorId>& list, TensorId t) {
    if (std::find(list.begin(), list.end(), t) == list.end()) list.push_back(t);
  }

  void forward() {
    x0_ = b_.add_tensor(b_.add_layer("input"), TensorRole::none, size(m_.input_bytes()),
                        TensorKind::input, true);
    nests_.activation(x0_, kModelInput);
    // The model's layers' names, copied by runs: layer i is graph layer first_layer_ + i.
    first_layer_ = b_.add_layers(m_.names());
    for (LayerId i = 0; i < n_; ++i) {
      const Layer& layer = m_.layer(i);
      // Scratch lists kept between layers: no allocation per op.
      std::vector<TensorId>& reads = forward_reads_;
      std::vector<NestRecorder::Use>& uses = forward_uses_;
      std::vector<TensorId>& writes = forward_writes_;
      reads.clear();
      uses.clear();
      writes.clear();
      if (layer.params > 0) {
        weight_[i] = b_.add_tensor(named(i), TensorRole::weight, size(m_.weight_bytes(layer)),
                                   TensorKind::weight, true);
        nests_.weight(weight_[i], i);
      }
      const TensorId w = weight_[layer.weight_owner(i)];
      if (w != kNone) {
        reads.push_back(w);
        note_use(uses, {w, NestSlot::Kind::weight});
      }
      const std::span<const LayerId> inputs = m_.inputs(i);
      for (std::uint32_t j = 0; j < inputs.size(); ++j) {
        const LayerId from = inputs[j];
        add_unique(reads, from == kModelInput ? x0_ : activation_[from]);
        note_use(uses, {from == kModelInput ? x0_ : activation_[from], NestSlot::Kind::input, j});
      }
      activation_[i] = b_.add_tensor(named(i), TensorRole::out, size(m_.activation_bytes(layer)),
                                     TensorKind::activation, false);
      nests_.activation(activation_[i], i);
      note_use(uses, {activation_[i], NestSlot::Kind::output});
      writes.push_back(activation_[i]);
      // What the layer saves for backward beyond its inputs and output (indices, statistics,
      // masks). A layer whose output is not a checkpoint runs as under torch.no_grad() in
      // checkpointing: it saves nothing now, and its recompute writes them instead.
      // (extras_ is empty when no layer has extras: then no call per layer.)
      if (opt_.kept[i + 1] && !extras_.empty()) add_extras(i, false, writes, uses);
      emit(named(i), OpRole::forward, reads, writes, {}, layer.flops_forward);
      nests_.layer_op(order_.back(), i, NestRole::forward, uses);
    }
  }

  static TensorRole recomputed_role(TensorRole role) {
    switch (role) {
      case TensorRole::indices:
        return TensorRole::indices_recomputed;
      case TensorRole::mean:
        return TensorRole::mean_recomputed;
      case TensorRole::invstd:
        return TensorRole::invstd_recomputed;
      case TensorRole::mask:
        return TensorRole::mask_recomputed;
      default:
        throw std::logic_error("an extra tensor's role has no recomputed role");
    }
  }

  // Adds layer i's extra tensors ("pool.indices", "bn1.mean.recomputed") to `writes` and to
  // extras_[i] (recomputed_extras_[i]).
  void add_extras(LayerId i, bool recomputed, std::vector<TensorId>& writes,
                  std::vector<NestRecorder::Use>& uses) {
    const std::vector<ExtraTensor>& extras = m_.layer(i).extras;
    if (extras.empty()) return;
    std::vector<TensorId>& into = (recomputed ? recomputed_extras_ : extras_)[i];
    for (std::uint32_t x = 0; x < extras.size(); ++x) {
      const ExtraTensor& e = extras[x];
      into.push_back(b_.add_tensor(named(i), recomputed ? recomputed_role(e.role) : e.role,
                                   size(e.bytes()), TensorKind::activation, false));
      writes.push_back(into.back());
      nests_.extra(into.back(), i, x);
      note_use(uses, {into.back(), NestSlot::Kind::extra, x});
    }
  }

  void loss() {
    const LayerId last = static_cast<LayerId>(n_ - 1);
    if (opt_.fused_loss) {
      gradient_[last] = activation_[last];  // X_n is dL/dy^
      return;
    }
    const TensorId label = b_.add_tensor(b_.add_layer("label"), TensorRole::none, act_bytes(last),
                                         TensorKind::label, true);
    gradient_[last] = b_.add_tensor(named(last), TensorRole::out_grad, act_bytes(last),
                                    TensorKind::gradient, false);
    const TensorId loss_reads[] = {activation_[last], label}, loss_writes[] = {gradient_[last]};
    emit(b_.add_layer("loss"), OpRole::dX, loss_reads, loss_writes, {}, elements(last));
    nests_.activation(label, last);
    nests_.activation(gradient_[last], last);
    const TensorId loss_tensors[] = {activation_[last], label, gradient_[last]};
    nests_.elementwise_op(order_.back(), kModelInput, NestRole::loss, loss_tensors);
  }

  // The tensor holding X_j for the backward pass: X0, a checkpoint, or a recomputed copy. The
  // common cases inline, the recomputing out of line: a backward op asks this for each tensor
  // it reads.
  TensorId activation_for_backward(LayerId j) {
    if (j == kModelInput) return x0_;
    if (opt_.kept[j + 1]) return activation_[j];
    if (recomputed_[j] != kNone) return recomputed_[j];
    return recompute(j);
  }

  // Recomputes X_j, emitting the recompute ops it needs first, deepest first, without recursion
  // so that a million-layer chain cannot overflow the stack.
  [[gnu::noinline]] TensorId recompute(LayerId j) {
    std::vector<LayerId> stack{j};  // a path in the DAG, so no layer is on it twice
    while (!stack.empty()) {
      const LayerId top = stack.back();
      LayerId missing = kModelInput;
      for (LayerId in : m_.inputs(top))
        if (in != kModelInput && !opt_.kept[in + 1] && recomputed_[in] == kNone) missing = in;
      if (missing != kModelInput) {
        stack.push_back(missing);
        continue;
      }
      stack.pop_back();
      const Layer& layer = m_.layer(top);
      std::vector<TensorId> reads;
      std::vector<NestRecorder::Use> uses;
      if (weight_of(top) != kNone) {
        reads.push_back(weight_of(top));
        note_use(uses, {weight_of(top), NestSlot::Kind::weight});
      }
      const std::span<const LayerId> inputs = m_.inputs(top);
      for (std::uint32_t k = 0; k < inputs.size(); ++k) {
        const TensorId x = activation_for_backward(inputs[k]);
        add_unique(reads, x);
        note_use(uses, {x, NestSlot::Kind::input, k});
      }
      recomputed_[top] = b_.add_tensor(named(top), TensorRole::out_recomputed, act_bytes(top),
                                       TensorKind::activation, false);
      nests_.activation(recomputed_[top], top);
      note_use(uses, {recomputed_[top], NestSlot::Kind::output});
      std::vector<TensorId> writes{recomputed_[top]};
      add_extras(top, true, writes, uses);
      emit(named(top), OpRole::recompute, reads, writes, {}, layer.flops_forward);
      nests_.layer_op(order_.back(), top, NestRole::recompute, uses);
    }
    return recomputed_[j];
  }

  // The tensor a backward op of layer i reads for `ref` (Layer::backward_*_reads).
  TensorId saved(LayerId i, const SavedRef& ref) {
    switch (ref.of) {
      case SavedRef::Of::input:
        return activation_for_backward(m_.input_of(i, ref.index));
      case SavedRef::Of::output:
        return activation_for_backward(i);
      case SavedRef::Of::weight:
        return weight_of(i);
      case SavedRef::Of::extra:
        if (opt_.kept[i + 1]) return extras_[i].at(ref.index);
        activation_for_backward(i);  // recomputes layer i, which writes its extras again
        return recomputed_extras_[i].at(ref.index);
    }
    return kNone;
  }

  // The slot of layer i's nest that `ref`'s tensor takes.
  static NestRecorder::Use use_of(const SavedRef& ref, TensorId t) {
    switch (ref.of) {
      case SavedRef::Of::input:
        return {t, NestSlot::Kind::input, ref.index};
      case SavedRef::Of::output:
        return {t, NestSlot::Kind::output};
      case SavedRef::Of::weight:
        return {t, NestSlot::Kind::weight};
      case SavedRef::Of::extra:
        return {t, NestSlot::Kind::extra, ref.index};
    }
    return {t, NestSlot::Kind::output};
  }

  void backward(LayerId i) {
    const Layer& layer = m_.layer(i);
    const TensorId d = gradient_[i];
    if (d == kNone) {  // no gradient reaches this layer (its output feeds nothing)
      if (gradient_of_weight_[i] != kNone) weight_gradient_done(i);  // a tied layer's
      return;
    }
    if (layer.has_weight()) {
      // A tied layer (later in the model, so earlier in backward) writes the owner's gradient;
      // the owner's own dL/dW adds into it, one more FLOP per parameter.
      const LayerId o = layer.weight_owner(i);
      std::vector<TensorId>& reads = dw_reads_;
      std::vector<NestRecorder::Use>& uses = dw_uses_;
      reads.clear();
      reads.push_back(d);
      uses.clear();
      note_use(uses, {d, NestSlot::Kind::output});
      for (const SavedRef& ref : layer.backward_weight_reads) {
        const TensorId t = saved(i, ref);
        add_unique(reads, t);
        note_use(uses, use_of(ref, t));
      }
      TensorId& g = gradient_of_weight_[o];
      const bool first = g == kNone;
      if (first) {
        g = b_.add_tensor(named(o), TensorRole::weight_grad,
                          size(m_.layer(o).params * grad_bytes()), TensorKind::gradient, false);
        nests_.weight(g, o);
      }
      note_use(uses, {g, NestSlot::Kind::weight});
      const std::span<const TensorId> grad(&g, 1), none;
      emit(named(i), OpRole::dW, reads, first ? grad : none, first ? none : grad,
           layer.flops_backward_weight + (first ? 0 : static_cast<double>(m_.layer(o).params)));
      nests_.layer_op(order_.back(), i, NestRole::backward_weight, uses);
    }
    // Scratch lists kept between layers (no allocation per op); saved() may recompute, but a
    // recompute uses lists of its own.
    std::vector<TensorId>& reads = dx_reads_;
    std::vector<TensorId>& writes = dx_writes_;
    std::vector<TensorId>& accumulates = dx_accumulates_;
    std::vector<NestRecorder::Use>& uses = dx_uses_;
    std::vector<LayerId>& targets = dx_targets_;
    reads.clear();
    writes.clear();
    accumulates.clear();
    uses.clear();
    targets.clear();
    const auto& data_reads = layer.backward_data_reads;
    const bool reads_weight =
        std::any_of(data_reads.begin(), data_reads.end(),
                    [](const SavedRef& r) { return r.of == SavedRef::Of::weight; });
    if (reads_weight) {
      const TensorId w = weight_[layer.weight_owner(i)];
      reads.push_back(w);
      note_use(uses, {w, NestSlot::Kind::weight});
    }
    reads.push_back(d);
    note_use(uses, {d, NestSlot::Kind::output});
    double flops = layer.flops_backward_data;
    const std::span<const LayerId> inputs = m_.inputs(i);
    for (LayerId in : inputs)
      if (in != kModelInput && std::find(targets.begin(), targets.end(), in) == targets.end())
        targets.push_back(in);
    if (!targets.empty())
      for (const SavedRef& ref : data_reads)
        if (ref.of != SavedRef::Of::weight) {
          const TensorId t = saved(i, ref);
          add_unique(reads, t);
          note_use(uses, use_of(ref, t));
        }
    for (LayerId t : targets) {
      if (gradient_[t] == kNone) {
        gradient_[t] = b_.add_tensor(named(t), TensorRole::out_grad, act_bytes(t),
                                     TensorKind::gradient, false);
        nests_.activation(gradient_[t], t);
        writes.push_back(gradient_[t]);
      } else {
        accumulates.push_back(gradient_[t]);  // fan-out: dL/dX_t sums every consumer's part
        flops += elements(t);
      }
      if (nests_.enabled()) {  // the slot is asked only for the nests
        const auto slot =
            static_cast<std::uint32_t>(std::find(inputs.begin(), inputs.end(), t) - inputs.begin());
        uses.push_back({gradient_[t], NestSlot::Kind::input, slot});
      }
    }
    if (!targets.empty()) {
      emit(named(i), OpRole::dX, reads, writes, accumulates, flops);
      nests_.layer_op(order_.back(), i, NestRole::backward_data, uses);
    }
    if (layer.params > 0) weight_gradient_done(i);
  }

  // Layer i's weight gradient is complete (its own dL/dW and any tied layer's have run): it is
  // a required output, or its update runs now or after the backward pass.
  void weight_gradient_done(LayerId i) {
    const TensorId g = gradient_of_weight_[i];
    if (opt_.optimizer == Optimizer::none) {
      b_.mark_required_output(g);
      return;
    }
    if (opt_.update == UpdatePlacement::after_backward)
      deferred_updates_.push_back(i);
    else
      update(i);
  }

  // <layer>.update: reads .weight.grad, updates .weight and the optimizer state in place.
  void update(LayerId i) {
    const Layer& layer = m_.layer(i);
    const TensorId g = gradient_of_weight_[i];
    const OptimizerCost cost = optimizer_cost(opt_.optimizer);
    std::vector<TensorId>& updates = update_lists_;
    updates.assign(1, weight_[i]);
    if (opt_.master_bytes > 0) {
      updates.push_back(b_.add_tensor(named(i), TensorRole::weight_master,
                                      size(layer.params * opt_.master_bytes),
                                      TensorKind::optimizer_state, true));
      nests_.weight(updates.back(), i);
    }
    static constexpr TensorRole kStateRoles[] = {TensorRole::weight_m, TensorRole::weight_v};
    for (std::uint32_t s = 0; s < cost.state_count; ++s) {
      updates.push_back(b_.add_tensor(named(i), kStateRoles[s], size(layer.params * state_bytes()),
                                      TensorKind::optimizer_state, true));
      nests_.weight(updates.back(), i);
    }
    for (TensorId t : updates) b_.mark_required_output(t);
    emit(named(i), OpRole::update, std::span<const TensorId>(&g, 1), {}, updates,
         cost.flops_per_param * static_cast<double>(layer.params));
    std::vector<TensorId>& tensors = update_tensors_;
    tensors.assign(1, g);
    tensors.insert(tensors.end(), updates.begin(), updates.end());
    nests_.elementwise_op(order_.back(), i, NestRole::update, tensors);
  }

  const LayerGraph& m_;
  TrainingOptions opt_;
  bool uniform_;
  std::size_t n_;
  GraphBuilder b_;
  std::vector<OpId> order_;
  TensorId x0_ = kNone;
  LayerIndex first_layer_ = kNoLayer;  // the graph layer of model layer 0 (named())
  std::vector<TensorId> weight_, activation_, recomputed_, gradient_;  // per layer
  std::vector<TensorId> gradient_of_weight_;                           // .weight.grad, per layer
  std::vector<LayerId> deferred_updates_;  // after-backward: layers whose update waits
  std::vector<std::vector<TensorId>> extras_, recomputed_extras_;  // per layer
  NestRecorder nests_;                                             // loop nests, for tiling
  // Scratch lists of forward(), of backward()'s dW and dX ops and of update(), kept between
  // layers (no allocation per op).
  std::vector<TensorId> forward_reads_, forward_writes_, dx_reads_, dx_writes_, dx_accumulates_;
  std::vector<TensorId> dw_reads_, update_lists_, update_tensors_;
  std::vector<NestRecorder::Use> forward_uses_, dx_uses_, dw_uses_;
  std::vector<LayerId> dx_targets_;
};

}  // namespace

GeneratedSchedule generate_training_graph(const LayerGraph& model, const TrainingOptions& options,
                                          bool uniform) {
  return TrainingBuilder(model, options, uniform, false).build();
}

GeneratedSchedule generate_training_graph(const LayerGraph& model, const TrainingOptions& options,
                                          bool uniform, Workload& nests) {
  TrainingBuilder builder(model, options, uniform, true);
  GeneratedSchedule schedule = std::move(builder).build();
  nests = std::move(builder).take_nests();
  return schedule;
}

TrainingOptions training_options(const ScheduleSpec& s, const LayerGraph& model, bool uniform,
                                 std::uint64_t dram_capacity) {
  TrainingOptions options;
  options.fused_loss = s.loss == "fused";
  if (!parse_optimizer(s.optimizer, options.optimizer))
    throw ScenarioError(s.kind_pos, "schedule.optimizer: unknown optimizer '" + s.optimizer +
                                        "'; expected none, sgd, momentum or adam");
  options.update =
      s.update == "per-layer" ? UpdatePlacement::per_layer : UpdatePlacement::after_backward;
  options.grad_bytes = s.grad_bytes;
  options.master_bytes = s.master_bytes;
  options.state_bytes = s.optimizer_bytes;
  options.kept = s.checkpoint == "optimal"
                     ? optimal_checkpoints(model, options, uniform, dram_capacity).kept
                     : resolve_checkpoints(s, model.size());
  return options;
}

GeneratedSchedule generate_training(const GeneratorInput& in) {
  return generate_training(in, {});
}

GeneratedSchedule generate_training(const GeneratorInput& in, const TilingBounds& bounds) {
  const LayerGraph model = build_layer_graph(in.model, !in.uniform);
  const TrainingOptions options =
      training_options(in.schedule, model, in.uniform, in.dram_capacity);
  const TilingInput tiling{model, in.schedule, in.cache_capacity, in.uniform, bounds};
  // The loop nests cost more than the graph (vectors per op and tensor): they are recorded, in
  // a second build, only when some op may be tiled.
  GeneratedSchedule schedule = generate_training_graph(model, options, in.uniform);
  if (!tiling_may_apply(schedule.graph, schedule.order, tiling)) return schedule;
  Workload nests;
  schedule = generate_training_graph(model, options, in.uniform, nests);
  return tile_schedule(std::move(schedule), nests, tiling);
}

}  // namespace memsim
