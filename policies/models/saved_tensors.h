#pragma once
// The bytes a model keeps for its backward pass, as PyTorch's autograd counts them: per layer
// what it saves (Layer::backward_*_reads: inputs, its output, its extra tensors; weights are
// parameters and count as weights, not as saved activations), and in total with each storage
// counted once (a tensor saved by several layers — a ReLU's output read by the next
// convolution as its input, a softmax output read by the weighted sum — is one storage).
//
// A layer saves anything only when autograd records it: when it has a weight (its own or a
// tied one, Layer::tied) or reads an
// activation other than X0 (X0 does not require grad). It saves the union of what its dL/dW
// op reads (layers with parameters) and what its dL/dX op reads (when it has an input other
// than X0); the training schedule's backward ops read exactly these tensors.
#include <cstdint>
#include <vector>

#include "sim/model/layer_graph.h"

namespace memsim {

struct SavedBytes {
  std::vector<std::uint64_t> per_layer;  // what each layer saves (shared storages in each)
  std::uint64_t total = 0;               // every saved storage once
};

SavedBytes saved_bytes(const LayerGraph& model);

}  // namespace memsim
