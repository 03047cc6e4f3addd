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

static std::string compose(const SourcePos& pos, const std::string& message) {
  const std::string where = format_pos(pos);
  return where.empty() ? message : where + ": " + message;
}

ScenarioError::ScenarioError(SourcePos pos, const std::string& message)
    : std::runtime_error(compose(pos, message)), pos_(std::move(pos)), message_(message) {}

}  // namespace memsim
