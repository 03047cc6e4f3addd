#!/usr/bin/python3
"""Writes the small ONNX models memsim's tests import (tests/data/onnx/), with python3-onnx
(Debian) and, for the ResNet-18 round trip, python3-torch and python3-torchvision.

usage: /usr/bin/python3 tools/make_onnx_models.py [OUTDIR]
  writes the test models into tests/data/onnx and ResNet-18 into scenarios/onnx/resnet18.onnx
  (the README's example); with OUTDIR, all of them into OUTDIR

  tiny_cnn.onnx        Conv(bias) - BatchNormalization - Relu - MaxPool - Clip(0, 6) -
                       AveragePool - GlobalAveragePool - Flatten - Dropout - Gemm - Softmax,
                       weights stored in the file
  branches.onnx        two Conv branches joined by Concat and by Add, Identity, Reshape to
                       features, MatMul with a weight, Sigmoid, Tanh; weights stored
  sequence.onnx        a [batch, seq, dim] input: LayerNormalization (opset 17), MatMul by a
                       weight then Add of a bias (one linear layer with bias), Gelu (ONNX
                       Runtime's com.microsoft op: ONNX has Gelu only from opset 20), MatMul +
                       bias, Dropout(0.1), Softmax; weights stored
  unmappable.onnx      a Conv followed by an Einsum node, which memsim cannot map
  resnet18.onnx        torchvision's ResNet-18 exported with torch.onnx.export (training mode
                       PRESERVE, so batch-norms stay nodes), its initializers kept as shapes only
                       (the weights' bytes removed: 46 MB -> 17.6 KB)
  mobilenet_v2.onnx    torchvision's MobileNetV2 exported the same way (ReLU6 as Clip with
                       Constant bounds, depthwise convolutions as Conv with group): 67 KB
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "tests", "data", "onnx")
RESNET_OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "scenarios", "onnx")
rng = np.random.default_rng(0)


def weight(name, *shape):
    return numpy_helper.from_array(rng.standard_normal(shape).astype(np.float32), name)


def save(model, name):
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(OUT, name))
    print(f"{name}: {os.path.getsize(os.path.join(OUT, name))} bytes")


def tiny_cnn():
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3, 8, 8])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 5])
    c = 4
    inits = [weight("conv.w", c, 3, 3, 3), weight("conv.b", c), weight("bn.g", c),
             weight("bn.b", c), weight("bn.m", c), numpy_helper.from_array(
                 np.ones(c, np.float32), "bn.v"), weight("fc.w", 5, c), weight("fc.b", 5),
             numpy_helper.from_array(np.array(0, np.float32), "zero"),
             numpy_helper.from_array(np.array(6, np.float32), "six")]
    nodes = [
        helper.make_node("Conv", ["x", "conv.w", "conv.b"], ["c1"], name="conv",
                         kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("BatchNormalization", ["c1", "bn.g", "bn.b", "bn.m", "bn.v"], ["b1"],
                         name="bn"),
        helper.make_node("Relu", ["b1"], ["r1"], name="relu"),
        helper.make_node("MaxPool", ["r1"], ["p1"], name="pool", kernel_shape=[2, 2],
                         strides=[2, 2]),
        helper.make_node("Clip", ["p1", "zero", "six"], ["k1"], name="relu6"),
        helper.make_node("AveragePool", ["k1"], ["a1"], name="avg", kernel_shape=[2, 2],
                         strides=[2, 2]),
        helper.make_node("GlobalAveragePool", ["a1"], ["g1"], name="gap"),
        helper.make_node("Flatten", ["g1"], ["f1"], name="flatten", axis=1),
        helper.make_node("Dropout", ["f1"], ["d1"], name="drop"),
        helper.make_node("Gemm", ["d1", "fc.w", "fc.b"], ["z"], name="fc", transB=1),
        helper.make_node("Softmax", ["z"], ["y"], name="softmax", axis=1),
    ]
    graph = helper.make_graph(nodes, "tiny_cnn", [x], [y], inits)
    save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), "tiny_cnn.onnx")


def branches():
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 2, 4, 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 3])
    inits = [weight("a.w", 3, 2, 1, 1), weight("b.w", 3, 2, 3, 3), weight("c.w", 6, 6, 1, 1),
             weight("m.w", 96, 3),
             numpy_helper.from_array(np.array([0, -1], np.int64), "shape")]
    nodes = [
        helper.make_node("Conv", ["x", "a.w"], ["a"], name="branch_a", kernel_shape=[1, 1]),
        helper.make_node("Conv", ["x", "b.w"], ["b"], name="branch_b", kernel_shape=[3, 3],
                         pads=[1, 1, 1, 1]),
        helper.make_node("Concat", ["a", "b"], ["cat"], name="concat", axis=1),
        helper.make_node("Conv", ["cat", "c.w"], ["c"], name="mix", kernel_shape=[1, 1]),
        helper.make_node("Identity", ["cat"], ["cat2"], name="same"),
        helper.make_node("Add", ["c", "cat2"], ["s"], name="residual"),
        helper.make_node("Sigmoid", ["s"], ["t"], name="gate"),
        helper.make_node("Reshape", ["t", "shape"], ["f"], name="to_features"),
        helper.make_node("MatMul", ["f", "m.w"], ["z"], name="proj"),
        helper.make_node("Tanh", ["z"], ["y"], name="squash"),
    ]
    graph = helper.make_graph(nodes, "branches", [x], [y], inits)
    save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), "branches.onnx")


def sequence():
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 8, 16])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 8, 16])
    inits = [weight("ln.g", 16), weight("ln.b", 16), weight("fc1.w", 16, 32), weight("fc1.b", 32),
             weight("fc2.w", 32, 16), weight("fc2.b", 16),
             numpy_helper.from_array(np.array(0.1, np.float32), "ratio")]
    nodes = [
        helper.make_node("LayerNormalization", ["x", "ln.g", "ln.b"], ["n"], name="ln", axis=-1),
        helper.make_node("MatMul", ["n", "fc1.w"], ["m1"], name="fc1"),
        helper.make_node("Add", ["m1", "fc1.b"], ["a1"], name="fc1_bias"),
        helper.make_node("Gelu", ["a1"], ["g"], name="gelu", domain="com.microsoft"),
        helper.make_node("MatMul", ["g", "fc2.w"], ["m2"], name="fc2"),
        helper.make_node("Add", ["fc2.b", "m2"], ["a2"], name="fc2_bias"),
        helper.make_node("Dropout", ["a2", "ratio"], ["d"], name="drop"),
        helper.make_node("Softmax", ["d"], ["y"], name="softmax", axis=-1),
    ]
    graph = helper.make_graph(nodes, "sequence", [x], [y], inits)
    save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17),
                                                 helper.make_opsetid("com.microsoft", 1)]),
         "sequence.onnx")


def unmappable():
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 2, 4, 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 2, 4, 4])
    nodes = [
        helper.make_node("Conv", ["x", "w"], ["c"], name="conv", kernel_shape=[1, 1]),
        helper.make_node("Einsum", ["c"], ["y"], name="mystery", equation="nchw->nchw"),
    ]
    graph = helper.make_graph(nodes, "unmappable", [x], [y], [weight("w", 2, 2, 1, 1)])
    save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]),
         "unmappable.onnx")


def torchvision_model(name, path):
    """torch.onnx.export of torchvision.models.<name>() in eval mode with training mode
    PRESERVE and no constant folding (so batch-norms stay nodes instead of being folded into
    the convolutions), then every initializer of more than one element cleared to its shape
    (the weights' bytes dropped; scalars such as Clip's bounds kept)."""
    import torch
    import torchvision
    torch.manual_seed(0)
    model = getattr(torchvision.models, name)()
    # A fresh model's batch-norms are all ones and zeros, which the exporter would share
    # between nodes through Identity; random values keep one initializer per parameter.
    for module in model.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            for t in (module.weight, module.bias, module.running_mean, module.running_var):
                t.data.uniform_(0.5, 1.5)
    model.eval()
    torch.onnx.export(model, torch.randn(1, 3, 224, 224), path, opset_version=13,
                      training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=False,
                      input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}})
    m = onnx.load(path)
    for t in m.graph.initializer:  # shapes only: drop the weights' bytes
        if int(np.prod(t.dims)) > 1:
            t.ClearField("raw_data")
            t.ClearField("float_data")
            t.ClearField("int64_data")
    onnx.save(m, path)
    params = sum(p.numel() for p in model.parameters())
    print(f"{os.path.basename(path)}: {os.path.getsize(path)} bytes; torchvision {name} has "
          f"{params} parameters")


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    os.makedirs(RESNET_OUT, exist_ok=True)
    tiny_cnn()
    branches()
    sequence()
    unmappable()
    torchvision_model("resnet18", os.path.join(RESNET_OUT, "resnet18.onnx"))
    torchvision_model("mobilenet_v2", os.path.join(OUT, "mobilenet_v2.onnx"))
