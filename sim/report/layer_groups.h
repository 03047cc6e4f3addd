#pragma once
// Runs of consecutive ops that belong to the same part of a model, for the labels under a time
// line: "layer4" at depth 1, "layer4.1" at depth 2 (the first parts of the layer's dotted name).
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sim/core/graph.h"
#include "sim/core/schedule.h"

namespace memsim {

// The first `depth` dot-separated parts of `name` ("layer4.1.conv2", 2 -> "layer4.1"); the
// whole name when it has fewer.
std::string_view name_prefix(std::string_view name, int depth);

struct OpGroup {
  std::string name;  // the shared prefix
  double start = 0;  // the first op's start
  double end = 0;    // the last op's end
  std::size_t ops = 0;
};

// Groups compute steps, in the order given (time order), by name_prefix of their layer's name
// (a tile counts as its layer): a new group starts where the prefix changes.
std::vector<OpGroup> group_ops(const Graph& graph, std::span<const TimedStep> computes, int depth);

}  // namespace memsim
