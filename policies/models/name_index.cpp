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

std::uint32_t NameIndex::find(std::string_view name) const {
  if (slots_.empty()) return kAbsent;
  const std::uint32_t e = slots_[slot_of(name, std::hash<std::string_view>{}(name))];
  return e == 0 ? kAbsent : entries_[e - 1].id;
}

bool NameIndex::insert(std::string_view name, std::uint32_t id) {
  // At most half full, so a probe ends soon at an empty slot.
  if (2 * (entries_.size() + 1) > slots_.size()) grow();
  const std::size_t s = slot_of(name, std::hash<std::string_view>{}(name));
  if (slots_[s] != 0) return false;
  entries_.push_back({pool_.size(), static_cast<std::uint32_t>(name.size()), id});
  pool_.append(name);
  slots_[s] = static_cast<std::uint32_t>(entries_.size());
  return true;
}

void NameIndex::reserve(std::size_t names, std::size_t name_bytes) {
  entries_.reserve(names);
  pool_.reserve(name_bytes);
  std::size_t slots = 64;
  while (slots < 2 * names) slots *= 2;
  if (slots > slots_.size()) rehash(slots);
}

void NameIndex::grow() {
  rehash(std::max<std::size_t>(64, 2 * slots_.size()));
}

void NameIndex::rehash(std::size_t slots) {
  slots_.assign(slots, 0);
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t e = 0; e < entries_.size(); ++e) {
    std::size_t s = std::hash<std::string_view>{}(name_of(entries_[e])) & mask;
    while (slots_[s] != 0) s = (s + 1) & mask;
    slots_[s] = static_cast<std::uint32_t>(e + 1);
  }
}

std::vector<std::string_view> NameIndex::sorted_names() const {
  std::vector<std::string_view> names;
  names.reserve(entries_.size());
  for (const Entry& e : entries_) names.push_back(name_of(e));
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace memsim
