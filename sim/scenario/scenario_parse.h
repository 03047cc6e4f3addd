#pragma once
// TOML scenario -> ScenarioSpec (pure: no engine, no registry). Rejects unknown keys, wrong
// types and bad units with the TOML++ source position of the offending value.
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "sim/scenario/scenario_spec.h"

namespace memsim {

// Reads and parses `path`, after applying each override "dotted.key=value" in order. A value
// that is valid TOML ("2", "true", "\"lru\"") is taken as such, anything else as a string.
// Throws ScenarioError.
ScenarioSpec parse_scenario_file(const std::string& path,
                                 std::span<const std::string> overrides = {});
// The same from text in memory; `source_name` stands for the file in error messages.
ScenarioSpec parse_scenario_text(std::string_view text, const std::string& source_name,
                                 std::span<const std::string> overrides = {});

// The closest of `candidates` to `word` within a small edit distance, or "" (for "did you
// mean" hints).
std::string nearest_name(std::string_view word, std::span<const std::string_view> candidates);

// Tells `observer` about each table the parser reads, by its dotted path ("" for the top level,
// "hardware.dram", "graph.tensors", "model.layers"), with the keys it accepts there: the parser's
// own key tables, from which tests/test_scenario_reference.cpp checks that
// docs/scenario-reference.md lists every key. One observer per thread, none by default; an empty
// function removes it.
using KeyTableObserver =
    std::function<void(std::string_view table, std::span<const std::string_view> keys)>;
void observe_key_tables(KeyTableObserver observer);

}  // namespace memsim
