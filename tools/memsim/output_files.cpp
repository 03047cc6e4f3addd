#include "tools/memsim/output_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <iostream>

namespace memsim::cli {
namespace {

// Temporary files alive right now, for the signal handler (which may only call async-signal-safe
// functions: it reads these pointers and unlinks). A slot holds a heap string owned by the Entry
// that registered it; it is cleared before the string goes.
constexpr int kTempSlots = 32;
std::atomic<const char*> g_temp_slots[kTempSlots];

int register_temp(const char* path) {
  for (int i = 0; i < kTempSlots; ++i) {
    const char* expected = nullptr;
    if (g_temp_slots[i].compare_exchange_strong(expected, path)) return i;
  }
  return -1;  // more live outputs than slots: that one is not removed on a signal
}

void unregister_temp(const char* path) {
  for (auto& slot : g_temp_slots) {
    const char* expected = path;
    slot.compare_exchange_strong(expected, nullptr);
  }
}

extern "C" void remove_temps_and_die(int sig) {
  for (auto& slot : g_temp_slots)
    if (const char* p = slot.load()) ::unlink(p);
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

std::string reason(int err) {
  switch (err) {
    case ENOENT:
    case ENOTDIR:
      return "no such folder";
    case EISDIR:
      return "is a directory";
    case EACCES:
    case EPERM:
      return "permission denied";
    default:
      return std::strerror(err);
  }
}

std::string folder_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string base_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

[[noreturn]] void cannot_write(const std::string& path, const std::string& why) {
  throw OutputPathError("cannot write " + path + ": " + why);
}

// The folder that will hold a new or replaced file must exist, be a folder, and be writable.
void check_folder(const std::string& given, const std::string& target) {
  const std::string folder = folder_of(target);
  struct stat st {};
  if (::stat(folder.c_str(), &st) != 0) cannot_write(given, reason(errno));
  if (!S_ISDIR(st.st_mode)) cannot_write(given, "no such folder");
  if (::access(folder.c_str(), W_OK | X_OK) != 0)
    cannot_write(given, errno == EROFS ? "read-only file system" : "permission denied");
}

// The folder of `path` with every symbolic link and "." or ".." resolved, so that two spellings of
// one file compare equal (check_folder has made sure it exists).
std::string canonical_folder(const std::string& path) {
  char* real = ::realpath(folder_of(path).c_str(), nullptr);
  if (!real) return folder_of(path);
  std::string out = real;
  std::free(real);
  return out == "/" ? "" : out;
}

// Both exist and are the same file (hard links, or paths spelled differently).
bool same_file(const std::string& a, const std::string& b) {
  struct stat sa {
  }, sb{};
  return ::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0 && sa.st_dev == sb.st_dev &&
         sa.st_ino == sb.st_ino;
}

OutputWriteError write_error(const std::string& path, int err) {
  return OutputWriteError("cannot write " + path + ": " + std::strerror(err), err);
}

}  // namespace

// --- FdStreamBuf -------------------------------------------------------------------------------

bool FdStreamBuf::write_all(const char* data, std::size_t size) {
  if (error_) return false;
  while (size > 0) {
    const ssize_t n = ::write(fd_, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      error_ = errno;
      return false;
    }
    if (n == 0) {
      error_ = EIO;
      return false;
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

bool FdStreamBuf::flush_buffer() {
  const std::size_t n = static_cast<std::size_t>(pptr() - pbase());
  setp(buffer_, buffer_ + sizeof buffer_);
  return n == 0 || write_all(buffer_, n);
}

FdStreamBuf::int_type FdStreamBuf::overflow(int_type c) {
  if (!flush_buffer()) return traits_type::eof();
  if (traits_type::eq_int_type(c, traits_type::eof())) return traits_type::not_eof(c);
  *pptr() = traits_type::to_char_type(c);
  pbump(1);
  return c;
}

int FdStreamBuf::sync() {
  return flush_buffer() ? 0 : -1;
}

std::streamsize FdStreamBuf::xsputn(const char* s, std::streamsize n) {
  const auto size = static_cast<std::size_t>(n);
  if (size <= static_cast<std::size_t>(epptr() - pptr())) {
    std::memcpy(pptr(), s, size);
    pbump(static_cast<int>(size));
    return n;
  }
  if (!flush_buffer() || !write_all(s, size)) return 0;
  return n;
}

// --- standard output and signals ---------------------------------------------------------------

namespace {
FdStreamBuf* g_stdout = nullptr;  // never freed: std::cout may be flushed at exit
}

void route_standard_output() {
  if (g_stdout) return;
  g_stdout = new FdStreamBuf(STDOUT_FILENO);
  std::cout.rdbuf(g_stdout);
}

void flush_standard_output() {
  std::cout.flush();
  if (g_stdout && g_stdout->error()) throw write_error("standard output", g_stdout->error());
}

void install_output_signal_handlers() {
  struct sigaction action {};
  action.sa_handler = remove_temps_and_die;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGINT, &action, nullptr);
  ::sigaction(SIGTERM, &action, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
}

// --- paths -------------------------------------------------------------------------------------

ResolvedOutput resolve_output_path(const std::string& path) {
  if (path == "-") return {OutputKind::standard_output, "-"};
  if (path.empty()) cannot_write("''", "an empty path");
  std::string current = path;
  for (int hops = 0; hops < 40; ++hops) {
    struct stat st {};
    if (::lstat(current.c_str(), &st) != 0) {
      if (errno != ENOENT) cannot_write(path, reason(errno));
      if (!current.empty() && current.back() == '/') cannot_write(path, "no such folder");
      check_folder(path, current);
      return {OutputKind::replace, canonical_folder(current) + "/" + base_of(current)};
    }
    if (S_ISLNK(st.st_mode)) {
      std::string link(static_cast<std::size_t>(st.st_size > 0 ? st.st_size : 4096), '\0');
      const ssize_t n = ::readlink(current.c_str(), link.data(), link.size());
      if (n < 0) cannot_write(path, reason(errno));
      link.resize(static_cast<std::size_t>(n));
      current = link.front() == '/' ? link : folder_of(current) + "/" + link;
      continue;
    }
    if (S_ISDIR(st.st_mode)) cannot_write(path, "is a directory");
    if (S_ISREG(st.st_mode)) {
      check_folder(path, current);
      return {OutputKind::replace, canonical_folder(current) + "/" + base_of(current)};
    }
    // A device, FIFO or socket: written through, so only the node itself must be writable.
    if (::access(current.c_str(), W_OK) != 0) cannot_write(path, reason(errno));
    return {OutputKind::through, current};
  }
  cannot_write(path, "too many levels of symbolic links");
}

// --- OutputFiles -------------------------------------------------------------------------------

OutputFiles::~OutputFiles() {
  remove_temps();
}

OutputFiles::Entry* OutputFiles::find(const std::string& option) {
  for (Entry& e : entries_)
    if (e.option == option) return &e;
  return nullptr;
}

const OutputFiles::Entry* OutputFiles::find(const std::string& option) const {
  for (const Entry& e : entries_)
    if (e.option == option) return &e;
  return nullptr;
}

void OutputFiles::add(const std::string& option, const std::string& path) {
  if (path.empty()) return;
  if (find(option)) throw std::logic_error("output option added twice: " + option);
  const ResolvedOutput r = resolve_output_path(path);
  // Two outputs into one file would leave only the last; two on standard output interleave.
  for (const Entry& e : entries_) {
    if (r.kind == OutputKind::through || e.kind != r.kind) continue;
    if (e.target == r.target || same_file(e.target, r.target))
      throw OutputPathError(e.option + " and " + option + " both write " +
                            (r.kind == OutputKind::standard_output ? "standard output" : path) +
                            "; give each output its own file");
  }
  Entry e;
  e.option = option;
  e.path = path;
  e.target = r.target;
  e.kind = r.kind;
  entries_.push_back(std::move(e));
}

bool OutputFiles::has(const std::string& option) const {
  return find(option) != nullptr;
}

OutputKind OutputFiles::kind(const std::string& option) const {
  const Entry* e = find(option);
  if (!e) throw std::logic_error("no output " + option);
  return e->kind;
}

void OutputFiles::set_writer(const std::string& option, std::function<void(std::ostream&)> writer) {
  Entry* e = find(option);
  if (!e) throw std::logic_error("no output " + option);
  e->writer = std::move(writer);
}

void OutputFiles::remove_temps() {
  for (Entry& e : entries_) {
    if (e.temp.empty()) continue;
    ::unlink(e.temp.c_str());
    unregister_temp(e.temp.c_str());
    e.temp.clear();
  }
}

namespace {

// Writes `writer`'s text to `fd`; throws OutputWriteError naming `path` on failure.
void write_to_fd(int fd, const std::string& path,
                 const std::function<void(std::ostream&)>& writer) {
  FdStreamBuf buf(fd);
  std::ostream out(&buf);
  writer(out);
  out.flush();
  if (buf.error()) throw write_error(path, buf.error());
  if (!out) throw write_error(path, EIO);
}

}  // namespace

void OutputFiles::commit() {
  try {
    // 1. Regular files: each into its own temporary file beside the target.
    static std::atomic<unsigned> counter{0};
    for (Entry& e : entries_) {
      if (!e.writer || e.kind != OutputKind::replace) continue;
      const std::string folder = folder_of(e.target);
      int fd = -1;
      for (int attempt = 0; fd < 0 && attempt < 100; ++attempt) {
        e.temp = folder + "/." + base_of(e.target) + ".memsim-" + std::to_string(::getpid()) + "-" +
                 std::to_string(counter++);
        register_temp(e.temp.c_str());  // before it exists: a signal then removes nothing
        fd = ::open(e.temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
        if (fd < 0) {
          const int err = errno;
          unregister_temp(e.temp.c_str());
          e.temp.clear();
          if (err != EEXIST) throw write_error(e.path, err);
        }
      }
      if (fd < 0) throw write_error(e.path, EEXIST);
      struct stat old {};
      if (::stat(e.target.c_str(), &old) == 0) ::fchmod(fd, old.st_mode & 07777);
      try {
        write_to_fd(fd, e.path, e.writer);
        if (::fsync(fd) != 0 && errno != EINVAL) throw write_error(e.path, errno);
      } catch (...) {
        ::close(fd);
        throw;
      }
      if (::close(fd) != 0) throw write_error(e.path, errno);
    }
    // 2. Standard output, devices and FIFOs: written in place (they cannot be taken back, so
    // they come after everything that can still fail on its own).
    for (Entry& e : entries_) {
      if (!e.writer || e.kind == OutputKind::replace) continue;
      if (e.kind == OutputKind::standard_output) {
        std::cout.flush();
        write_to_fd(STDOUT_FILENO, "standard output", e.writer);
        continue;
      }
      const int fd = ::open(e.target.c_str(), O_WRONLY | O_NOCTTY | O_CLOEXEC);
      if (fd < 0) throw write_error(e.path, errno);
      try {
        write_to_fd(fd, e.path, e.writer);
      } catch (...) {
        ::close(fd);
        throw;
      }
      if (::close(fd) != 0) throw write_error(e.path, errno);
    }
    // 3. Every text is complete: the regular files take their place together.
    for (Entry& e : entries_) {
      if (e.temp.empty()) continue;
      if (::rename(e.temp.c_str(), e.target.c_str()) != 0) throw write_error(e.path, errno);
      unregister_temp(e.temp.c_str());
      e.temp.clear();
    }
  } catch (...) {
    remove_temps();
    throw;
  }
}

}  // namespace memsim::cli
