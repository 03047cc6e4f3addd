#pragma once
// Layer and block names -> LayerId, for `inputs = [...]` and the uniqueness check while a
// [model] is assembled.
//
// A 10^6-layer repeat names 10^6 layers "dense1", "dense2", ... (or "block.1", "block.2",
// ...), so numbered names are not stored one by one: consecutive numbers with consecutive ids
// under one prefix are one *range* (prefix, first number, count, first id), and a name is
// looked up by splitting its trailing digits off. Other names go into one string pool and an
// open-addressing table of 4-byte slots. (A std::map node per name cost about 80 bytes, a
// malloc and 20 compares of strings sharing "dense" per insert; a hash table of every name,
// three cache misses per insert once it outgrew the caches.)
#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace memsim {

class NameIndex {
 public:
  NameIndex() = default;
  NameIndex(const NameIndex&) = delete;
  NameIndex& operator=(const NameIndex&) = delete;
  NameIndex(NameIndex&&) = default;
  NameIndex& operator=(NameIndex&&) = default;
  static constexpr std::uint32_t kAbsent = 0xffffffffu;
  // The id stored for `name`, or kAbsent.
  std::uint32_t find(std::string_view name) const;
  // Stores name -> id; false (and nothing stored) when the name is already there.
  bool insert(std::string_view name, std::uint32_t id);
  // The same for `name` = prefix + decimal(number) (no leading zeros), prefix being its first
  // `prefix_size` characters: stored as part of a range when it continues the last one.
  bool insert_numbered(std::string_view name, std::size_t prefix_size, std::uint64_t number,
                       std::uint32_t id);
  // The same from its parts; the name is built only when it does not simply extend the last
  // range (a repeat's next layer costs neither a lookup nor a string).
  bool insert_numbered(std::string_view prefix, std::uint64_t number, std::uint32_t id);
  // prefix + decimal(first + k) -> id + k for k = 0..count-1 (a repeat's layers): one range
  // extended at once when they continue the last one and no other entry can have their names.
  // Returns count, or the k of the first name already there (names before it are stored).
  std::uint64_t insert_numbered_run(std::string_view prefix, std::uint64_t first,
                                    std::uint64_t count, std::uint32_t id);
  std::size_t size() const { return entries_.size() + numbered_; }
  // Every name, in lexicographic order (what a std::map would iterate): for "did you mean"
  // messages, whose tie-break picks the first of equally near names.
  std::vector<std::string> sorted_names() const;

 private:
  struct Entry {
    std::uint64_t begin = 0;  // in pool_
    std::uint32_t size = 0;
    std::uint32_t id = 0;
  };
  struct Range {
    std::uint64_t first = 0;  // number of its first name
    std::uint64_t count = 0;
    std::uint32_t id = 0;  // of its first name; the k-th has id + k
  };
  std::string_view name_of(const Entry& e) const { return {pool_.data() + e.begin, e.size}; }
  // The slot holding `name`, or the empty slot where it would go.
  std::size_t slot_of(std::string_view name, std::size_t hash) const;
  std::uint32_t find_plain(std::string_view name) const;
  // The id of a numbered name, trying every split of its trailing digits into a prefix and a
  // number ("relu612" is relu 612 or relu6 12); kAbsent when no range holds it.
  std::uint32_t find_numbered(std::string_view name) const;
  static const Range* range_with(const std::vector<Range>& ranges, std::uint64_t number);
  // Whether prefix + number, ..., prefix + last_number (ids from `id` on) extend the last range
  // inserted into and no other entry can have those names: then they are stored without a
  // lookup.
  bool continues_last(std::string_view prefix, std::uint64_t number, std::uint32_t id,
                      std::uint64_t last_number) const;
  void grow();
  std::string pool_;
  std::vector<Entry> entries_;
  std::vector<std::uint32_t> slots_;  // entry index + 1; 0 is empty; size a power of two
  // Ranges by prefix, each list by increasing first number, disjoint.
  std::map<std::string, std::vector<Range>, std::less<>> ranges_;
  // The prefix insert_numbered stored under last (its list is not empty), or null. A map node
  // stays where it is when the map moves; a copy would point into the original, so NameIndex
  // is not copied.
  std::pair<const std::string, std::vector<Range>>* last_ = nullptr;
  bool plain_ends_in_digit_ = false;  // some plain name ends in a digit ("conv1")
  std::size_t numbered_ = 0;
  // Bit k set: some prefix is k characters long (k < 64; longer ones set bit 63), so a lookup
  // skips the splits no prefix can match.
  std::uint64_t prefix_lengths_ = 0;
  static std::uint64_t length_bit(std::size_t size) {
    return std::uint64_t{1} << std::min<std::size_t>(size, 63);
  }
};

}  // namespace memsim
