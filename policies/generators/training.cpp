// Training schedule generator: see training.h for the tensors and ops it emits and why.
#include "policies/generators/training.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "policies/generators/checkpointing.h"
#include "policies/generators/optimal_checkpoints.h"
#include "policies/models/layer_graph_builder.h"
#include "sim/scenario/scenario_spec.h"

namespace memsim {
namespace {

constexpr TensorId kNone = Graph::kNoTensor;

class TrainingBuilder {
 public:
  TrainingBuilder(const LayerGraph& model, const TrainingOptions& options, bool uniform)
      : m_(model), opt_(options), uniform_(uniform), n_(model.layers.size()) {
    if (opt_.kept.empty()) opt_.kept.assign(n_ + 1, 1);
    if (opt_.kept.size() != n_ + 1)
      throw std::invalid_argument("TrainingOptions::kept needs one entry per activation X0..Xn");
    opt_.kept[0] = opt_.kept[n_] = 1;
    layer_.assign(n_, kNoLayer);
    weight_.assign(n_, kNone);
    activation_.assign(n_, kNone);
    recomputed_.assign(n_, kNone);
    gradient_.assign(n_, kNone);
    gradient_of_weight_.assign(n_, kNone);
    extras_.assign(n_, {});
    recomputed_extras_.assign(n_, {});
  }

  GeneratedSchedule build() && {
    if (n_ == 0) throw std::invalid_argument("a training schedule needs at least one layer");
    forward();
    loss();
    for (std::size_t i = n_; i-- > 0;) backward(static_cast<LayerId>(i));
    // after-backward: optimizer.step() visits the parameters in model.parameters() order,
    // which is layer order.
    std::sort(deferred_updates_.begin(), deferred_updates_.end());
    for (LayerId i : deferred_updates_) update(i);
    return {std::move(b_).build(), std::move(order_)};
  }

 private:
  std::uint64_t size(std::uint64_t bytes) const { return uniform_ ? 1 : bytes; }
  std::uint64_t grad_bytes() const { return opt_.grad_bytes ? opt_.grad_bytes : m_.dtype_bytes; }
  std::uint64_t state_bytes() const {
    return opt_.state_bytes    ? opt_.state_bytes
           : opt_.master_bytes ? opt_.master_bytes
                               : m_.dtype_bytes;
  }
  // The layer whose weight layer i uses: itself, or the one it is tied to (Layer::tied).
  LayerId owner(LayerId i) const { return m_.layers[i].tied != kNotTied ? m_.layers[i].tied : i; }
  TensorId weight_of(LayerId i) const { return weight_[owner(i)]; }
  std::uint64_t act_bytes(LayerId i) const { return size(m_.activation_bytes(m_.layers[i])); }
  double elements(LayerId i) const {
    return static_cast<double>(m_.batch) * static_cast<double>(m_.layers[i].shape.elements());
  }

  void emit(LayerIndex layer, OpRole role, const std::vector<TensorId>& reads,
            const std::vector<TensorId>& writes, const std::vector<TensorId>& updates,
            double flops) {
    order_.push_back(b_.add_op(layer, role, reads, writes, updates, flops));
  }

  static void add_unique(std::vector<TensorId>& list, TensorId t) {
    if (std::find(list.begin(), list.end(), t) == list.end()) list.push_back(t);
  }

  void forward() {
    x0_ = b_.add_tensor(b_.add_layer("input"), TensorRole::none, size(m_.input_bytes()),
                        TensorKind::input, true);
    for (LayerId i = 0; i < n_; ++i) {
      const Layer& layer = m_.layers[i];
      layer_[i] = b_.add_layer(layer.name);
      std::vector<TensorId> reads;
      if (layer.params > 0)
        weight_[i] = b_.add_tensor(layer_[i], TensorRole::weight, size(m_.weight_bytes(layer)),
                                   TensorKind::weight, true);
      if (weight_of(i) != kNone) reads.push_back(weight_of(i));
      for (LayerId from : layer.inputs)
        add_unique(reads, from == kModelInput ? x0_ : activation_[from]);
      activation_[i] =
          b_.add_tensor(layer_[i], TensorRole::out, act_bytes(i), TensorKind::activation, false);
      std::vector<TensorId> writes{activation_[i]};
      // What the layer saves for backward beyond its inputs and output (indices, statistics,
      // masks). A layer whose output is not a checkpoint runs as under torch.no_grad() in
      // checkpointing: it saves nothing now, and its recompute writes them instead.
      if (opt_.kept[i + 1]) add_extras(i, false, writes, extras_[i]);
      emit(layer_[i], OpRole::forward, reads, writes, {}, layer.flops_forward);
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

  // Adds layer i's extra tensors ("pool.indices", "bn1.mean.recomputed") to `writes` and `into`.
  void add_extras(LayerId i, bool recomputed, std::vector<TensorId>& writes,
                  std::vector<TensorId>& into) {
    for (const ExtraTensor& e : m_.layers[i].extras) {
      into.push_back(b_.add_tensor(layer_[i], recomputed ? recomputed_role(e.role) : e.role,
                                   size(e.bytes()), TensorKind::activation, false));
      writes.push_back(into.back());
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
    gradient_[last] = b_.add_tensor(layer_[last], TensorRole::out_grad, act_bytes(last),
                                    TensorKind::gradient, false);
    emit(b_.add_layer("loss"), OpRole::dX, {activation_[last], label}, {gradient_[last]}, {},
         elements(last));
  }

  // The tensor holding X_j for the backward pass: X0, a checkpoint, or a recomputed copy
  // (emitting the recompute ops it needs first, deepest first, without recursion so that a
  // million-layer chain cannot overflow the stack).
  TensorId activation_for_backward(LayerId j) {
    if (j == kModelInput) return x0_;
    if (opt_.kept[j + 1]) return activation_[j];
    if (recomputed_[j] != kNone) return recomputed_[j];
    std::vector<LayerId> stack{j};  // a path in the DAG, so no layer is on it twice
    while (!stack.empty()) {
      const LayerId top = stack.back();
      LayerId missing = kModelInput;
      for (LayerId in : m_.layers[top].inputs)
        if (in != kModelInput && !opt_.kept[in + 1] && recomputed_[in] == kNone) missing = in;
      if (missing != kModelInput) {
        stack.push_back(missing);
        continue;
      }
      stack.pop_back();
      const Layer& layer = m_.layers[top];
      std::vector<TensorId> reads;
      if (weight_of(top) != kNone) reads.push_back(weight_of(top));
      for (LayerId in : layer.inputs) add_unique(reads, activation_for_backward(in));
      recomputed_[top] = b_.add_tensor(layer_[top], TensorRole::out_recomputed, act_bytes(top),
                                       TensorKind::activation, false);
      std::vector<TensorId> writes{recomputed_[top]};
      add_extras(top, true, writes, recomputed_extras_[top]);
      emit(layer_[top], OpRole::recompute, reads, writes, {}, layer.flops_forward);
    }
    return recomputed_[j];
  }

  // The tensor a backward op of layer i reads for `ref` (Layer::backward_*_reads).
  TensorId saved(LayerId i, const SavedRef& ref) {
    const Layer& layer = m_.layers[i];
    switch (ref.of) {
      case SavedRef::Of::input:
        return activation_for_backward(layer.inputs.at(ref.index));
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

  void backward(LayerId i) {
    const Layer& layer = m_.layers[i];
    const TensorId d = gradient_[i];
    if (d == kNone) {  // no gradient reaches this layer (its output feeds nothing)
      if (gradient_of_weight_[i] != kNone) weight_gradient_done(i);  // a tied layer's
      return;
    }
    if (layer.has_weight()) {
      // A tied layer (later in the model, so earlier in backward) writes the owner's gradient;
      // the owner's own dL/dW adds into it, one more FLOP per parameter.
      const LayerId o = owner(i);
      std::vector<TensorId> reads{d};
      for (const SavedRef& ref : layer.backward_weight_reads) add_unique(reads, saved(i, ref));
      TensorId& g = gradient_of_weight_[o];
      const bool first = g == kNone;
      if (first)
        g = b_.add_tensor(layer_[o], TensorRole::weight_grad,
                          size(m_.layers[o].params * grad_bytes()), TensorKind::gradient, false);
      emit(layer_[i], OpRole::dW, reads, first ? std::vector<TensorId>{g} : std::vector<TensorId>{},
           first ? std::vector<TensorId>{} : std::vector<TensorId>{g},
           layer.flops_backward_weight + (first ? 0 : static_cast<double>(m_.layers[o].params)));
    }
    std::vector<TensorId> reads, writes, accumulates;
    const auto& data_reads = layer.backward_data_reads;
    const bool reads_weight =
        std::any_of(data_reads.begin(), data_reads.end(),
                    [](const SavedRef& r) { return r.of == SavedRef::Of::weight; });
    if (reads_weight) reads.push_back(weight_of(i));
    reads.push_back(d);
    double flops = layer.flops_backward_data;
    std::vector<LayerId> targets;
    for (LayerId in : layer.inputs)
      if (in != kModelInput && std::find(targets.begin(), targets.end(), in) == targets.end())
        targets.push_back(in);
    if (!targets.empty())
      for (const SavedRef& ref : data_reads)
        if (ref.of != SavedRef::Of::weight) add_unique(reads, saved(i, ref));
    for (LayerId t : targets) {
      if (gradient_[t] == kNone) {
        gradient_[t] = b_.add_tensor(layer_[t], TensorRole::out_grad, act_bytes(t),
                                     TensorKind::gradient, false);
        writes.push_back(gradient_[t]);
      } else {
        accumulates.push_back(gradient_[t]);  // fan-out: dL/dX_t sums every consumer's part
        flops += elements(t);
      }
    }
    if (!targets.empty()) emit(layer_[i], OpRole::dX, reads, writes, accumulates, flops);
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
    const Layer& layer = m_.layers[i];
    const TensorId g = gradient_of_weight_[i];
    const OptimizerCost cost = optimizer_cost(opt_.optimizer);
    std::vector<TensorId> updates{weight_[i]};
    if (opt_.master_bytes > 0)
      updates.push_back(b_.add_tensor(layer_[i], TensorRole::weight_master,
                                      size(layer.params * opt_.master_bytes),
                                      TensorKind::optimizer_state, true));
    static constexpr TensorRole kStateRoles[] = {TensorRole::weight_m, TensorRole::weight_v};
    for (std::uint32_t s = 0; s < cost.state_count; ++s)
      updates.push_back(b_.add_tensor(layer_[i], kStateRoles[s], size(layer.params * state_bytes()),
                                      TensorKind::optimizer_state, true));
    for (TensorId t : updates) b_.mark_required_output(t);
    emit(layer_[i], OpRole::update, {g}, {}, updates,
         cost.flops_per_param * static_cast<double>(layer.params));
  }

  const LayerGraph& m_;
  TrainingOptions opt_;
  bool uniform_;
  std::size_t n_;
  GraphBuilder b_;
  std::vector<OpId> order_;
  TensorId x0_ = kNone;
  std::vector<LayerIndex> layer_;                                      // per layer
  std::vector<TensorId> weight_, activation_, recomputed_, gradient_;  // per layer
  std::vector<TensorId> gradient_of_weight_;                           // .weight.grad, per layer
  std::vector<LayerId> deferred_updates_;  // after-backward: layers whose update waits
  std::vector<std::vector<TensorId>> extras_, recomputed_extras_;  // per layer
};

}  // namespace

GeneratedSchedule generate_training_graph(const LayerGraph& model, const TrainingOptions& options,
                                          bool uniform) {
  return TrainingBuilder(model, options, uniform).build();
}

GeneratedSchedule generate_training(const GeneratorInput& in) {
  const LayerGraph model = build_layer_graph(in.model);
  TrainingOptions options;
  options.fused_loss = in.schedule.loss == "fused";
  if (!parse_optimizer(in.schedule.optimizer, options.optimizer))
    throw ScenarioError(in.schedule.kind_pos, "schedule.optimizer: unknown optimizer '" +
                                                  in.schedule.optimizer +
                                                  "'; expected none, sgd, momentum or adam");
  options.update = in.schedule.update == "per-layer" ? UpdatePlacement::per_layer
                                                     : UpdatePlacement::after_backward;
  options.grad_bytes = in.schedule.grad_bytes;
  options.master_bytes = in.schedule.master_bytes;
  options.state_bytes = in.schedule.optimizer_bytes;
  options.kept = in.schedule.checkpoint == "optimal"
                     ? optimal_checkpoints(model, options, in.uniform, in.dram_capacity).kept
                     : resolve_checkpoints(in.schedule, model.layers.size());
  return generate_training_graph(model, options, in.uniform);
}

}  // namespace memsim
