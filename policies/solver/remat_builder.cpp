#include "policies/solver/remat_builder.h"

#include <algorithm>
#include <limits>

namespace memsim::planner {
namespace {

constexpr std::uint32_t kNever = std::numeric_limits<std::uint32_t>::max();
// RematProblem::may_drop reads "no next reader" as kAnyStage.
static_assert(kNever == RematNode::kAnyStage);

class Builder {
 public:
  Builder(const RematProblem& p, EvictionRule rule, const RematGuide* guide,
          std::vector<GuideOverrun>* overruns = nullptr, bool depth_first = false)
      : p_(p),
        overruns_(overruns),
        rule_(rule),
        guide_(guide),
        readers_(p.size()),
        resident_(p.size(), 0),
        pin_(p.size(), 0),
        hard_(p.size(), 0),
        keep_(p.size(), 0),
        needed_(p.size(), 0),
        depth_first_(depth_first) {
    for (std::uint32_t v = 0; v < p.size(); ++v)
      for (std::uint32_t u : p.nodes[v].preds) readers_[u].push_back(v);
  }

  std::optional<RematPlan> run() {
    for (stage_ = 0; stage_ < p_.size(); ++stage_) {
      if (guide_ && !follow_guide()) return std::nullopt;
      if (!compute(stage_)) return std::nullopt;
    }
    return std::move(plan_);
  }

 private:
  // The guide's stage: drop what it does not keep or need, compute again what it says.
  bool follow_guide() {
    const auto& keep = guide_->keep[stage_];
    const std::vector<std::uint32_t>& again =
        depth_first_ ? depth_first_order(guide_->recompute[stage_]) : guide_->recompute[stage_];
    std::fill(keep_.begin(), keep_.end(), 0);
    for (std::uint32_t v : keep) keep_[v] = 1;
    for (std::size_t k = 0; k <= again.size(); ++k) {
      // Needed from here on in this stage: the kept values, node `stage_`'s inputs and the
      // inputs of the remaining recomputes, but not the old copy of a value the guide computes
      // again later in the stage (it drops it first: that is how it makes room).
      std::fill(needed_.begin(), needed_.end(), 0);
      for (std::uint32_t v : keep) needed_[v] = 1;
      for (std::uint32_t u : p_.nodes[stage_].preds) needed_[u] = 1;
      for (std::size_t r = k; r < again.size(); ++r)
        for (std::uint32_t u : p_.nodes[again[r]].preds) needed_[u] = 1;
      for (std::size_t r = k; r < again.size(); ++r) needed_[again[r]] = 0;
      for (std::uint32_t v = 0; v < stage_; ++v)
        if (resident_[v] && !needed_[v] && pin_[v] == 0 && may_drop(v)) drop(v);
      if (k < again.size() && !resident_[again[k]] && !compute(again[k])) return false;
    }
    return true;
  }

  // The stage's recomputes in the order a depth-first walk from what the stage must deliver
  // (node stage_'s inputs, then the kept values) computes them: each just before its first
  // use, so fewer recomputed values wait in memory.
  const std::vector<std::uint32_t>& depth_first_order(const std::vector<std::uint32_t>& again) {
    order_.clear();
    std::fill(needed_.begin(), needed_.end(), 0);
    for (std::uint32_t v : again) needed_[v] = 1;  // 1: to compute, 2: done
    const auto visit = [&](auto&& self, std::uint32_t v) -> void {
      if (needed_[v] != 1) return;
      needed_[v] = 2;
      for (std::uint32_t u : p_.nodes[v].preds) self(self, u);
      order_.push_back(v);
    };
    // Roots with more to compute first (as Sethi and Ullman order subtrees): a value that is
    // only kept, computed last, waits in memory the shortest.
    std::vector<std::pair<std::size_t, std::uint32_t>> roots;
    const auto add_root = [&](std::uint32_t v) {
      if (needed_[v] != 1) return;
      std::size_t size = 0;
      std::vector<std::uint32_t> stack{v};
      std::vector<std::uint32_t> seen;
      while (!stack.empty()) {
        const std::uint32_t w = stack.back();
        stack.pop_back();
        if (needed_[w] != 1 || std::find(seen.begin(), seen.end(), w) != seen.end()) continue;
        seen.push_back(w);
        ++size;
        for (std::uint32_t u : p_.nodes[w].preds) stack.push_back(u);
      }
      roots.emplace_back(size, v);
    };
    for (std::uint32_t u : p_.nodes[stage_].preds) add_root(u);
    for (std::uint32_t v : guide_->keep[stage_]) add_root(v);
    for (std::uint32_t v : again) add_root(v);
    std::stable_sort(roots.begin(), roots.end(),
                     [](const auto& a, const auto& b) { return a.first > b.first; });
    for (const auto& root : roots) visit(visit, root.second);
    return order_;
  }

  // Computes v after its missing inputs (recursively). Inputs of computations in progress are
  // pinned: dropped only when nothing else frees enough (then the computation that needs them
  // computes them again, a few attempts at most); the inputs of the computation making room
  // right now never are.
  bool compute(std::uint32_t v) {
    if (v < stage_ && !p_.may_rerun(v, stage_)) return false;  // an update in place overwrote it
    const auto& preds = p_.nodes[v].preds;
    for (std::uint32_t u : preds) ++pin_[u];
    bool ok = true;
    for (int attempt = 0;; ++attempt) {
      for (std::uint32_t u : preds)
        if (!resident_[u] && !compute(u)) {
          ok = false;
          break;
        }
      if (!ok) break;
      const bool all = std::all_of(preds.begin(), preds.end(),
                                   [&](std::uint32_t u) { return resident_[u] != 0; });
      if (all) break;
      if (attempt == 3) {
        ok = false;
        break;
      }
    }
    if (ok) {
      for (std::uint32_t u : preds) ++hard_[u];
      ok = make_room(p_.nodes[v].bytes, v);
      for (std::uint32_t u : preds) --hard_[u];
    }
    if (ok) {
      plan_.push_back({RematAction::compute, v});
      resident_[v] = 1;
      used_ += p_.nodes[v].bytes;
    }
    for (std::uint32_t u : preds) --pin_[u];
    return ok;
  }

  void drop(std::uint32_t v) {
    plan_.push_back({RematAction::drop, v});
    resident_[v] = 0;
    used_ -= p_.nodes[v].bytes;
  }

  // The first reader of u whose first computation is still to come (or the current one).
  std::uint32_t next_use(std::uint32_t u) const {
    const auto& r = readers_[u];
    const auto it = std::lower_bound(r.begin(), r.end(), stage_);
    return it == r.end() ? kNever : *it;
  }

  // Unless it could not come back for its next reader (RematProblem::may_drop).
  bool may_drop(std::uint32_t u) const { return p_.may_drop(u, next_use(u)); }

  // Lower = dropped first. Values no first computation will read again go first.
  double worth(std::uint32_t u) const {
    const std::uint32_t next = next_use(u);
    if (next == kNever) return -static_cast<double>(p_.nodes[u].bytes);
    const double distance = static_cast<double>(next - stage_) + 1.0;
    const double bytes = static_cast<double>(p_.nodes[u].bytes);
    switch (rule_) {
      case EvictionRule::worth: {
        double again = p_.nodes[u].cost;
        for (std::uint32_t w : p_.nodes[u].preds)
          if (!resident_[w]) again += p_.nodes[w].cost;
        return (again + 1e-9) / (bytes * distance);
      }
      case EvictionRule::farthest:
        return -distance * 1e12 + (p_.nodes[u].cost + 1e-9) / bytes;
      case EvictionRule::largest:
        return -bytes * 1e6 - distance;
    }
    return 0;
  }

  bool make_room(std::uint64_t bytes, std::uint32_t for_node) {
    if (overruns_) {
      // Following the guide to the letter: note the overrun, drop nothing.
      if (used_ + bytes > p_.budget) overruns_->push_back({stage_, for_node});
      return true;
    }
    while (used_ + bytes > p_.budget) {
      std::uint32_t victim = pick_victim(false);
      if (victim == kNever) victim = pick_victim(true);
      if (victim == kNever) return false;
      drop(victim);
    }
    return true;
  }

  // The value to drop: unpinned ones first (pinned ones too when `pinned_too`, except the
  // inputs of the computation making room), values the guide does not keep first, then the
  // lowest worth.
  std::uint32_t pick_victim(bool pinned_too) const {
    std::uint32_t victim = kNever;
    double best = 0;
    bool best_kept = true;
    for (std::uint32_t u = 0; u < p_.size(); ++u) {
      if (!resident_[u] || hard_[u] || p_.nodes[u].bytes == 0 || !may_drop(u)) continue;
      if (pin_[u] && !pinned_too) continue;
      const bool kept = keep_[u] != 0;
      const double w = worth(u);
      if (victim == kNever || (best_kept && !kept) || (kept == best_kept && w < best)) {
        victim = u;
        best = w;
        best_kept = kept;
      }
    }
    return victim;
  }

  const RematProblem& p_;
  std::vector<GuideOverrun>* overruns_;
  EvictionRule rule_;
  const RematGuide* guide_;
  std::vector<std::vector<std::uint32_t>> readers_;  // ascending
  std::vector<char> resident_;
  std::vector<std::uint32_t> pin_;    // inputs of computations in progress
  std::vector<std::uint32_t> hard_;   // inputs of the computation making room now
  std::vector<char> keep_;            // the guide's keep set for this stage
  std::vector<char> needed_;          // scratch for follow_guide
  std::vector<std::uint32_t> order_;  // scratch for depth_first_order
  bool depth_first_ = false;
  std::uint64_t used_ = 0;
  std::uint32_t stage_ = 0;
  RematPlan plan_;
};

}  // namespace

RematGuide prune_guide(const RematProblem& p, RematGuide guide) {
  std::vector<char> needed(p.size(), 0);
  for (std::size_t t = 0; t < guide.recompute.size() && t < p.size(); ++t) {
    std::fill(needed.begin(), needed.end(), 0);
    for (std::uint32_t v : guide.keep[t]) needed[v] = 1;
    for (std::uint32_t u : p.nodes[t].preds) needed[u] = 1;
    std::vector<std::uint32_t>& again = guide.recompute[t];
    std::vector<std::uint32_t> used;
    for (auto it = again.rbegin(); it != again.rend(); ++it) {
      if (!needed[*it]) continue;
      used.push_back(*it);
      for (std::uint32_t u : p.nodes[*it].preds) needed[u] = 1;
    }
    again.assign(used.rbegin(), used.rend());
  }
  return guide;
}

std::optional<RematPlan> build_plan(const RematProblem& problem, EvictionRule rule,
                                    const RematGuide* guide) {
  return Builder(problem, rule, guide).run();
}

std::vector<GuideOverrun> guide_overruns(const RematProblem& problem, const RematGuide& guide,
                                         RematPlan* plan) {
  std::vector<GuideOverrun> first;
  for (bool depth_first : {false, true}) {
    std::vector<GuideOverrun> overruns;
    auto built = Builder(problem, EvictionRule::worth, &guide, &overruns, depth_first).run();
    if (overruns.empty()) {
      if (plan && built) *plan = std::move(*built);
      return overruns;
    }
    if (!depth_first) first = std::move(overruns);
  }
  return first;
}

}  // namespace memsim::planner
