#pragma once
// SCALE-Sim topology CSVs (`[model] topology = "file.csv"`) as a chain of layers, so networks
// SCALE-Sim users already describe run in memsim unchanged.
//
// Convolution files: a header `Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter
// Width, Channels, Num Filter, Strides,` and one row per layer; an optional 9th column is the
// stride in width (else the stride is used for both). Output size ceil((H - R + S) / S), no
// padding, as SCALE-Sim computes it. A layer whose name contains "DP" is depthwise: SCALE-Sim
// runs it as one convolution per channel with Num Filter filters each, so memsim makes it a
// depthwise conv with multiplier Num Filter.
// GEMM files: a header `Layer, M, N, K,`: an (M x K) input times a (K x N) weight, i.e. K*N
// parameters and M*N*K multiply-adds; the input is K x M x 1 and the output N x M x 1.
//
// Rows are a chain in file order. Each row's layer is counted from the row's own IFMAP size:
// real files skip pooling layers and list shortcut convolutions in line, so a row's input need
// not equal the previous row's output and memsim does not require it.
// Tolerated, as real files have them: trailing commas, extra (empty or annotation) columns after
// the stride columns, spaces around values, CRLF line ends, blank or all-empty rows, no final
// newline. A malformed row is a ScenarioError naming the file, row (line) and column.
#include <string>

#include "sim/model/layer_graph.h"
#include "sim/scenario/scenario_spec.h"

namespace memsim {

// Reads model.topology; batch and dtype come from the model.
LayerGraph read_scalesim_topology(const ModelSpec& model);
// The same from the file's text (model.topology names it in errors).
LayerGraph read_scalesim_topology_text(const ModelSpec& model, const std::string& text);

}  // namespace memsim
