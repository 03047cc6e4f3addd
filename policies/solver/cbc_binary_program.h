#pragma once
// A 0/1 integer program for CBC, stated row by row (the closure and moments bounds of
// docs/model.md §14.1 both are): columns 0..n-1 with bounds 0 and 1, a cost per column, rows
// of (column, coefficient) terms between two limits. solve() hands CBC the columns in the
// column-major form its C interface takes and solves them within a time limit.
#include <Cbc_C_Interface.h>

#include <initializer_list>
#include <limits>
#include <span>
#include <utility>
#include <vector>

namespace memsim::planner {

class BinaryProgram {
 public:
  using Term = std::pair<int, double>;  // (column, coefficient)
  explicit BinaryProgram(int columns);
  ~BinaryProgram();
  BinaryProgram(const BinaryProgram&) = delete;
  BinaryProgram& operator=(const BinaryProgram&) = delete;

  int columns() const { return static_cast<int>(objective_.size()); }
  void set_cost(int column, double cost) { objective_[static_cast<std::size_t>(column)] = cost; }
  // Fixes a column at 0 or 1.
  void fix(int column, double value) {
    lower_[static_cast<std::size_t>(column)] = upper_[static_cast<std::size_t>(column)] = value;
  }
  // A solution for CBC to start from (one value per column; ignored by CBC when infeasible).
  void set_start(std::vector<double> values) { start_ = std::move(values); }
  // lower <= sum of coefficient * column <= upper (a limit of +-infinity: none).
  void add_row(std::span<const Term> terms, double lower, double upper);
  void add_row(std::initializer_list<Term> terms, double lower, double upper) {
    add_row(std::span<const Term>(terms.begin(), terms.size()), lower, upper);
  }
  // Solves within `seconds` of elapsed time (at least 0.01), as a 0/1 program, or as its linear
  // relaxation when `relaxed`; with a `cutoff`, only solutions costing less are looked for. The
  // model answers questions (Cbc_getBestPossibleObjValue, ...) until the program is destroyed.
  // Call once.
  Cbc_Model* solve(double seconds, bool relaxed = false,
                   double cutoff = std::numeric_limits<double>::infinity());

 private:
  std::vector<double> objective_, lower_, upper_, start_;
  std::vector<int> row_of_, column_of_;  // one entry per term
  std::vector<double> value_, row_lower_, row_upper_;
  Cbc_Model* model_ = nullptr;
};

}  // namespace memsim::planner
