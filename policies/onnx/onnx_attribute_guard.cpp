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

}  // namespace memsim
