#pragma once
// The hardware model: a cache, DRAM channels and one compute unit (docs/model.md §2).
#include <cstdint>
#include <limits>

namespace memsim {

struct Machine {
  // Cache capacity in bytes, or in tensors when `uniform` (then every tensor is one unit).
  std::uint64_t cache_capacity = 0;
  bool uniform = false;
  // Byte mode: a transfer of b bytes takes dram_latency + b / dram_bandwidth seconds and an op
  // flops / compute_throughput seconds.
  double dram_bandwidth = 0;      // bytes per second
  double dram_latency = 0;        // seconds
  double compute_throughput = 0;  // FLOP per second
  // Uniform mode: fixed times in abstract time units.
  double transfer_time = 1;
  double op_time = 1;
  // DRAM size, for the out-of-memory verdict; max() when not given.
  std::uint64_t dram_capacity = std::numeric_limits<std::uint64_t>::max();
  // A fixed part of the DRAM that tensors cannot use (hardware.dram.reserved): the CUDA
  // context, the framework's workspaces and allocator slack, which peak live leaves out.
  std::uint64_t dram_reserved = 0;
  // The DRAM left for tensors: capacity - reserved.
  std::uint64_t dram_for_tensors() const {
    return dram_capacity == std::numeric_limits<std::uint64_t>::max()
               ? dram_capacity
               : dram_capacity - dram_reserved;
  }
  std::uint32_t dram_channels = 1;  // concurrent transfers, served first-come first-served

  double transfer_seconds(std::uint64_t bytes) const {
    return uniform ? transfer_time : dram_latency + static_cast<double>(bytes) / dram_bandwidth;
  }
  double compute_seconds(double flops) const {
    return uniform ? op_time : flops / compute_throughput;
  }
};

}  // namespace memsim
