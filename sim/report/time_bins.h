#pragma once
// Time split into equal columns (one per pixel of a picture), each adding up how long every
// category of event lasted in it. A picture of a run with more events than pixels draws these
// sums instead of the events (svg_timeline.cpp).
#include <algorithm>
#include <cstddef>
#include <vector>

namespace memsim {

class TimeBins {
 public:
  // `columns` columns over [0, total); `categories` kinds of event.
  TimeBins(double total, std::size_t columns, std::size_t categories)
      : total_(total > 0 ? total : 1),
        columns_(std::max<std::size_t>(columns, 1)),
        categories_(categories),
        time_(columns_ * categories, 0.0) {}

  // Adds the part of [start, end) that falls in each column to `category`.
  void add(double start, double end, std::size_t category) {
    if (!(end > start)) return;
    const double width = total_ / static_cast<double>(columns_);
    for (std::size_t c = column_of(start); c < columns_; ++c) {
      const double lo = width * static_cast<double>(c), hi = width * static_cast<double>(c + 1);
      if (lo >= end) break;
      const double overlap = std::min(end, hi) - std::max(start, lo);
      if (overlap > 0) time_[c * categories_ + category] += overlap;
    }
  }

  // The share of column `c` that `category` took, 0..1.
  double fraction(std::size_t c, std::size_t category) const {
    return std::min(1.0,
                    time_[c * categories_ + category] / (total_ / static_cast<double>(columns_)));
  }
  std::size_t columns() const { return columns_; }
  // The column holding instant t (the last for t >= total).
  std::size_t column_of(double t) const {
    if (t <= 0) return 0;
    const auto c = static_cast<std::size_t>(t / total_ * static_cast<double>(columns_));
    return std::min(c, columns_ - 1);
  }

 private:
  double total_;
  std::size_t columns_;
  std::size_t categories_;
  std::vector<double> time_;
};

}  // namespace memsim
