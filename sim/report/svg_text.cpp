#include "sim/report/svg_text.h"

#include <cmath>
#include <cstdio>

namespace memsim {

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string svg_num(double value) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.2f", value);
  std::string s(buf);
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  if (s == "-0") s = "0";
  return s;
}

std::vector<double> nice_ticks(double low, double high, int target) {
  if (!(high > low) || target < 1) return {low};
  const double raw = (high - low) / target;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  double step = magnitude;
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * magnitude >= raw) {
      step = m * magnitude;
      break;
    }
  std::vector<double> ticks;
  // Start at the first multiple of step at or above low; a tiny slack absorbs rounding.
  const double first = std::ceil(low / step - 1e-9) * step;
  for (int i = 0; first + i * step <= high + step * 1e-9 && i < 1000; ++i) {
    const double t = first + i * step;
    ticks.push_back(std::abs(t) < step * 1e-9 ? 0.0 : t);
  }
  return ticks;
}

double text_width(std::string_view text, double font_size) {
  return 0.6 * font_size * static_cast<double>(text.size());
}

AxisUnit time_axis_unit(bool uniform, double largest) {
  if (uniform) return {1.0, "time units"};
  if (largest < 1e-6) return {1e9, "ns"};
  if (largest < 1e-3) return {1e6, "us"};
  if (largest < 1) return {1e3, "ms"};
  return {1.0, "s"};
}

AxisUnit bytes_axis_unit(bool uniform, double largest) {
  if (uniform) return {1.0, "tensors"};
  static const char* kNames[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double scale = 1;
  int i = 0;
  while (i < 4 && largest >= 1024 * scale) {
    scale *= 1024;
    ++i;
  }
  return {1.0 / scale, kNames[i]};
}

AxisUnit flops_axis_unit(double largest) {
  static const char* kNames[] = {"FLOP", "kFLOP", "MFLOP", "GFLOP", "TFLOP", "PFLOP"};
  double scale = 1;
  int i = 0;
  while (i < 5 && largest >= 1000 * scale) {
    scale *= 1000;
    ++i;
  }
  return {1.0 / scale, kNames[i]};
}

std::string svg_open(double width, double height, double font_size) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" "
         "width=\"" +
         svg_num(width) + "\" height=\"" + svg_num(height) + "\" viewBox=\"0 0 " + svg_num(width) +
         " " + svg_num(height) +
         "\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"" +
         svg_num(font_size) + "\">\n";
}

}  // namespace memsim
