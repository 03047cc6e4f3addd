#pragma once
// Attribute values ONNX 1.12's shape inference cannot take: it divides by a stride without
// checking it (a zero stride in a Conv or pooling node ends the process with SIGFPE inside
// convPoolShapeInference), and trusts group, dilations and kernel sizes the same way. So before
// shape inference runs, every node's `strides`, `dilations`, `kernel_shape` and `group` must
// be at least 1 and its `pads` at least 0, whatever its op type; and the window values below
// 2^31, as memsim's layer keys take them.
#include <onnx/onnx_pb.h>

#include "policies/onnx/onnx_graph_view.h"

namespace memsim {

// Fails (view.fail: the node, its op type and the file) at the first value out of range.
void check_window_attributes(const OnnxGraphView& view, const onnx::GraphProto& graph);

// ONNX 1.12 takes a Conv's kernel size from its weight when kernel_shape is absent, and then
// indexes the input's dimensions by the weight's without checking that their ranks agree (a
// 4-D weight on 3-D data read past the input's shape). In the copy shape inference runs on,
// each Conv gets kernel_shape from its stored weight, so that ONNX checks the ranks; a Conv
// without a stored weight is refused (memsim maps none).
void add_conv_kernel_shapes(const OnnxGraphView& view, onnx::GraphProto& graph);

}  // namespace memsim
