#include "policies/solver/remat_plan.h"

namespace memsim::planner {

PlanCheck check_plan(const RematProblem& p, const RematPlan& plan) {
  PlanCheck c;
  std::vector<char> resident(p.size(), 0);
  std::uint32_t next_first = 0;  // first computations so far
  std::uint64_t used = 0;
  const auto fail = [&](std::size_t i, const std::string& why) {
    c.ok = false;
    c.error =
        "action " + std::to_string(i + 1) + " (node " + std::to_string(plan[i].node) + "): " + why;
    return c;
  };
  for (std::size_t i = 0; i < plan.size(); ++i) {
    const std::uint32_t v = plan[i].node;
    if (v >= p.size()) return fail(i, "no such node");
    if (plan[i].kind == RematAction::drop) {
      if (!resident[v]) return fail(i, "dropped but not in memory");
      resident[v] = 0;
      used -= p.nodes[v].bytes;
      continue;
    }
    if (resident[v]) return fail(i, "computed while its value is in memory");
    if (v > next_first) return fail(i, "computed before the nodes before it in the order");
    if (v < next_first && !p.may_rerun(v, next_first))
      return fail(i, "computed again in stage " + std::to_string(next_first) +
                         ", after an update in place it may not follow (its last stage is " +
                         std::to_string(p.nodes[v].last_stage) + ")");
    for (std::uint32_t u : p.nodes[v].preds)
      if (!resident[u]) return fail(i, "input node " + std::to_string(u) + " is not in memory");
    used += p.nodes[v].bytes;
    if (used > p.budget)
      return fail(
          i, "memory " + std::to_string(used) + " exceeds the budget " + std::to_string(p.budget));
    c.peak_bytes = std::max(c.peak_bytes, used);
    resident[v] = 1;
    if (v == next_first) {
      ++next_first;
    } else {
      c.recompute_cost += p.nodes[v].cost;
      ++c.reruns;
    }
  }
  if (next_first != p.size()) {
    c.ok = false;
    c.error = "the plan ends before node " + std::to_string(next_first) + " was computed";
    return c;
  }
  c.ok = true;
  return c;
}

std::vector<Step> plan_steps(const Graph& g, const RematProblem& p, const RematPlan& plan) {
  std::vector<Step> steps;
  std::vector<char> stale(g.tensor_count(), 0);  // a required output whose DRAM copy is old
  std::vector<char> resident(g.tensor_count(), 0);
  const auto tensors_of = [&](const RematNode& node, auto&& f) {
    if (node.source != Graph::kNoTensor) {
      f(node.source);
    } else {
      for (TensorId t : g.outputs(node.op)) f(t);
    }
  };
  for (const RematAction& a : plan) {
    const RematNode& node = p.nodes[a.node];
    if (a.kind == RematAction::compute) {
      if (node.source != Graph::kNoTensor) {
        steps.push_back({StepKind::load, node.source});
        resident[node.source] = 1;
      } else {
        steps.push_back({StepKind::compute, node.op});
        for (TensorId t : g.outputs(node.op)) {
          resident[t] = 1;
          stale[t] = g.tensor(t).required_output ? 1 : 0;
        }
        // An update in place changes the tensor its storage node holds.
        for (TensorId t : g.updates(node.op)) stale[t] = g.tensor(t).required_output ? 1 : 0;
      }
      continue;
    }
    tensors_of(node, [&](TensorId t) {
      if (stale[t]) steps.push_back({StepKind::store, t});
      stale[t] = 0;
      steps.push_back({StepKind::drop, t});
      resident[t] = 0;
    });
  }
  for (TensorId t = 0; t < g.tensor_count(); ++t)
    if (resident[t] && stale[t]) steps.push_back({StepKind::store, t});
  return steps;
}

}  // namespace memsim::planner
