"""The benchmark models, written as ONNX files (opset 17, the newest Kiln
reads) with random weights from fixed seeds, and their inputs as .npy files.

    /usr/bin/python3 bench/models.py OUT_DIR     # writes OUT_DIR/<model>/...

Each model M gets OUT_DIR/M/model.onnx and OUT_DIR/M/<input>.npy; build()
returns, per model, what the harness needs (paths, input names, the work in
FLOPs where it is a plain matrix product). Every shape is static.
"""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
F32 = TensorProto.FLOAT


class Graph:
    """A small builder: constants become initializers, nodes get names."""

    def __init__(self, name, seed):
        self.name = name
        self.rng = np.random.default_rng(seed)
        self.nodes = []
        self.inits = []
        self.inputs = []
        self.outputs = []
        self.count = 0

    def fresh(self, prefix):
        self.count += 1
        return f"{prefix}{self.count}"

    def input(self, name, shape):
        self.inputs.append(helper.make_tensor_value_info(name, F32, shape))
        return name

    def const(self, array, prefix="c"):
        name = self.fresh(prefix)
        array = np.asarray(array)
        self.inits.append(numpy_helper.from_array(array, name))
        return name

    def weight(self, shape, fan_in, prefix="w"):
        """He-style scaling keeps activations of order one through the
        layers (so that ReLU/softmax outputs carry information)."""
        scale = np.sqrt(2.0 / fan_in)
        return self.const(
            (self.rng.standard_normal(shape) * scale).astype(np.float32),
            prefix)

    def bias(self, n, prefix="b"):
        return self.const(
            (self.rng.standard_normal(n) * 0.1).astype(np.float32), prefix)

    def op(self, op_type, inputs, **attrs):
        out = self.fresh(op_type.lower() + "_")
        self.nodes.append(helper.make_node(op_type, inputs, [out],
                                           name=self.fresh(op_type), **attrs))
        return out

    def output(self, value, name, shape):
        self.nodes.append(helper.make_node("Identity", [value], [name],
                                           name="out_" + name))
        self.outputs.append(helper.make_tensor_value_info(name, F32, shape))

    def dense(self, x, n_in, n_out):
        return self.op("Add", [self.op("MatMul", [x, self.weight(
            (n_in, n_out), n_in)]), self.bias(n_out)])

    def model(self):
        graph = helper.make_graph(self.nodes, self.name, self.inputs,
                                  self.outputs, self.inits)
        m = helper.make_model(graph,
                              opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="kiln-bench")
        m.ir_version = 8
        onnx.checker.check_model(m)
        return m


def mlp(batch):
    """784-512-512-10, ReLU after the hidden layers."""
    g = Graph(f"mlp_b{batch}", seed=1)
    x = g.input("x", [batch, 784])
    h = g.op("Relu", [g.dense(x, 784, 512)])
    h = g.op("Relu", [g.dense(h, 512, 512)])
    g.output(g.dense(h, 512, 10), "y", [batch, 10])
    rng = np.random.default_rng(100 + batch)
    return g, {"x": rng.random((batch, 784), dtype=np.float32)}


def elementwise_chain():
    """16 elementwise ops on a 1x1048576 tensor: scalar Add/Mul/Sub/Div,
    Sigmoid, Tanh, Exp, Relu, Abs, Sqrt, Neg, Max."""
    g = Graph("elementwise_chain", seed=2)
    n = 1 << 20
    x = g.input("x", [1, n])

    def c(v):
        return g.const(np.array(v, np.float32))

    v = g.op("Mul", [x, c(0.5)])          # 1
    v = g.op("Add", [v, c(0.25)])         # 2
    v = g.op("Sigmoid", [v])              # 3
    v = g.op("Mul", [v, c(3.0)])          # 4
    v = g.op("Sub", [v, c(1.5)])          # 5
    v = g.op("Tanh", [v])                 # 6
    v = g.op("Relu", [v])                 # 7
    v = g.op("Add", [v, c(0.1)])          # 8
    v = g.op("Exp", [v])                  # 9
    v = g.op("Mul", [v, c(-0.75)])        # 10
    v = g.op("Neg", [v])                  # 11
    v = g.op("Sqrt", [v])                 # 12
    v = g.op("Div", [v, c(1.25)])         # 13
    v = g.op("Max", [v, c(0.3)])          # 14
    v = g.op("Sub", [v, c(0.6)])          # 15
    v = g.op("Abs", [v])                  # 16
    g.output(v, "y", [1, n])
    rng = np.random.default_rng(200)
    return g, {"x": rng.standard_normal((1, n)).astype(np.float32) * 2}


def cnn():
    """Two conv3x3(pad 1)+ReLU+maxpool2x2 blocks, 3->32->64 channels, then a
    dense layer to 10, on 1x3x64x64."""
    g = Graph("cnn", seed=3)
    x = g.input("x", [1, 3, 64, 64])
    v = x
    for cin, cout in ((3, 32), (32, 64)):
        w = g.weight((cout, cin, 3, 3), cin * 9)
        v = g.op("Conv", [v, w, g.bias(cout)], kernel_shape=[3, 3],
                 pads=[1, 1, 1, 1], strides=[1, 1])
        v = g.op("Relu", [v])
        v = g.op("MaxPool", [v], kernel_shape=[2, 2], strides=[2, 2])
    v = g.op("Flatten", [v], axis=1)  # 1 x 64*16*16
    g.output(g.dense(v, 64 * 16 * 16, 10), "y", [1, 10])
    rng = np.random.default_rng(300)
    return g, {"x": rng.random((1, 3, 64, 64), dtype=np.float32)}


def transformer():
    """One post-LN encoder block: sequence 128, hidden 256, 4 heads of 64,
    FFN 1024 with GELU (the erf form: ONNX's Gelu op is opset 20), layer
    norm after each residual add."""
    g = Graph("transformer", seed=4)
    s, d, h, f = 128, 256, 4, 1024
    dh = d // h
    x = g.input("x", [1, s, d])

    def heads(v):  # [1,s,d] -> [1,h,s,dh]
        v = g.op("Reshape", [v, g.const(np.array([1, s, h, dh], np.int64))])
        return g.op("Transpose", [v], perm=[0, 2, 1, 3])

    def layer_norm(v):
        gamma = g.const((1 + 0.1 * g.rng.standard_normal(d)).astype(
            np.float32), "gamma")
        beta = g.bias(d, "beta")
        return g.op("LayerNormalization", [v, gamma, beta], axis=-1,
                    epsilon=1e-5)

    q = heads(g.dense(x, d, d))
    k = heads(g.dense(x, d, d))
    vv = heads(g.dense(x, d, d))
    kt = g.op("Transpose", [k], perm=[0, 1, 3, 2])
    scores = g.op("Mul", [g.op("MatMul", [q, kt]),
                          g.const(np.array(1 / np.sqrt(dh), np.float32))])
    probs = g.op("Softmax", [scores], axis=-1)
    ctx = g.op("MatMul", [probs, vv])  # [1,h,s,dh]
    ctx = g.op("Transpose", [ctx], perm=[0, 2, 1, 3])
    ctx = g.op("Reshape", [ctx, g.const(np.array([1, s, d], np.int64))])
    x1 = layer_norm(g.op("Add", [x, g.dense(ctx, d, d)]))
    u = g.dense(x1, d, f)
    erf = g.op("Erf", [g.op("Div", [u, g.const(np.array(np.sqrt(2.0),
                                                         np.float32))])])
    gelu = g.op("Mul", [g.op("Mul", [u, g.op("Add", [erf, g.const(
        np.array(1.0, np.float32))])]), g.const(np.array(0.5, np.float32))])
    y = layer_norm(g.op("Add", [x1, g.dense(gelu, f, d)]))
    g.output(y, "y", [1, s, d])
    rng = np.random.default_rng(400)
    return g, {"x": rng.standard_normal((1, s, d)).astype(np.float32)}


def matmul(n=1024):
    """A plain n x n x n product of two inputs (no constant to pre-pack),
    the same work as NumPy's `a @ b`."""
    g = Graph(f"matmul_{n}", seed=5)
    a = g.input("a", [n, n])
    b = g.input("b", [n, n])
    g.output(g.op("MatMul", [a, b]), "y", [n, n])
    rng = np.random.default_rng(500)
    return g, {"a": rng.standard_normal((n, n)).astype(np.float32),
               "b": rng.standard_normal((n, n)).astype(np.float32)}


# name, builder, description, GFLOP count where the row reports GFLOP/s.
MODELS = [
    ("mlp_b1", lambda: mlp(1), "MLP 784-512-512-10 ReLU, batch 1", None),
    ("mlp_b64", lambda: mlp(64), "MLP 784-512-512-10 ReLU, batch 64", None),
    ("elementwise_chain", elementwise_chain,
     "16 elementwise ops on 1x1048576", None),
    ("cnn", cnn, "CNN 2x(conv3x3+ReLU+maxpool) 3->32->64, dense 10, "
     "1x3x64x64", None),
    ("transformer", transformer, "encoder block s128 d256 h4 ffn1024, "
     "LN, GELU", None),
    ("matmul_1024", matmul, "matmul 1024x1024x1024", 2 * 1024 ** 3 / 1e9),
]


def build(out_dir, only=None):
    """Writes every model (or those named in `only`); returns a list of
    dicts: name, description, dir, onnx, inputs {name: npy path}, output
    names, gflop."""
    result = []
    for name, builder, description, gflop in MODELS:
        if only and name not in only:
            continue
        g, inputs = builder()
        d = os.path.join(out_dir, name)
        os.makedirs(d, exist_ok=True)
        path = os.path.join(d, "model.onnx")
        onnx.save(g.model(), path)
        files = {}
        for input_name, array in inputs.items():
            files[input_name] = os.path.join(d, input_name + ".npy")
            np.save(files[input_name], array)
        result.append({
            "name": name, "description": description, "dir": d,
            "onnx": path, "inputs": files,
            "outputs": [o.name for o in g.outputs], "gflop": gflop,
        })
    return result


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: models.py OUT_DIR [MODEL...]")
    for m in build(sys.argv[1], sys.argv[2:] or None):
        print(m["name"], m["onnx"])
