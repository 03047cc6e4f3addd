#pragma once
// The recompute planning problem (docs/model.md, "Planning memory"): the Checkmate / MOCCASIN
// problem on a memsim graph. Nodes are computed for the first time in a given order; any node
// may be computed again (rematerialized) at any point, which costs its compute cost again; a
// node's value stays in memory from a computation until it is dropped. When a node is
// computed, its inputs' values must be in memory, and the bytes in memory, its own value
// included, must not exceed the budget. Nothing is offloaded: a value that was dropped comes
// back only by computing it again. The cost of a plan is the compute cost of its reruns.
//
// A memsim graph maps to it as: one node per op (its value: all its outputs, kept and dropped
// together; its cost: the op's FLOPs), and one node per tensor that starts in DRAM and is read
// (its value: the tensor; "computing" it is loading it, which costs nothing here). Such a
// tensor's node is placed just before its first reader.
//
// An op that updates a tensor in place (a gradient accumulated into, an optimizer step) keeps
// it where it is: the tensor stays in the value of the node that first wrote it (its
// *storage*), which every later reader and updater reads; the updater's own value is only its
// fresh outputs. Each version overwrites the one before, so some computations cannot be made
// again once an update has run: the updater itself, the storage after the tensor's first update,
// and a reader of a version after the next update. `last_stage` says up to which stage a node
// may be computed again (docs/model.md §14.1, "Updates in place").
#include <cstdint>
#include <string>
#include <vector>

#include "sim/core/graph.h"

namespace memsim::planner {

struct RematNode {
  std::vector<std::uint32_t> preds;  // nodes whose values it reads (all earlier in the order)
  std::uint64_t bytes = 0;           // its value's size
  double cost = 0;                   // computing it once
  // Where it comes from in the memsim graph: an op, or a tensor loaded from DRAM.
  OpId op = Graph::kNoOp;
  TensorId source = Graph::kNoTensor;
  // Computed again only in stages up to this one (stage t: the actions before node t's first
  // computation, and that computation); kAnyStage when an update in place does not restrict it.
  std::uint32_t last_stage = kAnyStage;
  static constexpr std::uint32_t kAnyStage = 0xffffffffu;
};

struct RematProblem {
  std::vector<RematNode> nodes;  // in the order of first computations
  std::uint64_t budget = 0;
  std::size_t size() const { return nodes.size(); }
  // What one node's computation needs in memory at once: its inputs and its own value.
  std::uint64_t working_set(std::uint32_t v) const;
  // Whether node v may be computed again in stage t (t > v: its first computation is done).
  bool may_rerun(std::uint32_t v, std::uint32_t t) const { return t <= nodes[v].last_stage; }
  // Whether v's value may be dropped while the next first computation that reads it is node
  // `next_reader` (kAnyStage: none reads it again): not when that is past v's last stage, as v
  // could not come back for it.
  bool may_drop(std::uint32_t v, std::uint32_t next_reader) const {
    return next_reader == RematNode::kAnyStage || may_rerun(v, next_reader);
  }
  // Some node may not be computed again in some stage (an update in place, a load done once).
  bool restricted() const;
};

// The problem for `graph` with first computations in `order` (every op once, dependencies
// first). With `load_once`, a tensor from DRAM is loaded only once (its node's last stage is its
// own): parameters that live in the budgeted memory, as Checkmate counts them. Throws
// std::invalid_argument when `order` is not a topological order of every op, or an op reads or
// updates a tensor that starts nowhere and no op produces.
RematProblem make_remat_problem(const Graph& graph, const std::vector<OpId>& order,
                                std::uint64_t budget, bool load_once = false);

// The peak of memory when every node is computed once, in order, and every value is dropped
// right after its last reader ran (right after it was computed, if nothing reads it): the
// smallest budget that needs no recompute in this order.
std::uint64_t peak_without_recompute(const RematProblem& problem);

// Per node t: the bytes of the values that must be in memory at its first computation besides
// its working set, having no way back (an update in place, a load done once): a value u < t
// that t does not read, whose last stage is before t, and that a later first computation reads.
std::vector<std::uint64_t> held_bytes(const RematProblem& problem);

// The first node whose working set, with the held_bytes, exceeds the budget (no
// plan exists), or -1.
std::int64_t first_node_over_budget(const RematProblem& problem);

}  // namespace memsim::planner
