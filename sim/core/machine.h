#pragma once
// The hardware model: a cache, DRAM channels and one compute unit (docs/model.md §2), and below
// the DRAM any number of further memory levels, each reached over its own link (§15).
//
// Level 1 is the cache, level 2 the DRAM (the fields named dram_*, whose link from the cache
// is link 1), levels 3..K the entries of `deep` (link k joins level k and level k+1). A machine
// without deep levels is exactly the two-level machine of §2, and code that only knows two
// levels keeps reading the dram_* fields.
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace memsim {

// Energy figures of one level (docs/model.md §15.6), in joules and watts; 0 when not given.
struct LevelEnergy {
  double read_joules_per_byte = 0;
  double write_joules_per_byte = 0;
  double static_watts = 0;
  double link_joules_per_byte = 0;  // per byte over the link from the level above (not level 1)
};

// A memory level below the DRAM (level 3..K) and the link that reaches it from the level above.
struct DeepLevel {
  std::string name;
  std::uint64_t capacity = std::numeric_limits<std::uint64_t>::max();  // for the verdict only
  std::uint64_t reserved = 0;
  double bandwidth = 0;  // bytes per second per channel
  double latency = 0;    // seconds per transfer
  std::uint32_t channels = 1;
  double transfer_time = 1;  // uniform mode
  LevelEnergy energy;
};

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

  // --- memory levels (docs/model.md §15) ---------------------------------------------------
  std::string cache_name = "cache";  // level 1
  std::string dram_name = "DRAM";    // level 2
  std::vector<DeepLevel> deep;       // levels 3..K, fastest first
  LevelEnergy cache_energy, dram_energy;
  double compute_joules_per_flop = 0;

  std::uint32_t level_count() const { return 2 + static_cast<std::uint32_t>(deep.size()); }
  std::uint32_t link_count() const { return level_count() - 1; }
  // Levels and links count from 1, as docs/model.md does.
  const std::string& level_name(std::uint32_t level) const {
    return level == 1 ? cache_name : level == 2 ? dram_name : deep[level - 3].name;
  }
  const LevelEnergy& level_energy(std::uint32_t level) const {
    return level == 1 ? cache_energy : level == 2 ? dram_energy : deep[level - 3].energy;
  }
  // A memory level's (2..K) capacity and what of it tensors may use (capacity - reserved).
  std::uint64_t level_capacity(std::uint32_t level) const {
    return level == 2 ? dram_capacity : deep[level - 3].capacity;
  }
  std::uint64_t level_reserved(std::uint32_t level) const {
    return level == 2 ? dram_reserved : deep[level - 3].reserved;
  }
  std::uint64_t level_for_tensors(std::uint32_t level) const {
    const std::uint64_t c = level_capacity(level);
    return c == std::numeric_limits<std::uint64_t>::max() ? c : c - level_reserved(level);
  }
  // Link k joins level k and level k+1; link 1 is the DRAM link above.
  double link_seconds(std::uint32_t link, std::uint64_t bytes) const {
    if (link == 1) return transfer_seconds(bytes);
    const DeepLevel& d = deep[link - 2];
    return uniform ? d.transfer_time : d.latency + static_cast<double>(bytes) / d.bandwidth;
  }
  std::uint32_t link_channels(std::uint32_t link) const {
    return link == 1 ? dram_channels : deep[link - 2].channels;
  }
  double link_bandwidth(std::uint32_t link) const {
    return link == 1 ? dram_bandwidth : deep[link - 2].bandwidth;
  }
  double link_latency(std::uint32_t link) const {
    return link == 1 ? dram_latency : deep[link - 2].latency;
  }
  // Whether any energy figure is set (the report shows energy only then).
  bool has_energy() const {
    const auto any = [](const LevelEnergy& e) {
      return e.read_joules_per_byte > 0 || e.write_joules_per_byte > 0 || e.static_watts > 0 ||
             e.link_joules_per_byte > 0;
    };
    bool deep_any = false;
    for (const DeepLevel& d : deep) deep_any = deep_any || any(d.energy);
    return compute_joules_per_flop > 0 || any(cache_energy) || any(dram_energy) || deep_any;
  }
};

}  // namespace memsim
