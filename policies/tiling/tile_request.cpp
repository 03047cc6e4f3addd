#include "policies/tiling/tile_request.h"

#include <algorithm>

namespace memsim {

std::string dimension_list(const std::vector<LoopDim>& dims) {
  std::string out;
  for (const LoopDim& d : dims) out += (out.empty() ? "" : ", ") + std::string(1, d.name);
  return out;
}

TileRequest read_tile_request(const LayerSpec& spec, const std::string& layer_name,
                              const std::string& type, const NestTemplate& nest) {
  const std::string who = "layer '" + layer_name + "' (" + type + "): tiles";
  if (nest.empty()) throw ScenarioError(spec.tiles_pos, who + ": this layer is never tiled");
  const std::string dims = dimension_list(nest.dims);
  TileRequest request;
  request.given = true;
  request.pos = spec.tiles_pos;
  for (const auto& [key, param] : spec.tiles) {
    const std::string what = who + "." + key + ": ";
    if (key == "order") {
      const auto* order = std::get_if<std::string>(&param.value);
      if (!order)
        throw ScenarioError(
            param.pos, what + "expected a string such as \"" + [&] {
              std::string s;
              for (const LoopDim& d : nest.dims) s += d.name;
              return s;
            }() + "\"");
      for (std::size_t i = 0; i < order->size(); ++i) {
        const char c = (*order)[i];
        if (nest.dim_index(c) == nest.dims.size())
          throw ScenarioError(param.pos, what + "'" + std::string(1, c) +
                                             "' is not a loop dimension; this layer's are " + dims);
        if (order->find(c) != i)
          throw ScenarioError(param.pos, what + "'" + std::string(1, c) +
                                             "' is listed twice; name each of " + dims +
                                             " at most once, outermost first");
      }
      request.order = *order;
      continue;
    }
    const std::size_t d = key.size() == 1 ? nest.dim_index(key[0]) : nest.dims.size();
    if (d == nest.dims.size())
      throw ScenarioError(param.pos,
                          what + "not a loop dimension; this layer's are " + dims + " (and order)");
    const LoopDim& dim = nest.dims[d];
    const auto* size = std::get_if<std::int64_t>(&param.value);
    if (!size) throw ScenarioError(param.pos, what + "expected an integer tile size");
    const std::string extent = std::to_string(dim.extent);
    if (*size < 1 || static_cast<std::uint64_t>(*size) > dim.extent)
      throw ScenarioError(param.pos, what + "expected a tile size from 1 to " + extent +
                                         " (the dimension's extent), got " + std::to_string(*size));
    const auto s = static_cast<std::uint64_t>(*size);
    if (!dim.tileable && s != dim.extent)
      throw ScenarioError(
          param.pos, what + "this dimension is never tiled; use " + extent + " or leave it out");
    if (s != dim.extent && s % dim.step != 0) {
      const std::string step = std::to_string(dim.step);
      const std::string why =
          type == "dense" ? "a tile of k holds whole input channels, " + step + " features each"
                          : "a tile of k holds whole groups, " + step + " output channels each";
      throw ScenarioError(param.pos, what + std::to_string(s) + " is not a multiple of " + step +
                                         " (" + why + ") nor the whole extent " + extent);
    }
    request.sizes.emplace_back(dim.name, s);
  }
  return request;
}

}  // namespace memsim
