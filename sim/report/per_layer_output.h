#pragma once
// The per-layer report as a user reads it: `memsim run --per-layer FILE` writes CSV (one row per
// layer and phase) or JSON (by the file's extension), and the text summary lists the layers
// that stall most and move most bytes.
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "sim/core/simulation.h"
#include "sim/report/per_layer.h"

namespace memsim {

// One column of the per-layer CSV (and key of a JSON row), in order, with its unit; the
// reference (docs/scenario-reference.md) is checked against this list.
struct ReportField {
  const char* name;
  const char* unit;  // "s", "B", "FLOP", "FLOP/B", "count" or "text"; uniform mode: tensor units
  const char* meaning;
};
const std::vector<ReportField>& per_layer_fields();

// Header, then one row per layer and phase (per_layer_report's order). A row's flop_per_byte is
// empty when it moved no bytes.
void write_per_layer_csv(std::ostream& out, const Simulation& sim, const PerLayerReport& report);

// {"scenario", "rows": [{field: value}...], "total": {...}}; flop_per_byte is null when no
// bytes moved.
nlohmann::ordered_json per_layer_json(const Simulation& sim, const PerLayerReport& report);

// "top stalls" and "top traffic" blocks for the text summary: the `count` layers (all their
// phases together) with the most stall and the most bytes moved (layers with none are left
// out; ties keep layer order).
std::string top_layers_text(const Simulation& sim, const PerLayerReport& report,
                            std::size_t count = 5);
// The same from a recorder's sums (PerLayerDetail::sums): what the summary uses without
// --per-layer.
std::string top_layers_text(const Simulation& sim, const TopLayerSums& sums, std::size_t count = 5);

}  // namespace memsim
