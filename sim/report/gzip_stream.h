#pragma once
// Writes gzip-compressed data (RFC 1952, the format of `gzip` and of `--trace run.json.gz`,
// which Perfetto opens) to another stream, through zlib's deflate. Usage:
//   GzipStream gz(file);  gz.stream() << text;  gz.finish();
// finish() writes the gzip trailer; without it the output is truncated. A zlib failure throws
// std::runtime_error.
#include <memory>
#include <ostream>
#include <streambuf>
#include <string>
#include <string_view>

namespace memsim {

// zlib's compression level for traces: on a 10^6-event trace (bench_trace) level 1 took 2.1 s
// for 9.4 MB, the default level 6 2.8 s for 8.6 MB: the fastest is worth its 10 % of size.
inline constexpr int kGzipLevel = 1;

class GzipStream {
 public:
  explicit GzipStream(std::ostream& sink, int level = kGzipLevel);
  ~GzipStream();
  GzipStream(const GzipStream&) = delete;
  GzipStream& operator=(const GzipStream&) = delete;
  std::ostream& stream() { return stream_; }
  // Flushes everything and writes the gzip trailer; the stream must not be used afterwards.
  void finish();

 private:
  class Buf;
  std::unique_ptr<Buf> buf_;
  std::ostream stream_;
};

// Whether `path` names a gzip file (ends in ".gz").
bool is_gzip_path(std::string_view path);

}  // namespace memsim
