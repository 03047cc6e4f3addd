#pragma once
// Small pieces both SVG pictures (time line, sweep plot) share: XML escaping, coordinates
// as short fixed-point text, axis ticks at round numbers, and a guess of text width.
#include <string>
#include <string_view>
#include <vector>

namespace memsim {

// Escapes & < > " ' for use in XML text and attribute values.
std::string xml_escape(std::string_view text);
// A coordinate with at most two decimals, trailing zeros removed ("12.5", "3").
std::string svg_num(double value);
// Round tick values (1, 2 or 5 times a power of ten apart) covering [low, high], about
// `target` of them; just {low} when low == high.
std::vector<double> nice_ticks(double low, double high, int target);
// Width in pixels of `text` in a sans-serif font of `font_size` px (an estimate: labels are
// only drawn where this says they fit).
double text_width(std::string_view text, double font_size);
// The unit an axis is written in: an axis value is the quantity times `scale`.
struct AxisUnit {
  double scale;
  std::string name;  // "us", "MiB", "tensors", ...
};
// Seconds: ns, us, ms or s by the largest value (uniform mode: "time units").
AxisUnit time_axis_unit(bool uniform, double largest_seconds);
// Bytes: B, KiB, MiB, GiB or TiB by the largest value (uniform mode: "tensors").
AxisUnit bytes_axis_unit(bool uniform, double largest_bytes);
// FLOPs: FLOP, kFLOP, MFLOP, GFLOP, TFLOP, PFLOP by the largest value.
AxisUnit flops_axis_unit(double largest_flops);

// The XML declaration and the opening <svg> tag of a width x height picture in the shared font.
std::string svg_open(double width, double height, double font_size);

}  // namespace memsim
