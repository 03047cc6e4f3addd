#pragma once
// Faults freshly reserved memory in on a thread of its own while its owner fills it (issue 16).
//
// Why: the first write to each page of a new block costs the writing thread a page fault in
// which the kernel clears the page. In this project's virtual machine that is about 0.7 ms per
// MiB (perf, cpu-clock: clear_page_erms took 22 % of a 10^6-op run's CPU), and building a model
// writes the graph's arrays (76 bytes an op on a dense chain) on one thread while the second
// core waits for the run to start. A BackgroundPrefault asks the kernel to populate those
// arrays (madvise MADV_POPULATE_WRITE, Linux 5.14) from a second thread, a 2 MiB step at a time
// from their ends back, while the builder writes them from their starts: the two meet once
// (populating from the starts, tried first, made the builder wait on the very pages being
// populated). Measured on the 10^6-layer chain with cold memory (a 3 s pause before each run,
// after which this virtual machine has handed freed memory back to its host): inference
// 0.510 -> 0.465 s elapsed (median of 6), training 1.305 -> 1.070 s (median of 4); with warm
// memory no change.
//
// The advice neither reads nor writes the memory, so it cannot race with the builder's writes;
// it only makes the pages resident, as the builder's own writes would. A kernel without it
// refuses the first step (EINVAL), and the builder faults as before. Memory freed while a step
// is under way is at worst populated for nothing: the advice never changes contents. Room the
// owner reserved but did not write is resident too, until it gives it back
// (release_whole_pages; GraphBuilder::build does).
#include <atomic>
#include <cstddef>
#include <span>
#include <thread>
#include <vector>

namespace memsim {

class BackgroundPrefault {
 public:
  struct Block {
    void* at = nullptr;
    std::size_t bytes = 0;
  };
  // Blocks worth a thread: below this, the faults cost less than starting one (tens of
  // microseconds) and the second core is busy by then anyway.
  static constexpr std::size_t kMinBytes = std::size_t{16} << 20;

  // Starts populating `blocks`, a step of each in turn so that they advance together, when
  // they total kMinBytes or more; does nothing otherwise, or when no thread can be started.
  explicit BackgroundPrefault(std::span<const Block> blocks);
  BackgroundPrefault(const BackgroundPrefault&) = delete;
  BackgroundPrefault& operator=(const BackgroundPrefault&) = delete;
  // Stops after the step under way and waits for the thread: the rest is faulted by whoever
  // writes it.
  ~BackgroundPrefault();

  bool started() const { return thread_.joinable(); }
  // Waits until every step is done (or the kernel refused one): for tests, which then look at
  // what is resident.
  void wait();

 private:
  void populate(std::vector<Block> blocks);
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// Gives the kernel back the whole pages inside [at, at + bytes) (MADV_DONTNEED): room that
// holds nothing yet, and reads as zeros if it is written after all. Partial pages at either
// end are kept: they may hold other values.
void release_whole_pages(void* at, std::size_t bytes);

}  // namespace memsim
