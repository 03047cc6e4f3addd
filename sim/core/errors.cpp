#include "sim/core/errors.h"

namespace memsim {

std::string format_pos(const SourcePos& pos) {
  if (pos.file.empty()) return {};
  std::string out = pos.file;
  if (pos.line > 0) {
    out += ':' + std::to_string(pos.line);
    if (pos.column > 0) out += ':' + std::to_string(pos.column);
  }
  return out;
}

std::string one_line(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (u < 0x20 || u == 0x7f) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 15];
    } else {
      out += c;
    }
  }
  return out;
}

static std::string compose(const SourcePos& pos, const std::string& message) {
  const std::string where = one_line(format_pos(pos));
  return where.empty() ? one_line(message) : where + ": " + one_line(message);
}

ScenarioError::ScenarioError(SourcePos pos, const std::string& message)
    : std::runtime_error(compose(pos, message)), pos_(std::move(pos)), message_(message) {}

}  // namespace memsim
