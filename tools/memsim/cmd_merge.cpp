// memsim merge: join the CSV files of a sharded sweep (--shard i/N) into the whole table.
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include "sim/io/input_file.h"
#include "sim/study/sweep_table.h"
#include "tools/memsim/commands.h"

namespace po = boost::program_options;

namespace memsim::cli {

int cmd_merge(const std::vector<std::string>& args, const Registry&) {
  std::vector<std::string> paths;
  std::string out_path;
  po::options_description options("memsim merge options");
  options.add_options()("files", po::value<std::vector<std::string>>(&paths)->composing(),
                        "the shard CSV files")("out", po::value<std::string>(&out_path),
                                               "write the merged CSV to FILE (default: stdout)");
  po::positional_options_description positional;
  positional.add("files", -1);
  const std::string usage =
      "usage: memsim merge SHARD.csv... [--out FILE.csv]\n\n"
      "Joins the files of `memsim sweep --shard i/N` into the table one whole sweep writes,\n"
      "checking that no point is missing or given twice.\n"
      "example: memsim merge shard-*.csv --out sweep.csv";
  for (const auto& a : args)
    if (a == "--help" || a == "-h") {
      std::cout << usage << "\n" << options << "\n";
      return kExitOk;
    }
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(options).positional(positional).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw UsageError(std::string(e.what()) + "; see --help");
  }
  if (paths.empty()) throw UsageError("give the shard CSV files to merge; see --help");
  OutputFiles outputs;  // checked before reading the shards
  outputs.add("--out", out_path.empty() ? "-" : out_path);
  std::vector<std::pair<std::string, std::string>> files;
  for (const std::string& path : paths) {
    files.emplace_back(path, read_input_file(path, "sweep table"));
  }
  const std::string merged = merge_sweep_csv(files);
  outputs.set_writer("--out", [&](std::ostream& out) { out << merged; });
  outputs.commit();
  return kExitOk;
}

}  // namespace memsim::cli
