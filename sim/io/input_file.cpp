#include "sim/io/input_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "sim/core/units.h"

namespace memsim {

std::string read_input_file(const std::string& path, const std::string& what,
                            std::uint64_t max_bytes) {
  const auto fail = [&](const std::string& why) {
    return ScenarioError(SourcePos{path, 0, 0}, why);
  };
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) throw fail("cannot open the " + what + ": " + std::strerror(errno));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw fail("cannot read the " + what + ": " + std::strerror(errno));
  if (S_ISDIR(st.st_mode)) throw fail("is a directory, not a " + what);
  const std::string too_large =
      "the " + what + " is larger than " + format_bytes(static_cast<double>(max_bytes));
  if (S_ISREG(st.st_mode) && static_cast<std::uint64_t>(st.st_size) > max_bytes)
    throw fail(too_large);
  std::string text;
  if (S_ISREG(st.st_mode)) text.reserve(static_cast<std::size_t>(st.st_size));
  char buffer[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw fail("cannot read the " + what + ": " + std::strerror(errno));
    }
    if (n == 0) break;
    // A FIFO or device has no size to check up front: count as it comes.
    if (text.size() + static_cast<std::size_t>(n) > max_bytes) throw fail(too_large);
    text.append(buffer, static_cast<std::size_t>(n));
  }
  return text;
}

}  // namespace memsim
