#include "sim/scenario/hardware_presets.h"

#include <algorithm>
#include <filesystem>
#include <system_error>

namespace memsim {
namespace {

namespace fs = std::filesystem;

// Folders to search, nearest first.
std::vector<fs::path> preset_dirs(const std::string& scenario_file) {
  std::vector<fs::path> dirs;
  std::error_code ec;
  fs::path dir = fs::absolute(fs::path(scenario_file), ec).parent_path();
  for (int depth = 0; !ec && !dir.empty() && depth < 64; ++depth) {
    const fs::path candidate = dir / "scenarios" / "hardware";
    if (fs::is_directory(candidate, ec)) {
      dirs.push_back(candidate);
      break;
    }
    if (dir == dir.parent_path()) break;
    dir = dir.parent_path();
  }
#ifdef MEMSIM_PRESET_DIR
  const fs::path built_in(MEMSIM_PRESET_DIR);
  if (fs::is_directory(built_in, ec) &&
      std::none_of(dirs.begin(), dirs.end(), [&](const fs::path& d) {
        std::error_code e;
        return fs::equivalent(d, built_in, e);
      }))
    dirs.push_back(built_in);
#endif
  return dirs;
}

}  // namespace

std::vector<std::string> known_hardware_presets(const std::string& scenario_file) {
  std::vector<std::string> names;
  for (const fs::path& dir : preset_dirs(scenario_file)) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec))
      if (entry.path().extension() == ".toml") names.push_back(entry.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

std::string find_hardware_preset(const std::string& name, const std::string& scenario_file,
                                 const SourcePos& pos) {
  const bool plain =
      !name.empty() && name.front() != '.' && name.find_first_of("/\\") == std::string::npos;
  if (plain) {
    for (const fs::path& dir : preset_dirs(scenario_file)) {
      std::error_code ec;
      const fs::path file = dir / (name + ".toml");
      if (fs::is_regular_file(file, ec)) return file.string();
    }
  }
  std::string known;
  for (const std::string& n : known_hardware_presets(scenario_file))
    known += (known.empty() ? "" : ", ") + n;
  throw ScenarioError(pos, "hardware.preset: unknown preset '" + name + "'; known presets: " +
                               (known.empty() ? "(none found in scenarios/hardware/)" : known));
}

}  // namespace memsim
