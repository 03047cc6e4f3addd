#include "sim/core/name_runs.h"

#include <algorithm>
#include <limits>
#include <stdexcept>

namespace memsim {

void NameRuns::add_run(std::uint32_t id, std::string_view text, std::uint64_t number) {
  if (!runs_.empty() && id <= last_id_)
    throw std::invalid_argument("NameRuns: entry " + std::to_string(id) + " named after entry " +
                                std::to_string(last_id_));
  if (number > std::numeric_limits<std::uint32_t>::max()) {
    // Too large for a run's 32 bits: kept whole.
    const std::string whole = std::string(text) + std::to_string(number);
    add_run(id, whole, 0);
    return;
  }
  last_id_ = id;
  // add() has ruled out that the name continues the last run (and a number kept in the text
  // never does): it starts a run of its own.
  if (text_.size() + text.size() > std::numeric_limits<std::uint32_t>::max())
    throw std::length_error("names exceed 4 GiB");
  runs_.push_back(
      {id, static_cast<std::uint32_t>(text_.size()), static_cast<std::uint32_t>(number)});
  text_.append(text);
}

void NameRuns::add_consecutive(std::uint32_t id, std::string_view text, std::uint64_t number,
                               std::uint32_t count) {
  if (count == 0) return;
  if (number == 0 && count > 1)
    throw std::invalid_argument("NameRuns: consecutive names need a number");
  add(id, text, number);
  // When the first name is in a run with a number (the number fits the run's 32 bits), the run
  // names the others too: entry id + k is number + k. Ids must still fit.
  if (number != 0 && runs_.back().number != 0 &&
      std::uint64_t{runs_.back().number} + (id - runs_.back().first) == number &&
      std::uint64_t{id} + count - 1 <= std::numeric_limits<std::uint32_t>::max()) {
    last_id_ = id + (count - 1);
    return;
  }
  for (std::uint32_t k = 1; k < count; ++k) add(id + k, text, number + k);
}

void NameRuns::append(const NameRuns& from, std::uint32_t offset) {
  if (from.runs_.empty()) return;
  if (std::uint64_t{offset} + from.last_id_ > std::numeric_limits<std::uint32_t>::max())
    throw std::length_error("NameRuns: more than 2^32 entries");
  if (!runs_.empty() && offset <= last_id_)
    throw std::invalid_argument("NameRuns: entry " + std::to_string(offset) +
                                " named after entry " + std::to_string(last_id_));
  runs_.reserve(runs_.size() + from.runs_.size());
  text_.reserve(text_.size() + from.text_.size());
  // A run's first entry starts a run here too, or continues the last one (only the first can:
  // from's runs already do not continue each other); its other entries continue it.
  for (std::size_t k = 0; k < from.runs_.size(); ++k)
    add(offset + from.runs_[k].first, from.text(k), from.runs_[k].number);
  last_id_ = offset + from.last_id_;
}

std::pair<std::string_view, std::uint64_t> NameRuns::split(std::string_view name) {
  const auto digit = [&](std::size_t from_end) {
    return from_end < name.size() && name[name.size() - 1 - from_end] >= '0' &&
           name[name.size() - 1 - from_end] <= '9';
  };
  std::size_t digits = 0;
  while (digits < 9 && digit(digits)) ++digits;
  if (digits == 0 || digit(digits) || name[name.size() - digits] == '0') return {name, 0};
  std::uint64_t number = 0;
  for (const char c : name.substr(name.size() - digits))
    number = number * 10 + static_cast<std::uint64_t>(c - '0');
  return {name.substr(0, name.size() - digits), number};
}

std::size_t NameRuns::run_of(std::uint32_t id) const {
  // The last run starting at or before id.
  const auto it = std::upper_bound(runs_.begin(), runs_.end(), id,
                                   [](std::uint32_t v, const Run& r) { return v < r.first; });
  if (it == runs_.begin())
    throw std::out_of_range("NameRuns: entry " + std::to_string(id) +
                            " comes before the first name");
  return static_cast<std::size_t>(it - runs_.begin()) - 1;
}

std::pair<std::string_view, std::uint64_t> NameRuns::parts(std::uint32_t id) const {
  const std::size_t k = run_of(id);
  const Run& r = runs_[k];
  return {text(k), r.number == 0 ? 0 : std::uint64_t{r.number} + (id - r.first)};
}

std::string NameRuns::name(std::uint32_t id) const {
  const auto [text, number] = parts(id);
  std::string name(text);
  if (number != 0) name += std::to_string(number);
  return name;
}

bool NameRuns::equals(std::uint32_t id, std::string_view name) const {
  auto [text, number] = parts(id);
  if (number == 0) return name == text;
  if (!name.starts_with(text)) return false;
  // The rest is the number, without a leading zero.
  std::size_t digits = 1;
  for (std::uint64_t n = number; n >= 10; n /= 10) ++digits;
  if (name.size() != text.size() + digits) return false;
  for (std::size_t i = name.size(); i-- > text.size(); number /= 10)
    if (name[i] != static_cast<char>('0' + number % 10)) return false;
  return true;
}

void NameRuns::reserve(std::size_t runs, std::size_t text_bytes) {
  runs_.reserve(runs);
  text_.reserve(text_bytes);
}

}  // namespace memsim
