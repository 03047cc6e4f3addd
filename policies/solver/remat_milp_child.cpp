#include "policies/solver/remat_milp_child.h"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
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

std::optional<MilpOutcome> solve_remat_milp_in_child(const RematProblem& problem,
                                                     const RematPlan* start, double seconds,
                                                     double kill_after_seconds,
                                                     const std::vector<GuideOverrun>& cuts,
                                                     int seed) {
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                            std::chrono::duration<double>(std::max(0.0, kill_after_seconds)));
  int fds[2];
  if (pipe(fds) != 0) return std::nullopt;
  const pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return std::nullopt;
  }
  if (pid == 0) {
    // The child: solve, write, and leave without running the parent's exit handlers or
    // flushing its stdio buffers (a copy of the parent's unwritten output).
    close(fds[0]);
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
  std::vector<char> bytes;
  bool complete = false;
  for (;;) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) break;
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count();
    pollfd fd{fds[0], POLLIN, 0};
    const int ready = poll(&fd, 1, static_cast<int>(std::min<long long>(ms + 1, 1000)));
    if (ready < 0 && errno != EINTR) break;
    if (ready <= 0) continue;
    char buffer[65536];
    const ssize_t r = read(fds[0], buffer, sizeof buffer);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      complete = r == 0;
      break;
    }
    bytes.insert(bytes.end(), buffer, buffer + r);
  }
  close(fds[0]);
  if (!complete) kill(pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!complete || !WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
      bytes.size() % sizeof(double) != 0)
    return std::nullopt;
  std::vector<double> values(bytes.size() / sizeof(double));
  std::memcpy(values.data(), bytes.data(), bytes.size());
  return decode(values);
}

}  // namespace memsim::planner
