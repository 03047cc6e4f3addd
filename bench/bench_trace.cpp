// Writing a large run's trace and picture: a generated dense chain whose time line has about
// 10^6 events (a load, a stall and an op per layer), recorded once, then written as Chrome
// trace JSON, as gzip-compressed JSON, and drawn as the SVG time line (which aggregates into
// pixel columns). Prints seconds and output bytes of each. Target (issue 13): a trace of 10^6
// events in seconds.
#include <chrono>
#include <cstdio>
#include <ostream>
#include <streambuf>
#include <string>

#include "bench/dense_chain.h"
#include "policies/register_builtin.h"
#include "sim/report/gzip_stream.h"
#include "sim/report/svg_timeline.h"
#include "sim/report/timeline.h"
#include "sim/report/trace_writer.h"
#include "sim/scenario/scenario_spec.h"

using namespace memsim;

namespace {

// Counts what is written and keeps nothing.
class CountingBuf : public std::streambuf {
 public:
  std::size_t bytes = 0;

 protected:
  int_type overflow(int_type c) override {
    ++bytes;
    return traits_type::not_eof(c);
  }
  std::streamsize xsputn(const char*, std::streamsize n) override {
    bytes += static_cast<std::size_t>(n);
    return n;
  }
};

template <typename F>
double seconds(F f) {
  const auto start = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main() {
  const Registry registry = builtin_registry();
  const Simulation sim = bench::dense_chain(333334, registry, "lru", /*double_buffer=*/false);
  TimelineRecorder recorder;
  run_simulation(sim, &recorder);
  std::size_t events = recorder.stalls().size();
  for (const TimedStep& s : recorder.steps()) events += s.step.kind != StepKind::drop;
  std::printf("%zu events\n%-32s %10s %12s\n", events, "output", "seconds", "bytes");
  {
    CountingBuf buf;
    std::ostream out(&buf);
    const double t = seconds([&] { write_chrome_trace(out, sim, recorder); });
    std::printf("%-32s %10.3f %12zu\n", "trace JSON", t, buf.bytes);
  }
  for (int level : {1, 6}) {
    CountingBuf buf;
    std::ostream out(&buf);
    const double t = seconds([&] {
      GzipStream gz(out, level);
      write_chrome_trace(gz.stream(), sim, recorder);
      gz.finish();
    });
    const std::string what = "trace JSON.gz, zlib level " + std::to_string(level);
    std::printf("%-32s %10.3f %12zu%s\n", what.c_str(), t, buf.bytes,
                level == kGzipLevel ? "  (memsim's)" : "");
  }
  {
    std::size_t bytes = 0;
    const double t = seconds([&] { bytes = timeline_svg(sim, recorder).size(); });
    std::printf("%-32s %10.3f %12zu\n", "SVG time line (aggregated)", t, bytes);
  }
  return 0;
}
