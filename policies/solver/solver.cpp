// The exact solver: best-first branch-and-bound (A*) over canonical schedules (successors.h
// explains why they cover every schedule), guided and pruned by an admissible lower bound
// (lower_bound.h), with a transposition table that drops dominated states (state_table.h). A
// greedy dive gives the first incumbent, so a time limit always has a schedule to return.
#include "policies/solver/solver.h"

#include <algorithm>
#include <chrono>
#include <queue>
#include <stdexcept>
#include <string>

#include "policies/solver/lower_bound.h"
#include "policies/solver/state_table.h"
#include "policies/solver/successors.h"
#include "sim/core/errors.h"

namespace memsim {
namespace {

using solver::Node;
using solver::Problem;
using solver::State;
using solver::Successor;
using solver::TensorSet;

// The ops run, in order, and the state after each; states[0] is the start.
struct Path {
  std::vector<OpId> ops;
  std::vector<State> states;
  std::uint64_t cost = 0;  // including the final stores
};

struct OpenEntry {
  std::uint64_t f;
  std::uint64_t g;
  std::uint32_t node;
};
// Lowest bound first; among equal bounds the deeper (higher cost so far) state, which is closer
// to a finished schedule; then the older one, so runs are deterministic.
struct ExpandLater {
  bool operator()(const OpenEntry& a, const OpenEntry& b) const {
    if (a.f != b.f) return a.f > b.f;
    if (a.g != b.g) return a.g < b.g;
    return a.node > b.node;
  }
};

// Follows the cheapest-looking step (cost plus bound of the state reached) from the start to
// a finished schedule. Without recompute moves this always finishes: every evicted live tensor
// is stored, and some unrun op is always ready.
Path greedy_dive(const Problem& p) {
  solver::SuccessorGenerator generator(p);
  std::vector<Successor> next;
  Path path;
  path.states.push_back(p.initial_state());
  while (!solver::is_goal(p, path.states.back())) {
    generator.expand(path.states.back(), /*first_runs_only=*/true, next);
    if (next.empty()) throw std::logic_error("solver: greedy dive found no step");
    std::size_t best = 0;
    std::uint64_t best_f = 0;
    for (std::size_t i = 0; i < next.size(); ++i) {
      const std::uint64_t f = next[i].cost + solver::lower_bound(p, next[i].next);
      if (i == 0 || f < best_f) best = i, best_f = f;
    }
    path.cost += next[best].cost;
    path.ops.push_back(next[best].op);
    path.states.push_back(next[best].next);
  }
  path.cost += solver::final_store_cost(p, path.states.back());
  return path;
}

Path path_to(const solver::StateTable& table, std::uint32_t goal, const Problem& p) {
  Path path;
  for (std::uint32_t i = goal; i != Node::kNone; i = table[i].parent) {
    path.states.push_back(table[i].state);
    if (table[i].parent != Node::kNone) path.ops.push_back(table[i].op);
  }
  std::reverse(path.states.begin(), path.states.end());
  std::reverse(path.ops.begin(), path.ops.end());
  path.cost = table[goal].g + solver::final_store_cost(p, path.states.back());
  return path;
}

// Writes the steps of one search step: store-and-drop the evicted tensors, load what the op
// lacks, run it, drop what died.
std::vector<Step> to_steps(const Problem& p, const Path& path) {
  std::vector<Step> steps;
  for (std::size_t k = 0; k < path.ops.size(); ++k) {
    const State& before = path.states[k];
    const State& after = path.states[k + 1];
    const OpId o = path.ops[k];
    const solver::OpInfo& op = p.op(o);
    const TensorSet evicted = (before.resident - op.working_set) - after.resident;
    evicted.for_each([&](TensorId t) {
      if (!before.in_dram.test(t) && after.in_dram.test(t)) steps.push_back({StepKind::store, t});
      steps.push_back({StepKind::drop, t});
    });
    (op.reads - before.resident).for_each([&](TensorId t) {
      steps.push_back({StepKind::load, t});
    });
    steps.push_back({StepKind::compute, o});
    (op.working_set - after.resident).for_each([&](TensorId t) {
      steps.push_back({StepKind::drop, t});
    });
  }
  const State& last = path.states.back();
  ((p.required() & last.resident) - last.in_dram).for_each([&](TensorId t) {
    steps.push_back({StepKind::store, t});
  });
  return steps;
}

std::string q(std::string_view s) {
  return "'" + std::string(s) + "'";
}

}  // namespace

std::optional<std::string> solver_rejects(const Graph& g, std::uint64_t capacity) {
  if (g.op_count() > kSolverMaxOps)
    return "the solver handles at most " + std::to_string(kSolverMaxOps) + " ops and " +
           std::to_string(kSolverMaxTensors) + " tensors; this graph has " +
           std::to_string(g.op_count()) + " ops";
  if (g.tensor_count() > kSolverMaxTensors)
    return "the solver handles at most " + std::to_string(kSolverMaxOps) + " ops and " +
           std::to_string(kSolverMaxTensors) + " tensors; this graph has " +
           std::to_string(g.tensor_count()) + " tensors";
  for (OpId o = 0; o < g.op_count(); ++o) {
    if (g.working_set_bytes(o) > capacity)
      return "op " + q(g.op_name(o)) + " needs " + std::to_string(g.working_set_bytes(o)) +
             " resident at once, but the cache holds " + std::to_string(capacity);
    for (auto list : {g.inputs(o), g.updates(o)})
      for (TensorId t : list)
        if (g.producer(t) == Graph::kNoOp && !g.tensor(t).initial_in_dram)
          return "op " + q(g.op_name(o)) + " reads " + q(g.tensor_name(t)) +
                 ", which starts nowhere and no op produces";
  }
  for (TensorId t = 0; t < g.tensor_count(); ++t)
    if (g.tensor(t).required_output && g.producer(t) == Graph::kNoOp &&
        !g.tensor(t).initial_in_dram)
      return "required output " + q(g.tensor_name(t)) + " starts nowhere and no op produces it";
  return std::nullopt;
}

SolveResult solve(const Graph& graph, std::uint64_t capacity, const SolveOptions& options) {
  if (auto why = solver_rejects(graph, capacity)) throw std::invalid_argument(*why);
  using Clock = std::chrono::steady_clock;
  const auto started = Clock::now();
  const auto elapsed = [&] {
    return std::chrono::duration<double>(Clock::now() - started).count();
  };

  const Problem p(graph, capacity, options);
  Path best = greedy_dive(p);
  std::vector<Step> best_steps = to_steps(p, best);
  std::uint64_t expanded = 0;  // states expanded, including the search without reruns
  if (options.allow_recompute) {
    // Every schedule without reruns is one with reruns allowed: the best of the (much smaller)
    // search without them is the first incumbent, so recompute is never worse than without.
    SolveOptions plain = options;
    plain.allow_recompute = false;
    const SolveResult base = solve(graph, capacity, plain);
    if (base.cost < best.cost) best.cost = base.cost, best_steps = base.schedule;
    expanded = base.states_explored;
  }
  const State start = p.initial_state();
  const std::uint64_t root_bound = solver::lower_bound(p, start);
  std::uint64_t proven_bound = root_bound;  // the largest bound proved so far
  bool optimal = false;
  SolveStop stop = SolveStop::finished;

  solver::StateTable table;
  solver::SuccessorGenerator generator(p);
  std::vector<Successor> next;
  std::priority_queue<OpenEntry, std::vector<OpenEntry>, ExpandLater> open;
  std::uint32_t best_node = Node::kNone;
  {
    Node root;
    root.state = start;
    open.push({root_bound, 0, table.insert(root)});
  }
  while (true) {
    if (open.empty() || open.top().f >= best.cost) {
      // Every unexplored schedule costs at least the incumbent: it is optimal.
      optimal = true;
      break;
    }
    proven_bound = std::max(proven_bound, open.top().f);
    // The state count is checked first and at every step: with it alone the search stops at the
    // same place on any machine. The clock is read every 256 steps.
    if (table.size() >= options.max_states) {
      stop = SolveStop::max_states;
      break;
    }
    if ((expanded & 255) == 0 && elapsed() >= options.time_limit_seconds) {
      stop = SolveStop::time_limit;
      break;
    }
    const OpenEntry top = open.top();
    open.pop();
    const Node node = table[top.node];
    if (node.dominated) continue;
    ++expanded;
    if (solver::is_goal(p, node.state)) {
      const std::uint64_t total = node.g + solver::final_store_cost(p, node.state);
      if (total < best.cost) {
        best.cost = total;
        best_node = top.node;
      }
      continue;
    }
    generator.expand(node.state, /*first_runs_only=*/false, next);
    for (const Successor& s : next) {
      const std::uint64_t g = node.g + s.cost;
      // Pathmax keeps f from decreasing along a path (still a valid bound).
      const std::uint64_t f = std::max(g + solver::lower_bound(p, s.next), top.f);
      if (f >= best.cost) continue;
      Node child;
      child.state = s.next;
      child.g = g;
      child.parent = top.node;
      child.op = static_cast<std::uint16_t>(s.op);
      const std::uint32_t index = table.insert(child);
      if (index != Node::kNone) open.push({f, g, index});
    }
  }
  if (best_node != Node::kNone) best_steps = to_steps(p, path_to(table, best_node, p));

  SolveResult result;
  result.schedule = std::move(best_steps);
  result.counts =
      verify(graph, capacity, result.schedule, VerifierOptions{options.allow_recompute});
  result.cost =
      options.objective == SolveObjective::bytes ? result.counts.bytes() : result.counts.moves();
  if (result.cost != best.cost)
    throw std::logic_error("solver: the verifier counts " + std::to_string(result.cost) +
                           " for a schedule the search costed at " + std::to_string(best.cost));
  result.optimal = optimal;
  result.stop = optimal ? SolveStop::finished : stop;
  result.lower_bound = optimal ? result.cost : std::min(proven_bound, result.cost);
  result.states_explored = expanded;
  result.seconds = elapsed();
  return result;
}

}  // namespace memsim
