#include "policies/solver/remat_closure_builder.h"

#include <algorithm>
#include <limits>

#include "policies/solver/remat_backward_search.h"

namespace memsim::planner {
namespace {

constexpr std::uint32_t kNever = std::numeric_limits<std::uint32_t>::max();
// RematProblem::may_drop reads "no next reader" as kAnyStage.
static_assert(kNever == RematNode::kAnyStage);
// A plan longer than this many actions per node is abandoned (the forced drops went round in
// circles); so is a missing input recomputed more than this deep inside another's recompute.
constexpr std::size_t kMaxActionsPerNode = 64;
constexpr int kMaxDepth = 16;

class ClosureBuilder {
 public:
  ClosureBuilder(const RematProblem& p, EvictionRule rule, bool supports,
                 const std::vector<double>* weights, bool fallback, const Deadline& deadline)
      : p_(p),
        rule_(rule),
        supports_(supports),
        fallback_(fallback),
        deadline_(deadline),
        weights_(weights),
        readers_(p.size()),
        resident_(p.size(), 0),
        need_(p.size(), 0),
        hard_(p.size(), 0),
        mark_(p.size(), 0) {
    for (std::uint32_t v = 0; v < p.size(); ++v)
      for (std::uint32_t u : p.nodes[v].preds) readers_[u].push_back(v);
  }

  std::optional<RematPlan> run() {
    plan_.reserve(4 * p_.size());
    for (stage_ = 0; stage_ < p_.size(); ++stage_) {
      std::vector<std::uint32_t> seq = closure(stage_);
      missing_.clear();
      for (std::uint32_t u : p_.nodes[stage_].preds)
        if (!resident_[u]) missing_.push_back(u);
      seq.push_back(stage_);
      const std::size_t actions = plan_.size();
      const std::vector<char> resident = resident_;
      const std::uint64_t used = used_;
      if (run_sequence(seq, 0)) continue;
      if (fallback_) {
        plan_.resize(actions);
        resident_ = resident;
        used_ = used;
        if (backward_stage()) continue;
      }
      failed_stage_ = stage_;
      return std::nullopt;
    }
    return std::move(plan_);
  }

  // Where run() failed: the stage, and the inputs of its node that were not in memory when the
  // stage began.
  std::uint32_t failed_stage_ = 0;
  std::vector<std::uint32_t> missing_;

 private:
  // The stuck stage by the backward search (remat_backward_search.h), holding each of the
  // held_sets() in turn, most first, until one finds a path; its drops and actions are
  // appended. (Choosing instead the path of least cost, counting each dropped value once, was
  // worse: the dropped values come back through long chains.)
  bool backward_stage() {
    const std::vector<std::vector<char>> sets = held_sets();
    std::size_t best = sets.size();
    RematPlan best_actions;
    for (std::size_t i = 0; i < sets.size(); ++i) {
      BackwardSearch s = backward_search(p_, stage_, sets[i], kBackwardStates, deadline_);
      if (s.outcome != BackwardSearch::found) continue;
      best = i;
      best_actions = std::move(s.actions);
      break;
    }
    if (best == sets.size()) return false;
    const std::vector<char>& held = sets[best];
    for (std::uint32_t v = 0; v < p_.size(); ++v)
      if (resident_[v] && !held[v]) plan_.push_back({RematAction::drop, v}), ++backward_actions_;
    for (const RematAction& a : best_actions) {
      plan_.push_back(a);
      ++backward_actions_;
    }
    std::fill(resident_.begin(), resident_.end(), 0);
    used_ = 0;
    for (std::uint32_t v = 0; v < p_.size(); ++v)
      if (held[v]) resident_[v] = 1, used_ += p_.nodes[v].bytes;
    for (const RematAction& a : best_actions) {
      const bool in = a.kind == RematAction::compute;
      resident_[a.node] = in ? 1 : 0;
      if (in)
        used_ += p_.nodes[a.node].bytes;
      else
        used_ -= p_.nodes[a.node].bytes;
    }
    return true;
  }

  // The sets of values the backward search may hold, most first: every value in memory; those
  // a first computation still to come reads; of those, the ones read soonest (then the smaller
  // first) up to 3/4, 1/2 and 1/4 of the budget; none. A value not held is dropped, and comes
  // back (when next needed) through its own recomputes: the fewer dropped, the cheaper. A value
  // that could not come back (an update in place) is in every set.
  std::vector<std::vector<char>> held_sets() const {
    const std::size_t n = p_.size();
    std::vector<std::vector<char>> sets{resident_};
    std::vector<std::uint32_t> needed;
    for (std::uint32_t v = 0; v < n; ++v)
      if (resident_[v] && next_use(v) != kNever) needed.push_back(v);
    std::stable_sort(needed.begin(), needed.end(), [&](std::uint32_t a, std::uint32_t b) {
      const std::uint32_t na = next_use(a), nb = next_use(b);
      return na != nb ? na < nb : p_.nodes[a].bytes < p_.nodes[b].bytes;
    });
    // Values that could not come back (an update in place) are held in every set.
    std::vector<char> must(n, 0);
    std::uint64_t must_bytes = 0;
    for (std::uint32_t v = 0; v < n; ++v)
      if (resident_[v] && !may_drop(v)) must[v] = 1, must_bytes += p_.nodes[v].bytes;
    for (double share : {1.0, 0.75, 0.5, 0.25}) {
      const auto limit = static_cast<std::uint64_t>(share * static_cast<double>(p_.budget));
      std::vector<char> held = must;
      std::uint64_t bytes = must_bytes;
      for (std::uint32_t v : needed) {
        if (held[v]) continue;
        if (bytes + p_.nodes[v].bytes > limit) break;
        held[v] = 1;
        bytes += p_.nodes[v].bytes;
      }
      if (held != sets.back()) sets.push_back(std::move(held));
    }
    if (must != sets.back()) sets.push_back(std::move(must));
    return sets;
  }

  // The missing inputs of `v` and, recursively, theirs, back to values in memory: in node
  // order (a topological order, as every input comes earlier).
  std::vector<std::uint32_t> closure(std::uint32_t v) {
    std::vector<std::uint32_t> out, stack;
    for (std::uint32_t u : p_.nodes[v].preds)
      if (!resident_[u] && !mark_[u]) mark_[u] = 1, stack.push_back(u);
    while (!stack.empty()) {
      const std::uint32_t w = stack.back();
      stack.pop_back();
      out.push_back(w);
      for (std::uint32_t u : p_.nodes[w].preds)
        if (!resident_[u] && !mark_[u]) mark_[u] = 1, stack.push_back(u);
    }
    for (std::uint32_t w : out) mark_[w] = 0;
    std::sort(out.begin(), out.end());
    return out;
  }

  // Computes the nodes of `seq` in turn. need_ counts, per value, the reads still to come in
  // this sequence and the ones around it: those values are dropped only as a last resort.
  bool run_sequence(const std::vector<std::uint32_t>& seq, int depth) {
    for (std::uint32_t s : seq)
      for (std::uint32_t u : p_.nodes[s].preds) ++need_[u];
    bool ok = true;
    for (std::uint32_t s : seq) {
      if (ok && !resident_[s]) ok = compute(s, depth);
      for (std::uint32_t u : p_.nodes[s].preds) --need_[u];
    }
    return ok;
  }

  bool compute(std::uint32_t v, int depth) {
    if (plan_.size() - backward_actions_ > kMaxActionsPerNode * p_.size()) return false;
    if (v < stage_ && !p_.may_rerun(v, stage_)) return false;  // an update in place overwrote it
    // An input dropped as a last resort since the sequence began comes back first.
    // (A few attempts: one input's recompute may have to drop another.)
    for (int attempt = 0;; ++attempt) {
      const bool missing = std::any_of(p_.nodes[v].preds.begin(), p_.nodes[v].preds.end(),
                                       [&](std::uint32_t u) { return !resident_[u]; });
      if (!missing) break;
      if (attempt == 3 || depth >= kMaxDepth || !run_sequence(closure(v), depth + 1)) return false;
    }
    for (std::uint32_t u : p_.nodes[v].preds) ++hard_[u];
    const bool ok = make_room(p_.nodes[v].bytes);
    for (std::uint32_t u : p_.nodes[v].preds) --hard_[u];
    if (!ok) return false;
    plan_.push_back({RematAction::compute, v});
    resident_[v] = 1;
    used_ += p_.nodes[v].bytes;
    return true;
  }

  bool make_room(std::uint64_t bytes) {
    while (used_ + bytes > p_.budget) {
      std::uint32_t victim = pick_victim(false);
      if (victim == kNever) victim = pick_victim(true);
      if (victim == kNever) return false;
      plan_.push_back({RematAction::drop, victim});
      resident_[victim] = 0;
      used_ -= p_.nodes[victim].bytes;
    }
    return true;
  }

  // The first reader of u whose first computation is still to come (or the current one).
  std::uint32_t next_use(std::uint32_t u) const {
    const auto& r = readers_[u];
    const auto it = std::lower_bound(r.begin(), r.end(), stage_);
    return it == r.end() ? kNever : *it;
  }

  // Unless it could not come back for its next reader (RematProblem::may_drop).
  bool may_drop(std::uint32_t u) const { return p_.may_drop(u, next_use(u)); }

  // Lower = dropped first; values no first computation will read again go first.
  bool kept(std::uint32_t u) const { return weights_ && (*weights_)[u] >= kKeptWeight; }

  double priority(std::uint32_t u) const {
    const std::uint32_t next = next_need(u);
    const double bytes = static_cast<double>(p_.nodes[u].bytes);
    if (next == kNever) return -bytes;
    const double distance = static_cast<double>(next - stage_) + 1.0;
    // A weight above 1 makes a value look more valuable (nearer, smaller) under every rule.
    const double weight = weights_ && !kept(u) ? (*weights_)[u] : 1.0;
    switch (rule_) {
      case EvictionRule::worth: {
        double again = p_.nodes[u].cost;
        for (std::uint32_t w : p_.nodes[u].preds)
          if (!resident_[w]) again += p_.nodes[w].cost;
        return weight * (again + 1e-9) / (bytes * distance);
      }
      case EvictionRule::farthest:
        return -distance / weight * 1e12 + (p_.nodes[u].cost + 1e-9) / bytes;
      case EvictionRule::largest:
        return -bytes / weight * 1e6 - distance;
    }
    return 0;
  }

  // The order values are dropped in: tier first, then priority. Tier 0: no first computation
  // reads the value again. Tier 1: one does, and the value can come back from values in memory.
  // Tier 2: it is an *anchor* (an input of a dropped value that a first computation still
  // reads: dropping it would make that value's recompute deeper), or some of its own inputs are
  // gone. Tier 3: kept (weight kKeptWeight or more).
  int tier(std::uint32_t u) const {
    if (!supports_) {
      if (next_use(u) == kNever) return 0;
      if (kept(u)) return 3;
      for (std::uint32_t r : readers_[u]) {
        if (r >= stage_) break;
        if (!resident_[r] && next_use(r) != kNever) return 2;
      }
      for (std::uint32_t w : p_.nodes[u].preds)
        if (!resident_[w]) return 2;
      return 1;
    }
    bool supports = false;
    for (std::uint32_t r : readers_[u]) {
      if (r >= stage_) break;
      if (next_use(r) == kNever) continue;
      if (!resident_[r]) return kept(u) ? 3 : 2;
      supports = true;
    }
    if (next_use(u) == kNever && !supports) return 0;
    if (kept(u)) return 3;
    for (std::uint32_t w : p_.nodes[u].preds)
      if (!resident_[w]) return 2;
    return 1;
  }

  // The next first computation that reads u, or else the nearest one that reads a value u is
  // an input of (u is then needed to compute that value again, should it be dropped).
  std::uint32_t next_need(std::uint32_t u) const {
    std::uint32_t next = next_use(u);
    if (next != kNever || !supports_) return next;
    for (std::uint32_t r : readers_[u]) {
      if (r >= stage_) break;
      next = std::min(next, next_use(r));
    }
    return next;
  }

  // Never an input of the computation making room; values still to be read in the stage only
  // when `needed_too`.
  std::uint32_t pick_victim(bool needed_too) const {
    std::uint32_t victim = kNever;
    double best = 0;
    int best_tier = 4;
    for (std::uint32_t u = 0; u < p_.size(); ++u) {
      if (!resident_[u] || hard_[u] || p_.nodes[u].bytes == 0 || !may_drop(u)) continue;
      if (need_[u] && !needed_too) continue;
      const int t = tier(u);
      if (t > best_tier) continue;
      const double w = priority(u);
      if (t < best_tier || w < best) victim = u, best = w, best_tier = t;
    }
    return victim;
  }

  const RematProblem& p_;
  EvictionRule rule_;
  bool supports_;      // inputs of computed, still needed nodes count as needed (docs: "supports")
  bool fallback_;      // a stuck stage goes to the backward search
  Deadline deadline_;  // the backward searches give up there
  std::size_t backward_actions_ = 0;  // the backward searches' (not held to the cap)
  const std::vector<double>* weights_;
  std::vector<std::vector<std::uint32_t>> readers_;  // ascending
  std::vector<char> resident_;
  std::vector<std::uint32_t> need_;  // reads still to come in the sequences under way
  std::vector<std::uint32_t> hard_;  // inputs of the computation making room now
  std::vector<char> mark_;           // scratch for closure()
  std::uint64_t used_ = 0;
  std::uint32_t stage_ = 0;
  RematPlan plan_;
};

}  // namespace

ClosureAttempt try_closure_plan(const RematProblem& problem, EvictionRule rule, bool supports,
                                const std::vector<double>* weights, bool fallback,
                                const Deadline& deadline) {
  ClosureBuilder builder(problem, rule, supports, weights, fallback, deadline);
  ClosureAttempt a;
  a.plan = builder.run();
  if (!a.plan) {
    a.failed_stage = builder.failed_stage_;
    a.missing = builder.missing_;
  }
  return a;
}

std::optional<RematPlan> build_closure_plan(const RematProblem& problem, EvictionRule rule,
                                            bool supports, std::vector<double>* weights,
                                            bool fallback, const Deadline& deadline) {
  std::vector<double> own;
  if (!weights) {
    own.assign(problem.size(), 1.0);
    weights = &own;
  }
  for (int round = 0; round < kMaxRepairRounds; ++round) {
    if (deadline.passed()) return std::nullopt;
    ClosureAttempt a = try_closure_plan(problem, rule, supports, weights, fallback, deadline);
    if (a.plan) return std::move(a.plan);
    bool raised = false;
    for (std::uint32_t u : a.missing)
      if ((*weights)[u] < kKeptWeight) (*weights)[u] = kKeptWeight, raised = true;
    if (!raised) return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace memsim::planner
