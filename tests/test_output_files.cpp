// Output files (tools/memsim/output_files.h): "-" is standard output, devices and FIFOs are
// written through, regular files are replaced atomically, every path is checked before the work,
// a command's outputs appear all or none, and a failed write leaves nothing behind.
//
// SAFETY: every device, FIFO and link here is made inside a fresh temporary folder; nothing
// writes to the real /dev/stdout or any system path. /dev/null and /dev/full are only reached
// through links made in that folder (writing to them changes nothing).
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "support/run_memsim.h"
#include "tools/memsim/output_files.h"

extern char** environ;

namespace fs = std::filesystem;
using memsim::cli::OutputFiles;
using memsim::cli::OutputKind;
using memsim::cli::OutputPathError;
using memsim::cli::OutputWriteError;
using memsim::test::read_file;
using memsim::test::run_memsim;
using memsim::test::source_path;
using memsim::test::TempDir;

namespace {

std::set<std::string> names_in(const fs::path& dir) {
  std::set<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.insert(e.path().filename().string());
  return out;
}

std::string path_error(const std::string& path) {
  try {
    OutputFiles outputs;
    outputs.add("--out", path);
  } catch (const OutputPathError& e) {
    return e.what();
  }
  return "";
}

auto text(const std::string& s) {
  return [s](std::ostream& out) { out << s; };
}

void write_file(const std::string& path, const std::string& s) {
  std::ofstream(path, std::ios::binary) << s;
}

const std::string kScenario = source_path("scenarios/lecture/paging.toml");

}  // namespace

TEST_CASE("a dash is standard output, paths that cannot be written are refused when added",
          "[output]") {
  const TempDir dir;
  CHECK(memsim::cli::resolve_output_path("-").kind == OutputKind::standard_output);
  CHECK(path_error(dir.file("nofolder/x.csv")) ==
        "cannot write " + dir.file("nofolder/x.csv") + ": no such folder");
  CHECK(path_error(dir.path.string()) == "cannot write " + dir.path.string() + ": is a directory");
  write_file(dir.file("plain"), "x");
  // A path through a regular file: that file is not a folder.
  CHECK(path_error(dir.file("plain/x.csv")) ==
        "cannot write " + dir.file("plain/x.csv") + ": no such folder");
  // A loop of links never ends.
  fs::create_symlink("loop-b", dir.file("loop-a"));
  fs::create_symlink("loop-a", dir.file("loop-b"));
  CHECK(path_error(dir.file("loop-a")) ==
        "cannot write " + dir.file("loop-a") + ": too many levels of symbolic links");
  // Nothing was created by the checks.
  CHECK(names_in(dir.path) == std::set<std::string>{"plain", "loop-a", "loop-b"});
}

TEST_CASE("two outputs naming one file are refused", "[output]") {
  const TempDir dir;
  OutputFiles outputs;
  outputs.add("--timeline", dir.file("a.csv"));
  try {
    outputs.add("--trace", dir.path.string() + "/./a.csv");
    FAIL("accepted the same file twice");
  } catch (const OutputPathError& e) {
    CHECK(std::string(e.what()) == "--timeline and --trace both write " + dir.path.string() +
                                       "/./a.csv; give each output its own file");
  }
  OutputFiles both_stdout;
  both_stdout.add("--timeline", "-");
  CHECK_THROWS_WITH(both_stdout.add("--trace", "-"),
                    "--timeline and --trace both write standard output; give each output its "
                    "own file");
}

TEST_CASE("a regular file is replaced whole, keeping its mode, with no temporary left",
          "[output]") {
  const TempDir dir;
  write_file(dir.file("out.csv"), "old contents that are longer than the new ones\n");
  ::chmod(dir.file("out.csv").c_str(), 0640);
  OutputFiles outputs;
  outputs.add("--out", dir.file("out.csv"));
  CHECK(outputs.kind("--out") == OutputKind::replace);
  outputs.set_writer("--out", text("new\n"));
  outputs.commit();
  CHECK(read_file(dir.file("out.csv")) == "new\n");
  struct stat st {};
  REQUIRE(::stat(dir.file("out.csv").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0640);
  CHECK(names_in(dir.path) == std::set<std::string>{"out.csv"});
}

TEST_CASE("a symbolic link to a regular file stays a link, its target is replaced", "[output]") {
  const TempDir dir;
  fs::create_directory(dir.file("real"));
  write_file(dir.file("real/data.csv"), "old\n");
  fs::create_symlink("real/data.csv", dir.file("latest.csv"));
  fs::create_symlink("real/new.csv", dir.file("dangling.csv"));  // target does not exist yet
  OutputFiles outputs;
  outputs.add("--out", dir.file("latest.csv"));
  outputs.add("--svg", dir.file("dangling.csv"));
  outputs.set_writer("--out", text("new\n"));
  outputs.set_writer("--svg", text("<svg/>\n"));
  outputs.commit();
  CHECK(fs::is_symlink(dir.file("latest.csv")));
  CHECK(fs::read_symlink(dir.file("latest.csv")) == "real/data.csv");
  CHECK(read_file(dir.file("real/data.csv")) == "new\n");
  CHECK(fs::is_symlink(dir.file("dangling.csv")));
  CHECK(read_file(dir.file("real/new.csv")) == "<svg/>\n");
  CHECK(names_in(dir.file("real")) == std::set<std::string>{"data.csv", "new.csv"});
}

TEST_CASE("a link to a character device is written through and stays a link", "[output]") {
  const TempDir dir;
  fs::create_symlink("/dev/null", dir.file("null"));
  OutputFiles outputs;
  outputs.add("--trace", dir.file("null"));
  CHECK(outputs.kind("--trace") == OutputKind::through);
  outputs.set_writer("--trace", text("{}\n"));
  outputs.commit();
  CHECK(fs::is_symlink(dir.file("null")));
  CHECK(fs::read_symlink(dir.file("null")) == "/dev/null");
  CHECK(fs::is_character_file("/dev/null"));
  CHECK(names_in(dir.path) == std::set<std::string>{"null"});
}

TEST_CASE("a FIFO is written through: its reader gets the text", "[output]") {
  const TempDir dir;
  const std::string fifo = dir.file("pipe");
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  std::string received;
  std::thread reader([&] { received = read_file(fifo); });  // blocks until the writer opens
  OutputFiles outputs;
  outputs.add("--timeline", fifo);
  CHECK(outputs.kind("--timeline") == OutputKind::through);
  outputs.set_writer("--timeline", text("start,end\n0,1\n"));
  outputs.commit();
  reader.join();
  CHECK(received == "start,end\n0,1\n");
  CHECK(fs::is_fifo(fifo));
}

TEST_CASE("device nodes made here: a null device is written through, a full one fails",
          "[output]") {
  const TempDir dir;
  // mknod needs CAP_MKNOD (root, as in CI); elsewhere the links above cover devices.
  if (::mknod(dir.file("null").c_str(), S_IFCHR | 0666, makedev(1, 3)) != 0 ||
      ::mknod(dir.file("full").c_str(), S_IFCHR | 0666, makedev(1, 7)) != 0) {
    WARN("mknod not permitted here; device nodes are covered by the links to /dev/null, /dev/full");
    return;
  }
  {
    OutputFiles outputs;
    outputs.add("--out", dir.file("null"));
    outputs.set_writer("--out", text("x\n"));
    outputs.commit();
    CHECK(fs::is_character_file(dir.file("null")));
  }
  OutputFiles outputs;
  outputs.add("--out", dir.file("full"));
  outputs.set_writer("--out", text("x\n"));
  CHECK_THROWS_WITH(outputs.commit(),
                    "cannot write " + dir.file("full") + ": No space left on device");
  CHECK(fs::is_character_file(dir.file("full")));
}

TEST_CASE("a write error names the path and reason, and no output of the command appears",
          "[output]") {
  const TempDir dir;
  fs::create_symlink("/dev/full", dir.file("full"));
  write_file(dir.file("kept.csv"), "the old file\n");
  OutputFiles outputs;
  outputs.add("--timeline", dir.file("kept.csv"));
  outputs.add("--out", dir.file("new.csv"));
  outputs.add("--svg", dir.file("full"));
  outputs.set_writer("--timeline", text("replacement\n"));
  outputs.set_writer("--out", text("a,b\n1,2\n"));
  outputs.set_writer("--svg", text(std::string(100000, 'x')));
  try {
    outputs.commit();
    FAIL("writing to /dev/full succeeded");
  } catch (const OutputWriteError& e) {
    CHECK(std::string(e.what()) ==
          "cannot write " + dir.file("full") + ": No space left on device");
    CHECK(e.error() == ENOSPC);
  }
  // All or none: the old file is untouched, the new one never appeared, no temporary is left.
  CHECK(read_file(dir.file("kept.csv")) == "the old file\n");
  CHECK(names_in(dir.path) == std::set<std::string>{"full", "kept.csv"});
}

TEST_CASE("an output whose writer fails leaves no file", "[output]") {
  const TempDir dir;
  OutputFiles outputs;
  outputs.add("--out", dir.file("a.csv"));
  outputs.add("--svg", dir.file("b.svg"));
  outputs.set_writer("--out", text("a\n"));
  outputs.set_writer("--svg", [](std::ostream& out) {
    out << "<svg";
    throw std::runtime_error("drawing failed");
  });
  CHECK_THROWS_WITH(outputs.commit(), "drawing failed");
  CHECK(names_in(dir.path).empty());
}

TEST_CASE("memsim: every output path is checked before the scenario is even read",
          "[output][cli]") {
  const TempDir dir;
  // The scenario does not exist either: the output error comes first, so no work was done.
  const auto r =
      run_memsim("run " + dir.file("missing.toml") + " --timeline " + dir.file("nofolder/t.csv"));
  CHECK(r.status == 2);
  CHECK(r.err == "memsim run: cannot write " + dir.file("nofolder/t.csv") + ": no such folder\n");
  const auto sweep =
      run_memsim("sweep " + dir.file("missing.toml") +
                 " --param policy.eviction --values lru --solve --out " + dir.path.string());
  CHECK(sweep.status == 2);
  CHECK(sweep.err == "memsim sweep: cannot write " + dir.path.string() + ": is a directory\n");
  const auto solve = run_memsim("solve " + dir.file("missing.toml") + " --emit-schedule " +
                                dir.file("no/s.steps"));
  CHECK(solve.status == 2);
  CHECK(solve.err == "memsim solve: cannot write " + dir.file("no/s.steps") + ": no such folder\n");
  const auto merge =
      run_memsim("merge " + dir.file("missing.csv") + " --out " + dir.file("x/m.csv"));
  CHECK(merge.status == 2);
  CHECK(merge.err == "memsim merge: cannot write " + dir.file("x/m.csv") + ": no such folder\n");
  CHECK(names_in(dir.path).empty());
}

TEST_CASE("memsim: a failing output is exit 1 and the other outputs do not appear",
          "[output][cli]") {
  const TempDir dir;
  fs::create_symlink("/dev/full", dir.file("full"));
  const auto r = run_memsim("run " + kScenario + " --timeline " + dir.file("t.csv") + " --svg " +
                            dir.file("full"));
  CHECK(r.status == 1);
  CHECK(r.err == "memsim: cannot write " + dir.file("full") + ": No space left on device\n");
  CHECK(r.out.empty());  // the report is printed only after every output is in place
  CHECK(names_in(dir.path) == std::set<std::string>{"full"});
}

TEST_CASE("memsim: standard output that cannot be written is exit 1", "[output][cli]") {
  const TempDir dir;
  fs::create_symlink("/dev/full", dir.file("full"));
  const std::string cmd = std::string(MEMSIM_BINARY) + " run " + kScenario + " >" +
                          dir.file("full") + " 2>" + dir.file("err");
  const int raw = std::system(cmd.c_str());
  REQUIRE(WIFEXITED(raw));
  CHECK(WEXITSTATUS(raw) == 1);
  CHECK(read_file(dir.file("err")) ==
        "memsim: cannot write standard output: No space left on device\n");
}

TEST_CASE("memsim: --timeline - writes the time line to standard output", "[output][cli]") {
  const auto r = run_memsim("run " + kScenario + " --format json --timeline -");
  REQUIRE(r.status == 0);
  // The time line (its header first), then the JSON report.
  CHECK(r.out.rfind("start,end,resource,kind,name,bytes,cache_bytes,cause\n", 0) == 0);
  CHECK(r.out.find("\n{\n  \"scenario\": \"paging\"") != std::string::npos);
}

TEST_CASE("memsim: SIGTERM while outputs are written removes the temporary files",
          "[output][cli]") {
  const TempDir dir;
  // The trace goes to a FIFO nobody reads: opening it blocks, after the time line's temporary
  // file is complete and before it is renamed. That is where the signal comes.
  const std::string fifo = dir.file("trace.fifo");
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  const std::string binary = MEMSIM_BINARY;
  std::vector<std::string> args{binary,    "run", kScenario, "--timeline", dir.file("t.csv"),
                                "--trace", fifo};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  REQUIRE(::posix_spawn(&pid, binary.c_str(), &actions, nullptr, argv.data(), environ) == 0);
  posix_spawn_file_actions_destroy(&actions);
  // Wait (at most 20 s) for the temporary file of t.csv to appear.
  bool temp_seen = false;
  for (int i = 0; i < 2000 && !temp_seen; ++i) {
    for (const std::string& name : names_in(dir.path))
      temp_seen = temp_seen || name.rfind(".t.csv.memsim-", 0) == 0;
    if (!temp_seen) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(temp_seen);
  ::kill(pid, SIGTERM);
  int status = 0;
  ::waitpid(pid, &status, 0);
  CHECK(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGTERM);
  CHECK(names_in(dir.path) == std::set<std::string>{"trace.fifo"});
}
