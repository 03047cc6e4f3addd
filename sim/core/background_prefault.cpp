#include "sim/core/background_prefault.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <system_error>

#include "sim/core/page_range.h"

namespace memsim {

namespace {

#ifndef MADV_POPULATE_WRITE
constexpr int MADV_POPULATE_WRITE = 23;  // Linux 5.14's value (older C library headers lack it)
#endif

constexpr std::size_t kStepBytes = std::size_t{2} << 20;  // a huge page, or 512 small ones

// The system's pages wholly inside [at, at + bytes): a partial page at either end may hold
// another block's bytes, which are not ours to name in advice.
AddressRange own_pages(const void* at, std::size_t bytes) {
  if (at == nullptr) return {};
  return pages_inside(reinterpret_cast<std::uintptr_t>(at), bytes,
                      static_cast<std::uintptr_t>(sysconf(_SC_PAGESIZE)));
}

}  // namespace

BackgroundPrefault::BackgroundPrefault(std::span<const Block> blocks) {
  std::vector<Block> pages;
  std::size_t total = 0;
  for (const Block& b : blocks) {
    const AddressRange r = own_pages(b.at, b.bytes);
    if (r.begin == r.end) continue;
    pages.push_back({reinterpret_cast<void*>(r.begin), r.end - r.begin});
    total += r.end - r.begin;
  }
  if (total < kMinBytes) return;
  try {
    thread_ =
        std::thread([this, pages = std::move(pages)]() mutable { populate(std::move(pages)); });
  } catch (const std::system_error&) {
    // No thread to be had: the owner faults its pages in itself, as without this.
  }
}

BackgroundPrefault::~BackgroundPrefault() {
  stop_.store(true, std::memory_order_relaxed);
  if (thread_.joinable()) thread_.join();
}

void BackgroundPrefault::wait() {
  if (thread_.joinable()) thread_.join();
}

void release_whole_pages(void* at, std::size_t bytes) {
  const AddressRange r = own_pages(at, bytes);
  if (r.begin != r.end)  // advice: may fail, and nothing depends on it
    madvise(reinterpret_cast<void*>(r.begin), r.end - r.begin, MADV_DONTNEED);
}

void BackgroundPrefault::populate(std::vector<Block> blocks) {
  // From each block's end back: the owner writes from the start, so the two meet only once,
  // rather than faulting the same huge pages at once.
  for (std::size_t done = 0;; done += kStepBytes) {
    bool more = false;
    for (const Block& b : blocks) {
      if (done >= b.bytes) continue;
      if (stop_.load(std::memory_order_relaxed)) return;
      const std::size_t step = std::min(kStepBytes, b.bytes - done);
      char* const at = static_cast<char*>(b.at) + (b.bytes - done - step);
      // Refused: a kernel before 5.14 (EINVAL), or memory gone (ENOMEM, EFAULT). Either way
      // the owner's own writes fault the pages in; nothing is lost but time.
      if (madvise(at, step, MADV_POPULATE_WRITE) != 0) return;
      more = true;
    }
    if (!more) return;
  }
}

}  // namespace memsim
