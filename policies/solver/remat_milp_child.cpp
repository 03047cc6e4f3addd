#include "policies/solver/remat_milp_child.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <vector>

namespace memsim::planner {
namespace {

// The outcome as a flat list of doubles: flags, bound, objective, then per stage the keep and
// recompute lists, each as its length and its nodes.
std::vector<double> encode(const MilpOutcome& m) {
  std::vector<double> out{m.solved ? 1.0 : 0.0,  m.infeasible ? 1.0 : 0.0,
                          m.optimal ? 1.0 : 0.0, m.lower_bound,
                          m.objective,           m.solution ? 1.0 : 0.0};
  if (m.solution) {
    out.push_back(static_cast<double>(m.solution->keep.size()));
    for (std::size_t t = 0; t < m.solution->keep.size(); ++t)
      for (const auto* list : {&m.solution->keep[t], &m.solution->recompute[t]}) {
        out.push_back(static_cast<double>(list->size()));
        for (std::uint32_t v : *list) out.push_back(v);
      }
  }
  return out;
}

std::optional<MilpOutcome> decode(const std::vector<double>& in) {
  std::size_t at = 0;
  const auto next = [&](double& x) {
    if (at >= in.size()) return false;
    x = in[at++];
    return true;
  };
  MilpOutcome m;
  double solved = 0, infeasible = 0, optimal = 0, has = 0, stages = 0;
  if (!next(solved) || !next(infeasible) || !next(optimal) || !next(m.lower_bound) ||
      !next(m.objective) || !next(has))
    return std::nullopt;
  m.solved = solved != 0;
  m.infeasible = infeasible != 0;
  m.optimal = optimal != 0;
  if (has != 0) {
    if (!next(stages)) return std::nullopt;
    RematGuide g;
    g.keep.resize(static_cast<std::size_t>(stages));
    g.recompute.resize(static_cast<std::size_t>(stages));
    for (std::size_t t = 0; t < g.keep.size(); ++t)
      for (auto* list : {&g.keep[t], &g.recompute[t]}) {
        double count = 0, v = 0;
        if (!next(count)) return std::nullopt;
        for (double k = 0; k < count; ++k) {
          if (!next(v)) return std::nullopt;
          list->push_back(static_cast<std::uint32_t>(v));
        }
      }
    m.solution = std::move(g);
  }
  if (at != in.size()) return std::nullopt;
  return m;
}

}  // namespace

bool MilpChild::start(const RematProblem& problem, const RematPlan* start, double seconds,
                      const std::vector<GuideOverrun>& cuts, int seed) {
  if (running()) return false;
  int fds[2];
  if (pipe(fds) != 0) return false;
  // The child gets a copy of the stdio buffers: empty them first, or whatever flushes them in
  // the child (CBC does) would write this process's pending output twice.
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return false;
  }
  if (pid == 0) {
    // The child: solve, write, and leave without running the parent's exit handlers or
    // flushing its stdio buffers (a copy of the parent's unwritten output).
    close(fds[0]);
    // CBC's own messages go nowhere: the report is the parent's.
    const int null = open("/dev/null", O_WRONLY);
    if (null >= 0) {
      dup2(null, STDOUT_FILENO);
      dup2(null, STDERR_FILENO);
    }
    const std::vector<double> out = encode(solve_remat_milp(problem, start, seconds, cuts, seed));
    const char* p = reinterpret_cast<const char*>(out.data());
    std::size_t left = out.size() * sizeof(double);
    while (left > 0) {
      const ssize_t w = write(fds[1], p, left);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) _exit(1);
      p += w;
      left -= static_cast<std::size_t>(w);
    }
    _exit(0);
  }
  close(fds[1]);
  pid_ = pid;
  fd_ = fds[0];
  complete_ = false;
  bytes_.clear();
  return true;
}

bool MilpChild::poll(int timeout_ms) {
  if (!running()) return false;
  while (!complete_) {
    pollfd fd{fd_, POLLIN, 0};
    const int ready = ::poll(&fd, 1, timeout_ms);
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return false;
    char buffer[65536];
    const ssize_t r = read(fd_, buffer, sizeof buffer);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      complete_ = true;  // end of file (or an error: finish() then finds the data short)
      break;
    }
    bytes_.insert(bytes_.end(), buffer, buffer + r);
    timeout_ms = 0;
  }
  return true;
}

std::optional<MilpOutcome> MilpChild::finish() {
  if (!running()) return std::nullopt;
  close(fd_);
  fd_ = -1;
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
  if (!complete_ || !WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
      bytes_.size() % sizeof(double) != 0)
    return std::nullopt;
  std::vector<double> values(bytes_.size() / sizeof(double));
  std::memcpy(values.data(), bytes_.data(), bytes_.size());
  return decode(values);
}

void MilpChild::kill() {
  if (!running()) return;
  ::kill(pid_, SIGKILL);
  complete_ = false;
  finish();
}

std::optional<MilpOutcome> solve_remat_milp_in_child(const RematProblem& problem,
                                                     const RematPlan* start, double seconds,
                                                     double kill_after_seconds,
                                                     const std::vector<GuideOverrun>& cuts,
                                                     int seed) {
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                            std::chrono::duration<double>(std::max(0.0, kill_after_seconds)));
  MilpChild child;
  if (!child.start(problem, start, seconds, cuts, seed)) return std::nullopt;
  for (;;) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return std::nullopt;  // the destructor kills it
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count();
    if (child.poll(static_cast<int>(std::min<long long>(ms + 1, 1000)))) return child.finish();
  }
}

}  // namespace memsim::planner
