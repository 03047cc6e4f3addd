#pragma once
#include "sim/core/registry.h"

namespace memsim {

// Adds every built-in policy and generator to `registry`: the one table (see the .cpp).
void register_builtin(Registry& registry);

// A registry holding the built-ins, built once per call (no global mutable state).
Registry builtin_registry();

}  // namespace memsim
