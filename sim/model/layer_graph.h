#pragma once
// A model as a DAG of layers with shapes, parameter counts and FLOPs resolved: what a [model]
// becomes before a generator turns it into tensors and ops (policies/models builds it).
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sim/core/errors.h"
#include "sim/core/graph.h"
#include "sim/core/name_runs.h"
#include "sim/model/loop_nest.h"
#include "sim/model/shared_value.h"

namespace memsim {

// Per-sample activation shape: channels x height x width (a dense layer's features are c).
struct Shape {
  std::uint64_t c = 1, h = 1, w = 1;
  std::uint64_t elements() const { return c * h * w; }
  friend bool operator==(const Shape&, const Shape&) = default;
};
std::string to_string(const Shape& s);  // "512" or "64x56x56"

// `tiles = { m = 512, n = 512, k = 128, order = "mnk" }` in a layer's table: the tile size of
// each named loop dimension (the others stay whole) and the loop order, outermost first
// (policies/tiling/tile_request.h checks it against the layer's nest).
struct TileRequest {
  std::vector<std::pair<char, std::uint64_t>> sizes;
  std::string order;  // every dimension of the nest, outermost first; empty: the nest's order
  SourcePos pos;
  bool given = false;
};

using LayerId = std::uint32_t;
inline constexpr LayerId kModelInput = 0xffffffffu;  // X0, the model's input
inline constexpr LayerId kNotTied = 0xffffffffu;     // Layer::tied: a weight of its own

// A tensor a layer's forward op writes only for its backward ops (what autograd saves beyond
// inputs and outputs): max-pool's int64 indices, batch-norm's per-channel mean and inverse
// standard deviation, a dropout mask, layer-norm's per-row statistics. Sizes are for the
// whole batch and do not follow the model's dtype.
struct ExtraTensor {
  TensorRole role = TensorRole::saved;  // indices, mean, invstd or mask
  std::uint64_t elements = 0;
  std::uint32_t element_bytes = 4;
  std::uint64_t bytes() const { return elements * element_bytes; }
};

// One tensor a backward op reads besides dL/dY (docs/model.md, "Saved tensors").
struct SavedRef {
  enum class Of : std::uint8_t { input, output, weight, extra };
  Of of = Of::input;
  std::uint32_t index = 0;  // which input (layer.inputs[index]) or which extra
  friend bool operator==(const SavedRef&, const SavedRef&) = default;
};

// A layer's record: what it is, but for its name and its inputs (LayerGraph keeps those per
// layer). The copies of a `repeat` that read the same shape share one record: a chain of 10^6
// identical layers is two records and 12 bytes a layer, not 10^6 records of 264 bytes.
struct Layer {
  std::string type;
  Shape shape;               // output shape per sample
  std::uint64_t params = 0;  // trainable parameters (weights, biases, batch-norm gamma/beta)
  // For the whole batch; a multiply-add is 2 FLOPs.
  double flops_forward = 0;
  double flops_backward_data = 0;    // dL/dX of its inputs
  double flops_backward_weight = 0;  // dL/dW
  // Multiply-adds of its weighted sums (convolutions and dense layers; 0 for the others), forward,
  // for the whole batch: what torchvision's "GFLOPS" column counts.
  double macs = 0;
  // What its backward ops read besides dL/dY, as PyTorch's autograd saves it in training mode
  // (derivatives.yaml semantics; tools/autograd_saved.py checks the rules). The dL/dW op
  // exists only for layers with parameters.
  Shared<std::vector<SavedRef>> backward_data_reads;
  Shared<std::vector<SavedRef>> backward_weight_reads;
  std::vector<ExtraTensor> extras;  // written by its forward op for backward
  // An earlier layer whose weight this one uses instead of its own (a tied language-model head
  // reads the token embedding): params is then 0, its ops read that layer's weight and its
  // dL/dW adds into that layer's gradient.
  LayerId tied = kNotTied;
  bool has_weight() const { return params > 0 || tied != kNotTied; }
  // The layer whose weight this one, layer `self`, reads and whose gradient it adds into.
  LayerId weight_owner(LayerId self) const { return tied != kNotTied ? tied : self; }
  // Its forward op as a loop nest; empty for layers that are never tiled.
  Shared<NestTemplate> nest;
  Shared<TileRequest> tiles;  // an explicit tiling, when the layer's table gives one
  Shared<SourcePos> pos;
};

// A layer's name as LayerGraph::add takes it: `text`, or, with `number` set, `text` followed by
// the decimal number ("dense" + 7 is "dense7"). A run of consecutive layers whose numbers count
// up by one from the same text is kept as one entry and named when asked.
struct LayerName {
  std::string text;
  std::uint64_t number = 0;  // 0: the name is `text` alone
  std::string str() const { return number ? text + std::to_string(number) : text; }
};

class LayerGraph {
 public:
  std::uint64_t batch = 1;
  std::uint32_t dtype_bytes = 4;
  Shape input;
  // Bytes per element of X0 when it is not the model's dtype: 8 for token ids (int64,
  // model.seq_len).
  std::uint32_t input_element_bytes = 0;

  // Layers are numbered 0..size()-1 in a valid (topological) order; the last one is the output.
  std::size_t size() const { return record_of_.size(); }
  bool empty() const { return record_of_.empty(); }
  LayerId last() const { return static_cast<LayerId>(size() - 1); }
  const Layer& layer(LayerId i) const { return records_[record_of_.at(i)]; }
  // The layers it reads (producing layers, or kModelInput), in order.
  std::span<const LayerId> inputs(LayerId i) const {
    const std::uint32_t end = input_end_.at(i);  // throws for a layer that is not there
    const std::uint32_t begin = i == 0 ? 0 : input_end_[i - 1];
    return {inputs_.data() + begin, end - begin};
  }
  // Its k-th input; throws std::out_of_range when it has fewer (a SavedRef's index).
  LayerId input_of(LayerId i, std::size_t k) const {
    const std::span<const LayerId> in = inputs(i);
    if (k >= in.size()) throw_no_input(i, in.size(), k);
    return in[k];
  }
  std::string name(LayerId i) const;
  // The same as its run keeps it: the text, and the number that follows it (0: none), which
  // GraphBuilder::add_layer(text, number) takes without making the string.
  std::pair<std::string_view, std::uint64_t> name_parts(LayerId i) const;
  // Every layer's record in layer order (a repeat's copies give the same one):
  // `for (const Layer& l : g.layers())`. Not on a temporary graph, which would be gone before
  // the loop reads it.
  class Records;
  Records layers() const&;
  Records layers() && = delete;
  // How many distinct records the layers share (a repeat's copies count once), and record k
  // (k < record_count()): a question about every layer's record asks each of these once.
  std::size_t record_count() const { return records_.size(); }
  const Layer& record(std::size_t k) const { return records_.at(k); }

  // Building (policies/models): a layer with a record of its own, or another copy of layer
  // `of`'s record. Returns the new layer's id.
  LayerId add(Layer record, const LayerName& name, std::span<const LayerId> inputs);
  LayerId add_copy(LayerId of, const LayerName& name, std::span<const LayerId> inputs);
  // `count` more copies of the last layer's record, each reading the layer before it (the rest
  // of a repeat), named text + decimal(number), text + decimal(number + 1), ...: as many
  // add_copy() calls, without a call per layer. Returns the last one's id.
  LayerId add_chain(std::string_view text, std::uint64_t number, std::uint32_t count);
  // Every layer's name, by runs (GraphBuilder::add_layers copies them whole).
  const NameRuns& names() const { return names_; }
  void reserve(std::size_t layers, std::size_t inputs);

  std::uint64_t weight_bytes(const Layer& l) const { return l.params * dtype_bytes; }
  std::uint64_t activation_bytes(const Layer& l) const {
    return batch * l.shape.elements() * dtype_bytes;
  }
  std::uint64_t input_bytes() const {
    return batch * input.elements() * (input_element_bytes ? input_element_bytes : dtype_bytes);
  }

 private:
  void push(std::uint32_t record, const LayerName& name, std::span<const LayerId> inputs);
  [[noreturn]] static void throw_no_input(LayerId i, std::size_t count, std::size_t k);
  NameRuns names_;  // by runs: 10^6 repeated layers are one entry (sim/core/name_runs.h)
  std::vector<Layer> records_;
  std::vector<std::uint32_t> record_of_;  // per layer
  std::vector<std::uint32_t> input_end_;  // per layer: its inputs end here in inputs_
  std::vector<LayerId> inputs_;
};

class LayerGraph::Records {
 public:
  class iterator {
   public:
    using value_type = Layer;
    using difference_type = std::ptrdiff_t;
    iterator() = default;
    iterator(const LayerGraph* g, LayerId i) : g_(g), i_(i) {}
    const Layer& operator*() const { return g_->layer(i_); }
    const Layer* operator->() const { return &g_->layer(i_); }
    iterator& operator++() {
      ++i_;
      return *this;
    }
    iterator operator++(int) {
      iterator before = *this;
      ++i_;
      return before;
    }
    friend bool operator==(const iterator& a, const iterator& b) { return a.i_ == b.i_; }

   private:
    const LayerGraph* g_ = nullptr;
    LayerId i_ = 0;
  };
  explicit Records(const LayerGraph& g) : g_(g) {}
  iterator begin() const { return {&g_, 0}; }
  iterator end() const { return {&g_, static_cast<LayerId>(g_.size())}; }

 private:
  const LayerGraph& g_;
};

inline LayerGraph::Records LayerGraph::layers() const& {
  return Records(*this);
}

}  // namespace memsim
