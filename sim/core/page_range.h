#pragma once
// The pages of one size lying wholly inside a block of memory: the part of a block that memory
// advice (madvise) may name without touching a neighbouring block's bytes. 2 MiB pages for
// huge-page advice (tools/memsim/huge_pages.h), the system's own pages for populating and
// giving back a builder's room (sim/core/background_prefault.cpp).
#include <cstddef>
#include <cstdint>

namespace memsim {

struct AddressRange {
  std::uintptr_t begin = 0, end = 0;  // [begin, end); empty when begin == end
};

// The pages of `page` bytes (a power of two) wholly inside [at, at + bytes): from the first
// page boundary at or after `at` to the last one at or before its end; empty when no whole
// page fits.
constexpr AddressRange pages_inside(std::uintptr_t at, std::size_t bytes, std::uintptr_t page) {
  const std::uintptr_t begin = (at + page - 1) & ~(page - 1);
  const std::uintptr_t end = (at + bytes) & ~(page - 1);
  return begin < end ? AddressRange{begin, end} : AddressRange{begin, begin};
}

}  // namespace memsim
