#pragma once
// What a generator calls, as it creates tensors and ops, to fill the schedule's Workload (the
// loop nests beside the graph, sim/model/loop_nest.h). One call per tensor and per op; nothing
// is recorded in uniform mode (tensors as units are never tiled).
//
// A layer's ops all run over its forward nest (Layer::nest): the forward op and its recompute
// read the input slots and the weight slot and write the output slot; dL/dX writes the input
// slots' projections of the input gradients from the output slot's of dL/dY; dL/dW writes the
// weight slot's projection of the weight gradient. The loss and the optimizer's update run
// element-wise over the axes of the tensor they follow.
#include <initializer_list>
#include <span>

#include "sim/model/layer_graph.h"
#include "sim/model/loop_nest.h"

namespace memsim {

class NestRecorder {
 public:
  NestRecorder(const LayerGraph& model, bool enabled) : m_(model), enabled_(enabled) {}

  // Whether anything is recorded: a generator may skip building the uses it would pass. The
  // calls below are inline and do nothing when it is not, so that a generator adding a million
  // ops pays no call per op (issue 16).
  bool enabled() const { return enabled_; }

  // X0 (layer kModelInput) or layer `layer`'s output, and anything shaped like it (its
  // gradient, its recomputed copy, the label).
  void activation(TensorId t, LayerId layer) {
    if (enabled_) record_activation(t, layer);
  }
  // Layer `layer`'s weight, and anything shaped like it (gradient, optimizer state).
  void weight(TensorId t, LayerId layer) {
    if (enabled_) record_weight(t, layer);
  }
  // Layer `layer`'s extra tensor number `index` (Layer::extras), or its recomputed copy.
  void extra(TensorId t, LayerId layer, std::uint32_t index) {
    if (enabled_) record_extra(t, layer, index);
  }

  struct Use {
    TensorId tensor;
    NestSlot::Kind slot;
    std::uint32_t index = 0;  // which input slot
  };
  // An op of layer `layer` over its nest; each tensor takes its slot's projection (a tensor
  // named twice keeps the first). A tensor whose slot the nest lacks, or whose axes do not match
  // the slot's, leaves the op whole.
  void layer_op(OpId o, LayerId layer, NestRole role, std::initializer_list<Use> uses) {
    if (enabled_) record_layer_op(o, layer, role, std::span<const Use>(uses.begin(), uses.size()));
  }
  void layer_op(OpId o, LayerId layer, NestRole role, std::span<const Use> uses) {
    if (enabled_) record_layer_op(o, layer, role, uses);
  }
  // An element-wise op over the axes of `tensors[0]`; every tensor has those axes.
  void elementwise_op(OpId o, LayerId layer, NestRole role, std::span<const TensorId> tensors) {
    if (enabled_) record_elementwise_op(o, layer, role, tensors);
  }

  Workload take() && { return std::move(w_); }

 private:
  void record_activation(TensorId t, LayerId layer);
  void record_weight(TensorId t, LayerId layer);
  void record_extra(TensorId t, LayerId layer, std::uint32_t index);
  void record_layer_op(OpId o, LayerId layer, NestRole role, std::span<const Use> uses);
  void record_elementwise_op(OpId o, LayerId layer, NestRole role,
                             std::span<const TensorId> tensors);
  void set_axes(TensorId t, TensorAxes axes);
  OpNest& op(OpId o, LayerId layer, NestRole role);
  const LayerGraph& m_;
  bool enabled_;
  Workload w_;
};

}  // namespace memsim
