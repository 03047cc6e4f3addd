#include "policies/onnx/onnx_attribute_guard.h"

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
      for (const std::int64_t v : values) {
        if (v >= min) continue;
        std::string text;
        for (const std::int64_t x : values) text += (text.empty() ? "" : ", ") + std::to_string(x);
        if (name != "group") text = "[" + text + "]";
        view.fail(node, "has " + a.name() + " " + text + "; " + (name == "group" ? "it" : "each") +
                            " must be at least " + std::to_string(min));
      }
    }
}

}  // namespace memsim
