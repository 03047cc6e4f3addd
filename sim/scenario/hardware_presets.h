#pragma once
// Where `[hardware] preset = "NAME"` is found: scenarios/hardware/NAME.toml of the repository.
// The folder is looked up next to the scenario (the nearest ancestor folder of the scenario file
// that has scenarios/hardware/), then in the source tree memsim was built from
// (MEMSIM_PRESET_DIR, compiled in), so a preset works for scenarios inside and outside the repo.
#include <string>
#include <vector>

#include "sim/core/errors.h"

namespace memsim {

// The preset file's path. Throws ScenarioError at `pos` for a name that is not a plain file name
// or a preset that does not exist; the message lists the known presets.
std::string find_hardware_preset(const std::string& name, const std::string& scenario_file,
                                 const SourcePos& pos);

// Names of the presets (file stems, sorted) in the folders find_hardware_preset searches.
std::vector<std::string> known_hardware_presets(const std::string& scenario_file);

}  // namespace memsim
