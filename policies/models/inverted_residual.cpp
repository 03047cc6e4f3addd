// MobileNetV2's inverted bottleneck (torchvision/models/mobilenetv2.py, InvertedResidual),
// expanded into layers "<block>.expand.conv" ... "<block>.add":
//   expand:    1x1 conv c -> t*c, batch-norm, relu6   (absent when the expansion t is 1)
//   depthwise: 3x3 depthwise with the stride, batch-norm, relu6
//   project:   1x1 conv t*c -> out, batch-norm (linear: no activation)
//   add:       the block's input, when the stride is 1 and the channels match
#include "policies/models/layer_graph_builder.h"

namespace memsim {
namespace {

LayerParam integer(std::uint64_t v) {
  return LayerParam{static_cast<std::int64_t>(v), {}};
}

// torchvision's Conv2dNormActivation builds nn.ReLU6() without inplace: autograd then saves
// the activation's input as well as its output (policies/models/activation.cpp).
BlockBuilder::Params out_of_place() {
  return {{"inplace", LayerParam{false, {}}}};
}

}  // namespace

LayerId expand_inverted_residual(BlockBuilder& b, LayerId input, const LayerParams& p) {
  const std::uint64_t out = p.positive("out");
  const std::uint64_t stride = p.positive_or("stride", 1);
  const std::uint64_t t = p.positive("expansion");
  const std::uint64_t in = b.shape(input).c;
  LayerId x = input;
  if (t != 1) {
    x = b.add("pointwise", "expand.conv", {{"out", integer(in * t)}}, {x});
    x = b.add("batchnorm", "expand.bn", {}, {x});
    x = b.add("relu6", "expand.relu6", out_of_place(), {x});
  }
  x = b.add("depthwise", "depthwise.conv",
            {{"kernel", integer(3)}, {"stride", integer(stride)}, {"padding", integer(1)}}, {x});
  x = b.add("batchnorm", "depthwise.bn", {}, {x});
  x = b.add("relu6", "depthwise.relu6", out_of_place(), {x});
  x = b.add("pointwise", "project.conv", {{"out", integer(out)}}, {x});
  x = b.add("batchnorm", "project.bn", {}, {x});
  if (stride == 1 && in == out) x = b.add("add", "add", {}, {x, input});
  return x;
}

}  // namespace memsim
