#include "sim/report/gzip_stream.h"

#include <zlib.h>

#include <stdexcept>
#include <vector>

namespace memsim {

// Collects text in a buffer and deflates it into the sink when the buffer fills.
class GzipStream::Buf : public std::streambuf {
 public:
  Buf(std::ostream& sink, int level) : sink_(sink), in_(1 << 16), out_(1 << 16) {
    // windowBits 15 + 16: a gzip header and trailer around the deflate stream.
    if (deflateInit2(&z_, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
      throw std::runtime_error("gzip: cannot start zlib's deflate");
    setp(in_.data(), in_.data() + in_.size());
  }
  ~Buf() override { deflateEnd(&z_); }

  void finish() {
    deflate_pending(Z_FINISH);
    finished_ = true;
  }

 protected:
  int_type overflow(int_type c) override {
    deflate_pending(Z_NO_FLUSH);
    if (!traits_type::eq_int_type(c, traits_type::eof())) {
      *pptr() = traits_type::to_char_type(c);
      pbump(1);
    }
    return traits_type::not_eof(c);
  }
  int sync() override { return 0; }  // deflate decides when to emit; finish() flushes all

 private:
  // Deflates what the put area holds (and with Z_FINISH, everything still buffered).
  void deflate_pending(int flush) {
    if (finished_) throw std::logic_error("gzip: write after finish");
    z_.next_in = reinterpret_cast<Bytef*>(pbase());
    z_.avail_in = static_cast<uInt>(pptr() - pbase());
    int status = Z_OK;
    do {
      z_.next_out = reinterpret_cast<Bytef*>(out_.data());
      z_.avail_out = static_cast<uInt>(out_.size());
      status = deflate(&z_, flush);
      if (status == Z_STREAM_ERROR) throw std::runtime_error("gzip: zlib's deflate failed");
      sink_.write(out_.data(), static_cast<std::streamsize>(out_.size() - z_.avail_out));
    } while (z_.avail_out == 0 || (flush == Z_FINISH && status != Z_STREAM_END));
    setp(in_.data(), in_.data() + in_.size());
  }

  std::ostream& sink_;
  z_stream z_{};
  std::vector<char> in_, out_;
  bool finished_ = false;
};

GzipStream::GzipStream(std::ostream& sink, int level)
    : buf_(std::make_unique<Buf>(sink, level)), stream_(buf_.get()) {}

GzipStream::~GzipStream() = default;

void GzipStream::finish() {
  buf_->finish();
}

bool is_gzip_path(std::string_view path) {
  return path.size() >= 3 && path.substr(path.size() - 3) == ".gz";
}

}  // namespace memsim
