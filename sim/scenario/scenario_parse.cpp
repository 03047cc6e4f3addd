#include "sim/scenario/scenario_parse.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <sstream>
#include <vector>

#include "sim/core/units.h"
#include "sim/io/input_file.h"
#include "sim/scenario/hardware_presets.h"
#include "sim/scenario/networkx_graph.h"
#include "sim/scenario/toml_guard.h"

namespace memsim {
namespace {

using Keys = std::initializer_list<std::string_view>;

SourcePos pos_of(const toml::source_region& region, const std::string& fallback_file) {
  SourcePos pos;
  pos.file = region.path ? *region.path : fallback_file;
  // An override ("--set", or "--set KEY" for a table it made) has no useful line or column.
  if (pos.file.rfind("--set", 0) == 0) return pos;
  pos.line = region.begin.line;
  pos.column = region.begin.column;
  return pos;
}

// TOML++ 3.3.0 has undefined behaviour on some malformed inputs (toml_guard.h): every text is
// checked first, and only text that passed reaches toml::parse.
toml::table parse_toml(std::string_view text, const std::string& source) {
  if (const auto bad = check_toml_text(text))
    throw ScenarioError(SourcePos{source, bad->line, bad->column}, bad->message);
  try {
    return toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    throw ScenarioError(pos_of(e.source(), source), std::string(e.description()));
  }
}

std::string_view type_name(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::table:
      return "a table";
    default:
      return "a date or time";
  }
}

thread_local KeyTableObserver key_table_observer;  // observe_key_tables

void report_key_table(std::string_view table, std::span<const std::string_view> keys) {
  if (key_table_observer) key_table_observer(table, keys);
}

// Reads one table: rejects keys it was not told about, converts values with their positions.
class Reader {
 public:
  Reader(const toml::table& table, std::string path, const std::string& file, Keys allowed)
      : Reader(table, std::move(path), file,
               std::span<const std::string_view>(allowed.begin(), allowed.size())) {}
  Reader(const toml::table& table, std::string path, const std::string& file,
         std::span<const std::string_view> allowed)
      : table_(table), path_(std::move(path)), file_(file) {
    report_key_table(path_, std::span(allowed.begin(), allowed.size()));
    for (auto&& [key, node] : table) {
      const std::string_view k = key.str();
      if (std::find(allowed.begin(), allowed.end(), k) != allowed.end()) continue;
      const std::vector<std::string_view> options(allowed.begin(), allowed.end());
      const std::string where = path_.empty() ? "at the top level" : "in [" + path_ + "]";
      const std::string guess = nearest_name(k, options);
      std::string hint;
      if (!guess.empty()) {
        hint = "; did you mean '" + guess + "'?";
      } else {
        hint = "; expected one of: ";
        for (std::size_t i = 0; i < options.size(); ++i)
          hint += (i ? ", " : "") + std::string(options[i]);
      }
      // A key added by --set has no position of its own; its value knows it came from --set.
      const auto& region = key.source().path ? key.source() : node.source();
      throw ScenarioError(pos_of(region, file_),
                          "unknown key '" + std::string(k) + "' " + where + hint);
    }
  }

  const toml::node* find(std::string_view key) const { return table_.get(key); }
  std::string qualified(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  }
  SourcePos pos(const toml::node& node) const { return pos_of(node.source(), file_); }
  SourcePos table_pos() const { return pos_of(table_.source(), file_); }
  [[noreturn]] void fail(const toml::node& node, std::string_view key,
                         const std::string& what) const {
    throw ScenarioError(pos(node), qualified(key) + ": " + what);
  }
  [[noreturn]] void wrong_type(const toml::node& node, std::string_view key,
                               std::string_view expected) const {
    fail(node, key, "expected " + std::string(expected) + ", got " + std::string(type_name(node)));
  }

  std::optional<std::string> string(std::string_view key) const {
    const toml::node* n = find(key);
    if (!n) return std::nullopt;
    if (!n->is_string()) wrong_type(*n, key, "a string");
    return n->as_string()->get();
  }

  std::optional<std::int64_t> integer(std::string_view key, std::int64_t min) const {
    const toml::node* n = find(key);
    if (!n) return std::nullopt;
    if (!n->is_integer()) wrong_type(*n, key, "an integer");
    const std::int64_t v = n->as_integer()->get();
    if (v < min)
      fail(*n, key, "must be at least " + std::to_string(min) + ", got " + std::to_string(v));
    return v;
  }

  std::optional<double> number(std::string_view key, double min) const {
    const toml::node* n = find(key);
    if (!n) return std::nullopt;
    double v = 0;
    if (n->is_integer())
      v = static_cast<double>(n->as_integer()->get());
    else if (n->is_floating_point())
      v = n->as_floating_point()->get();
    else
      wrong_type(*n, key, "a number");
    if (!std::isfinite(v) || v < min)
      fail(*n, key, "must be a finite number of at least " + std::to_string(min));
    return v;
  }

  // A quantity written as a string with a unit; integers are accepted where `bare_ok`.
  template <typename Parse>
  auto quantity(std::string_view key, Parse parse, std::string_view example)
      -> std::optional<decltype(parse(std::string_view{}))> {
    const toml::node* n = find(key);
    if (!n) return std::nullopt;
    std::string text;
    if (n->is_string())
      text = n->as_string()->get();
    else if (n->is_integer() || n->is_floating_point())
      text = n->is_integer() ? std::to_string(n->as_integer()->get())
                             : std::to_string(n->as_floating_point()->get());
    else
      wrong_type(*n, key, "a string such as \"" + std::string(example) + "\"");
    try {
      return parse(text);
    } catch (const UnitError& e) {
      fail(*n, key, e.what());
    }
  }

  std::optional<std::vector<std::string>> strings(std::string_view key) const {
    const toml::node* n = find(key);
    if (!n) return std::nullopt;
    if (!n->is_array()) wrong_type(*n, key, "an array of strings");
    std::vector<std::string> out;
    for (const toml::node& item : *n->as_array()) {
      if (!item.is_string()) wrong_type(item, key, "an array of strings");
      out.push_back(item.as_string()->get());
    }
    return out;
  }

  // A sub-table, or nullptr when absent.
  const toml::table* table(std::string_view key) const {
    const toml::node* n = find(key);
    if (!n) return nullptr;
    if (!n->is_table()) wrong_type(*n, key, "a table");
    return n->as_table();
  }

  // An array of tables (`[[x]]` or `x = [{...}]`), or nullptr when absent.
  const toml::array* tables(std::string_view key) const {
    const toml::node* n = find(key);
    if (!n) return nullptr;
    if (!n->is_array()) wrong_type(*n, key, "an array of tables");
    for (const toml::node& item : *n->as_array())
      if (!item.is_table()) wrong_type(item, key, "an array of tables");
    return n->as_array();
  }

  const std::string& path() const { return path_; }
  const std::string& file() const { return file_; }

 private:
  const toml::table& table_;
  std::string path_;
  const std::string& file_;
};

// Precisions a machine may list in [hardware.compute.throughput_by_dtype], in display order.
// A model's dtype picks its entry (fp32 data may use "tf32" through hardware.compute.precision).
constexpr std::string_view kPrecisions[] = {"fp64", "fp32", "tf32", "bf16", "fp16", "fp8", "int8"};

// What the [hardware] tables read so far have set (a preset's first, then the scenario's).
struct HardwareKeys {
  bool has_capacity = false;
  bool explicit_throughput = false;
  std::map<std::string, double, std::less<>> throughput_by_dtype;
  std::optional<std::string> precision;
  SourcePos precision_pos;
  SourcePos reserved_pos;  // hardware.dram.reserved, where given
  // Memory levels (docs/model.md §15): where each level's table is, and where its reserve
  // and its link's bandwidth were given, for the checks made once every table is read.
  std::vector<SourcePos> level_pos{SourcePos{}, SourcePos{}};  // levels 1..K, index level - 1
  std::vector<SourcePos> level_reserved_pos{SourcePos{}, SourcePos{}};
  std::vector<std::string> level_reserved_path{"", ""};  // the table that gave it
  std::vector<bool> level_has_bandwidth{false, false};
  std::map<std::string, double, std::less<>> energy_by_dtype;
  bool explicit_energy = false;
};

// The keys of a level's table (docs/model.md §15.1): level 1 is the cache; a memory level
// also gives its reserve and the link that reaches it from the level above.
constexpr std::string_view kLevelOneKeys[] = {"name", "capacity", "read_energy", "write_energy",
                                              "static_power"};
constexpr std::string_view kLinkKeys[] = {"bandwidth", "latency", "channels", "transfer_time",
                                          "link_energy"};

// Reads one level's table into level `level` of spec.machine (`deep` must already hold it):
// [[hardware.levels]] entry `level`, [hardware.cache] (level 1) or [hardware.dram] (level 2).
void read_level_table(const toml::table& table, const std::string& path, std::uint32_t level,
                      const std::string& file, ScenarioSpec& spec, HardwareKeys& keys) {
  if (level == 1)
    for (std::string_view k : kLinkKeys)
      if (const toml::node* n = table.get(k))
        throw ScenarioError(pos_of(n->source(), file),
                            path + "." + std::string(k) +
                                ": level 1 is the cache, which no link reaches from above; a "
                                "link's keys belong to the level it reaches (level 2 for the "
                                "link from the cache)");
  if (const toml::node* n = level == 1 ? table.get("reserved") : nullptr)
    throw ScenarioError(pos_of(n->source(), file),
                        path +
                            ".reserved: level 1 is the cache; only a memory level keeps a "
                            "reserve");
  std::vector<std::string_view> allowed(std::begin(kLevelOneKeys), std::end(kLevelOneKeys));
  if (level > 1) {
    allowed.push_back("reserved");
    allowed.insert(allowed.end(), std::begin(kLinkKeys), std::end(kLinkKeys));
  }
  Reader r(table, path, file, allowed);
  if (keys.level_pos.size() < level) {
    keys.level_pos.resize(level);
    keys.level_reserved_pos.resize(level);
    keys.level_reserved_path.resize(level);
    keys.level_has_bandwidth.resize(level, false);
  }
  keys.level_pos[level - 1] = r.table_pos();
  Machine& m = spec.machine;
  if (auto name = r.string("name")) {
    if (name->empty()) r.fail(*r.find("name"), "name", "a level's name cannot be empty");
    (level == 1 ? m.cache_name : level == 2 ? m.dram_name : m.deep[level - 3].name) = *name;
  }
  LevelEnergy& energy = level == 1   ? m.cache_energy
                        : level == 2 ? m.dram_energy
                                     : m.deep[level - 3].energy;
  if (auto v = r.quantity("read_energy", parse_energy_per_byte, "12.5 pJ/B"))
    energy.read_joules_per_byte = *v;
  if (auto v = r.quantity("write_energy", parse_energy_per_byte, "12.5 pJ/B"))
    energy.write_joules_per_byte = *v;
  if (auto v = r.quantity("static_power", parse_power, "25 W")) energy.static_watts = *v;
  if (level == 1) {
    if (const auto capacity = r.quantity("capacity", parse_capacity, "6 MiB")) {
      m.cache_capacity = capacity->amount;
      m.uniform = capacity->uniform;
      keys.has_capacity = true;
    }
    return;
  }
  if (auto v = r.quantity("link_energy", parse_energy_per_byte, "0.5 pJ/B"))
    energy.link_joules_per_byte = *v;
  // The link from the level above, and the level's size.
  const auto bandwidth = r.quantity("bandwidth", parse_bandwidth, "768 GB/s");
  const auto latency = r.quantity("latency", parse_duration, "400 ns");
  const auto capacity = r.quantity("capacity", parse_size, "48 GiB");
  const auto reserved = r.quantity("reserved", parse_size, "2 GiB");
  if (reserved) {
    keys.level_reserved_pos[level - 1] = r.pos(*r.find("reserved"));
    keys.level_reserved_path[level - 1] = path;
  }
  std::optional<std::uint32_t> channels;
  if (auto v = r.integer("channels", 1)) {
    if (*v > 65535) r.fail(*r.find("channels"), "channels", "must be at most 65535");
    channels = static_cast<std::uint32_t>(*v);
  }
  const auto transfer_time = r.number("transfer_time", 0);
  if (bandwidth) keys.level_has_bandwidth[level - 1] = true;
  if (level == 2) {
    if (bandwidth) {
      m.dram_bandwidth = *bandwidth;
      spec.has_bandwidth = true;
      spec.bandwidth_pos = r.pos(*r.find("bandwidth"));
    }
    if (latency) m.dram_latency = *latency;
    if (capacity) m.dram_capacity = *capacity;
    if (reserved) {
      m.dram_reserved = *reserved;
      keys.reserved_pos = keys.level_reserved_pos[1];
    }
    if (channels) m.dram_channels = *channels;
    if (transfer_time) m.transfer_time = *transfer_time;
    return;
  }
  DeepLevel& d = m.deep[level - 3];
  if (bandwidth) d.bandwidth = *bandwidth;
  if (latency) d.latency = *latency;
  if (capacity) d.capacity = *capacity;
  if (reserved) d.reserved = *reserved;
  if (channels) d.channels = *channels;
  if (transfer_time) d.transfer_time = *transfer_time;
}

// [[hardware.levels]]: the whole list of levels, fastest first; it replaces the levels an
// earlier table (a preset) gave, keeping only the compute unit.
void read_levels(const Reader& r, const toml::array& levels, ScenarioSpec& spec,
                 HardwareKeys& keys) {
  if (levels.size() < 2)
    r.fail(*r.find("levels"), "levels",
           "needs at least two levels (the cache, then the memory it loads from), got " +
               std::to_string(levels.size()));
  if (levels.size() > 16)
    r.fail(*r.find("levels"), "levels", "at most 16 levels, got " + std::to_string(levels.size()));
  Machine fresh;
  fresh.compute_throughput = spec.machine.compute_throughput;
  fresh.op_time = spec.machine.op_time;
  fresh.compute_joules_per_flop = spec.machine.compute_joules_per_flop;
  spec.machine = fresh;
  spec.has_bandwidth = false;
  keys.has_capacity = false;
  keys.reserved_pos = SourcePos{};
  keys.level_pos.assign(levels.size(), SourcePos{});
  keys.level_reserved_pos.assign(levels.size(), SourcePos{});
  keys.level_reserved_path.assign(levels.size(), "");
  keys.level_has_bandwidth.assign(levels.size(), false);
  for (std::uint32_t level = 3; level <= levels.size(); ++level) {
    DeepLevel d;
    d.name = "level" + std::to_string(level);
    spec.machine.deep.push_back(d);
  }
  std::uint32_t level = 0;
  for (const toml::node& item : levels) {
    ++level;
    read_level_table(*item.as_table(), "hardware.levels." + std::to_string(level), level, r.file(),
                     spec, keys);
  }
}

// `[hardware.levels.3]` or `--set hardware.levels.3.capacity=...`: keys of levels an earlier
// table (a preset) gave, by their number; the other levels stay as they are.
void read_level_overrides(const Reader& r, const toml::table& levels, ScenarioSpec& spec,
                          HardwareKeys& keys) {
  const std::uint32_t count = spec.machine.level_count();
  for (auto&& [key, node] : levels) {
    const std::string k(key.str());
    const bool digits = !k.empty() && k.size() <= 4 && std::all_of(k.begin(), k.end(), ::isdigit);
    const std::uint32_t level = digits ? static_cast<std::uint32_t>(std::stoul(k)) : 0;
    const auto& region = key.source().path ? key.source() : node.source();
    if (level < 1 || level > count)
      throw ScenarioError(pos_of(region, r.file()),
                          "hardware.levels." + k + ": expected a level number from 1 to " +
                              std::to_string(count) + " (the machine has " + std::to_string(count) +
                              " levels), or [[hardware.levels]] to give every level");
    if (!node.is_table())
      throw ScenarioError(pos_of(node.source(), r.file()),
                          "hardware.levels." + k + ": expected a table of the level's keys, got " +
                              std::string(type_name(node)));
    read_level_table(*node.as_table(), "hardware.levels." + k, level, r.file(), spec, keys);
  }
}

// Reads one [hardware] table into spec.machine; every key it sets replaces an earlier value.
void read_hardware_table(const toml::table& hw, const std::string& file, ScenarioSpec& spec,
                         HardwareKeys& keys) {
  Reader r(hw, "hardware", file, {"preset", "levels", "cache", "dram", "compute"});
  Machine& m = spec.machine;
  // The levels first, then [hardware.cache] and [hardware.dram], which set levels 1 and 2.
  if (const toml::node* levels = r.find("levels")) {
    if (levels->is_table())
      read_level_overrides(r, *levels->as_table(), spec, keys);
    else
      read_levels(r, *r.tables("levels"), spec, keys);
  }
  if (const toml::table* cache = r.table("cache"))
    read_level_table(*cache, "hardware.cache", 1, file, spec, keys);
  if (const toml::table* dram = r.table("dram"))
    read_level_table(*dram, "hardware.dram", 2, file, spec, keys);
  if (const toml::table* compute = r.table("compute")) {
    Reader p(
        *compute, "hardware.compute", file,
        {"throughput", "op_time", "throughput_by_dtype", "precision", "energy", "energy_by_dtype"});
    if (auto v = p.quantity("throughput", parse_throughput, "38.7 TFLOP/s")) {
      m.compute_throughput = *v;
      spec.has_throughput = true;
      spec.throughput_pos = p.pos(*p.find("throughput"));
      keys.explicit_throughput = true;
    }
    if (auto v = p.number("op_time", 0)) m.op_time = *v;
    if (const toml::table* by_dtype = p.table("throughput_by_dtype")) {
      Reader t(*by_dtype, "hardware.compute.throughput_by_dtype", file,
               {"fp64", "fp32", "tf32", "bf16", "fp16", "fp8", "int8"});
      for (std::string_view precision : kPrecisions)
        if (auto v = t.quantity(precision, parse_throughput, "312 TFLOP/s"))
          keys.throughput_by_dtype[std::string(precision)] = *v;
    }
    // Energy per FLOP (docs/model.md §15.6), picked by precision as the throughput is.
    if (auto v = p.quantity("energy", parse_energy_per_flop, "2.3 pJ/FLOP")) {
      m.compute_joules_per_flop = *v;
      keys.explicit_energy = true;
    }
    if (const toml::table* by_dtype = p.table("energy_by_dtype")) {
      Reader t(*by_dtype, "hardware.compute.energy_by_dtype", file,
               {"fp64", "fp32", "tf32", "bf16", "fp16", "fp8", "int8"});
      for (std::string_view precision : kPrecisions)
        if (auto v = t.quantity(precision, parse_energy_per_flop, "2.3 pJ/FLOP"))
          keys.energy_by_dtype[std::string(precision)] = *v;
    }
    if (auto precision = p.string("precision")) {
      if (std::find(std::begin(kPrecisions), std::end(kPrecisions), *precision) ==
          std::end(kPrecisions))
        p.fail(*p.find("precision"), "precision",
               "unknown precision '" + *precision +
                   "'; expected one of fp64, fp32, tf32, bf16, fp16, fp8, int8");
      keys.precision = *precision;
      keys.precision_pos = p.pos(*p.find("precision"));
    }
  }
}

// The [model]'s dtype as written (the model is parsed after the hardware), "fp32" by default.
std::string model_dtype(const Reader& top) {
  const toml::node* model = top.find("model");
  if (!model || !model->is_table()) return "fp32";
  const toml::node* dtype = model->as_table()->get("dtype");
  return dtype && dtype->is_string() ? dtype->as_string()->get() : "fp32";
}

// `[hardware] preset = "NAME"`: reads scenarios/hardware/NAME.toml into spec first.
void read_hardware_preset(const toml::node& preset, const std::string& file, ScenarioSpec& spec,
                          HardwareKeys& keys) {
  const SourcePos at = pos_of(preset.source(), file);
  if (!preset.is_string())
    throw ScenarioError(at, "hardware.preset: expected a string such as \"h100-sxm\", got " +
                                std::string(type_name(preset)));
  const std::string name = preset.as_string()->get();
  const std::string path = find_hardware_preset(name, file, at);
  const std::string text = read_input_file(path, "hardware preset file");
  const toml::table root = parse_toml(text, path);
  Reader top(root, "", path, {"preset", "hardware"});
  if (const toml::table* about = top.table("preset"))
    Reader(*about, "preset", path, {"name", "description"});
  const toml::table* hw = top.table("hardware");
  if (!hw) throw ScenarioError(SourcePos{path, 0, 0}, "a hardware preset needs a [hardware] table");
  if (const toml::node* nested = hw->get("preset"))
    throw ScenarioError(pos_of(nested->source(), path),
                        "hardware.preset: a preset cannot name another preset");
  read_hardware_table(*hw, path, spec, keys);
  spec.hardware_preset = name;
}

void parse_hardware(const Reader& top, ScenarioSpec& spec) {
  const toml::table* hw = top.table("hardware");
  if (!hw)
    throw ScenarioError(SourcePos{spec.file, 0, 0}, "missing [hardware] (cache, dram, compute)");
  spec.hardware_pos = pos_of(hw->source(), spec.file);
  HardwareKeys keys;
  if (const toml::node* preset = hw->get("preset"))
    read_hardware_preset(*preset, spec.file, spec, keys);
  read_hardware_table(*hw, spec.file, spec, keys);
  const Machine& m = spec.machine;
  for (std::uint32_t level = 2; level <= m.level_count(); ++level) {
    const std::uint64_t reserved = m.level_reserved(level), capacity = m.level_capacity(level);
    if (reserved == 0 || reserved < capacity) continue;
    const std::string path = keys.level_reserved_path[level - 1];
    throw ScenarioError(
        keys.level_reserved_pos[level - 1],
        path + ".reserved: " + format_bytes(static_cast<double>(reserved)) +
            (capacity == std::numeric_limits<std::uint64_t>::max()
                 ? " reserved, but " +
                       std::string(level == 2 ? "the DRAM" : "level " + std::to_string(level)) +
                       " has no capacity; set " + path + ".capacity"
                 : " is not less than " + path + ".capacity (" +
                       format_bytes(static_cast<double>(capacity)) + ")"));
  }
  for (std::uint32_t level = 2; level <= m.level_count(); ++level)
    for (std::uint32_t other = 1; other < level; ++other)
      if (m.level_name(level) == m.level_name(other))
        throw ScenarioError(keys.level_pos[level - 1],
                            "level " + std::to_string(level) + " is named '" + m.level_name(level) +
                                "', as level " + std::to_string(other) +
                                " is; every level needs a name of its own ([placement] names "
                                "them)");
  if (!keys.has_capacity)
    throw ScenarioError(spec.hardware_pos,
                        "hardware.cache.capacity is required (e.g. \"6 MiB\" or \"4 tensors\")");
  // Every link below the DRAM needs its bandwidth in byte mode (the DRAM's is checked when the
  // simulation is built, with the compute throughput).
  for (std::uint32_t level = 3; level <= m.level_count() && !m.uniform; ++level)
    if (!keys.level_has_bandwidth[level - 1])
      throw ScenarioError(keys.level_pos[level - 1],
                          "hardware.levels." + std::to_string(level) +
                              ".bandwidth is required when the cache capacity is in bytes: it is "
                              "the link from " +
                              m.level_name(level - 1) + " to " + m.level_name(level));
  const std::string want = keys.precision.value_or(model_dtype(top));
  // A throughput given directly wins; otherwise the entry for the precision the model computes in.
  if (!keys.explicit_throughput && !keys.throughput_by_dtype.empty()) {
    const auto it = keys.throughput_by_dtype.find(want);
    if (it == keys.throughput_by_dtype.end()) {
      std::string listed;
      for (std::string_view p : kPrecisions)
        if (keys.throughput_by_dtype.count(p))
          listed += (listed.empty() ? "" : ", ") + std::string(p);
      const std::string whose = keys.precision ? "hardware.compute.precision" : "the model's dtype";
      throw ScenarioError(keys.precision ? keys.precision_pos : spec.hardware_pos,
                          "hardware.compute.throughput_by_dtype has no " + want + " entry (" +
                              whose + "); it lists " + listed +
                              ": set hardware.compute.precision to one of them or give "
                              "hardware.compute.throughput");
    }
    spec.machine.compute_throughput = it->second;
    spec.has_throughput = true;
    spec.throughput_precision = want;
  }
  if (!keys.explicit_energy && !keys.energy_by_dtype.empty()) {
    const auto it = keys.energy_by_dtype.find(want);
    if (it == keys.energy_by_dtype.end()) {
      std::string listed;
      for (std::string_view p : kPrecisions)
        if (keys.energy_by_dtype.count(p)) listed += (listed.empty() ? "" : ", ") + std::string(p);
      const std::string whose = keys.precision ? "hardware.compute.precision" : "the model's dtype";
      throw ScenarioError(keys.precision ? keys.precision_pos : spec.hardware_pos,
                          "hardware.compute.energy_by_dtype has no " + want + " entry (" + whose +
                              "); it lists " + listed +
                              ": set hardware.compute.precision to one of them or give "
                              "hardware.compute.energy");
    }
    spec.machine.compute_joules_per_flop = it->second;
  }
}

// A memory level named by `node` (a [placement] value or a tensor's home): its number 2..K.
std::uint8_t memory_level(const Reader& r, const toml::node& node, std::string_view key,
                          const Machine& m) {
  if (!node.is_string()) r.wrong_type(node, key, "a level's name such as \"" + m.dram_name + "\"");
  const std::string name = node.as_string()->get();
  std::string memories;
  std::vector<std::string_view> names;
  for (std::uint32_t level = 2; level <= m.level_count(); ++level) {
    memories += (level > 2 ? ", " : "") + m.level_name(level);
    names.push_back(m.level_name(level));
    if (m.level_name(level) == name) return static_cast<std::uint8_t>(level);
  }
  if (name == m.cache_name)
    r.fail(node, key,
           "'" + name +
               "' is level 1, the cache, where no tensor lives at rest; name a memory level: " +
               memories);
  const std::string guess = nearest_name(name, names);
  r.fail(node, key,
         "no memory level is named '" + name + "'" +
             (guess.empty() ? "" : "; did you mean '" + guess + "'?") +
             " (memory levels: " + memories + ")");
}

const toml::array kNoTables;

GraphSpec parse_graph(const Reader& top, const toml::table& table, const Machine& machine) {
  Reader r(table, "graph", top.file(), {"tensors", "ops", "outputs", "order", "networkx"});
  GraphSpec g;
  g.pos = r.table_pos();
  if (auto file = r.string("networkx")) {
    // A networkx node-link JSON file gives the tensors and ops (sim/scenario/networkx_graph.h),
    // relative to the scenario's folder.
    const toml::node& at = *r.find("networkx");
    for (std::string_view key : {"tensors", "ops"})
      if (const toml::node* n = r.find(key))
        r.fail(*n, key,
               "not used with graph.networkx (the JSON file gives the tensors and ops); "
               "remove it");
    if (file->empty())
      r.fail(at, "networkx", "expected the path of a networkx node-link JSON file");
    const std::string& scenario = top.file();
    const auto slash = scenario.find_last_of('/');
    const std::string path = file->front() == '/' || slash == std::string::npos
                                 ? *file
                                 : scenario.substr(0, slash + 1) + *file;
    read_networkx_graph(path, r.pos(at), g);
    // The file's order is kept where it is topological (a stable topological order otherwise).
    g.as_listed = false;
  }
  if (const toml::array* tensors = r.tables("tensors")) {
    for (const toml::node& item : *tensors) {
      Reader t(*item.as_table(), "graph.tensors", top.file(),
               {"name", "size", "kind", "initial", "home"});
      TensorSpec spec;
      spec.pos = t.table_pos();
      auto name = t.string("name");
      if (!name || name->empty())
        throw ScenarioError(spec.pos, "graph.tensors: every tensor needs a name");
      spec.name = *name;
      spec.bytes = t.quantity("size", parse_size, "4 MiB");
      if (auto kind = t.string("kind")) {
        if (!parse_tensor_kind(*kind, spec.kind))
          t.fail(*t.find("kind"), "kind",
                 "unknown tensor kind '" + *kind + "'; expected one of: " + tensor_kind_names());
        spec.kind_given = true;
      }
      if (auto initial = t.string("initial")) {
        if (*initial != "dram" && *initial != "none")
          t.fail(*t.find("initial"), "initial",
                 "expected \"dram\" or \"none\", got \"" + *initial + "\"");
        spec.initial_in_dram = *initial == "dram";
      }
      if (const toml::node* home = t.find("home"))
        spec.home = memory_level(t, *home, "home", machine);
      g.tensors.push_back(std::move(spec));
    }
  }
  const toml::array* ops = r.tables("ops");
  if (g.ops.empty() && (!ops || ops->empty()))
    throw ScenarioError(g.pos, "[graph] needs at least one op in 'ops' (or a 'networkx' file)");
  for (const toml::node& item : ops ? *ops : kNoTables) {
    Reader o(*item.as_table(), "graph.ops", top.file(),
             {"name", "inputs", "outputs", "updates", "flops", "phase"});
    OpSpec spec;
    spec.pos = o.table_pos();
    auto name = o.string("name");
    if (!name || name->empty()) throw ScenarioError(spec.pos, "graph.ops: every op needs a name");
    spec.name = *name;
    spec.inputs = o.strings("inputs").value_or(std::vector<std::string>{});
    spec.outputs = o.strings("outputs").value_or(std::vector<std::string>{});
    spec.updates = o.strings("updates").value_or(std::vector<std::string>{});
    spec.flops = o.quantity("flops", parse_flops, "2 GFLOP").value_or(0.0);
    if (auto phase = o.string("phase")) {
      if (!parse_op_phase(*phase, spec.phase))
        o.fail(*o.find("phase"), "phase",
               "unknown phase '" + *phase + "'; expected forward, backward, update or recompute");
    }
    g.ops.push_back(std::move(spec));
  }
  if (auto outputs = r.strings("outputs")) {
    g.outputs = *outputs;
    g.outputs_pos = r.pos(*r.find("outputs"));
  }
  if (auto order = r.string("order")) {
    if (*order == "as-listed")
      g.as_listed = true;
    else if (*order == "topological" || *order == "any")
      g.as_listed = false;
    else
      r.fail(*r.find("order"), "order",
             "expected \"as-listed\" or \"topological\", got \"" + *order + "\"");
  }
  return g;
}

ModelSpec parse_model(const Reader& top, const toml::table& table) {
  Reader r(table, "model", top.file(),
           {"batch", "dtype", "input", "seq_len", "layers", "topology", "onnx"});
  ModelSpec m;
  m.pos = r.table_pos();
  m.batch = static_cast<std::uint64_t>(r.integer("batch", 1).value_or(1));
  if (auto dtype = r.string("dtype")) {
    static constexpr std::pair<std::string_view, std::uint32_t> kTypes[] = {
        {"fp32", 4}, {"fp16", 2}, {"bf16", 2}, {"fp8", 1}};
    bool found = false;
    for (auto [name, bytes] : kTypes)
      if (name == *dtype) {
        m.dtype = *dtype;
        m.dtype_bytes = bytes;
        found = true;
      }
    if (!found)
      r.fail(*r.find("dtype"), "dtype",
             "unknown dtype '" + *dtype + "'; expected fp32, fp16, bf16 or fp8");
  }
  if (auto onnx = r.string("onnx")) {
    // An ONNX model gives the input and the layers itself; batch and dtype stay the scenario's.
    m.onnx_pos = r.pos(*r.find("onnx"));
    for (std::string_view key : {"input", "seq_len", "layers", "topology"})
      if (const toml::node* n = r.find(key))
        r.fail(*n, key,
               "not used with model.onnx (the ONNX file gives the input and the layers); "
               "remove it");
    if (onnx->empty())
      r.fail(*r.find("onnx"), "onnx", "expected the path of an ONNX model file (.onnx)");
    const std::string& file = top.file();
    const auto slash = file.find_last_of('/');
    m.onnx = onnx->front() == '/' || slash == std::string::npos ? *onnx
                                                                : file.substr(0, slash + 1) + *onnx;
    return m;
  }
  if (auto topology = r.string("topology")) {
    // A SCALE-Sim topology file gives the input and the layers itself.
    m.topology_pos = r.pos(*r.find("topology"));
    for (std::string_view key : {"input", "seq_len", "layers"})
      if (const toml::node* n = r.find(key))
        r.fail(*n, key,
               "not used with model.topology (the topology file gives the input and the layers); "
               "remove it");
    if (topology->empty())
      r.fail(*r.find("topology"), "topology", "expected the path of a SCALE-Sim topology CSV file");
    const std::string& file = top.file();
    const auto slash = file.find_last_of('/');
    m.topology = topology->front() == '/' || slash == std::string::npos
                     ? *topology
                     : file.substr(0, slash + 1) + *topology;
    return m;
  }
  const toml::node* input = r.find("input");
  if (const toml::node* seq = r.find("seq_len")) {
    // Token ids: X0 is seq_len int64 per sample (policies/models/embedding.cpp reads them).
    if (input)
      r.fail(*input, "input",
             "not used with model.seq_len (the input is seq_len token ids); remove one of them");
    if (!seq->is_integer() || seq->as_integer()->get() < 1)
      r.fail(*seq, "seq_len", "expected a positive number of tokens per sample");
    m.seq_len = static_cast<std::uint64_t>(seq->as_integer()->get());
    m.input = {1, m.seq_len, 1};
    input = seq;
  } else if (!input) {
    throw ScenarioError(
        m.pos,
        "model.input (features of X0, or [channels, height, width]) or model.seq_len (token "
        "ids) is required");
  } else if (input->is_integer() && input->as_integer()->get() >= 1) {
    m.input.c = static_cast<std::uint64_t>(input->as_integer()->get());
  } else if (input->is_array() && input->as_array()->size() == 3 &&
             std::all_of(input->as_array()->begin(), input->as_array()->end(),
                         [](const toml::node& n) {
                           return n.is_integer() && n.as_integer()->get() >= 1;
                         })) {
    const toml::array& a = *input->as_array();
    m.input = {static_cast<std::uint64_t>(a[0].as_integer()->get()),
               static_cast<std::uint64_t>(a[1].as_integer()->get()),
               static_cast<std::uint64_t>(a[2].as_integer()->get())};
  } else {
    r.fail(*input, "input", "expected a positive number of features or [channels, height, width]");
  }
  // Its bytes (and every size computed from them) must fit 64 bits at the widest dtype.
  std::uint64_t bytes = 1;
  for (const std::uint64_t f : {m.input.c, m.input.h, m.input.w, m.batch, std::uint64_t{8}})
    if (__builtin_mul_overflow(bytes, f, &bytes))
      r.fail(*input, "input",
             "too large for 64 bits: " + to_string(m.input) + " x batch " +
                 std::to_string(m.batch) + " x 8 bytes");
  // The keys every layer entry takes besides its type's (policies/models/layer_types.cpp).
  static constexpr std::string_view kLayerEntryKeys[] = {"type", "name", "inputs", "repeat"};
  report_key_table("model.layers", kLayerEntryKeys);
  const toml::array* layers = r.tables("layers");
  if (!layers || layers->empty())
    throw ScenarioError(m.pos, "model.layers needs at least one layer");
  for (const toml::node& item : *layers) {
    const toml::table& t = *item.as_table();
    LayerSpec layer;
    layer.pos = pos_of(t.source(), top.file());
    for (auto&& [key, node] : t) {
      const std::string k(key.str());
      const std::string qualified = "model.layers." + k;
      const SourcePos at = pos_of(node.source(), top.file());
      const std::string_view got = type_name(node);  // clang 14 cannot capture a binding
      const auto wrong = [&](std::string_view expected) {
        throw ScenarioError(
            at, qualified + ": expected " + std::string(expected) + ", got " + std::string(got));
      };
      if (k == "type" || k == "name") {
        if (!node.is_string()) wrong("a string");
        (k == "type" ? layer.type : layer.name) = node.as_string()->get();
      } else if (k == "inputs") {
        if (!node.is_array()) wrong("an array of layer names");
        for (const toml::node& v : *node.as_array()) {
          if (!v.is_string()) wrong("an array of layer names");
          layer.inputs.push_back(v.as_string()->get());
        }
        if (layer.inputs.empty())
          throw ScenarioError(at,
                              qualified + ": names no layer; omit it to read the previous layer");
        layer.inputs_pos = at;
      } else if (k == "repeat") {
        if (!node.is_integer()) wrong("an integer");
        if (node.as_integer()->get() < 1)
          throw ScenarioError(at, qualified + ": must be at least 1");
        layer.repeat = static_cast<std::uint64_t>(node.as_integer()->get());
      } else if (node.is_integer()) {
        layer.params[k] = {node.as_integer()->get(), at};
      } else if (node.is_floating_point()) {
        layer.params[k] = {node.as_floating_point()->get(), at};
      } else if (node.is_boolean()) {
        layer.params[k] = {node.as_boolean()->get(), at};
      } else if (node.is_string()) {
        layer.params[k] = {node.as_string()->get(), at};
      } else if (node.is_array()) {
        std::vector<std::int64_t> values;
        for (const toml::node& v : *node.as_array()) {
          if (!v.is_integer()) wrong("an array of integers");
          values.push_back(v.as_integer()->get());
        }
        layer.params[k] = {std::move(values), at};
      } else {
        wrong("a number, string, boolean or array of integers");
      }
    }
    if (layer.type.empty())
      throw ScenarioError(layer.pos, "model.layers: every layer needs a type (e.g. \"dense\")");
    m.layers.push_back(std::move(layer));
  }
  return m;
}

// "fp32" -> 4 etc.; 0 for a name that is not a floating-point dtype.
std::uint32_t dtype_size(std::string_view name) {
  if (name == "fp32") return 4;
  if (name == "fp16" || name == "bf16") return 2;
  if (name == "fp8") return 1;
  return 0;
}

// master_weights, optimizer_dtype, grad_dtype: mixed-precision training.
void parse_precision_keys(const Reader& r, ScheduleSpec& schedule) {
  if (auto master = r.string("master_weights")) {
    if (*master != "none" && dtype_size(*master) == 0)
      r.fail(*r.find("master_weights"), "master_weights",
             "unknown dtype '" + *master + "'; expected none, fp32, fp16, bf16 or fp8");
    schedule.master_weights = *master;
    schedule.master_bytes = *master == "none" ? 0 : dtype_size(*master);
  }
  for (auto [key, bytes, text] :
       {std::tuple{"optimizer_dtype", &schedule.optimizer_bytes, &schedule.optimizer_dtype},
        std::tuple{"grad_dtype", &schedule.grad_bytes, &schedule.grad_dtype}})
    if (auto value = r.string(key)) {
      if (dtype_size(*value) == 0)
        r.fail(*r.find(key), key,
               "unknown dtype '" + *value + "'; expected fp32, fp16, bf16 or fp8");
      *bytes = dtype_size(*value);
      *text = *value;
    }
}

// loss, optimizer, update, checkpoint and the precision keys: the keys only a training
// schedule takes.
void parse_training_keys(const Reader& r, ScheduleSpec& schedule) {
  for (std::string_view key : {"loss", "optimizer", "update", "checkpoint", "master_weights",
                               "optimizer_dtype", "grad_dtype"}) {
    const toml::node* n = r.find(key);
    if (n && schedule.kind == "inference")
      r.fail(*n, key, "applies to kind = \"training\"; this schedule's kind is \"inference\"");
  }
  if (auto loss = r.string("loss")) {
    if (*loss != "separate" && *loss != "fused")
      r.fail(*r.find("loss"), "loss",
             "unknown loss '" + *loss +
                 "'; expected separate (an op computes dL/dy from X_n and "
                 "the label) or fused (X_n is dL/dy)");
    schedule.loss = *loss;
  }
  if (auto optimizer = r.string("optimizer")) {
    const std::string& o = *optimizer;
    if (o != "none" && o != "sgd" && o != "momentum" && o != "adam")
      r.fail(*r.find("optimizer"), "optimizer",
             "unknown optimizer '" + o + "'; expected none, sgd, momentum or adam");
    schedule.optimizer = o;
  }
  if (auto update = r.string("update")) {
    if (*update != "after-backward" && *update != "per-layer")
      r.fail(*r.find("update"), "update",
             "unknown update placement '" + *update +
                 "'; expected after-backward (every gradient complete before the optimizer "
                 "runs, as loss.backward(); optimizer.step()) or per-layer (each layer's update "
                 "right after its dL/dW, as a fused optimizer does)");
    schedule.update = *update;
  }
  parse_precision_keys(r, schedule);
  const toml::node* checkpoint = r.find("checkpoint");
  if (!checkpoint) return;
  schedule.checkpoint_pos = r.pos(*checkpoint);
  const std::string expected =
      "expected \"none\", \"sqrt\", \"every:K\", \"optimal\" or an array of layer indices";
  if (checkpoint->is_array()) {
    schedule.checkpoint = "list";
    for (const toml::node& item : *checkpoint->as_array()) {
      if (!item.is_integer())
        r.fail(
            item, "checkpoint",
            "expected an array of layer indices, got " + std::string(type_name(item)) + " in it");
      const std::int64_t v = item.as_integer()->get();
      if (v < 1)
        r.fail(item, "checkpoint",
               "layer index " + std::to_string(v) +
                   " is not a layer (layers count from 1; X0 is always available)");
      schedule.checkpoint_layers.push_back(static_cast<std::uint64_t>(v));
    }
    return;
  }
  if (!checkpoint->is_string())
    r.fail(*checkpoint, "checkpoint", expected + ", got " + std::string(type_name(*checkpoint)));
  const std::string c = checkpoint->as_string()->get();
  if (c == "none" || c == "sqrt" || c == "optimal") {
    schedule.checkpoint = c;
  } else if (c.rfind("every:", 0) == 0) {
    const std::string digits = c.substr(6);
    const bool ok = !digits.empty() && digits.size() <= 9 &&
                    std::all_of(digits.begin(), digits.end(), ::isdigit) && std::stoul(digits) >= 1;
    if (!ok)
      r.fail(*checkpoint, "checkpoint",
             "expected \"every:K\" with K a whole number of at least 1, got \"" + c + "\"");
    schedule.checkpoint = "every";
    schedule.checkpoint_every = std::stoul(digits);
  } else {
    r.fail(*checkpoint, "checkpoint", expected + ", got \"" + c + "\"");
  }
}

void parse_schedule(const Reader& top, ScenarioSpec& spec) {
  const toml::table* table = top.table("schedule");
  if (!table) return;
  Reader r(*table, "schedule", spec.file,
           {"kind", "overlap", "loss", "optimizer", "update", "checkpoint", "master_weights",
            "optimizer_dtype", "grad_dtype"});
  if (auto kind = r.string("kind")) {
    spec.schedule.kind = *kind;
    spec.schedule.kind_pos = r.pos(*r.find("kind"));
    spec.schedule.kind_given = true;
  }
  if (auto overlap = r.string("overlap")) {
    const std::string& o = *overlap;
    spec.schedule.overlap = o;
    if (o == "none") {
      spec.schedule.lookahead = 0;
    } else if (o == "double-buffer") {
      spec.schedule.lookahead = 1;
    } else if (o.rfind("lookahead:", 0) == 0) {
      const std::string digits = o.substr(10);
      // The executor counts a tensor's pins in 15 bits: N stays below 2^15 - 1.
      const bool ok = !digits.empty() && digits.size() <= 5 &&
                      std::all_of(digits.begin(), digits.end(), ::isdigit) &&
                      std::stoul(digits) <= 10000;
      if (!ok)
        r.fail(*r.find("overlap"), "overlap",
               "expected \"lookahead:N\" with N a whole number up to 10000, got \"" + o + "\"");
      spec.schedule.lookahead = static_cast<std::uint32_t>(std::stoul(digits));
    } else {
      r.fail(*r.find("overlap"), "overlap",
             "expected \"none\", \"double-buffer\" or \"lookahead:N\", got \"" + o + "\"");
    }
  }
  parse_training_keys(r, spec.schedule);
}

// [placement]: where each kind of tensor lives at rest (docs/model.md §15.1).
void parse_placement(const Reader& top, ScenarioSpec& spec) {
  const toml::table* table = top.table("placement");
  if (!table) return;
  static constexpr std::pair<std::string_view, TensorKind> kKeys[] = {
      {"weights", TensorKind::weight},     {"activations", TensorKind::activation},
      {"inputs", TensorKind::input},       {"labels", TensorKind::label},
      {"gradients", TensorKind::gradient}, {"optimizer_state", TensorKind::optimizer_state},
      {"other", TensorKind::other}};
  Reader r(*table, "placement", spec.file,
           {"weights", "activations", "inputs", "labels", "gradients", "optimizer_state", "other"});
  for (auto [key, kind] : kKeys)
    if (const toml::node* n = r.find(key)) {
      spec.placement[static_cast<int>(kind)] = memory_level(r, *n, key, spec.machine);
      spec.placement_pos[static_cast<int>(kind)] = r.pos(*n);
    }
}

ScenarioSpec parse_root(const toml::table& root, const std::string& file) {
  ScenarioSpec spec;
  spec.file = file;
  Reader top(root, "", file,
             {"scenario", "hardware", "placement", "graph", "model", "schedule", "policy"});
  if (const toml::table* s = top.table("scenario")) {
    Reader r(*s, "scenario", file, {"name", "description"});
    spec.name = r.string("name").value_or("");
    spec.description = r.string("description").value_or("");
  }
  parse_hardware(top, spec);
  parse_placement(top, spec);
  const toml::table* graph = top.table("graph");
  const toml::table* model = top.table("model");
  if (graph && model)
    throw ScenarioError(pos_of(model->source(), file),
                        "a scenario has either a [graph] or a [model], not both");
  if (!graph && !model)
    throw ScenarioError(SourcePos{file, 0, 0},
                        "missing [graph] (a raw DAG of ops) or [model] (a chain of layers)");
  if (graph) spec.graph = parse_graph(top, *graph, spec.machine);
  if (model) spec.model = parse_model(top, *model);
  parse_schedule(top, spec);
  if (const toml::table* p = top.table("policy")) {
    Reader r(*p, "policy", file, {"eviction"});
    if (auto e = r.string("eviction")) {
      spec.policy.eviction = *e;
      spec.policy.eviction_pos = r.pos(*r.find("eviction"));
    }
  }
  if (spec.name.empty()) {
    // Default name: the file's stem.
    std::string stem = file.substr(file.find_last_of('/') + 1);
    spec.name = stem.substr(0, stem.rfind(".toml"));
  }
  return spec;
}

std::string toml_quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;  // apply_override has refused control characters other than tab
  }
  return out + "\"";
}

void apply_override(toml::table& root, const std::string& assignment) {
  const auto eq = assignment.find('=');
  const std::string key = eq == std::string::npos ? "" : assignment.substr(0, eq);
  const std::string where = "--set " + key;
  if (eq == std::string::npos || key.empty())
    throw ScenarioError(SourcePos{"--set", 0, 0},
                        "expected key=value (e.g. hardware.cache.capacity=\"5 tensors\"), got \"" +
                            assignment + "\"");
  const std::string value = assignment.substr(eq + 1);
  // The value is text typed on a command line: UTF-8 without control characters (a newline
  // would also let it add keys of its own).
  if (const auto bad = invalid_utf8_at(value))
    throw ScenarioError(SourcePos{where, 0, 0},
                        "the value is not valid UTF-8 (byte " + std::to_string(*bad + 1) + ")");
  for (const char c : value)
    if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f)
      throw ScenarioError(SourcePos{where, 0, 0}, "the value contains the control character " +
                                                      one_line(std::string(1, c)) +
                                                      "; values are text");
  std::vector<std::string> parts;
  for (std::size_t start = 0;;) {
    const auto dot = key.find('.', start);
    parts.push_back(key.substr(start, dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  for (const auto& p : parts)
    if (p.empty()) throw ScenarioError(SourcePos{where, 0, 0}, "empty part in key '" + key + "'");
  toml::table* table = &root;
  std::string walked;
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    walked += (i ? "." : "") + parts[i];
    toml::node* n = table->get(parts[i]);
    if (!n) {
      // A table made by --set has "--set KEY" as its source, so that an unknown key in it is
      // blamed on the override, not on the scenario file.
      toml::table made = parse_toml("v = {}", where);
      made.get("v")->visit([&](auto&& node) { table->insert(parts[i], std::move(node)); });
      n = table->get(parts[i]);
    }
    // An array of tables is entered by a 1-based index: hardware.levels.3.capacity.
    if (n->is_array()) {
      toml::array& items = *n->as_array();
      const std::string& index = parts[i + 1];
      const bool digits =
          !index.empty() && index.size() <= 4 && std::all_of(index.begin(), index.end(), ::isdigit);
      const std::size_t k = digits ? std::stoul(index) : 0;
      if (k < 1 || k > items.size() || !items[k - 1].is_table())
        throw ScenarioError(SourcePos{where, 0, 0},
                            "'" + walked + "' is an array of " + std::to_string(items.size()) +
                                " tables; follow it with an index from 1 to " +
                                std::to_string(items.size()) + " (e.g. " + walked + ".1." +
                                parts.back() + ")");
      if (i + 2 == parts.size())
        throw ScenarioError(SourcePos{where, 0, 0},
                            "'" + walked + "." + index + "' is a table; set one of its keys");
      walked += "." + index;
      table = items[k - 1].as_table();
      ++i;
      continue;
    }
    if (!n->is_table())
      throw ScenarioError(SourcePos{where, 0, 0}, "'" + walked + "' is not a table");
    table = n->as_table();
  }
  // Valid TOML is taken as typed ("2", "true"); anything else as a string ("5 tensors").
  toml::table parsed;
  const std::string typed = "v = " + value;
  bool as_typed = !check_toml_text(typed);
  if (as_typed) {
    try {
      parsed = toml::parse(typed, std::string_view("--set"));
    } catch (const toml::parse_error&) {
      as_typed = false;
    }
  }
  if (!as_typed) parsed = parse_toml("v = " + toml_quote(value), "--set");
  // Moved, not copied: TOML++ keeps a node's source position only on move.
  parsed.get("v")->visit(
      [&](auto&& node) { table->insert_or_assign(parts.back(), std::move(node)); });
}

ScenarioSpec parse_with_overrides(toml::table root, const std::string& file,
                                  std::span<const std::string> overrides) {
  for (const std::string& o : overrides) apply_override(root, o);
  return parse_root(root, file);
}

}  // namespace

void observe_key_tables(KeyTableObserver observer) {
  key_table_observer = std::move(observer);
}

std::string nearest_name(std::string_view word, std::span<const std::string_view> candidates) {
  std::string best;
  std::size_t best_distance = std::numeric_limits<std::size_t>::max();
  for (std::string_view c : candidates) {
    // Levenshtein distance, one row at a time.
    std::vector<std::size_t> row(c.size() + 1);
    for (std::size_t j = 0; j <= c.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= word.size(); ++i) {
      std::size_t diag = row[0];
      row[0] = i;
      for (std::size_t j = 1; j <= c.size(); ++j) {
        const std::size_t up = row[j];
        row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (word[i - 1] == c[j - 1] ? 0 : 1)});
        diag = up;
      }
    }
    if (row[c.size()] < best_distance) {
      best_distance = row[c.size()];
      best = std::string(c);
    }
  }
  const std::size_t limit = std::max<std::size_t>(2, word.size() / 3);
  return best_distance <= limit ? best : std::string();
}

ScenarioSpec parse_scenario_text(std::string_view text, const std::string& source_name,
                                 std::span<const std::string> overrides) {
  return parse_with_overrides(parse_toml(text, source_name), source_name, overrides);
}

ScenarioSpec parse_scenario_file(const std::string& path, std::span<const std::string> overrides) {
  return parse_scenario_text(read_input_file(path, "scenario file"), path, overrides);
}

}  // namespace memsim
