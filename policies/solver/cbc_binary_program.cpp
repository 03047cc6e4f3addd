#include "policies/solver/cbc_binary_program.h"

#include <algorithm>
#include <limits>
#include <numeric>
#include <stdexcept>

namespace memsim::planner {

BinaryProgram::BinaryProgram(int columns)
    : objective_(static_cast<std::size_t>(columns), 0.0),
      lower_(static_cast<std::size_t>(columns), 0.0),
      upper_(static_cast<std::size_t>(columns), 1.0) {}

BinaryProgram::~BinaryProgram() {
  if (model_) Cbc_deleteModel(model_);
}

void BinaryProgram::add_row(std::span<const Term> terms, double lower, double upper) {
  for (const auto& [column, coefficient] : terms) {
    row_of_.push_back(static_cast<int>(row_lower_.size()));
    column_of_.push_back(column);
    value_.push_back(coefficient);
  }
  row_lower_.push_back(lower);
  row_upper_.push_back(upper);
}

Cbc_Model* BinaryProgram::solve(double seconds, bool relaxed, double cutoff) {
  if (model_) throw std::logic_error("BinaryProgram::solve called twice");
  const auto n = static_cast<std::size_t>(columns());
  // The terms by column (their order within a column kept): CBC's column starts, row indices
  // and coefficients.
  std::vector<int> order(row_of_.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int a, int b) { return column_of_[a] < column_of_[b]; });
  std::vector<CoinBigIndex> starts(n + 1, 0);
  std::vector<int> index(order.size());
  std::vector<double> coefficient(order.size());
  for (std::size_t e = 0; e < order.size(); ++e) {
    index[e] = row_of_[order[e]];
    coefficient[e] = value_[order[e]];
    ++starts[static_cast<std::size_t>(column_of_[order[e]]) + 1];
  }
  for (std::size_t c = 0; c < n; ++c) starts[c + 1] += starts[c];
  model_ = Cbc_newModel();
  Cbc_loadProblem(model_, columns(), static_cast<int>(row_lower_.size()), starts.data(),
                  index.data(), coefficient.data(), lower_.data(), upper_.data(), objective_.data(),
                  row_lower_.data(), row_upper_.data());
  if (!relaxed)
    for (int c = 0; c < columns(); ++c) Cbc_setInteger(model_, c);
  Cbc_setLogLevel(model_, 0);
  Cbc_setParameter(model_, "timeMode", "elapsed");
  Cbc_setParameter(model_, "feasibilityPump", "off");
  Cbc_setParameter(model_, "preprocess", "off");
  Cbc_setMaximumSeconds(model_, std::max(seconds, 0.01));
  if (cutoff < std::numeric_limits<double>::infinity()) Cbc_setCutoff(model_, cutoff);
  if (!relaxed && start_.size() == n) {
    std::vector<int> all(n);
    std::iota(all.begin(), all.end(), 0);
    Cbc_setMIPStartI(model_, columns(), all.data(), start_.data());
  }
  Cbc_solve(model_);
  return model_;
}

}  // namespace memsim::planner
