// Element-wise activations (relu, relu6, sigmoid, tanh, gelu, silu): no parameters, the shape
// unchanged; 1 FLOP per element forward and 1 for dL/dX (a convention: their cost is negligible
// next to the convolutions and dense layers around them). Backward reads the output (relu,
// sigmoid, tanh, and relu6 with inplace = true, the default) or the input (gelu, silu, and
// relu6 with inplace = false: torchvision's MobileNetV2 builds ReLU6() out of place), as
// autograd saves them. `inplace` changes nothing else (memsim writes a new tensor either way).
#include "policies/models/layer_graph_builder.h"
#include "policies/models/layer_nests.h"

namespace memsim {

Layer build_activation(const LayerContext& ctx, const LayerParams& p) {
  const Shape& in = ctx.input_shapes.at(0);
  const double elements = static_cast<double>(ctx.batch) * static_cast<double>(in.elements());
  Layer l;
  l.shape = in;
  l.flops_forward = elements;
  l.flops_backward_data = elements;
  // relu, sigmoid and tanh save their output; relu6 its output when in place (hardtanh_), its
  // input otherwise (hardtanh); gelu and silu their input (derivatives.yaml).
  const std::string& type = ctx.spec.type;
  const bool inplace = p.flag_or("inplace", true);
  const bool saves_output =
      type == "relu" || (type == "relu6" && inplace) || type == "sigmoid" || type == "tanh";
  l.backward_data_reads = {saves_output ? SavedRef{SavedRef::Of::output, 0}
                                        : SavedRef{SavedRef::Of::input, 0}};
  l.nest = elementwise_nest(ctx.batch, in, 1);
  return l;
}

}  // namespace memsim
