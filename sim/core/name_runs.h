#pragma once
// Names of numbered entries (the layers of a LayerGraph or of a Graph), kept by runs.
//
// A 10^6-layer repeat is named "dense1", "dense2", ... (a raw graph's "r0", "r1", ... too), so
// names are not stored one by one: a run holds a text and a number, and entry first + j of the
// run is named text + decimal(number + j). A run of 10^6 names is 12 bytes plus its text; a name
// is built only when asked for, and compared without being built.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace memsim {

class NameRuns {
 public:
  // Names entry `id`: `text` followed by decimal(number), or `text` alone when number is 0.
  // Ids come in increasing order; ids skipped have no name of their own (a tile is named after
  // its layer by Graph). The name continues the run before it when that run gives `id` this
  // very name. A number above 2^32 - 1 is kept as part of the text. Throws std::invalid_argument
  // for an id not above the last one, std::length_error when the texts pass 4 GiB.
  void add(std::uint32_t id, std::string_view text, std::uint64_t number) {
    // Inline for the common case, the next name of the last run (a repeat's next layer).
    if (!runs_.empty() && id > last_id_ && number != 0 && runs_.back().number != 0 &&
        std::uint64_t{runs_.back().number} + (id - runs_.back().first) == number &&
        text_.size() - runs_.back().text_begin == text.size() &&
        text.compare(0, text.size(), text_.data() + runs_.back().text_begin, text.size()) == 0) {
      last_id_ = id;
      return;
    }
    add_run(id, text, number);
  }
  // Names entries id .. id + count - 1 text + decimal(number), ..., text + decimal(number +
  // count - 1) (a repeat's layers): as `count` calls of add(), in one step when they make one
  // run. Throws std::invalid_argument for a number of 0 with a count above 1.
  void add_consecutive(std::uint32_t id, std::string_view text, std::uint64_t number,
                       std::uint32_t count);
  // Names entries offset + id as `from` names entries id (every one of its runs, shifted by
  // `offset`): as add() for each of from's entries in order, a run at a time. Throws
  // std::invalid_argument when offset does not come after the last entry named here, and
  // std::length_error when the ids or the texts pass 32 bits.
  void append(const NameRuns& from, std::uint32_t offset);
  // A whole name, its trailing digits taken as the number when they have no leading zero and
  // are at most 9 ("r17" is r + 17; "r07", "r0" and a 10-digit number stay whole).
  static std::pair<std::string_view, std::uint64_t> split(std::string_view name);

  // The text and the number of entry `id` (0: none); `id` must be a named entry or lie in a run
  // after one (throws std::out_of_range when it comes before the first).
  std::pair<std::string_view, std::uint64_t> parts(std::uint32_t id) const;
  std::string name(std::uint32_t id) const;
  // Whether entry `id`'s name is `name`, without building it.
  bool equals(std::uint32_t id, std::string_view name) const;

  void reserve(std::size_t runs, std::size_t text_bytes);
  std::size_t run_count() const { return runs_.size(); }
  // The text of run k (k < run_count()).
  std::string_view run_text(std::size_t k) const { return text(k); }
  // One past the last entry named (0 when none is).
  std::uint32_t entry_end() const { return runs_.empty() ? 0 : last_id_ + 1; }
  std::size_t memory_bytes() const { return text_.capacity() + runs_.capacity() * sizeof(Run); }

 private:
  struct Run {
    std::uint32_t first = 0;       // its first entry
    std::uint32_t text_begin = 0;  // in text_; it ends where the next run's begins
    std::uint32_t number = 0;      // of its first entry; 0: one entry named by its text alone
  };
  void add_run(std::uint32_t id, std::string_view text, std::uint64_t number);
  std::size_t run_of(std::uint32_t id) const;
  std::string_view text(std::size_t k) const {
    const std::uint32_t end =
        k + 1 < runs_.size() ? runs_[k + 1].text_begin : static_cast<std::uint32_t>(text_.size());
    return {text_.data() + runs_[k].text_begin, end - runs_[k].text_begin};
  }
  std::string text_;
  std::vector<Run> runs_;      // by increasing first
  std::uint32_t last_id_ = 0;  // the last entry named (when runs_ is not empty)
};

}  // namespace memsim
