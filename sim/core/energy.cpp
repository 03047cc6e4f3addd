#include "sim/core/energy.h"

namespace memsim {

EnergyReport compute_energy(const Machine& m, const Traffic& traffic, double time) {
  EnergyReport e;
  const std::uint32_t levels = m.level_count();
  e.level_joules.assign(levels, 0.0);
  e.link_joules.assign(levels - 1, 0.0);
  e.static_joules.assign(levels, 0.0);
  if (m.uniform) return e;
  for (std::uint32_t k = 1; k <= levels; ++k) {
    const LevelEnergy& f = m.level_energy(k);
    const LevelTraffic& t = traffic.levels[k - 1];
    e.level_joules[k - 1] = static_cast<double>(t.read_bytes) * f.read_joules_per_byte +
                            static_cast<double>(t.write_bytes) * f.write_joules_per_byte;
    e.static_joules[k - 1] = f.static_watts * time;
    e.memory_joules += e.level_joules[k - 1];
  }
  for (std::uint32_t k = 1; k < levels; ++k) {
    const LinkTraffic& t = traffic.links[k - 1];
    // Link k's figure is given on the level it reaches, k + 1.
    e.link_joules[k - 1] =
        static_cast<double>(t.up_bytes + t.down_bytes) * m.level_energy(k + 1).link_joules_per_byte;
    e.links_joules += e.link_joules[k - 1];
  }
  e.compute_joules = traffic.flops * m.compute_joules_per_flop;
  for (double s : e.static_joules) e.static_total_joules += s;
  e.total_joules = e.memory_joules + e.links_joules + e.compute_joules + e.static_total_joules;
  return e;
}

}  // namespace memsim
