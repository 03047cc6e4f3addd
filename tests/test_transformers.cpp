// Transformers: the layer types embedding, linear, layernorm, attention_scores, softmax,
// attention_context, select_token and the attention / transformer_block blocks; model.seq_len;
// tied weights; the zoo's GPT-2 small and BERT-base. Parameter counts and saved bytes are
// derived here by formula; tools/autograd_saved.py --transformers measures the same two tiny
// models on PyTorch's autograd (python3-torch 1.13, train(), fp32), which the tests quote.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "policies/models/layer_graph_builder.h"
#include "policies/models/saved_tensors.h"
#include "sim/scenario/scenario_parse.h"
#include "support/run_memsim.h"
#include "support/scenario_text.h"

using namespace memsim;
using namespace memsim::test;

namespace {

using Names = std::vector<std::string>;

LayerGraph graph_of(const std::string& toml, const std::vector<std::string>& overrides = {}) {
  return build_layer_graph(*parse_scenario_text(toml, "s.toml", overrides).model);
}

LayerGraph zoo(const std::string& name) {
  return build_layer_graph(
      *parse_scenario_file(source_path("scenarios/models/" + name + ".toml")).model);
}

std::vector<LayerId> inputs_of(const LayerGraph& g, LayerId i) {
  return {g.inputs(i).begin(), g.inputs(i).end()};
}

const Layer& layer(const LayerGraph& g, const std::string& name) {
  for (LayerId i = 0; i < g.size(); ++i)
    if (g.name(i) == name) return g.layer(i);
  FAIL("no layer " << name);
  throw;
}

std::uint64_t params(const LayerGraph& g) {
  std::uint64_t sum = 0;
  for (const Layer& l : g.layers()) sum += l.params;
  return sum;
}

std::uint64_t saved_of(const LayerGraph& g, const std::string& name) {
  const SavedBytes s = saved_bytes(g);
  for (std::size_t i = 0; i < g.size(); ++i)
    if (g.name(i) == name) return s.per_layer[i];
  FAIL("no layer " << name);
  return 0;
}

Names input_names(const Graph& g, const std::string& op) {
  Names out;
  const OpId o = g.find_op(op);
  REQUIRE(o != Graph::kNoOp);
  for (TensorId t : g.inputs(o)) out.emplace_back(g.tensor_name(t));
  return out;
}

Names output_names(const Graph& g, const std::string& op) {
  Names out;
  const OpId o = g.find_op(op);
  REQUIRE(o != Graph::kNoOp);
  for (TensorId t : g.outputs(o)) out.emplace_back(g.tensor_name(t));
  return out;
}

const std::string kHardware = R"([hardware.cache]
capacity = "1 GiB"
[hardware.dram]
bandwidth = "1 GB/s"
[hardware.compute]
throughput = "1 GFLOP/s"
)";

// The two tiny models tools/autograd_saved.py builds: batch 2, seq 8, dim 16, 2 heads, 2
// blocks, vocabulary 50, dropout 0.1 everywhere.
const std::string kTinyGpt2 = kHardware + R"([model]
batch = 2
seq_len = 8
layers = [
  { type = "embedding", name = "wte", vocab = 50, dim = 16 },
  { type = "embedding", name = "wpe", vocab = 8, dim = 16, ids = "shared", inputs = ["input"] },
  { type = "add", name = "embed", inputs = ["wte", "wpe"] },
  { type = "dropout", name = "drop", p = 0.1 },
  { type = "transformer_block", name = "h.0", heads = 2, causal = true, dropout = 0.1 },
  { type = "transformer_block", name = "h.1", heads = 2, causal = true, dropout = 0.1 },
  { type = "layernorm", name = "ln_f" },
  { type = "linear", name = "lm_head", out = 50, tied = "wte" },
]
[schedule]
kind = "training"
optimizer = "adam"
)";

const std::string kTinyBert = kHardware + R"([model]
batch = 2
seq_len = 8
layers = [
  { type = "embedding", name = "word", vocab = 50, dim = 16 },
  { type = "embedding", name = "pos", vocab = 8, dim = 16, ids = "shared", inputs = ["input"] },
  { type = "embedding", name = "type", vocab = 2, dim = 16, ids = "shared", inputs = ["input"] },
  { type = "add", name = "sum", inputs = ["word", "pos", "type"] },
  { type = "layernorm", name = "ln" },
  { type = "dropout", name = "drop", p = 0.1 },
  { type = "transformer_block", name = "layer.0", heads = 2, norm = "post", dropout = 0.1 },
  { type = "transformer_block", name = "layer.1", heads = 2, norm = "post", dropout = 0.1 },
  { type = "select_token", name = "first" },
  { type = "dense", name = "pooler", out = 16, bias = true },
  { type = "tanh", name = "pooler_act" },
]
[schedule]
kind = "training"
)";

// Parameters of one transformer block of width d with MLP ratio 4 and biases: Q, K, V and the
// output projection 4 (d^2 + d), two layer norms 2 * 2d, MLP d * 4d + 4d + 4d * d + d.
std::uint64_t block_params(std::uint64_t d) {
  return 4 * (d * d + d) + 4 * d + (4 * d * d + 4 * d) + (4 * d * d + d);
}

// Bytes one transformer block saves for backward (pre- or post-norm alike), batch n, seq s,
// width d, h heads, fp32, dropout > 0 (bool masks, 1 B per element):
//   activations of n*s*d*4 B (E): the block's input (ln_1's, or Q/K/V's post-norm), Q/K/V's
//   input (ln_1's output pre-norm; the same input post-norm is counted once but then the
//   post-norm ln_1 output, the MLP's input, takes its place), Q, K, V, the context (proj's
//   input), add_1's output (ln_1's or ln_2's input), ln_2's output (the MLP's input), the
//   MLP's 4d-wide fc output (gelu's input) and gelu output (proj's input): 1+1+3+1+1+1+4+4 = 16 E;
//   post-norm the same 16 (x, Q, K, V, context, add_1, ln_1 out, fc 4, gelu 4, add_2 out);
//   the softmax output and the dropped-out probabilities (the context's P), n*h*s*s*4 B each;
//   masks: the probabilities' n*h*s*s, the two residual branches' n*s*d each;
//   layer-norm statistics: two norms * (mean + rstd) * n*s * 4 B.
std::uint64_t block_saved(std::uint64_t n, std::uint64_t s, std::uint64_t d, std::uint64_t h) {
  const std::uint64_t E = n * s * d * 4, P = n * h * s * s * 4;
  return 16 * E + 2 * P + (n * h * s * s + 2 * n * s * d) + 2 * 2 * n * s * 4;
}

}  // namespace

TEST_CASE("zoo: GPT-2 small and BERT-base have Hugging Face's exact parameter counts",
          "[transformer][zoo]") {
  CHECK(block_params(768) == 7087872);
  // GPT-2: wte 50257 x 768, wpe 1024 x 768, 12 blocks, ln_f 2 x 768; lm_head tied to wte.
  const LayerGraph gpt2 = zoo("gpt2");
  CHECK(params(gpt2) == 50257 * 768 + 1024 * 768 + 12 * block_params(768) + 2 * 768);
  CHECK(params(gpt2) == 124439808);
  CHECK(layer(gpt2, "lm_head").params == 0);
  CHECK(gpt2.layer(gpt2.last()).shape == Shape{50257, 1024, 1});
  CHECK(gpt2.input == Shape{1, 1024, 1});
  CHECK(gpt2.input_bytes() == 1024 * 8);  // int64 token ids
  // BERT-base: word 30522 x 768, positions 512 x 768, token types 2 x 768, embedding layer
  // norm, 12 blocks, pooler 768 x 768 + 768.
  const LayerGraph bert = zoo("bert-base");
  CHECK(params(bert) ==
        30522 * 768 + 512 * 768 + 2 * 768 + 2 * 768 + 12 * block_params(768) + 768 * 768 + 768);
  CHECK(params(bert) == 109482240);
  CHECK(bert.layer(bert.last()).shape == Shape{768, 1, 1});
  SECTION("memsim info agrees") {
    for (const auto& [name, expected] :
         {std::pair<std::string, std::uint64_t>{"gpt2", 124439808}, {"bert-base", 109482240}}) {
      const auto r = run_memsim("info " + source_path("scenarios/models/" + name + ".toml") +
                                " --format json");
      REQUIRE(r.status == 0);
      CHECK(nlohmann::json::parse(r.out).at("params").get<std::uint64_t>() == expected);
    }
  }
}

TEST_CASE("transformer_block expands pre-norm as GPT-2, post-norm as BERT", "[transformer]") {
  const LayerGraph g = graph_of(kTinyGpt2);
  Names names;
  for (LayerId i = 0; i < g.size(); ++i)
    if (g.name(i).rfind("h.0.", 0) == 0) names.push_back(g.name(i));
  CHECK(names == Names{"h.0.ln_1", "h.0.attn.q", "h.0.attn.k", "h.0.attn.v", "h.0.attn.scores",
                       "h.0.attn.softmax", "h.0.attn.dropout", "h.0.attn.context", "h.0.attn.proj",
                       "h.0.attn.proj_dropout", "h.0.add_1", "h.0.ln_2", "h.0.mlp.fc",
                       "h.0.mlp.gelu", "h.0.mlp.proj", "h.0.mlp.dropout", "h.0.add_2"});
  const LayerGraph b = graph_of(kTinyBert);
  names.clear();
  for (LayerId i = 0; i < b.size(); ++i)
    if (b.name(i).rfind("layer.0.", 0) == 0) names.push_back(b.name(i));
  CHECK(names == Names{"layer.0.attn.q", "layer.0.attn.k", "layer.0.attn.v", "layer.0.attn.scores",
                       "layer.0.attn.softmax", "layer.0.attn.dropout", "layer.0.attn.context",
                       "layer.0.attn.proj", "layer.0.attn.proj_dropout", "layer.0.add_1",
                       "layer.0.ln_1", "layer.0.mlp.fc", "layer.0.mlp.gelu", "layer.0.mlp.proj",
                       "layer.0.mlp.dropout", "layer.0.add_2", "layer.0.ln_2"});
  // Residuals: pre-norm adds the block input to the attention branch, post-norm feeds ln_1 to
  // the second add.
  const auto id = [](const LayerGraph& m, const std::string& n) {
    for (LayerId i = 0; i < m.size(); ++i)
      if (m.name(i) == n) return i;
    return kModelInput;
  };
  CHECK(inputs_of(g, id(g, "h.0.add_1")) ==
        std::vector<LayerId>{id(g, "drop"), id(g, "h.0.attn.proj_dropout")});
  CHECK(inputs_of(g, id(g, "h.0.add_2")) ==
        std::vector<LayerId>{id(g, "h.0.add_1"), id(g, "h.0.mlp.dropout")});
  CHECK(inputs_of(b, id(b, "layer.0.add_2")) ==
        std::vector<LayerId>{id(b, "layer.0.ln_1"), id(b, "layer.0.mlp.dropout")});
  SECTION("without dropout there are no dropout layers") {
    const LayerGraph nd = graph_of(kTinyGpt2, {"model.layers=[{type=\"embedding\", vocab=50, "
                                               "dim=16}, {type=\"transformer_block\", name=\"b\", "
                                               "heads=2}]"});
    // The embedding, then ln_1, q, k, v, scores, softmax, context, proj, add_1, ln_2, fc,
    // gelu, proj, add_2: 1 + 14.
    CHECK(nd.size() == 1 + 14);
  }
}

TEST_CASE("attention: shapes, parameters and FLOPs of each op", "[transformer]") {
  // batch n = 2, seq s = 8, d = 16, h = 2 heads (dh = 8).
  const LayerGraph g = graph_of(kTinyGpt2);
  const double n = 2, s = 8, d = 16, h = 2;
  const Layer& q = layer(g, "h.0.attn.q");
  CHECK(q.shape == Shape{16, 8, 1});
  CHECK(q.params == 16 * 16 + 16);
  CHECK(q.flops_forward == 2 * n * s * d * d);  // a GEMM of (n s) x d by d x d
  CHECK(q.flops_backward_data == 2 * n * s * d * d);
  CHECK(q.flops_backward_weight == 2 * n * s * d * d);
  const Layer& scores = layer(g, "h.0.attn.scores");
  CHECK(scores.shape == Shape{2, 8, 8});  // heads x seq x seq per sample
  CHECK(scores.params == 0);
  // n h products of s x dh by dh x s: n s^2 d multiply-adds; + the scale and the causal mask,
  // 1 FLOP each per score (n h s^2).
  CHECK(scores.macs == n * s * s * d);
  CHECK(scores.flops_forward == 2 * n * s * s * d + 2 * n * h * s * s);
  CHECK(scores.flops_backward_data == 4 * n * s * s * d + 2 * n * h * s * s);
  const Layer& context = layer(g, "h.0.attn.context");
  CHECK(context.shape == Shape{16, 8, 1});
  CHECK(context.flops_forward == 2 * n * s * s * d);
  CHECK(context.flops_backward_data == 4 * n * s * s * d);
  CHECK(layer(g, "h.0.attn.softmax").flops_forward == n * h * s * s);
  CHECK(layer(g, "h.0.mlp.fc").shape == Shape{64, 8, 1});
  CHECK(layer(g, "h.0.ln_1").params == 2 * 16);
  // Bidirectional attention has no mask step: 1 FLOP per score for the scale only.
  const LayerGraph bert = graph_of(kTinyBert);
  CHECK(layer(bert, "layer.0.attn.scores").flops_forward == 2 * n * s * s * d + n * h * s * s);
  // The embedding gathers (0 FLOPs) and scatters dY into its table: n s d additions.
  CHECK(layer(g, "wte").flops_forward == 0);
  CHECK(layer(g, "wte").flops_backward_weight == n * s * d);
  CHECK(layer(g, "lm_head").flops_forward == 2 * n * s * d * 50);
}

TEST_CASE("transformer layer types save what autograd saves", "[transformer][saved]") {
  // n = 2, s = 8, d = 16, h = 2, fp32: an activation E = n s d 4 = 1024 B; scores n h s^2 4 =
  // 1024 B; token ids n s 8 = 128 B; a shared id row s 8 = 64 B; layer-norm statistics
  // 2 n s 4 = 128 B; a mask n h s^2 = 256 B (probabilities) or n s d = 256 B.
  const LayerGraph g = graph_of(kTinyGpt2);
  CHECK(saved_of(g, "wte") == 128);                // the token ids
  CHECK(saved_of(g, "wpe") == 64);                 // the position ids
  CHECK(saved_of(g, "embed") == 0);                // add
  CHECK(saved_of(g, "h.0.ln_1") == 1024 + 128);    // input, mean, rstd
  CHECK(saved_of(g, "h.0.attn.q") == 1024);        // its input
  CHECK(saved_of(g, "h.0.attn.scores") == 2048);   // Q and K
  CHECK(saved_of(g, "h.0.attn.softmax") == 1024);  // its output
  CHECK(saved_of(g, "h.0.attn.dropout") == 256);   // its mask
  CHECK(saved_of(g, "h.0.attn.context") == 2048);  // P (dropped out) and V
  CHECK(saved_of(g, "h.0.mlp.gelu") == 4 * 1024);  // its input, the 4d-wide fc output
  CHECK(saved_of(g, "h.0.mlp.proj") == 4 * 1024);  // its input, gelu's output
  CHECK(saved_of(g, "lm_head") == 1024);           // ln_f's output (the weight is wte's)
  const LayerGraph b = graph_of(kTinyBert);
  CHECK(saved_of(b, "first") == 0);     // select_token
  CHECK(saved_of(b, "pooler") == 128);  // one token: n d 4
  SECTION("the backward ops read them") {
    const Graph sched = load_text(kTinyGpt2).graph;
    CHECK(input_names(sched, "h.0.attn.scores.dX") ==
          Names{"h.0.attn.scores.out.grad", "h.0.attn.q.out", "h.0.attn.k.out"});
    CHECK(output_names(sched, "h.0.attn.scores.dX") ==
          Names{"h.0.attn.q.out.grad", "h.0.attn.k.out.grad"});
    CHECK(input_names(sched, "h.0.attn.context.dX") ==
          Names{"h.0.attn.context.out.grad", "h.0.attn.dropout.out", "h.0.attn.v.out"});
    CHECK(input_names(sched, "h.0.attn.softmax.dX") ==
          Names{"h.0.attn.softmax.out.grad", "h.0.attn.softmax.out"});
    CHECK(input_names(sched, "h.0.ln_1.dW") ==
          Names{"h.0.ln_1.out.grad", "drop.out", "h.0.ln_1.mean", "h.0.ln_1.invstd"});
    CHECK(input_names(sched, "wte.dW") == Names{"wte.out.grad", "input"});
    CHECK(input_names(sched, "wpe.dW") == Names{"wpe.out.grad", "wpe.indices"});
    CHECK(sched.find_op("wte.dX") == Graph::kNoOp);  // no gradient for token ids
  }
}

TEST_CASE("a tied linear layer reads and accumulates into the embedding's weight",
          "[transformer][tied]") {
  const Graph g = load_text(kTinyGpt2).graph;
  CHECK(g.find_tensor("lm_head.weight") == Graph::kNoTensor);
  CHECK(input_names(g, "lm_head.forward") == Names{"wte.weight", "ln_f.out"});
  CHECK(input_names(g, "lm_head.dX") == Names{"wte.weight", "lm_head.out.grad"});
  // lm_head's dL/dW runs first in backward and writes wte's gradient (50 x 16 x 4 B); the
  // embedding's own dL/dW adds into it in place (one more FLOP per parameter).
  CHECK(output_names(g, "lm_head.dW") == Names{"wte.weight.grad"});
  CHECK(g.tensor(g.find_tensor("wte.weight.grad")).bytes == 50 * 16 * 4);
  const OpId wte_dw = g.find_op("wte.dW");
  REQUIRE(wte_dw != Graph::kNoOp);
  CHECK(g.op(wte_dw).flops == 2 * 8 * 16 + 50 * 16);
  // One update of the shared weight.
  CHECK(g.find_op("lm_head.update") == Graph::kNoOp);
  CHECK(g.find_op("wte.update") != Graph::kNoOp);
  SECTION("errors") {
    const auto with_head = [](const std::string& head) {
      std::string t = kTinyGpt2;
      const std::string old = R"({ type = "linear", name = "lm_head", out = 50, tied = "wte" })";
      return t.replace(t.find(old), old.size(), head);
    };
    CHECK_THAT(load_error(with_head(R"({ type = "linear", out = 50, tied = "nope" })")),
               Catch::Contains("model.layers.tied: 'nope' is not an earlier layer"));
    CHECK_THAT(load_error(with_head(R"({ type = "linear", out = 49, tied = "wte" })")),
               Catch::Contains("model.layers.tied: 'wte' has 800 parameters of its own, but a "
                               "16 -> 49 linear layer needs 784"));
    CHECK_THAT(load_error(with_head(R"({ type = "linear", out = 50, tied = "wte", bias = true })")),
               Catch::Contains("a tied linear layer has no bias of its own"));
  }
}

TEST_CASE("tiny GPT-2 and BERT: saved bytes in total, derived and measured on autograd",
          "[transformer][saved]") {
  const std::uint64_t n = 2, s = 8, d = 16, h = 2, E = n * s * d * 4;
  // GPT-2: token ids n s 8, position ids s 8, the embedding dropout's mask n s d, two blocks,
  // ln_f's input and statistics, lm_head's input.
  const std::uint64_t gpt2 =
      n * s * 8 + s * 8 + n * s * d + 2 * block_saved(n, s, d, h) + E + 2 * n * s * 4 + E;
  CHECK(gpt2 == 41536);  // tools/autograd_saved.py --transformers: gpt2-like 41536 B
  CHECK(saved_bytes(graph_of(kTinyGpt2)).total == gpt2);
  // BERT: token ids, two shared id rows, the embedding norm's input and statistics, its
  // dropout mask, two blocks, the pooler's input (one token, n d 4) and tanh's output.
  const std::uint64_t bert = n * s * 8 + 2 * s * 8 + E + 2 * n * s * 4 + n * s * d +
                             2 * block_saved(n, s, d, h) + n * d * 4 + n * d * 4;
  CHECK(bert == 40832);
  // Autograd measures 41600: its id rows are buffers (not counted: 2 s 8 B less), and the
  // pooler's input x[:, 0] is a view of the last hidden state (n s d 4 B instead of n d 4).
  CHECK(bert - 2 * s * 8 - n * d * 4 + n * s * d * 4 == 41600);
  CHECK(saved_bytes(graph_of(kTinyBert)).total == bert);
}

TEST_CASE("zoo transformers: saved bytes for backward from the architecture",
          "[transformer][saved][zoo]") {
  SECTION("gpt2 at batch 1, 1024 tokens") {
    const std::uint64_t n = 1, s = 1024, d = 768, h = 12, E = n * s * d * 4;
    const std::uint64_t t =
        n * s * 8 + s * 8 + n * s * d + 12 * block_saved(n, s, d, h) + E + 2 * n * s * 4 + E;
    CHECK(t == 1989107712);
    CHECK(saved_bytes(zoo("gpt2")).total == t);
    const auto r = run_memsim("info " + source_path("scenarios/models/gpt2.toml") +
                              " --set schedule.kind=training --format json");
    REQUIRE(r.status == 0);
    const auto j = nlohmann::json::parse(r.out);
    CHECK(j.at("saved_bytes").get<std::uint64_t>() == t);
  }
  SECTION("bert-base at batch 1, 512 tokens") {
    const std::uint64_t n = 1, s = 512, d = 768, h = 12, E = n * s * d * 4;
    const std::uint64_t t = n * s * 8 + 2 * s * 8 + E + 2 * n * s * 4 + n * s * d +
                            12 * block_saved(n, s, d, h) + n * d * 4 + n * d * 4;
    CHECK(t == 653252608);
    CHECK(saved_bytes(zoo("bert-base")).total == t);
  }
}

TEST_CASE("transformer inputs and keys are checked", "[transformer][errors]") {
  const auto error_of = [](const std::string& model) {
    return load_error(kHardware + "[model]\n" + model);
  };
  CHECK_THAT(error_of("seq_len = 8\ninput = 4\nlayers = [{ type = \"relu\" }]\n"),
             Catch::Contains("model.input: not used with model.seq_len"));
  CHECK_THAT(error_of("input = 4\nlayers = [{ type = \"embedding\", vocab = 5, dim = 4 }]\n"),
             Catch::Contains("layer 'embedding1' (embedding): reads token ids: its input must be "
                             "the model's input with model.seq_len set"));
  CHECK_THAT(error_of("seq_len = 8\nlayers = [{ type = \"embedding\", vocab = 5, dim = 4, ids = "
                      "\"zeros\" }]\n"),
             Catch::Contains("model.layers.ids: expected \"input\""));
  CHECK_THAT(error_of("seq_len = 8\nlayers = [{ type = \"embedding\", vocab = 5, dim = 6 }, "
                      "{ type = \"transformer_block\", heads = 4 }]\n"),
             Catch::Contains("heads = 4 does not divide the 6 features"));
  CHECK_THAT(error_of("seq_len = 8\nlayers = [{ type = \"embedding\", vocab = 5, dim = 4 }, "
                      "{ type = \"transformer_block\", heads = 2, norm = \"middle\" }]\n"),
             Catch::Contains("model.layers.norm: expected \"pre\""));
  CHECK_THAT(error_of("seq_len = 8\nlayers = [{ type = \"embedding\", vocab = 5, dim = 4 }, "
                      "{ type = \"attention\", heads = 2, dim = 8 }]\n"),
             Catch::Contains("dim = 8 but its input has 4 features"));
  CHECK_THAT(error_of("seq_len = 0\nlayers = [{ type = \"relu\" }]\n"),
             Catch::Contains("model.seq_len"));
}
