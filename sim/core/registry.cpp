#include "sim/core/registry.h"

#include <stdexcept>

namespace memsim {
namespace {
template <typename Entry>
const Entry* find_named(const std::vector<Entry>& entries, std::string_view name) {
  for (const auto& e : entries)
    if (e.name == name) return &e;
  return nullptr;
}

template <typename Entry>
std::string join_names(const std::vector<Entry>& entries) {
  std::string out;
  for (const auto& e : entries) out += (out.empty() ? "" : ", ") + e.name;
  return out;
}
}  // namespace

void Registry::add_eviction(std::string name, std::string description, EvictionFactory factory) {
  if (find_eviction(name)) throw std::logic_error("eviction policy registered twice: " + name);
  evictions_.push_back({std::move(name), std::move(description), factory});
}

void Registry::add_generator(std::string name, std::string description, GeneratorFactory factory) {
  if (find_generator(name)) throw std::logic_error("generator registered twice: " + name);
  generators_.push_back({std::move(name), std::move(description), factory});
}

const RegistryEntry<EvictionFactory>* Registry::find_eviction(std::string_view name) const {
  return find_named(evictions_, name);
}

const RegistryEntry<GeneratorFactory>* Registry::find_generator(std::string_view name) const {
  return find_named(generators_, name);
}

std::string Registry::eviction_names() const {
  return join_names(evictions_);
}
std::string Registry::generator_names() const {
  return join_names(generators_);
}

}  // namespace memsim
