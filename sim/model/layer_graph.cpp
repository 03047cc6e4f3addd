#include "sim/model/layer_graph.h"

#include <algorithm>
#include <limits>
#include <stdexcept>

namespace memsim {

std::string to_string(const Shape& s) {
  if (s.h == 1 && s.w == 1) return std::to_string(s.c);
  return std::to_string(s.c) + "x" + std::to_string(s.h) + "x" + std::to_string(s.w);
}

std::pair<std::string_view, std::uint64_t> LayerGraph::name_parts(LayerId i) const {
  if (i >= size()) throw std::out_of_range("LayerGraph: no layer " + std::to_string(i));
  return names_.parts(i);
}

void LayerGraph::throw_no_input(LayerId i, std::size_t count, std::size_t k) {
  throw std::out_of_range("LayerGraph: layer " + std::to_string(i) + " has " +
                          std::to_string(count) + " inputs, not " + std::to_string(k + 1));
}

std::string LayerGraph::name(LayerId i) const {
  if (i >= size()) throw std::out_of_range("LayerGraph: no layer " + std::to_string(i));
  return names_.name(i);
}

void LayerGraph::reserve(std::size_t layers, std::size_t inputs) {
  record_of_.reserve(layers);
  input_end_.reserve(layers);
  inputs_.reserve(inputs);
}

void LayerGraph::push(std::uint32_t record, const LayerName& name,
                      std::span<const LayerId> inputs) {
  if (inputs_.size() + inputs.size() > std::numeric_limits<std::uint32_t>::max())
    throw std::length_error("a model's layers read more than 2^32 - 1 inputs");
  const auto id = static_cast<LayerId>(record_of_.size());
  names_.add(id, name.text, name.number);
  record_of_.push_back(record);
  inputs_.insert(inputs_.end(), inputs.begin(), inputs.end());
  input_end_.push_back(static_cast<std::uint32_t>(inputs_.size()));
}

LayerId LayerGraph::add(Layer record, const LayerName& name, std::span<const LayerId> inputs) {
  records_.push_back(std::move(record));
  push(static_cast<std::uint32_t>(records_.size() - 1), name, inputs);
  return last();
}

LayerId LayerGraph::add_copy(LayerId of, const LayerName& name, std::span<const LayerId> inputs) {
  push(record_of_.at(of), name, inputs);
  return last();
}

LayerId LayerGraph::add_chain(std::string_view text, std::uint64_t number, std::uint32_t count) {
  if (empty()) throw std::logic_error("LayerGraph::add_chain: no layer to copy");
  if (size() + std::uint64_t{count} > std::numeric_limits<std::uint32_t>::max())
    throw std::length_error("a model of more than 2^32 - 1 layers");
  if (inputs_.size() + std::uint64_t{count} > std::numeric_limits<std::uint32_t>::max())
    throw std::length_error("a model's layers read more than 2^32 - 1 inputs");
  const auto first = static_cast<LayerId>(size());
  names_.add_consecutive(first, text, number, count);
  record_of_.insert(record_of_.end(), count, record_of_.back());
  for (std::uint32_t k = 0; k < count; ++k) {
    inputs_.push_back(first + k - 1);  // the layer before
    input_end_.push_back(static_cast<std::uint32_t>(inputs_.size()));
  }
  return last();
}

}  // namespace memsim
