#!/usr/bin/python3
"""What PyTorch's autograd saves for backward, op by op and per model (training mode).

memsim's rules for the tensors a layer keeps for its backward ops (docs/model.md, "Saved
tensors") are checked here against real autograd: every tensor an op saves passes through
torch.autograd.graph.saved_tensors_hooks; tensors are grouped by storage (a storage saved by
several ops counts once: in-place activations share their input's), and parameters and buffers
(weights, batch-norm running statistics) are left out, since they are not activation memory.

usage: /usr/bin/python3 tools/autograd_saved.py            # per layer type, the zoo models,
                                                            # then two tiny transformers
       /usr/bin/python3 tools/autograd_saved.py --models   # the zoo and transformer totals only
       /usr/bin/python3 tools/autograd_saved.py --transformers  # the tiny transformers only

Needs python3-torch and python3-torchvision (Debian). The Catch2 tests do not run this; they
record the figures it confirms (tests/test_saved_tensors.cpp) with their derivation.
"""
import sys

import torch
import torch.nn as nn
import torchvision

torch.manual_seed(0)


def saved_by(module, *inputs, only_new=True):
    """[(shape, dtype, bytes, storage)] saved while running module(*inputs), params excluded."""
    persistent = {p.storage().data_ptr() for p in module.parameters()}
    persistent |= {b.storage().data_ptr() for b in module.buffers()}
    inputs_storage = {t.storage().data_ptr() for t in inputs if torch.is_tensor(t)}
    saved = []

    def pack(t):
        saved.append(t)
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        out = module(*inputs)
    rows, seen = [], set()
    for t in saved:
        ptr = t.storage().data_ptr()
        if ptr in persistent:
            continue
        kind = "model input" if ptr in inputs_storage else "activation"
        rows.append((tuple(t.shape), str(t.dtype).replace("torch.", ""), kind, ptr,
                     t.storage().nbytes()))
    return out, rows


def storage_total(rows, include_inputs=True):
    total, seen = 0, set()
    for shape, dtype, kind, ptr, nbytes in rows:
        if ptr in seen or (not include_inputs and kind == "model input"):
            continue
        seen.add(ptr)
        total += nbytes
    return total


def layer_cases():
    n, c, h, w = 2, 4, 6, 6
    x = torch.randn(n, c, h, w, requires_grad=True)
    seq, d, heads = 5, 8, 2
    tok = torch.randn(n, seq, d, requires_grad=True)
    ids = torch.randint(0, 10, (n, seq))
    cases = [
        ("conv2d", nn.Conv2d(c, 3, 3, padding=1), x),
        ("dense (bias)", nn.Sequential(nn.Flatten(), nn.Linear(c * h * w, 3)), x),
        ("dense (no bias)", nn.Sequential(nn.Flatten(), nn.Linear(c * h * w, 3, bias=False)), x),
        ("batchnorm", nn.BatchNorm2d(c), x),
        ("relu", nn.ReLU(), x),
        ("relu in place after conv", nn.Sequential(nn.Conv2d(c, c, 1), nn.ReLU(inplace=True)), x),
        ("relu6 in place after batchnorm",
         nn.Sequential(nn.BatchNorm2d(c), nn.ReLU6(inplace=True)), x),
        ("sigmoid", nn.Sigmoid(), x),
        ("tanh", nn.Tanh(), x),
        ("gelu", nn.GELU(), x),
        ("silu", nn.SiLU(), x),
        ("maxpool 2x2", nn.MaxPool2d(2), x),
        ("avgpool 2x2", nn.AvgPool2d(2), x),
        ("global avgpool (adaptive 1x1)", nn.AdaptiveAvgPool2d(1), x),
        ("adaptive avgpool 3x3", nn.AdaptiveAvgPool2d(3), x),
        ("flatten", nn.Flatten(), x),
        ("dropout p=0.1", nn.Dropout(0.1), x),
        ("layernorm", nn.LayerNorm(d), tok),
        ("softmax", nn.Softmax(dim=-1), tok),
        ("embedding", nn.Embedding(10, d), ids),
    ]
    for name, module, inp in cases:
        module.train()
        _, rows = saved_by(module, inp)
        print(f"{name}:")
        for shape, dtype, kind, ptr, nbytes in rows:
            print(f"    {kind:11s} {dtype:8s} {str(list(shape)):18s} {nbytes} B  storage {ptr % 10**6}")
    # The CPU path of nn.Dropout multiplies by a mask in the data's dtype (saved above); CUDA's
    # fused native_dropout, the path memsim models, saves a bool mask (1 byte per element).
    saved = []
    with torch.autograd.graph.saved_tensors_hooks(lambda t: saved.append(t) or t, lambda t: t):
        torch.native_dropout(x, 0.1, True)
    print("native_dropout (CUDA's path):", [(str(t.dtype), list(t.shape)) for t in saved])
    # add: two activations summed; nothing saved.
    a = torch.randn(n, c, requires_grad=True)
    b = torch.randn(n, c, requires_grad=True)
    saved = []
    with torch.autograd.graph.saved_tensors_hooks(lambda t: saved.append(t) or t, lambda t: t):
        _ = a + b
    print(f"add: {len(saved)} tensors saved")
    # attention's matrix products: scores = Q K^T saves Q and K; context = P V saves P and V.
    q = torch.randn(n, heads, seq, d // heads, requires_grad=True)
    k = torch.randn(n, heads, seq, d // heads, requires_grad=True)
    v = torch.randn(n, heads, seq, d // heads, requires_grad=True)
    saved = []
    with torch.autograd.graph.saved_tensors_hooks(lambda t: saved.append(t) or t, lambda t: t):
        p = torch.softmax(q @ k.transpose(-1, -2) / (d // heads) ** 0.5, dim=-1)
        _ = p @ v
    print("attention core (QK^T / sqrt(dh), softmax, PV):")
    for t in saved:
        print(f"    {str(t.dtype).replace('torch.', ''):8s} {list(t.shape)}  storage "
              f"{t.storage().data_ptr() % 10**6}")


class Dropout(nn.Module):
    """nn.Dropout as CUDA runs it: native_dropout, which saves a bool mask."""

    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, x):
        return torch.native_dropout(x, self.p, True)[0] if self.p > 0 else x


class Attention(nn.Module):
    """Multi-head attention as GPT-2's and BERT's eager code runs it, with separate Q/K/V."""

    def __init__(self, dim, heads, causal, p, seq):
        super().__init__()
        # GPT-2 keeps its causal mask as a buffer ("bias"), so autograd's saved copy is no
        # activation.
        self.register_buffer("mask", torch.ones(seq, seq, dtype=torch.bool).tril())
        self.q, self.k, self.v = nn.Linear(dim, dim), nn.Linear(dim, dim), nn.Linear(dim, dim)
        self.proj = nn.Linear(dim, dim)
        self.heads, self.causal = heads, causal
        self.dropout, self.proj_dropout = Dropout(p), Dropout(p)

    def forward(self, x):
        n, s, d = x.shape
        split = lambda t: t.view(n, s, self.heads, d // self.heads).transpose(1, 2)
        q, k, v = split(self.q(x)), split(self.k(x)), split(self.v(x))
        scores = q @ k.transpose(-1, -2) / (d // self.heads) ** 0.5
        if self.causal:
            scores = torch.where(self.mask[:s, :s], scores, torch.tensor(-1e4))
        probs = self.dropout(torch.softmax(scores, dim=-1))
        context = (probs @ v).transpose(1, 2).reshape(n, s, d)
        return self.proj_dropout(self.proj(context))


class Block(nn.Module):
    def __init__(self, dim, heads, causal, pre, p, seq):
        super().__init__()
        self.ln_1, self.ln_2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.attn = Attention(dim, heads, causal, p, seq)
        self.mlp = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim),
                                 Dropout(p))
        self.pre = pre

    def forward(self, x):
        if self.pre:
            x = x + self.attn(self.ln_1(x))
            return x + self.mlp(self.ln_2(x))
        x = self.ln_1(x + self.attn(x))
        return self.ln_2(x + self.mlp(x))


class TinyGPT2(nn.Module):
    def __init__(self, vocab, seq, dim, heads, layers, p):
        super().__init__()
        self.wte, self.wpe = nn.Embedding(vocab, dim), nn.Embedding(seq, dim)
        self.drop = Dropout(p)
        self.h = nn.ModuleList(Block(dim, heads, True, True, p, seq) for _ in range(layers))
        self.ln_f = nn.LayerNorm(dim)

    def forward(self, ids):
        x = self.drop(self.wte(ids) + self.wpe(torch.arange(ids.shape[1]).unsqueeze(0)))
        for block in self.h:
            x = block(x)
        return self.ln_f(x) @ self.wte.weight.t()  # the tied language-model head


class TinyBert(nn.Module):
    def __init__(self, vocab, seq, dim, heads, layers, p):
        super().__init__()
        self.word, self.pos, self.token_type = (nn.Embedding(vocab, dim), nn.Embedding(seq, dim),
                                                nn.Embedding(2, dim))
        # Hugging Face's BertEmbeddings keeps both id rows as buffers (GPT-2 builds an arange).
        self.register_buffer("position_ids", torch.arange(seq).unsqueeze(0))
        self.register_buffer("token_type_ids", torch.zeros(1, seq, dtype=torch.long))
        self.ln, self.drop = nn.LayerNorm(dim), Dropout(p)
        self.layer = nn.ModuleList(Block(dim, heads, False, False, p, seq) for _ in range(layers))
        self.pooler = nn.Linear(dim, dim)

    def forward(self, ids):
        n, s = ids.shape
        x = self.word(ids) + self.pos(self.position_ids[:, :s])
        x = self.drop(self.ln(x + self.token_type(self.token_type_ids[:, :s].expand(n, s))))
        for block in self.layer:
            x = block(x)
        return torch.tanh(self.pooler(x[:, 0]))


def transformer_totals():
    # tests/test_transformers.cpp builds the same two models in memsim.
    n, vocab, seq, dim, heads, layers = 2, 50, 8, 16, 2, 2
    ids = torch.randint(0, vocab, (n, seq))
    print(f"tiny transformers: batch {n}, seq {seq}, dim {dim}, heads {heads}, {layers} blocks, "
          "fp32, dropout 0.1 as native_dropout (bool masks), train(): bytes saved")
    for name, model in (("gpt2-like", TinyGPT2(vocab, seq, dim, heads, layers, 0.1)),
                        ("bert-like", TinyBert(vocab, seq, dim, heads, layers, 0.1))):
        model.train()
        params = sum(p.numel() for p in model.parameters())
        _, rows = saved_by(model, ids)
        # The division by sqrt(dh) saves the Python scalar as an 8-byte 0-d tensor: not memory
        # a GPU run keeps, left out.
        rows = [r for r in rows if r[0] != ()]
        total, ids_bytes = storage_total(rows), storage_total(rows) - storage_total(rows, False)
        print(f"  {name}: {total} B saved ({ids_bytes} B of it the token ids); "
              f"{params} parameters")
    print("  (gpt2-like's position ids are an arange, seq * 8 B, as memsim's\n"
          "   ids = \"shared\" counts. bert-like's id rows are buffers, not counted by autograd,\n"
          "   where memsim counts seq * 8 B for each; its pooler reads x[:, 0], a view keeping\n"
          "   the whole last hidden state, which memsim counts as one token's features)")


def model_totals():
    models = {
        "vgg16": torchvision.models.vgg16,
        "resnet18": torchvision.models.resnet18,
        "resnet50": torchvision.models.resnet50,
        "mobilenet_v2": torchvision.models.mobilenet_v2,
    }
    print("zoo models at batch 1, 3x224x224, fp32, train(): bytes saved for backward")
    for name, make in models.items():
        model = make()
        model.train()
        x = torch.randn(1, 3, 224, 224)
        _, rows = saved_by(model, x)
        with_input = storage_total(rows)
        without = storage_total(rows, include_inputs=False)
        print(f"  {name:13s} {with_input:>12d} B saved ({with_input - without} B of it the "
              f"model's input X0)")
    print("(on CPU a dropout mask has the data's dtype: 4 bytes per element for fp32, where\n"
          " memsim counts CUDA's 1-byte mask: vgg16's two 4096-wide dropouts save 24,576 B less\n"
          " in memsim, mobilenet_v2's 1280-wide one 3,840 B less)")


if __name__ == "__main__":
    if len(sys.argv) == 1:
        layer_cases()
        print()
    if "--transformers" not in sys.argv:
        model_totals()
        print()
    transformer_totals()
