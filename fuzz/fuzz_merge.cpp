// libFuzzer target: memsim merge's table reader on arbitrary bytes, split into up to four shard
// files at each byte 0x1E. Bad input must be a ScenarioError; anything else is a bug. Seeded
// from fuzz/seeds/merge/.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "sim/core/errors.h"
#include "sim/study/sweep_table.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::pair<std::string, std::string>> files(1);
  for (std::size_t i = 0; i < size; ++i) {
    if (data[i] == 0x1e && files.size() < 4) {
      files.emplace_back();
      continue;
    }
    files.back().second += static_cast<char>(data[i]);
  }
  for (std::size_t k = 0; k < files.size(); ++k) files[k].first = "s" + std::to_string(k) + ".csv";
  try {
    memsim::merge_sweep_csv(files);
  } catch (const memsim::ScenarioError&) {
  }
  return 0;
}
