"""ONNX models with the decomposed ops exporters write (PyTorch's LayerNorm
and GELU before opset 17/20, a softmax written out, Conv and MatMul followed
by BatchNormalization), built with onnx.helper into WORK_DIR; each is
compiled and run by kiln (compiled and eagerly) and compared with NumPy.
rewrites.test checks that the graph pipeline turned them into single ops.

usage: rewrites.py KILN_BIN_DIR WORK_DIR
"""
import math
import os
import shutil
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

KILN = os.path.join(sys.argv[1], "kiln")
WORK = sys.argv[2]
shutil.rmtree(WORK, ignore_errors=True)
os.makedirs(WORK)
rng = np.random.default_rng(11)
F = TensorProto.FLOAT
failures = []


def vi(name, shape):
    return helper.make_tensor_value_info(name, F, shape)


def const_node(name, value):
    """A Constant node, as the PyTorch exporter writes scalars."""
    return helper.make_node(
        "Constant", [], [name],
        value=numpy_helper.from_array(np.array(value, np.float32), name))


def init(name, array):
    return numpy_helper.from_array(np.asarray(array, np.float32), name)


def save(name, nodes, inputs, outputs, inits=(), opset=13):
    g = helper.make_graph(nodes, name, inputs, outputs, list(inits))
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 7
    onnx.checker.check_model(m)
    path = os.path.join(WORK, name + ".onnx")
    onnx.save(m, path)
    return path


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    return p.returncode, p.stdout + p.stderr


def check(name, path, feeds, expected, rtol=1e-4, atol=1e-5):
    case = os.path.join(WORK, name)
    os.makedirs(case)
    args = []
    for k, v in feeds.items():
        f = os.path.join(case, "in_%s.npy" % k)
        np.save(f, v)
        args += ["--input", "%s=%s" % (k, f)]
    so = os.path.join(case, name + ".so")
    rc, out = run([KILN, "compile", path, "--emit", "shared", "-o", so])
    if rc != 0:
        failures.append("%s: compile failed: %s" % (name, out))
        return
    for mode, cmd in (("compiled", [KILN, "run", so]),
                      ("eager", [KILN, "run", path, "--eager"])):
        outdir = os.path.join(case, mode)
        rc, out = run(cmd + args + ["--output-dir", outdir])
        if rc != 0:
            failures.append("%s (%s): run failed: %s" % (name, mode, out))
            continue
        for oname, want in expected.items():
            got = np.load(os.path.join(outdir, oname + ".npy"))
            want = want.astype(np.float32)
            if got.shape != want.shape or got.dtype != want.dtype:
                failures.append("%s (%s): %s is %s %s, expected %s %s" % (
                    name, mode, oname, got.dtype, got.shape, want.dtype,
                    want.shape))
            elif not np.allclose(got, want, rtol=rtol, atol=atol):
                err = np.max(np.abs(got.astype(np.float64) - want))
                failures.append("%s (%s): %s differs (max abs err %g)" % (
                    name, mode, oname, err))


def rand(*shape, lo=-2.0, hi=2.0):
    return rng.uniform(lo, hi, size=shape).astype(np.float32)


# PyTorch's nn.LayerNorm exported before opset 17: ReduceMean, Sub, Pow(2),
# ReduceMean, Add(eps), Sqrt, Div, Mul(weight), Add(bias); symbolic batch.
gamma, beta = rand(16, lo=0.5, hi=1.5), rand(16)
path = save("layer_norm_torch", [
    helper.make_node("ReduceMean", ["x"], ["m"], axes=[-1]),
    helper.make_node("Sub", ["x", "m"], ["d"]),
    const_node("two", 2.0),
    helper.make_node("Pow", ["d", "two"], ["d2"]),
    helper.make_node("ReduceMean", ["d2"], ["v"], axes=[-1]),
    const_node("eps", 1e-5),
    helper.make_node("Add", ["v", "eps"], ["ve"]),
    helper.make_node("Sqrt", ["ve"], ["sd"]),
    helper.make_node("Div", ["d", "sd"], ["n"]),
    helper.make_node("Mul", ["n", "weight"], ["ng"]),
    helper.make_node("Add", ["ng", "bias"], ["y"]),
], [vi("x", ["batch", 5, 16])], [vi("y", ["batch", 5, 16])],
    [init("weight", gamma), init("bias", beta)])
x = rand(3, 5, 16, lo=-3, hi=3).astype(np.float64)
d = x - x.mean(-1, keepdims=True)
ln = d / np.sqrt((d * d).mean(-1, keepdims=True) + 1e-5) * gamma + beta
check("layer_norm_torch", path, {"x": x.astype(np.float32)}, {"y": ln})

# PyTorch's nn.GELU before opset 20: Div(sqrt 2), Erf, Add(1), Mul(x), Mul(0.5).
path = save("gelu_torch", [
    const_node("sqrt2", 1.4142135381698608),
    helper.make_node("Div", ["x", "sqrt2"], ["a"]),
    helper.make_node("Erf", ["a"], ["b"]),
    const_node("one", 1.0),
    helper.make_node("Add", ["b", "one"], ["c"]),
    helper.make_node("Mul", ["x", "c"], ["e"]),
    const_node("half", 0.5),
    helper.make_node("Mul", ["e", "half"], ["y"]),
], [vi("x", ["batch", 32])], [vi("y", ["batch", 32])])
x = rand(4, 32, lo=-4, hi=4).astype(np.float64)
erf = np.vectorize(math.erf)
check("gelu_torch", path, {"x": x.astype(np.float32)},
      {"y": 0.5 * x * (1 + erf(x / math.sqrt(2)))}, rtol=1e-5, atol=1e-6)

# A softmax written out (as tf2onnx writes some): ReduceMax, Sub, Exp,
# ReduceSum (axes as an input from opset 13), Div.
path = save("softmax_decomposed", [
    helper.make_node("ReduceMax", ["x"], ["m"], axes=[1]),
    helper.make_node("Sub", ["x", "m"], ["t"]),
    helper.make_node("Exp", ["t"], ["e"]),
    helper.make_node("ReduceSum", ["e", "axes"], ["s"], keepdims=1),
    helper.make_node("Div", ["e", "s"], ["y"]),
], [vi("x", [2, 6, 3])], [vi("y", [2, 6, 3])],
    [numpy_helper.from_array(np.array([1], np.int64), "axes")])
x = rand(2, 6, 3, lo=-5, hi=5).astype(np.float64)
e = np.exp(x - x.max(1, keepdims=True))
check("softmax_decomposed", path, {"x": x.astype(np.float32)},
      {"y": e / e.sum(1, keepdims=True)}, rtol=1e-5, atol=1e-6)

# Conv (with bias) + BatchNormalization + Relu, and MatMul +
# BatchNormalization, as non-fusing exporters leave them.
w, cb = rand(4, 3, 3, 3, lo=-1, hi=1), rand(4)
sc, bb, mu = rand(4, lo=0.5, hi=2), rand(4), rand(4)
var = rand(4, lo=0.1, hi=2)
bn_inits = [init("s", sc), init("bb", bb), init("mu", mu), init("var", var)]
path = save("conv_bn", [
    helper.make_node("Conv", ["x", "w", "cb"], ["y"], pads=[1, 1, 1, 1]),
    helper.make_node("BatchNormalization", ["y", "s", "bb", "mu", "var"],
                     ["z"], epsilon=1e-3),
    helper.make_node("Relu", ["z"], ["out"]),
], [vi("x", ["batch", 3, 5, 5])], [vi("out", ["batch", 4, 5, 5])],
    [init("w", w), init("cb", cb)] + bn_inits)
x = rand(2, 3, 5, 5).astype(np.float64)
xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
conv = np.zeros((2, 4, 5, 5))
for i in range(5):
    for j in range(5):
        conv[:, :, i, j] = np.einsum("nchw,mchw->nm",
                                     xp[:, :, i:i + 3, j:j + 3], w)
conv += cb.reshape(1, 4, 1, 1)
sh = (1, 4, 1, 1)
bn = ((conv - mu.reshape(sh)) / np.sqrt(var.reshape(sh) + 1e-3)
      * sc.reshape(sh) + bb.reshape(sh))
check("conv_bn", path, {"x": x.astype(np.float32)},
      {"out": np.maximum(bn, 0)})

wm = rand(6, 4, lo=-1, hi=1)
path = save("matmul_bn", [
    helper.make_node("MatMul", ["x", "wm"], ["y"]),
    helper.make_node("BatchNormalization", ["y", "s", "bb", "mu", "var"],
                     ["z"]),
], [vi("x", ["batch", 6])], [vi("z", ["batch", 4])],
    [init("wm", wm)] + bn_inits)
x = rand(3, 6).astype(np.float64)
check("matmul_bn", path, {"x": x.astype(np.float32)},
      {"z": (x @ wm - mu) / np.sqrt(var + 1e-5) * sc + bb})

for f in failures:
    print("FAIL:", f)
print("%d failures" % len(failures))
sys.exit(1 if failures else 0)
