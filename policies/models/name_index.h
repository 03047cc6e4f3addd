#pragma once
// Layer and block names -> LayerId, for `inputs = [...]` and the uniqueness check while a
// [model] is assembled. A 10^6-layer repeat names 10^6 layers, so this is one string pool and
// an open-addressing table of 4-byte slots (about 30 bytes a name, no allocation per name)
// rather than a std::map node per name (about 80 bytes and a malloc, and 20 string compares
// of the same "dense" prefix per lookup).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace memsim {

class NameIndex {
 public:
  static constexpr std::uint32_t kAbsent = 0xffffffffu;
  // The id stored for `name`, or kAbsent.
  std::uint32_t find(std::string_view name) const;
  // Stores name -> id; false (and nothing stored) when the name is already there.
  bool insert(std::string_view name, std::uint32_t id);
  std::size_t size() const { return entries_.size(); }
  // Room for `names` names (about `name_bytes` bytes of text) without regrowing.
  void reserve(std::size_t names, std::size_t name_bytes);
  // Every name, in lexicographic order (what a std::map would iterate): for "did you mean"
  // messages, whose tie-break picks the first of equally near names.
  std::vector<std::string_view> sorted_names() const;

 private:
  struct Entry {
    std::uint64_t begin = 0;  // in pool_
    std::uint32_t size = 0;
    std::uint32_t id = 0;
  };
  std::string_view name_of(const Entry& e) const { return {pool_.data() + e.begin, e.size}; }
  // The slot holding `name`, or the empty slot where it would go.
  std::size_t slot_of(std::string_view name, std::size_t hash) const;
  void grow();
  void rehash(std::size_t slots);  // a power of two, at least twice the names
  std::string pool_;
  std::vector<Entry> entries_;
  std::vector<std::uint32_t> slots_;  // entry index + 1; 0 is empty; size a power of two
};

}  // namespace memsim
