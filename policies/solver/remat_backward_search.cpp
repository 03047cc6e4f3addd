#include "policies/solver/remat_backward_search.h"

#include <algorithm>
#include <unordered_set>

namespace memsim::planner {
namespace {

using Set = std::vector<std::uint32_t>;  // ascending

struct SetHash {
  std::size_t operator()(const Set& s) const {
    std::size_t h = 1469598103934665603ull;
    for (std::uint32_t x : s) h = (h ^ x) * 1099511628211ull;
    return h;
  }
};

}  // namespace

BackwardSearch backward_search(const RematProblem& p, std::uint32_t t,
                               const std::vector<char>& held, std::uint64_t max_states,
                               const Deadline& deadline) {
  BackwardSearch out;
  if (deadline.passed()) return out;  // unknown: no search starts after the time limit
  std::uint64_t held_bytes = 0;
  for (std::uint32_t v = 0; v < p.size(); ++v)
    if (held[v]) held_bytes += p.nodes[v].bytes;
  const auto bytes_of = [&](const Set& s) {
    std::uint64_t b = 0;
    for (std::uint32_t v : s) b += p.nodes[v].bytes;
    return b;
  };
  // The step back over j's computation: S without j, with j's inputs that are not held.
  const auto step = [&](const Set& s, std::uint32_t j) {
    Set next;
    next.reserve(s.size() + p.nodes[j].preds.size());
    for (std::uint32_t v : s)
      if (v != j) next.push_back(v);
    for (std::uint32_t u : p.nodes[j].preds)
      if (!held[u]) next.push_back(u);
    std::sort(next.begin(), next.end());
    next.erase(std::unique(next.begin(), next.end()), next.end());
    return next;
  };
  // Memory while j is computed: the held values, S (j among them) and j's inputs.
  const auto fits = [&](const Set& s, std::uint32_t j) {
    std::uint64_t b = held_bytes + bytes_of(s);
    for (std::uint32_t u : p.nodes[j].preds)
      if (!held[u] && !std::binary_search(s.begin(), s.end(), u)) b += p.nodes[u].bytes;
    return b <= p.budget;
  };
  std::unordered_set<Set, SetHash> visited;
  // Depth first without recursion (paths can be thousands of steps long): each frame is a set
  // and the next of its values to step back over (latest first).
  struct Frame {
    Set set;
    std::size_t next;   // index into set, counting down
    std::uint32_t via;  // the value stepped back over to reach this set (none for the first)
  };
  std::vector<Frame> stack;
  bool restricted = false;  // a step was ruled out by an update in place
  const Set start{t};
  visited.insert(start);
  stack.push_back({start, start.size(), t});
  out.states = 1;
  while (!stack.empty()) {
    Frame& f = stack.back();
    if (f.set.empty()) break;
    if (f.next == 0) {
      stack.pop_back();
      continue;
    }
    const std::uint32_t j = f.set[--f.next];
    // Computing j again in stage t may be ruled out by an update in place; the search then no
    // longer covers every path, and finding none proves nothing.
    if (j != t && !p.may_rerun(j, t)) {
      restricted = true;
      continue;
    }
    if (!fits(f.set, j)) continue;
    Set next = step(f.set, j);
    if (!visited.insert(next).second) continue;
    if (++out.states > max_states) return out;  // unknown
    // The clock every 256 sets: a set costs about a microsecond (hashing, sorting).
    if (out.states % 256 == 0 && deadline.passed()) return out;  // unknown
    const std::size_t size = next.size();
    stack.push_back({std::move(next), size, j});
  }
  if (stack.empty()) {
    if (!restricted) out.outcome = BackwardSearch::none;
    return out;
  }
  // The path, from {t} down to the empty set: frame k+1 was reached by stepping back over
  // stack[k+1].via from stack[k].set. Forwards: compute each such value, then drop its inputs
  // that the set before the step (what is needed after it) does not hold; after t, nothing.
  out.outcome = BackwardSearch::found;
  for (std::size_t k = stack.size() - 1; k >= 1; --k) {
    const std::uint32_t j = stack[k].via;
    out.actions.push_back({RematAction::compute, j});
    if (k == 1) break;  // j is t: its inputs stay
    const Set& after = stack[k - 1].set;
    for (std::uint32_t u : p.nodes[j].preds)
      if (!held[u] && !std::binary_search(after.begin(), after.end(), u))
        out.actions.push_back({RematAction::drop, u});
  }
  return out;
}

}  // namespace memsim::planner
