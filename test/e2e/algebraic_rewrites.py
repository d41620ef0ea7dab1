"""Decomposed layer norm, softmax and GELU (written out the way exporters
write them) and conv/matmul followed by batch_norm: compiled, where
kiln-recognize-patterns and kiln-fold-batch-norm rewrite them, and eagerly,
where the graph runs as written; both against NumPy. The .test file checks
that the compiled graphs hold the single ops.

usage: algebraic_rewrites.py KILN_BIN_DIR [WORK_DIR]
"""
import math

import numpy as np

import kiln_testing as kt

s = kt.Suite("algebraic_rewrites")
F32 = np.float32
node = kt.node


def scalar(name, value):
    return kt.const(name, np.array(value, F32))


def layer_norm(x, axes, eps, gamma=1.0, beta=0.0):
    m = x.mean(axis=axes, keepdims=True)
    d = x - m
    v = (d * d).mean(axis=axes, keepdims=True)
    return d / np.sqrt(v + eps) * gamma + beta


def softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def erf(x):
    return np.vectorize(math.erf)(x)


def gelu(x):
    return 0.5 * x * (1 + erf(x / np.sqrt(2)))


def gelu_tanh(x):
    return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3)))


def conv2d(x, w, b, pads, strides=(1, 1), groups=1):
    """NCHW convolution, pads (top, left, bottom, right)."""
    n, c, h, wd = x.shape
    m, cg, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3])))
    oh = (xp.shape[2] - kh) // strides[0] + 1
    ow = (xp.shape[3] - kw) // strides[1] + 1
    y = np.zeros((n, m, oh, ow))
    mg = m // groups
    for o in range(m):
        g = o // mg
        xs = xp[:, g * cg:(g + 1) * cg]
        for i in range(oh):
            for j in range(ow):
                patch = xs[:, :, i * strides[0]:i * strides[0] + kh,
                           j * strides[1]:j * strides[1] + kw]
                y[:, o, i, j] = np.sum(patch * w[o], axis=(1, 2, 3))
        if b is not None:
            y[:, o] += b[o]
    return y


def batch_norm(y, scale, bias, mean, var, eps):
    sh = (1, -1) + (1,) * (y.ndim - 2)
    return ((y - mean.reshape(sh)) / np.sqrt(var.reshape(sh) + eps)
            * scale.reshape(sh) + bias.reshape(sh))


# --- layer norm ---------------------------------------------------------------
# PyTorch's LayerNorm as the ONNX exporter writes it (Pow(2), Sqrt, Div, then
# Mul gamma, Add beta), constant gamma and beta, symbolic batch.
gamma, beta = kt.rand((16,), lo=0.5, hi=1.5), kt.rand((16,))
g = kt.graph(
    [kt.inp("x", "f32", ["N", 5, 16])],
    [node("reduce_mean", ["x"], "m", {"axes": [-1]}),
     node("sub", ["x", "m"], "d"),
     node("pow", ["d", "two"], "d2"),
     node("reduce_mean", ["d2"], "v", {"axes": [-1]}),
     node("add", ["v", "eps"], "ve"),
     node("sqrt", ["ve"], "sd"),
     node("div", ["d", "sd"], "n"),
     node("mul", ["n", "gamma"], "ng"),
     node("add", ["ng", "beta"], "y")],
    ["y"],
    constants=[scalar("two", 2.0), scalar("eps", 1e-5),
               kt.const("gamma", gamma), kt.const("beta", beta)])
s.case("layer_norm_torch", g,
       [{"x": kt.rand((n, 5, 16), lo=-3, hi=3)} for n in (1, 3)],
       lambda i: layer_norm(i["x"], -1, 1e-5, gamma.astype(np.float64),
                            beta.astype(np.float64)),
       rtol=1e-4, atol=1e-5)

# Two trailing axes, d * d, eps + var, rsqrt, the product commuted; gamma is
# a graph input (not a constant) with a leading 1, beta a constant over the
# last axis only.
beta2 = kt.rand((6,))
g = kt.graph(
    [kt.inp("x", "f32", [2, 4, 6]), kt.inp("gamma", "f32", [1, 4, 6])],
    [node("reduce_mean", ["x"], "m", {"axes": [1, 2]}),
     node("sub", ["x", "m"], "d"),
     node("mul", ["d", "d"], "d2"),
     node("reduce_mean", ["d2"], "v", {"axes": [-2, -1]}),
     node("add", ["eps", "v"], "ve"),
     node("rsqrt", ["ve"], "r"),
     node("mul", ["r", "d"], "n"),
     node("mul", ["gamma", "n"], "ng"),
     node("add", ["beta", "ng"], "y")],
    ["y"],
    constants=[scalar("eps", 1e-3), kt.const("beta", beta2)])
s.case("layer_norm_two_axes", g,
       [{"x": kt.rand((2, 4, 6)), "gamma": kt.rand((1, 4, 6))}],
       lambda i: layer_norm(i["x"], (1, 2), 1e-3, i["gamma"],
                            beta2.astype(np.float64)),
       rtol=1e-4, atol=1e-5)

# The variance is an output too: the chain stays as written (and is right).
g = kt.graph(
    [kt.inp("x", "f32", [3, 8])],
    [node("reduce_mean", ["x"], "m", {"axes": [-1]}),
     node("sub", ["x", "m"], "d"),
     node("mul", ["d", "d"], "d2"),
     node("reduce_mean", ["d2"], "v", {"axes": [-1]}),
     node("add", ["v", "eps"], "ve"),
     node("sqrt", ["ve"], "sd"),
     node("div", ["d", "sd"], "y")],
    ["y", "v"],
    constants=[scalar("eps", 1e-5)])


def ln_var_ref(i):
    x = i["x"]
    d = x - x.mean(axis=-1, keepdims=True)
    return {"y": layer_norm(x, -1, 1e-5), "v": (d * d).mean(-1, keepdims=True)}


s.case("layer_norm_var_used", g, [{"x": kt.rand((3, 8))}], ln_var_ref,
       rtol=1e-4, atol=1e-5)

# --- softmax -----------------------------------------------------------------
g = kt.graph(
    [kt.inp("x", "f32", ["N", 10])],
    [node("reduce_max", ["x"], "m", {"axes": [-1]}),
     node("sub", ["x", "m"], "t"),
     node("exp", ["t"], "e"),
     node("reduce_sum", ["e"], "s", {"axes": [-1]}),
     node("div", ["e", "s"], "y")],
    ["y"])
s.case("softmax_max", g, [{"x": kt.rand((n, 10), lo=-5, hi=5)}
                          for n in (1, 4)],
       lambda i: softmax(i["x"], -1), rtol=1e-5, atol=1e-6)

g = kt.graph(
    [kt.inp("x", "f32", [2, 5, 3])],
    [node("exp", ["x"], "e"),
     node("reduce_sum", ["e"], "s", {"axes": [1]}),
     node("reciprocal", ["s"], "r"),
     node("mul", ["e", "r"], "y")],
    ["y"])
s.case("softmax_plain_axis1", g, [{"x": kt.rand((2, 5, 3), lo=-4, hi=4)}],
       lambda i: softmax(i["x"], 1), rtol=1e-5, atol=1e-6)

# exp(x) / sum(exp(x)) overflows f32 for x near 100 (inf / inf); the
# recognized softmax subtracts the maximum first, so the compiled graph gives
# the right probabilities where the graph as written (eager) gives NaN.
g = kt.graph(
    [kt.inp("x", "f32", [3, 4])],
    [node("exp", ["x"], "e"),
     node("reduce_sum", ["e"], "s", {"axes": [-1]}),
     node("div", ["e", "s"], "y")],
    ["y"])
s.case("softmax_plain_large", g, [{"x": kt.rand((3, 4), lo=90, hi=120)}],
       lambda i: softmax(i["x"], -1), rtol=1e-5, atol=1e-6,
       modes=("compiled",))

# --- GELU --------------------------------------------------------------------
g = kt.graph(
    [kt.inp("x", "f32", ["N", 32])],
    [node("div", ["x", "sqrt2"], "a"),
     node("erf", ["a"], "b"),
     node("add", ["b", "one"], "c"),
     node("mul", ["x", "c"], "d"),
     node("mul", ["d", "half"], "y")],
    ["y"],
    constants=[scalar("sqrt2", 1.4142135381698608), scalar("one", 1.0),
               scalar("half", 0.5)])
s.case("gelu_erf", g, [{"x": kt.rand((n, 32), lo=-4, hi=4)} for n in (1, 2)],
       lambda i: gelu(i["x"]), rtol=1e-5, atol=1e-6)

g = kt.graph(
    [kt.inp("x", "f32", [4, 8])],
    [node("mul", ["x", "half"], "h"),
     node("mul", ["x", "c"], "a"),
     node("erf", ["a"], "b"),
     node("add", ["one", "b"], "p"),
     node("mul", ["p", "h"], "y")],
    ["y"],
    constants=[scalar("c", 0.7071067811865476), scalar("one", 1.0),
               scalar("half", 0.5)])
s.case("gelu_erf_commuted", g, [{"x": kt.rand((4, 8), lo=-4, hi=4)}],
       lambda i: gelu(i["x"]), rtol=1e-5, atol=1e-6)

# HuggingFace's gelu_new: 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3))).
g = kt.graph(
    [kt.inp("x", "f32", [4, 16])],
    [node("pow", ["x", "three"], "x3"),
     node("mul", ["k", "x3"], "kx3"),
     node("add", ["x", "kx3"], "inner"),
     node("mul", ["c", "inner"], "u"),
     node("tanh", ["u"], "t"),
     node("add", ["one", "t"], "p"),
     node("mul", ["half", "x"], "h"),
     node("mul", ["h", "p"], "y")],
    ["y"],
    constants=[scalar("three", 3.0), scalar("k", 0.044715),
               scalar("c", float(np.sqrt(2 / np.pi))), scalar("one", 1.0),
               scalar("half", 0.5)])
s.case("gelu_tanh", g, [{"x": kt.rand((4, 16), lo=-5, hi=5)}],
       lambda i: gelu_tanh(i["x"]), rtol=1e-5, atol=1e-6)

# --- conv / matmul + batch_norm ----------------------------------------------
C, M = 3, 4
w = kt.rand((M, C, 3, 3), lo=-1, hi=1)
cb = kt.rand((M,))
bn = [kt.rand((M,), lo=0.5, hi=2), kt.rand((M,)), kt.rand((M,)),
      kt.rand((M,), lo=0.1, hi=2)]
bn_names = ["scale", "bias", "mean", "var"]
g = kt.graph(
    [kt.inp("x", "f32", ["N", C, 6, 6])],
    [node("conv", ["x", "w", "cb"], "y", {"pads": [1, 1, 1, 1]}),
     node("batch_norm", ["y"] + bn_names, "z", {"epsilon": 1e-3}),
     node("relu", ["z"], "out")],
    ["out"],
    constants=[kt.const("w", w, file=True), kt.const("cb", cb)] +
    [kt.const(n, a) for n, a in zip(bn_names, bn)])
bn64 = [a.astype(np.float64) for a in bn]
s.case("conv_batch_norm", g,
       [{"x": kt.rand((n, C, 6, 6))} for n in (1, 2)],
       lambda i: np.maximum(batch_norm(conv2d(i["x"], w.astype(np.float64),
                                              cb, (1, 1, 1, 1)),
                                       *bn64, 1e-3), 0),
       rtol=1e-4, atol=1e-5)

# Grouped, strided, no conv bias.
wg = kt.rand((M, 2, 3, 3), lo=-1, hi=1)
g = kt.graph(
    [kt.inp("x", "f32", [2, 4, 7, 7])],
    [node("conv", ["x", "w"], "y", {"groups": 2, "strides": [2, 2]}),
     node("batch_norm", ["y"] + bn_names, "z")],
    ["z"],
    constants=[kt.const("w", wg)] +
    [kt.const(n, a) for n, a in zip(bn_names, bn)])
s.case("conv_groups_batch_norm", g, [{"x": kt.rand((2, 4, 7, 7))}],
       lambda i: batch_norm(conv2d(i["x"], wg.astype(np.float64), None,
                                   (0, 0, 0, 0), (2, 2), groups=2),
                            *bn64, 1e-5),
       rtol=1e-4, atol=1e-5)

wm = kt.rand((8, M), lo=-1, hi=1)
g = kt.graph(
    [kt.inp("x", "f32", ["N", 8])],
    [node("matmul", ["x", "w"], "y"),
     node("batch_norm", ["y"] + bn_names, "z")],
    ["z"],
    constants=[kt.const("w", wm)] +
    [kt.const(n, a) for n, a in zip(bn_names, bn)])
s.case("matmul_batch_norm", g, [{"x": kt.rand((n, 8))} for n in (1, 5)],
       lambda i: batch_norm(i["x"] @ wm.astype(np.float64), *bn64, 1e-5),
       rtol=1e-4, atol=1e-5)

wt = kt.rand((M, 8), lo=-1, hi=1)
g = kt.graph(
    [kt.inp("x", "f32", [3, 8])],
    [node("matmul", ["x", "w"], "y", {"transpose_b": True}),
     node("batch_norm", ["y"] + bn_names, "z", {"epsilon": 0.01})],
    ["z"],
    constants=[kt.const("w", wt)] +
    [kt.const(n, a) for n, a in zip(bn_names, bn)])
s.case("matmul_transpose_b_batch_norm", g, [{"x": kt.rand((3, 8))}],
       lambda i: batch_norm(i["x"] @ wt.astype(np.float64).T, *bn64, 0.01),
       rtol=1e-4, atol=1e-5)

s.finish()
