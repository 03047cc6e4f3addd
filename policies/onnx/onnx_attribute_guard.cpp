#include "policies/onnx/onnx_attribute_guard.h"

#include <cstdint>
#include <string_view>

namespace memsim {

void check_window_attributes(const OnnxGraphView& view, const onnx::GraphProto& graph) {
  for (const onnx::NodeProto& node : graph.node())
    for (const onnx::AttributeProto& a : node.attribute()) {
      const std::string_view name = a.name();
      const std::int64_t min = name == "pads" ? 0 : 1;
      OnnxDims values;
      if (name == "group")
        values = {a.i()};
      else if (name == "strides" || name == "dilations" || name == "kernel_shape" || name == "pads")
        values.assign(a.ints().begin(), a.ints().end());
      // memsim's layer keys take window values below 2^31 (LayerParams::pair_or).
      const std::int64_t max = name == "group" ? INT64_MAX : std::int64_t{0x7fffffff};
      for (const std::int64_t v : values) {
        if (v >= min && v <= max) continue;
        if (name == "group")
          view.fail(node, "has group " + std::to_string(v) + "; it must be at least 1");
        std::string text;
        for (const std::int64_t x : values) text += (text.empty() ? "" : ", ") + std::to_string(x);
        view.fail(node, "has " + a.name() + " [" + text + "]; each must be from " +
                            std::to_string(min) + " to " + std::to_string(max));
      }
    }
}

void add_conv_kernel_shapes(const OnnxGraphView& view, onnx::GraphProto& graph) {
  for (onnx::NodeProto& node : *graph.mutable_node()) {
    if (node.op_type() != "Conv") continue;
    bool has_kernel = false;
    for (const onnx::AttributeProto& a : node.attribute()) has_kernel |= a.name() == "kernel_shape";
    if (has_kernel) continue;
    const onnx::TensorProto* w = node.input_size() > 1 ? view.constant(node.input(1)) : nullptr;
    if (!w)
      view.fail(node,
                "has no stored weight (an initializer) at input 2; memsim maps products by a "
                "stored weight");
    onnx::AttributeProto& k = *node.add_attribute();
    k.set_name("kernel_shape");
    k.set_type(onnx::AttributeProto::INTS);
    for (int i = 2; i < w->dims_size(); ++i) k.add_ints(w->dims(i));
  }
}

}  // namespace memsim
