#pragma once
// The one table of named choices. sim/ declares it; policies/register_builtin.cpp fills it, so
// a scenario's `eviction = "belady"` finds its policy and an unknown name gets the list.
#include <string>
#include <string_view>
#include <vector>

#include "sim/core/eviction.h"
#include "sim/model/generator.h"

namespace memsim {

template <typename Factory>
struct RegistryEntry {
  std::string name;
  std::string description;
  Factory factory;
};

class Registry {
 public:
  void add_eviction(std::string name, std::string description, EvictionFactory factory);
  void add_generator(std::string name, std::string description, GeneratorFactory factory);
  // nullptr when unknown.
  const RegistryEntry<EvictionFactory>* find_eviction(std::string_view name) const;
  const RegistryEntry<GeneratorFactory>* find_generator(std::string_view name) const;
  const std::vector<RegistryEntry<EvictionFactory>>& evictions() const { return evictions_; }
  const std::vector<RegistryEntry<GeneratorFactory>>& generators() const { return generators_; }
  // "belady, fifo, lru" for error messages.
  std::string eviction_names() const;
  std::string generator_names() const;

 private:
  std::vector<RegistryEntry<EvictionFactory>> evictions_;
  std::vector<RegistryEntry<GeneratorFactory>> generators_;
};

}  // namespace memsim
