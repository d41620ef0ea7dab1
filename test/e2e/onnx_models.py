"""ONNX models shaped the way exporters write them, built with onnx.helper,
compiled and run by kiln (compiled through `kiln compile --emit shared` and
`kiln run`, and eagerly), and compared with NumPy references written here.

usage: onnx_models.py KILN_BIN_DIR WORK_DIR
"""

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
rng = np.random.default_rng(7)
failures = []


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    return p.returncode, p.stdout + p.stderr


def save_model(name, nodes, inputs, outputs, inits, opset=13):
    graph = helper.make_graph(nodes, name, inputs, outputs, inits)
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 7
    onnx.checker.check_model(model)
    path = os.path.join(WORK, name + ".onnx")
    onnx.save(model, path)
    return path


def init(name, array):
    return numpy_helper.from_array(np.asarray(array), name)


def check(name, model, feeds, expected, shapes=(), rtol=1e-4, atol=1e-5):
    """Runs `model` compiled (a shared object made by kiln compile) and
    eagerly; compares every output with `expected` (name -> array)."""
    case = os.path.join(WORK, name)
    os.makedirs(case, exist_ok=True)
    args = []
    for k, v in feeds.items():
        f = os.path.join(case, "in_%s.npy" % k)
        np.save(f, v)
        args += ["--input", "%s=%s" % (k, f)]
    pins = []
    for s in shapes:
        pins += ["--shape", s]
    so = os.path.join(case, name + ".so")
    rc, out = run([KILN, "compile", model, "--emit", "shared", "-o", so] + pins)
    if rc != 0:
        failures.append("%s: compile failed: %s" % (name, out))
        return
    modes = {"compiled": [KILN, "run", so], "eager": [KILN, "run", model,
                                                        "--eager"]}
    for mode, cmd in modes.items():
        outdir = os.path.join(case, mode)
        rc, out = run(cmd + args + ["--output-dir", outdir])
        if rc != 0:
            failures.append("%s (%s): run failed: %s" % (name, mode, out))
            continue
        for oname, want in expected.items():
            got = np.load(os.path.join(outdir, oname + ".npy"))
            if got.shape != want.shape or got.dtype != want.dtype:
                failures.append("%s (%s): output %s is %s %s, expected %s %s"
                                % (name, mode, oname, got.dtype, got.shape,
                                   want.dtype, want.shape))
            elif not np.allclose(got, want, rtol=rtol, atol=atol):
                err = np.max(np.abs(got.astype(np.float64) - want))
                failures.append("%s (%s): output %s differs (max abs err %g)"
                                % (name, mode, oname, err))
    print("%s: checked" % name)


# --- NumPy references ---------------------------------------------------

def conv2d(x, w, b, stride=1, pad=0):
    n, c, h, wd = x.shape
    m, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    oh = (h + 2 * pad - kh) // stride + 1
    ow = (wd + 2 * pad - kw) // stride + 1
    y = np.zeros((n, m, oh, ow))
    for i in range(kh):
        for j in range(kw):
            patch = xp[:, :, i:i + stride * oh:stride, j:j + stride * ow:stride]
            y += np.einsum("nchw,mc->nmhw", patch, w[:, :, i, j])
    return y + b.reshape(1, -1, 1, 1)


def conv_transpose2d(x, w, b, stride):
    n, c, h, wd = x.shape
    _, m, kh, kw = w.shape
    y = np.zeros((n, m, (h - 1) * stride + kh, (wd - 1) * stride + kw))
    for i in range(h):
        for j in range(wd):
            y[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw] += \
                np.einsum("nc,cmkl->nmkl", x[:, :, i, j], w)
    return y + b.reshape(1, -1, 1, 1)


def maxpool2(x):
    n, c, h, w = x.shape
    return x.reshape(n, c, h // 2, 2, w // 2, 2).max(axis=(3, 5))


def f32(a):
    return np.asarray(a, dtype=np.float32)


# --- 1. A CNN as PyTorch exports it -------------------------------------
# Conv + BatchNormalization + Clip (min/max from Constant nodes, opset 11+)
# + MaxPool + ConvTranspose + HardSigmoid + GlobalAveragePool, then the
# Shape -> Gather -> Unsqueeze -> Concat -> Reshape flatten that exporters
# emit, and Gemm (transB). The batch dim is a named dynamic dim.
w1 = f32(rng.normal(0, 0.3, (8, 3, 3, 3)))
b1 = f32(rng.normal(0, 0.1, 8))
scale, bias = f32(rng.uniform(0.5, 1.5, 8)), f32(rng.normal(0, 0.1, 8))
mean, var = f32(rng.normal(0, 0.1, 8)), f32(rng.uniform(0.5, 1.5, 8))
wt = f32(rng.normal(0, 0.3, (8, 4, 2, 2)))
bt = f32(rng.normal(0, 0.1, 4))
wg = f32(rng.normal(0, 0.3, (10, 4)))
bg = f32(rng.normal(0, 0.1, 10))
nodes = [
    helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], name="conv1",
                     pads=[1, 1, 1, 1], kernel_shape=[3, 3]),
    helper.make_node("BatchNormalization", ["c1", "s", "bb", "m", "v"],
                     ["bn"], name="bn1", epsilon=1e-5),
    helper.make_node("Constant", [], ["lo"], name="c_lo",
                     value=helper.make_tensor("lo", TensorProto.FLOAT, [], [0.0])),
    helper.make_node("Constant", [], ["hi"], name="c_hi",
                     value=helper.make_tensor("hi", TensorProto.FLOAT, [], [6.0])),
    helper.make_node("Clip", ["bn", "lo", "hi"], ["r"], name="relu6"),
    helper.make_node("MaxPool", ["r"], ["p"], name="pool", kernel_shape=[2, 2],
                     strides=[2, 2]),
    helper.make_node("ConvTranspose", ["p", "wt", "bt"], ["u"], name="up",
                     strides=[2, 2], kernel_shape=[2, 2]),
    helper.make_node("HardSigmoid", ["u"], ["hs"], name="hsig", alpha=0.2,
                     beta=0.5),
    helper.make_node("GlobalAveragePool", ["hs"], ["g"], name="gap"),
    helper.make_node("Shape", ["g"], ["shp"], name="shape"),
    helper.make_node("Constant", [], ["zero"], name="c0",
                     value=helper.make_tensor("zero", TensorProto.INT64, [], [0])),
    helper.make_node("Gather", ["shp", "zero"], ["n"], name="gather", axis=0),
    helper.make_node("Unsqueeze", ["n", "ax0"], ["n1"], name="unsq"),
    helper.make_node("Constant", [], ["minus1"], name="cm1",
                     value=helper.make_tensor("minus1", TensorProto.INT64, [1],
                                              [-1])),
    helper.make_node("Concat", ["n1", "minus1"], ["newshape"], name="cat",
                     axis=0),
    helper.make_node("Reshape", ["g", "newshape"], ["flat"], name="flatten"),
    helper.make_node("Gemm", ["flat", "wg", "bg"], ["logits"], name="fc",
                     transB=1),
]
inits = [init("w1", w1), init("b1", b1), init("s", scale), init("bb", bias),
         init("m", mean), init("v", var), init("wt", wt), init("bt", bt),
         init("wg", wg), init("bg", bg), init("ax0", np.array([0], np.int64))]
model = save_model(
    "cnn_exported", nodes,
    [helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                   ["batch", 3, 16, 16])],
    [helper.make_tensor_value_info("logits", TensorProto.FLOAT,
                                   ["batch", 10])], inits)
x = f32(rng.normal(0, 1, (2, 3, 16, 16)))
ref = conv2d(x.astype(np.float64), w1, b1, pad=1)
ref = (ref - mean.reshape(1, -1, 1, 1)) / np.sqrt(
    var.reshape(1, -1, 1, 1) + 1e-5) * scale.reshape(1, -1, 1, 1) + \
    bias.reshape(1, -1, 1, 1)
ref = maxpool2(np.clip(ref, 0, 6))
ref = conv_transpose2d(ref, wt, bt, 2)
ref = np.clip(0.2 * ref + 0.5, 0, 1).mean(axis=(2, 3))
ref = ref @ wg.T + bg
check("cnn_exported", model, {"x": x}, {"logits": f32(ref)},
      shapes=["x=2,3,16,16"])

# Without --shape the batch dim stays symbolic: the importer follows the
# Shape -> Gather -> Concat -> Reshape chain symbolically (Reshape [batch, -1]
# becomes kiln.reshape [0, -1]); one artifact serves every batch size.
check("cnn_symbolic_batch", model, {"x": x}, {"logits": f32(ref)})
x1 = x[:1]
ref1 = ref[:1]
check("cnn_symbolic_batch1", model, {"x": x1}, {"logits": f32(ref1)})

# A shape computation the importer cannot follow symbolically (arithmetic
# through floats) is an error naming the node, suggesting --shape; pinned,
# it folds.
nodes = [
    helper.make_node("Shape", ["x"], ["s"], name="shape"),
    helper.make_node("Cast", ["s"], ["sf"], name="to_float", to=TensorProto.FLOAT),
    helper.make_node("Mul", ["sf", "one"], ["r"], name="times_one"),
    helper.make_node("Cast", ["r"], ["ri"], name="to_int", to=TensorProto.INT64),
    helper.make_node("Reshape", ["x", "ri"], ["y"], name="reshape"),
]
odd = save_model(
    "shape_float_math", nodes,
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["a", "b"])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["c", "d"])],
    [init("one", np.float32(1.0))])
rc, out = run([KILN, "compile", odd, "--emit", "kiln", "-o",
               os.path.join(WORK, "odd.mlir")])
if rc != 1 or "node 'to_float' (Cast): unsupported" not in out or \
        "--shape" not in out:
    failures.append("shape_float_math: expected exit 1 naming node "
                    "'to_float' and --shape, got %d: %s" % (rc, out))
xs = f32(rng.normal(0, 1, (4, 9)))
check("shape_float_math_pinned", odd, {"x": xs}, {"y": xs},
      shapes=["x=4,9"])

# --- 2. Layer norm as exporters decompose it, batch MatMul -----------------
d = 32
gamma, beta = f32(rng.uniform(0.5, 1.5, d)), f32(rng.normal(0, 0.1, d))
wm = f32(rng.normal(0, 0.2, (d, 16)))
nodes = [
    helper.make_node("ReduceMean", ["x"], ["mu"], name="mean", axes=[-1]),
    helper.make_node("Sub", ["x", "mu"], ["xc"], name="center"),
    helper.make_node("Constant", [], ["two"], name="c2",
                     value=helper.make_tensor("two", TensorProto.FLOAT, [], [2.0])),
    helper.make_node("Pow", ["xc", "two"], ["sq"], name="square"),
    helper.make_node("ReduceMean", ["sq"], ["var"], name="variance", axes=[-1]),
    helper.make_node("Constant", [], ["eps"], name="ceps",
                     value=helper.make_tensor("eps", TensorProto.FLOAT, [],
                                              [1e-5])),
    helper.make_node("Add", ["var", "eps"], ["ve"], name="add_eps"),
    helper.make_node("Sqrt", ["ve"], ["sd"], name="sqrt"),
    helper.make_node("Div", ["xc", "sd"], ["xn"], name="normalize"),
    helper.make_node("Mul", ["xn", "gamma"], ["xs"], name="scale"),
    helper.make_node("Add", ["xs", "beta"], ["ln"], name="shift"),
    helper.make_node("MatMul", ["ln", "wm"], ["y"], name="proj"),
]
model = save_model(
    "layernorm_decomposed", nodes,
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", "seq", d])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", "seq", 16])],
    [init("gamma", gamma), init("beta", beta), init("wm", wm)])
x = f32(rng.normal(0, 1, (3, 5, d)))
xd = x.astype(np.float64)
mu = xd.mean(-1, keepdims=True)
ln = (xd - mu) / np.sqrt(((xd - mu) ** 2).mean(-1, keepdims=True) + 1e-5)
ref = (ln * gamma + beta) @ wm
# Symbolic batch and sequence: compiled once, no pins needed.
check("layernorm_decomposed", model, {"x": x}, {"y": f32(ref)})

# --- 3. Resize at opset 11 with an empty roi, Flatten --------------------
nodes = [
    helper.make_node("Constant", [], ["roi"], name="roi",
                     value=helper.make_tensor("roi", TensorProto.FLOAT, [0], [])),
    helper.make_node("Constant", [], ["scales"], name="scales",
                     value=helper.make_tensor("scales", TensorProto.FLOAT, [4],
                                              [1, 1, 2, 2])),
    helper.make_node("Resize", ["x", "roi", "scales"], ["up"], name="resize",
                     mode="nearest", coordinate_transformation_mode="asymmetric",
                     nearest_mode="floor"),
    helper.make_node("Resize", ["x", "roi", "scales"], ["lin"], name="resize_lin",
                     mode="linear",
                     coordinate_transformation_mode="align_corners"),
    helper.make_node("Flatten", ["up"], ["flat"], name="flatten", axis=1),
]
model = save_model(
    "resize_opset11", nodes,
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 3, 4])],
    [helper.make_tensor_value_info("flat", TensorProto.FLOAT, [1, 96]),
     helper.make_tensor_value_info("lin", TensorProto.FLOAT, [1, 2, 6, 8])],
    [], opset=11)
x = f32(rng.normal(0, 1, (1, 2, 3, 4)))
up = x.repeat(2, axis=2).repeat(2, axis=3)


def align_corners_1d(n_in, n_out):
    pos = np.arange(n_out) * (n_in - 1) / (n_out - 1)
    lo = np.floor(pos).astype(int)
    hi = np.minimum(lo + 1, n_in - 1)
    return lo, hi, pos - lo


lo_h, hi_h, fh = align_corners_1d(3, 6)
lo_w, hi_w, fw = align_corners_1d(4, 8)
xd = x.astype(np.float64)
rows = xd[:, :, lo_h, :] * (1 - fh)[None, None, :, None] + \
    xd[:, :, hi_h, :] * fh[None, None, :, None]
lin = rows[:, :, :, lo_w] * (1 - fw) + rows[:, :, :, hi_w] * fw
check("resize_opset11", model, {"x": x},
      {"flat": up.reshape(1, -1), "lin": f32(lin)})

# --- 4. Hundreds of Constant nodes ----------------------------------------
count = 300
nodes, vals = [], []
prev = "x"
for i in range(count):
    v = float(rng.normal())
    vals.append(v)
    nodes.append(helper.make_node(
        "Constant", [], ["k%d" % i], name="const%d" % i,
        value=helper.make_tensor("k%d" % i, TensorProto.FLOAT, [1], [v])))
    out = "y" if i == count - 1 else "t%d" % i
    nodes.append(helper.make_node("Add" if i % 2 == 0 else "Mul",
                                  [prev, "k%d" % i], [out], name="op%d" % i))
    prev = out
model = save_model(
    "many_constants", nodes,
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n"])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n"])], [])
x = f32(rng.normal(0, 1, 7))
ref = x.astype(np.float64)
for i, v in enumerate(vals):
    # The model computes in f32: round each step as it does.
    ref = f32(ref + np.float32(v)) if i % 2 == 0 else f32(ref * np.float32(v))
check("many_constants", model, {"x": x}, {"y": ref}, rtol=1e-5, atol=1e-5)

# --- 5. Weights in an external data file (as large exports store them) ----
w = f32(rng.normal(0, 1, (64, 32)))
g = helper.make_graph(
    [helper.make_node("MatMul", ["x", "w"], ["y"], name="mm")], "external",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 64])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 32])],
    [init("w", w)])
m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
m.ir_version = 7
ext_dir = os.path.join(WORK, "ext")
os.makedirs(ext_dir)
onnx.save(m, os.path.join(ext_dir, "external.onnx"),
          save_as_external_data=True, all_tensors_to_one_file=True,
          location="weights.bin", size_threshold=0)
x = f32(rng.normal(0, 1, (3, 64)))
check("external_data", os.path.join(ext_dir, "external.onnx"), {"x": x},
      {"y": f32(x.astype(np.float64) @ w)})
os.remove(os.path.join(ext_dir, "weights.bin"))
rc, out = run([KILN, "compile", os.path.join(ext_dir, "external.onnx"),
               "--emit", "kiln", "-o", os.path.join(WORK, "ext.mlir")])
if rc != 1 or "cannot read external data file" not in out:
    failures.append("external data missing: expected exit 1 and 'cannot read "
                    "external data file', got %d: %s" % (rc, out))

# --- 6. Errors -----------------------------------------------------------
# Unsupported ops and attribute values: all reported at once, each naming
# the node and its op type; exit status 1.
nodes = [
    helper.make_node("Relu", ["x"], ["a"], name="ok_relu"),
    helper.make_node("Unique", ["a"], ["b"], name="uniq"),
    helper.make_node("Resize", ["x", "roi", "sc"], ["c"], name="tf_resize",
                     mode="nearest",
                     coordinate_transformation_mode="tf_crop_and_resize"),
    helper.make_node("NonZero", ["x"], ["d"], name="nz"),
]
model = save_model(
    "unsupported", nodes,
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 2, 2, 2]),
     helper.make_tensor_value_info("roi", TensorProto.FLOAT, [8])],
    [helper.make_tensor_value_info("b", TensorProto.FLOAT, ["u"]),
     helper.make_tensor_value_info("c", TensorProto.FLOAT, [2, 2, 4, 4]),
     helper.make_tensor_value_info("d", TensorProto.INT64, [4, "nz"])],
    [init("sc", f32([1, 1, 2, 2]))])
rc, out = run([KILN, "compile", model, "--emit", "kiln", "-o",
               os.path.join(WORK, "u.mlir")])
wanted = ["node 'uniq' (Unique): unsupported: op 'Unique'",
          "node 'tf_resize' (Resize): unsupported: "
          "input 1 ('roi') must be a compile-time constant",
          "node 'nz' (NonZero): unsupported: op 'NonZero'"]
if rc != 1 or any(w not in out for w in wanted):
    failures.append("unsupported: expected exit 1 and %s, got %d: %s"
                    % (wanted, rc, out))

# A truncated file and one that is not ONNX at all: an error, not a crash.
good = open(os.path.join(WORK, "cnn_exported.onnx"), "rb").read()
for name, data in [("truncated", good[:len(good) // 2]),
                   ("garbage", bytes(rng.integers(0, 256, 4096,
                                                  dtype=np.uint8)))]:
    path = os.path.join(WORK, name + ".onnx")
    open(path, "wb").write(data)
    rc, out = run([KILN, "compile", path, "--emit", "kiln", "-o",
                   os.path.join(WORK, name + ".mlir")])
    if rc != 1 or "error:" not in out or "not a valid ONNX model" not in out:
        failures.append("%s: expected exit 1 with 'not a valid ONNX model', "
                        "got %d: %s" % (name, rc, out))

if failures:
    print("\n".join("FAIL: " + f for f in failures))
    sys.exit(1)
print("all ONNX model checks passed")
