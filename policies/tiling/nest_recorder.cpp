#include "policies/tiling/nest_recorder.h"

#include "policies/models/layer_nests.h"

namespace memsim {

void NestRecorder::set_axes(TensorId t, TensorAxes axes) {
  if (w_.tensors.size() <= t) w_.tensors.resize(t + 1);
  w_.tensors[t] = std::move(axes);
}

void NestRecorder::record_activation(TensorId t, LayerId layer) {
  set_axes(t, activation_axes(layer == kModelInput ? m_.input : m_.layer(layer).shape, m_.batch));
}

void NestRecorder::record_weight(TensorId t, LayerId layer) {
  set_axes(t, m_.layer(layer).nest->weight_axes);
}

void NestRecorder::record_extra(TensorId t, LayerId layer, std::uint32_t index) {
  const std::vector<TensorAxes>& axes = m_.layer(layer).nest->extra_axes;
  if (index < axes.size()) set_axes(t, axes[index]);
}

OpNest& NestRecorder::op(OpId o, LayerId layer, NestRole role) {
  if (w_.ops.size() <= o) {
    w_.ops.resize(o + 1);
    w_.origins.resize(o + 1);
  }
  w_.origins[o] = {layer, role};
  return w_.ops[o];
}

void NestRecorder::record_layer_op(OpId o, LayerId layer, NestRole role,
                                   std::span<const Use> uses) {
  OpNest& nest = op(o, layer, role);
  const NestTemplate& t = m_.layer(layer).nest;
  if (t.empty()) return;
  OpNest built;
  built.dims = t.dims;
  for (const Use& u : uses) {
    if (built.find(u.tensor)) continue;
    const NestSlot* s = t.slot(u.slot, u.index);
    if (!s) return;  // a tensor the nest does not describe: the op stays whole
    if (u.tensor >= w_.tensors.size() || w_.tensors[u.tensor].extents.size() != s->axes.size())
      return;  // a tensor without matching axes: the op stays whole
    built.operands.push_back({u.tensor, s->axes});
  }
  nest = std::move(built);
}

void NestRecorder::record_elementwise_op(OpId o, LayerId layer, NestRole role,
                                         std::span<const TensorId> tensors) {
  OpNest& nest = op(o, layer, role);
  if (tensors.empty() || tensors[0] >= w_.tensors.size()) return;
  const TensorAxes& axes = w_.tensors[tensors[0]];
  if (axes.empty()) return;
  OpNest built;
  std::vector<AxisMap> identity;
  for (std::size_t a = 0; a < axes.extents.size(); ++a) {
    built.dims.push_back({axes.names[a], axes.extents[a]});
    identity.push_back(AxisMap::of(static_cast<std::uint8_t>(a)));
  }
  for (TensorId t : tensors) {
    if (t >= w_.tensors.size() || w_.tensors[t].extents != axes.extents) return;
    built.operands.push_back({t, identity});
  }
  nest = std::move(built);
}

}  // namespace memsim
