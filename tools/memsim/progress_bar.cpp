#include "tools/memsim/progress_bar.h"

#include <unistd.h>

#include <cstdio>
#include <string>

namespace memsim::cli {
namespace {
std::string clock_text(double seconds) {
  const long s = static_cast<long>(seconds + 0.5);
  char buf[32];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
  else
    std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
  return buf;
}
}  // namespace

ProgressBar::ProgressBar()
    : terminal_(::isatty(STDERR_FILENO) == 1), start_(Clock::now()), last_draw_(start_) {}

void ProgressBar::update(std::size_t done, std::size_t total) {
  if (!terminal_ || total == 0) return;
  const auto now = Clock::now();
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  // Quiet for the first second; then at most ten redraws a second, plus the final one.
  if (elapsed < 1.0) return;
  if (done < total && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  constexpr int kWidth = 30;
  const int filled = static_cast<int>(kWidth * done / total);
  const double remaining = done ? elapsed * static_cast<double>(total - done) / done : 0;
  std::fprintf(stderr, "\r[%s%s] %zu/%zu points  elapsed %s  remaining %s ",
               std::string(filled, '#').c_str(), std::string(kWidth - filled, '.').c_str(), done,
               total, clock_text(elapsed).c_str(), clock_text(remaining).c_str());
  std::fflush(stderr);
  drawn_ = true;
}

void ProgressBar::finish() {
  if (drawn_) std::fputc('\n', stderr);
  drawn_ = false;
}

}  // namespace memsim::cli
