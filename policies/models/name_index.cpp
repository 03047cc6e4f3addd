#include "policies/models/name_index.h"

#include <algorithm>
#include <functional>

namespace memsim {

std::size_t NameIndex::slot_of(std::string_view name, std::size_t hash) const {
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t s = hash & mask;; s = (s + 1) & mask) {
    const std::uint32_t e = slots_[s];
    if (e == 0 || name_of(entries_[e - 1]) == name) return s;
  }
}

std::uint32_t NameIndex::find_plain(std::string_view name) const {
  if (slots_.empty()) return kAbsent;
  const std::uint32_t e = slots_[slot_of(name, std::hash<std::string_view>{}(name))];
  return e == 0 ? kAbsent : entries_[e - 1].id;
}

const NameIndex::Range* NameIndex::range_with(const std::vector<Range>& ranges,
                                              std::uint64_t number) {
  // The last range starting at or before `number`.
  auto it = std::upper_bound(ranges.begin(), ranges.end(), number,
                             [](std::uint64_t n, const Range& r) { return n < r.first; });
  if (it == ranges.begin()) return nullptr;
  --it;
  return number - it->first < it->count ? &*it : nullptr;
}

std::uint32_t NameIndex::find_numbered(std::string_view name) const {
  if (ranges_.empty()) return kAbsent;
  std::size_t digits = 0;
  while (digits < name.size() && name[name.size() - 1 - digits] >= '0' &&
         name[name.size() - 1 - digits] <= '9')
    ++digits;
  // The number is the last k digits (k = 1..digits, at most 19 so it fits), without a leading
  // zero unless it is "0" itself.
  std::uint64_t number = 0, scale = 1;
  for (std::size_t k = 1; k <= digits && k <= 19; ++k, scale *= 10) {
    const char d = name[name.size() - k];
    number += static_cast<std::uint64_t>(d - '0') * scale;
    if (d == '0' && k > 1) continue;
    if ((prefix_lengths_ & length_bit(name.size() - k)) == 0) continue;
    const auto it = ranges_.find(name.substr(0, name.size() - k));
    if (it == ranges_.end()) continue;
    if (const Range* r = range_with(it->second, number))
      return r->id + static_cast<std::uint32_t>(number - r->first);
  }
  return kAbsent;
}

std::uint32_t NameIndex::find(std::string_view name) const {
  const std::uint32_t id = find_plain(name);
  return id != kAbsent ? id : find_numbered(name);
}

bool NameIndex::insert(std::string_view name, std::uint32_t id) {
  if (find(name) != kAbsent) return false;
  if (!name.empty() && name.back() >= '0' && name.back() <= '9') plain_ends_in_digit_ = true;
  // At most half full, so a probe ends soon at an empty slot.
  if (2 * (entries_.size() + 1) > slots_.size()) grow();
  const std::size_t s = slot_of(name, std::hash<std::string_view>{}(name));
  entries_.push_back({pool_.size(), static_cast<std::uint32_t>(name.size()), id});
  pool_.append(name);
  slots_[s] = static_cast<std::uint32_t>(entries_.size());
  return true;
}

bool NameIndex::continues_last(std::string_view prefix, std::uint64_t number, std::uint32_t id,
                               std::uint64_t last_number) const {
  if (!last_ || prefix.empty() || last_->first != prefix) return false;
  const Range& last = last_->second.back();
  if (number != last.first + last.count || id != last.id + last.count) return false;
  // Its own prefix's ranges cannot hold them: the last range has the largest first number.
  // Another prefix could only if it is this one followed by some of a number's digits (a length
  // strictly between the two; the longest name, last_number's, bounds them all), or, when this
  // prefix ends in a digit, a shorter one.
  std::size_t size = prefix.size() + 1;  // the longest name's: prefix and digits
  for (std::uint64_t n = last_number; n >= 10; n /= 10) ++size;
  if ((prefix.back() >= '0' && prefix.back() <= '9') || size >= 63) return false;
  const std::uint64_t between = (std::uint64_t{1} << size) - (std::uint64_t{2} << prefix.size());
  if ((prefix_lengths_ & between) != 0) return false;
  // A plain name can be one of them only if some plain name ends in a digit; a run is then
  // inserted name by name, each looked up.
  if (!plain_ends_in_digit_) return true;
  return number == last_number &&
         find_plain(std::string(prefix) + std::to_string(number)) == kAbsent;
}

bool NameIndex::insert_numbered(std::string_view prefix, std::uint64_t number, std::uint32_t id) {
  // The common case, the next layer of a repeat: no lookup, no name built.
  if (continues_last(prefix, number, id, number)) {
    ++last_->second.back().count;
    ++numbered_;
    return true;
  }
  return insert_numbered(std::string(prefix) + std::to_string(number), prefix.size(), number, id);
}

std::uint64_t NameIndex::insert_numbered_run(std::string_view prefix, std::uint64_t first,
                                             std::uint64_t count, std::uint32_t id) {
  if (count == 0) return 0;
  if (continues_last(prefix, first, id, first + count - 1)) {
    last_->second.back().count += count;
    numbered_ += count;
    return count;
  }
  for (std::uint64_t k = 0; k < count; ++k)
    if (!insert_numbered(prefix, first + k, id + static_cast<std::uint32_t>(k))) return k;
  return count;
}

bool NameIndex::insert_numbered(std::string_view name, std::size_t prefix_size,
                                std::uint64_t number, std::uint32_t id) {
  if (find(name) != kAbsent) return false;
  const std::string_view prefix = name.substr(0, prefix_size);
  auto it = ranges_.find(prefix);
  if (it == ranges_.end()) {
    it = ranges_.emplace(std::string(prefix), std::vector<Range>{}).first;
    prefix_lengths_ |= length_bit(prefix.size());
  }
  last_ = &*it;
  std::vector<Range>& ranges = it->second;
  ++numbered_;
  if (!ranges.empty()) {
    Range& last = ranges.back();
    if (number == last.first + last.count && id == last.id + last.count) {
      ++last.count;  // the common case: the next layer of a repeat
      return true;
    }
  }
  // Kept sorted by first number (ranges never overlap: the name was not found).
  const auto at = std::upper_bound(ranges.begin(), ranges.end(), number,
                                   [](std::uint64_t n, const Range& r) { return n < r.first; });
  ranges.insert(at, Range{number, 1, id});
  return true;
}

void NameIndex::grow() {
  slots_.assign(std::max<std::size_t>(64, 2 * slots_.size()), 0);
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t e = 0; e < entries_.size(); ++e) {
    std::size_t s = std::hash<std::string_view>{}(name_of(entries_[e])) & mask;
    while (slots_[s] != 0) s = (s + 1) & mask;
    slots_[s] = static_cast<std::uint32_t>(e + 1);
  }
}

std::vector<std::string> NameIndex::sorted_names() const {
  std::vector<std::string> names;
  names.reserve(size());
  for (const Entry& e : entries_) names.emplace_back(name_of(e));
  for (const auto& [prefix, ranges] : ranges_)
    for (const Range& r : ranges)
      for (std::uint64_t k = 0; k < r.count; ++k)
        names.push_back(prefix + std::to_string(r.first + k));
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace memsim
