#pragma once
// Every file a memsim command writes goes through OutputFiles, so the rules hold for every
// output option (--out, --timeline, --trace, --svg, --emit-schedule):
//
// - "-" is standard output.
// - A path that is not a regular file (a character device such as /dev/null, a FIFO, a symbolic
//   link to one, /dev/stdout) is written through in place: opened and written, never replaced.
// - A regular file, a symbolic link to one, or a path that does not exist yet is replaced
//   atomically: the text goes to a temporary file in the same folder, created exclusively
//   (O_CREAT|O_EXCL|O_NOFOLLOW), and is renamed over the target (a symbolic link's target; the
//   link stays) only when everything was written. SIGINT and SIGTERM remove the temporary file.
// - Every path is checked when it is added, before the command does its work: a missing folder, a
//   directory or a folder memsim may not write in is an OutputPathError (exit status 2).
// - commit() writes all of a command's outputs together: the regular files appear all or none. A
//   failed write (ENOSPC, EIO, /dev/full) is an OutputWriteError naming the path and the reason
//   (exit status 1), and leaves no temporary and no partial file behind.
#include <functional>
#include <ostream>
#include <stdexcept>
#include <streambuf>
#include <string>
#include <vector>

namespace memsim::cli {

// An output path that cannot be written: exit status 2, before any work.
class OutputPathError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Writing failed: exit status 1. `error` is the errno of the failure (0 when none applies).
class OutputWriteError : public std::runtime_error {
 public:
  explicit OutputWriteError(const std::string& message, int error = 0)
      : std::runtime_error(message), error_(error) {}
  int error() const { return error_; }

 private:
  int error_;
};

// A stream buffer over a file descriptor that remembers why a write failed (std::ofstream
// forgets errno). It neither opens nor closes the descriptor.
class FdStreamBuf : public std::streambuf {
 public:
  explicit FdStreamBuf(int fd) : fd_(fd) { setp(buffer_, buffer_ + sizeof buffer_); }
  ~FdStreamBuf() override { sync(); }
  FdStreamBuf(const FdStreamBuf&) = delete;
  FdStreamBuf& operator=(const FdStreamBuf&) = delete;
  // 0 while every write succeeded, else the errno of the first failure.
  int error() const { return error_; }

 protected:
  int_type overflow(int_type c) override;
  int sync() override;
  std::streamsize xsputn(const char* s, std::streamsize n) override;

 private:
  bool flush_buffer();
  bool write_all(const char* data, std::size_t size);
  int fd_;
  int error_ = 0;
  char buffer_[1 << 16];
};

// Standard output as memsim writes it: std::cout is redirected through an FdStreamBuf on
// descriptor 1, so a failed write to standard output (a full disk, /dev/full, a closed pipe)
// is seen. Call once at the start of main(); flush_standard_output() at the end throws
// OutputWriteError when something could not be written.
void route_standard_output();
void flush_standard_output();

// Installs the SIGINT/SIGTERM handler that removes live temporary files, and ignores SIGPIPE
// so that a closed pipe is a write error (exit 1) rather than a silent death.
void install_output_signal_handlers();

// What kind of target a path is, after following symbolic links.
enum class OutputKind {
  standard_output,  // "-"
  through,          // a device, FIFO or socket: written in place
  replace,          // a regular file, or none yet: replaced atomically
};

class OutputFiles {
 public:
  OutputFiles() = default;
  OutputFiles(const OutputFiles&) = delete;
  OutputFiles& operator=(const OutputFiles&) = delete;
  ~OutputFiles();

  // Checks `path` now (throws OutputPathError: "cannot write PATH: no such folder", "... is a
  // directory", "... permission denied"; or when two options name the same file). `option`
  // ("--timeline") names the output in messages. An empty path is ignored (option not given).
  void add(const std::string& option, const std::string& path);
  bool has(const std::string& option) const;
  OutputKind kind(const std::string& option) const;

  // What to write into `option`'s file; called during commit().
  void set_writer(const std::string& option, std::function<void(std::ostream&)> writer);

  // Writes every output that has a writer, all together (see the file comment). Throws
  // OutputWriteError.
  void commit();

 private:
  struct Entry {
    std::string option;
    std::string path;    // as given
    std::string target;  // symbolic links resolved: what is written or replaced
    OutputKind kind = OutputKind::replace;
    std::function<void(std::ostream&)> writer;
    std::string temp;  // during commit, for kind == replace
  };
  Entry* find(const std::string& option);
  const Entry* find(const std::string& option) const;
  void remove_temps();
  std::vector<Entry> entries_;
};

// The kind of `path` and the file it stands for (symbolic links followed); throws
// OutputPathError when it cannot be written. Exposed for the tests.
struct ResolvedOutput {
  OutputKind kind;
  std::string target;
};
ResolvedOutput resolve_output_path(const std::string& path);

}  // namespace memsim::cli
