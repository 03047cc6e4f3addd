#pragma once
// Runs the memsim executable (MEMSIM_BINARY) the way a user does, capturing stdout, stderr and
// the exit status.
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace memsim::test {

struct CommandResult {
  int status = -1;
  std::string out;
  std::string err;
};

inline std::string source_path(const std::string& relative) {
  return std::string(MEMSIM_SOURCE_DIR) + "/" + relative;
}

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A fresh empty directory under the system temp dir, removed when the object goes.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    char tmpl[] = "/tmp/memsim-test-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

// Runs a shell command line (quote its words yourself), capturing stdout, stderr and status.
inline CommandResult run_command(const std::string& command) {
  const TempDir tmp;
  const std::string out = tmp.file("out"), err = tmp.file("err");
  const std::string cmd = command + " >" + out + " 2>" + err + " </dev/null";
  const int raw = std::system(cmd.c_str());
  CommandResult r;
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  r.out = read_file(out);
  r.err = read_file(err);
  return r;
}

// `args` is appended to the binary's path as shell words (quote them yourself).
inline CommandResult run_memsim(const std::string& args) {
  return run_command(std::string(MEMSIM_BINARY) + " " + args);
}

}  // namespace memsim::test
