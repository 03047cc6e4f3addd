// ResNet's residual blocks as torchvision builds them (torchvision/models/resnet.py), expanded
// into layers named like torchvision's modules ("layer1.0.conv1", "layer1.0.downsample.0"):
//   basic_block: conv1 3x3/stride - bn1 - relu1 - conv2 3x3 - bn2 - add(shortcut) - relu2
//   bottleneck:  conv1 1x1 - bn1 - relu1 - conv2 3x3/stride - bn2 - relu2 - conv3 1x1 - bn3
//                - add(shortcut) - relu3 (the stride sits on the 3x3, "ResNet v1.5")
// The shortcut is the block's input, or a projection (downsample.0 1x1 conv with the stride,
// downsample.1 batch-norm) when the stride is not 1 or the channels change.
#include "policies/models/layer_graph_builder.h"

namespace memsim {
namespace {

LayerParam integer(std::uint64_t v) {
  return LayerParam{static_cast<std::int64_t>(v), {}};
}

BlockBuilder::Params conv(std::uint64_t out, std::uint64_t kernel, std::uint64_t stride,
                          std::uint64_t padding, std::uint64_t groups = 1) {
  return {{"out", integer(out)},
          {"kernel", integer(kernel)},
          {"stride", integer(stride)},
          {"padding", integer(padding)},
          {"groups", integer(groups)}};
}

// The block's input, or its 1x1 projection when the shape changes.
LayerId shortcut(BlockBuilder& b, LayerId input, std::uint64_t out, std::uint64_t stride) {
  if (stride == 1 && b.shape(input).c == out) return input;
  const LayerId projected = b.add("conv2d", "downsample.0", conv(out, 1, stride, 0), {input});
  return b.add("batchnorm", "downsample.1", {}, {projected});
}

}  // namespace

LayerId expand_basic_block(BlockBuilder& b, LayerId input, const LayerParams& p) {
  const std::uint64_t out = p.positive("out");
  const std::uint64_t stride = p.positive_or("stride", 1);
  LayerId x = b.add("conv2d", "conv1", conv(out, 3, stride, 1), {input});
  x = b.add("batchnorm", "bn1", {}, {x});
  x = b.add("relu", "relu1", {}, {x});
  x = b.add("conv2d", "conv2", conv(out, 3, 1, 1), {x});
  x = b.add("batchnorm", "bn2", {}, {x});
  const LayerId sum = b.add("add", "add", {}, {x, shortcut(b, input, out, stride)});
  return b.add("relu", "relu2", {}, {sum});
}

LayerId expand_bottleneck(BlockBuilder& b, LayerId input, const LayerParams& p) {
  const std::uint64_t out = p.positive("out");
  const std::uint64_t stride = p.positive_or("stride", 1);
  const std::uint64_t groups = p.positive_or("groups", 1);
  if (!p.has("width") && out % 4 != 0)
    p.fail("out = " + std::to_string(out) +
           " is not a multiple of 4; give the inner width (width = ...) explicitly");
  const std::uint64_t width = p.positive_or("width", out / 4);
  LayerId x = b.add("conv2d", "conv1", conv(width, 1, 1, 0), {input});
  x = b.add("batchnorm", "bn1", {}, {x});
  x = b.add("relu", "relu1", {}, {x});
  x = b.add("conv2d", "conv2", conv(width, 3, stride, 1, groups), {x});
  x = b.add("batchnorm", "bn2", {}, {x});
  x = b.add("relu", "relu2", {}, {x});
  x = b.add("conv2d", "conv3", conv(out, 1, 1, 0), {x});
  x = b.add("batchnorm", "bn3", {}, {x});
  const LayerId sum = b.add("add", "add", {}, {x, shortcut(b, input, out, stride)});
  return b.add("relu", "relu3", {}, {sum});
}

}  // namespace memsim
