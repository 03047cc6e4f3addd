#include "policies/models/scalesim_topology.h"

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "policies/models/layer_graph_builder.h"
#include "policies/models/layer_nests.h"
#include "sim/io/input_file.h"

namespace memsim {
namespace {

struct Field {
  std::string text;          // trimmed
  std::uint32_t column = 0;  // 1-based character column where the field starts
};

struct Row {
  std::uint32_t line = 0;
  std::vector<Field> fields;
};

// More columns than any topology has: a row beyond it is not a topology row (and a line of 50 MB
// of commas must not become 50 million fields).
constexpr std::size_t kMaxColumns = 64;

// The rows of the file one at a time, skipping blank and all-empty rows. A row holds at most
// kMaxColumns fields; empty fields at its end (trailing commas) are not stored at all.
class RowReader {
 public:
  RowReader(const std::string& text, const std::string& file) : text_(text), file_(file) {}

  bool next(Row& row) {
    while (start_ <= text_.size() && !done_) {
      std::size_t end = text_.find('\n', start_);
      if (end == std::string::npos) end = text_.size();
      std::string_view s(text_.data() + start_, end - start_);
      if (!s.empty() && s.back() == '\r') s.remove_suffix(1);
      ++line_;
      done_ = end == text_.size();
      start_ = end + 1;
      row.line = line_;
      row.fields.clear();
      std::size_t pending_empty = 0;  // empty fields not stored yet: stored only if text follows
      for (std::size_t f = 0;;) {
        const std::size_t comma = std::min(s.find(',', f), s.size());
        std::size_t a = f, b = comma;
        while (a < b && (s[a] == ' ' || s[a] == '\t')) ++a;
        while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t')) --b;
        if (a == b) {
          ++pending_empty;
        } else {
          if (row.fields.size() + pending_empty + 1 > kMaxColumns)
            throw ScenarioError(SourcePos{file_, line_, static_cast<std::uint32_t>(a + 1)},
                                "row " + std::to_string(line_) + " has more than " +
                                    std::to_string(kMaxColumns) +
                                    " columns; a SCALE-Sim topology row has at most 10");
          for (; pending_empty > 0; --pending_empty)
            row.fields.push_back({"", static_cast<std::uint32_t>(a + 1)});
          row.fields.push_back(
              {std::string(s.substr(a, b - a)), static_cast<std::uint32_t>(a + 1)});
        }
        if (comma >= s.size()) break;
        f = comma + 1;
      }
      if (!row.fields.empty()) return true;
    }
    return false;
  }

 private:
  const std::string& text_;
  const std::string& file_;
  std::size_t start_ = 0;
  std::uint32_t line_ = 0;
  bool done_ = false;
};

std::string lower_no_spaces(const std::string& s) {
  std::string out;
  for (char c : s)
    if (c != ' ') out += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return out;
}

class TopologyReader {
 public:
  TopologyReader(const ModelSpec& model, std::vector<std::string> header)
      : model_(model), header_(std::move(header)) {}

  [[noreturn]] void fail(const Row& row, std::uint32_t column, const std::string& what) const {
    const std::uint32_t at = column < row.fields.size() ? row.fields[column].column : 0;
    throw ScenarioError(
        SourcePos{model_.topology, row.line, at},
        "row " + std::to_string(row.line) + ", column " + std::to_string(column + 1) +
            (column < header_.size() && !header_[column].empty() ? " (" + header_[column] + ")"
                                                                 : "") +
            ": " + what);
  }

  // A positive integer in column `column`; `optional` columns may be missing or empty (0).
  std::uint64_t positive(const Row& row, std::uint32_t column, bool optional = false) const {
    if (column >= row.fields.size() || row.fields[column].text.empty()) {
      if (optional) return 0;
      fail(row, column, "missing; expected a positive integer");
    }
    const std::string& t = row.fields[column].text;
    std::uint64_t v = 0;
    bool ok = t.size() <= 9;
    for (char c : t) {
      ok = ok && c >= '0' && c <= '9';
      v = v * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (!ok || v == 0) fail(row, column, "expected a positive integer below 10^9, got '" + t + "'");
    return v;
  }

  const ModelSpec& model() const { return model_; }

 private:
  const ModelSpec& model_;
  std::vector<std::string> header_;
};

std::uint64_t mul(const TopologyReader& r, const Row& row,
                  std::initializer_list<std::uint64_t> factors) {
  std::uint64_t product = 1;
  for (std::uint64_t f : factors)
    if (__builtin_mul_overflow(product, f, &product))
      r.fail(row, 0, "the layer is too large (its sizes overflow 64 bits)");
  return product;
}

Layer finish(const TopologyReader& r, const Row& row, Layer l, std::uint64_t macs_per_sample) {
  const ModelSpec& m = r.model();
  const double macs = static_cast<double>(m.batch) * static_cast<double>(macs_per_sample);
  l.flops_forward = 2 * macs;
  l.flops_backward_data = 2 * macs;
  l.flops_backward_weight = 2 * macs;
  // Convolutions and GEMMs save their input and weight, like conv2d and dense.
  l.backward_data_reads = {{SavedRef::Of::weight, 0}};
  l.backward_weight_reads = {{SavedRef::Of::input, 0}};
  l.pos = SourcePos{m.topology, row.line, 0};
  mul(r, row, {l.shape.elements(), m.batch, 8});
  mul(r, row, {l.params, 8});
  return l;
}

// A convolution row: name, H, W, R, S, C, Num Filter, stride [, stride width].
Layer conv_row(const TopologyReader& r, const Row& row, Shape& input) {
  const std::uint64_t h = r.positive(row, 1), w = r.positive(row, 2), fr = r.positive(row, 3),
                      fs = r.positive(row, 4), c = r.positive(row, 5), filters = r.positive(row, 6),
                      sh = r.positive(row, 7);
  const std::uint64_t sw_given = r.positive(row, 8, true);
  const std::uint64_t sw = sw_given ? sw_given : sh;
  if (fr > h || fs > w)
    r.fail(row, fr > h ? 3 : 4,
           "filter " + std::to_string(fr) + "x" + std::to_string(fs) +
               " is larger than the IFMAP " + std::to_string(h) + "x" + std::to_string(w) +
               " (SCALE-Sim files have no padding)");
  input = {c, h, w};
  Layer l;
  // SCALE-Sim's ceil((H - R + S) / S): a last, partial window counts.
  const std::uint64_t e = (h - fr + sh - 1) / sh + 1, f = (w - fs + sw - 1) / sw + 1;
  const bool depthwise = row.fields[0].text.find("DP") != std::string::npos;
  l.type = depthwise ? "depthwise" : "conv2d";
  // Depthwise: each of the c channels has its own `filters` filters of one channel.
  const std::uint64_t out = depthwise ? mul(r, row, {c, filters}) : filters;
  const std::uint64_t per_filter = depthwise ? mul(r, row, {fr, fs}) : mul(r, row, {c, fr, fs});
  l.shape = {out, e, f};
  l.params = mul(r, row, {out, per_filter});
  Conv conv;
  conv.out = out;
  conv.groups = depthwise ? c : 1;
  conv.window.kernel = {fr, fs};
  conv.window.stride = {sh, sw};
  l.nest = conv_nest(r.model().batch, input, conv, {e, f});
  return finish(r, row, std::move(l), mul(r, row, {out, e, f, per_filter}));
}

// A GEMM row: name, M, N, K.
Layer gemm_row(const TopologyReader& r, const Row& row, Shape& input) {
  const std::uint64_t m = r.positive(row, 1), n = r.positive(row, 2), k = r.positive(row, 3);
  input = {k, m, 1};
  Layer l;
  l.type = "gemm";
  l.shape = {n, m, 1};
  l.params = mul(r, row, {k, n});
  l.nest = gemm_nest(r.model().batch, m, n, k);
  return finish(r, row, std::move(l), mul(r, row, {m, n, k}));
}

}  // namespace

LayerGraph read_scalesim_topology(const ModelSpec& model) {
  std::string text;
  try {
    text = read_input_file(model.topology, "topology file");
  } catch (const ScenarioError& e) {
    // Blame the scenario's key; the file's own path is in the message.
    throw ScenarioError(model.topology_pos, "model.topology: '" + model.topology +
                                                "': " + e.message() +
                                                " (paths are relative to the scenario file)");
  }
  return read_scalesim_topology_text(model, text);
}

LayerGraph read_scalesim_topology_text(const ModelSpec& model, const std::string& text) {
  // Before building anything: at most one layer per line after the header.
  const auto lines = static_cast<std::uint64_t>(std::count(text.begin(), text.end(), '\n')) + 1;
  check_model_memory(lines - 1, model.memory_limit, model.topology_pos);
  RowReader rows(text, model.topology);
  Row first;
  const auto header_error = [&](std::uint32_t line) {
    throw ScenarioError(
        SourcePos{model.topology, line, 1},
        "not a SCALE-Sim topology header; expected 'Layer name, IFMAP Height, IFMAP "
        "Width, Filter Height, Filter Width, Channels, Num Filter, Strides,' "
        "(convolution) or 'Layer, M, N, K,' (GEMM)");
  };
  if (!rows.next(first)) header_error(1);
  std::vector<std::string> header;
  for (const Field& f : first.fields) header.push_back(f.text);
  std::vector<std::string> key;
  for (const std::string& h : header) key.push_back(lower_no_spaces(h));
  const bool gemm = key.size() >= 4 && key[1] == "m" && key[2] == "n" && key[3] == "k";
  const bool conv = key.size() >= 8 && key[1].find("ifmap") != std::string::npos;
  if (!gemm && !conv) header_error(first.line);

  const TopologyReader reader(model, header);
  LayerGraph g;
  g.batch = model.batch;
  g.dtype_bytes = model.dtype_bytes;
  for (Row row; rows.next(row);) {
    Shape input;
    Layer l = gemm ? gemm_row(reader, row, input) : conv_row(reader, row, input);
    const std::size_t i = g.size();
    if (i == 0) g.input = input;
    const LayerId in[] = {i == 0 ? kModelInput : static_cast<LayerId>(i - 1)};
    const std::string name =
        row.fields[0].text.empty() ? "row" + std::to_string(row.line) : row.fields[0].text;
    g.add(std::move(l), LayerName{name}, in);
  }
  if (g.empty())
    throw ScenarioError(SourcePos{model.topology, first.line, 0},
                        "the topology has no layers after its header");
  return g;
}

}  // namespace memsim
