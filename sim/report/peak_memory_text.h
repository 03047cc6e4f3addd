#pragma once
// The peak-live and out-of-memory lines of the text report: how many bytes are live at the
// peak, at which op, and of which tensor kinds ("CUDA out of memory", explained).
#include <cstdint>
#include <string>

#include "sim/core/graph.h"
#include "sim/core/liveness.h"

namespace memsim {

// "weights 2.10, optimizer 4.20, activations 44.90": the bytes of each tensor kind live at the
// peak, only kinds with bytes > 0, persistent kinds first (weights, optimizer, gradients,
// activations, inputs, labels, other), each in the unit format_bytes picks for the whole peak
// (GiB above; a part too small to show reads "<0.01"). In uniform mode (`uniform`), whole tensor
// counts: "weights 3, activations 4".
std::string peak_breakdown(const LivenessReport& report, bool uniform);

// "out of memory: needs 51.20 GiB at op bwdX3, DRAM holds 48.00 GiB (weights 2.10, ...)";
// with a reserve: "..., DRAM holds 48.00 GiB less 2.00 GiB reserved (...)".
// A memory level other than the DRAM names itself (`level_name`, docs/model.md §15.5), and
// staging copies add "(+ 4.00 MiB staging)" after the peak: "out of memory: needs 20.00 GiB
// (+ 4.00 MiB staging) at op adam7.update, host holds 16.00 GiB (...)".
std::string out_of_memory_verdict(const Graph& graph, const LivenessReport& report,
                                  std::uint64_t dram_capacity, std::uint64_t dram_reserved = 0,
                                  const std::string& level_name = "DRAM",
                                  std::uint64_t staging = 0);

}  // namespace memsim
