"""ONNX RNN, GRU, LSTM, Einsum and Loop through Kiln, against NumPy.

usage: recurrent_cases.py WORK_DIR

Builds each model with onnx.helper, runs it with `kiln run` compiled and
with `--eager`, and compares every output with a NumPy reference of the op
computed here. Also leaves models for the FileCheck lines of
recurrent.test in WORK_DIR (loop_while.onnx, unsupported_*.onnx).
Exits 1 if any case fails.
"""
import os
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

WORK = sys.argv[1]
os.makedirs(WORK, exist_ok=True)
rng = np.random.default_rng(7)
failures = []

ONNX_TYPE = {np.dtype(np.float32): TensorProto.FLOAT,
             np.dtype(np.float64): TensorProto.DOUBLE,
             np.dtype(np.int64): TensorProto.INT64,
             np.dtype(np.int32): TensorProto.INT32,
             np.dtype(np.bool_): TensorProto.BOOL}


def rand(*shape):
    return rng.uniform(-1, 1, shape).astype(np.float32)


def value_info(name, array, shape=None):
    return helper.make_tensor_value_info(
        name, ONNX_TYPE[array.dtype], list(array.shape) if shape is None else shape)


def save_model(name, nodes, inputs, outputs, inits=(), opset=17, shapes=None):
    """inputs: {name: array}; outputs: {name: (dtype, shape or None)}."""
    shapes = shapes or {}
    g = helper.make_graph(
        nodes, name,
        [value_info(k, v, shapes.get(k)) for k, v in inputs.items()],
        [helper.make_tensor_value_info(k, ONNX_TYPE[np.dtype(dt)], shp)
         for k, (dt, shp) in outputs.items()],
        [numpy_helper.from_array(v, k) for k, v in inits])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 8
    onnx.checker.check_model(m)
    path = os.path.join(WORK, name + ".onnx")
    onnx.save(m, path)
    return path


def run_case(name, nodes, inputs, expected, inits=(), opset=17, shapes=None,
             rtol=1e-4, atol=1e-5):
    """Runs the model compiled and eagerly; `expected`: {output: array}."""
    outputs = {k: (v.dtype, list(v.shape)) for k, v in expected.items()}
    path = save_model(name, nodes, inputs, outputs, inits, opset, shapes)
    case_dir = os.path.join(WORK, name)
    os.makedirs(case_dir, exist_ok=True)
    args = []
    for k, v in inputs.items():
        f = os.path.join(case_dir, k + ".npy")
        np.save(f, v)
        args += ["--input", "%s=%s" % (k, f)]
    for mode in ("compiled", "eager"):
        out = os.path.join(case_dir, mode)
        cmd = ["kiln", "run", path, "--output-dir", out] + args
        if mode == "eager":
            cmd.append("--eager")
        p = subprocess.run(cmd, capture_output=True, text=True)
        if p.returncode != 0:
            failures.append("%s (%s): kiln failed: %s" % (name, mode, p.stderr.strip()))
            continue
        for k, want in expected.items():
            got = np.load(os.path.join(out, k + ".npy"))
            if got.shape != want.shape or got.dtype != want.dtype:
                failures.append("%s (%s): %s is %s %s, expected %s %s" % (
                    name, mode, k, got.dtype, got.shape, want.dtype, want.shape))
            elif not np.allclose(got, want, rtol=rtol, atol=atol):
                failures.append("%s (%s): %s differs by up to %g" % (
                    name, mode, k, np.abs(got.astype(np.float64) - want).max()))
    print("ran", name)


#===----------------------------------------------------------------------===#
# RNN, GRU, LSTM
#===----------------------------------------------------------------------===#

def act(name, alpha=None, beta=None):
    n = name.lower()
    if n == "tanh":
        return np.tanh
    if n == "sigmoid":
        return lambda x: 1 / (1 + np.exp(-x))
    if n == "relu":
        return lambda x: np.maximum(x, 0)
    if n == "leakyrelu":
        return lambda x: np.where(x >= 0, x, alpha * x)
    if n == "hardsigmoid":
        return lambda x: np.clip(alpha * x + beta, 0, 1)
    if n == "affine":
        return lambda x: alpha * x + beta
    if n == "scaledtanh":
        return lambda x: alpha * np.tanh(beta * x)
    if n == "softsign":
        return lambda x: x / (1 + np.abs(x))
    raise ValueError(name)


def recurrent_ref(cell, X, W, R, B=None, seq_lens=None, h0=None, c0=None,
                  P=None, direction="forward", layout=0, acts=None, clip=None,
                  lbr=0):
    """Y, Y_h, Y_c of ONNX's RNN/GRU/LSTM; acts: per direction, functions."""
    X, W, R = (a.astype(np.float64) for a in (X, W, R))
    if layout == 1:
        X = X.transpose(1, 0, 2)
        h0 = None if h0 is None else h0.transpose(1, 0, 2)
        c0 = None if c0 is None else c0.transpose(1, 0, 2)
    seq, batch, _ = X.shape
    ndir, _, H = R.shape
    G = {"rnn": 1, "gru": 3, "lstm": 4}[cell]
    if B is None:
        B = np.zeros((ndir, 2 * G * H))
    if seq_lens is None:
        seq_lens = np.full(batch, seq)
    Y = np.zeros((seq, ndir, batch, H))
    Yh = np.zeros((ndir, batch, H))
    Yc = np.zeros((ndir, batch, H))
    cl = (lambda x: x) if clip is None else (lambda x: np.clip(x, -clip, clip))
    for d in range(ndir):
        f = acts[d]
        h = np.zeros((batch, H)) if h0 is None else h0[d].astype(np.float64)
        c = np.zeros((batch, H)) if c0 is None else c0[d].astype(np.float64)
        Wb, Rb = B[d, :G * H], B[d, G * H:]
        reverse = direction == "reverse" or d == 1
        for b in range(batch):
            hb, cb = h[b].copy(), c[b].copy()
            L = seq_lens[b]
            order = range(L - 1, -1, -1) if reverse else range(L)
            for t in order:
                x = X[t, b]
                if cell == "rnn":
                    hb = f[0](cl(x @ W[d].T + hb @ R[d].T + Wb + Rb))
                elif cell == "gru":
                    Wz, Wr, Wh = np.split(W[d], 3)
                    Rz, Rr, Rh = np.split(R[d], 3)
                    wbz, wbr, wbh = np.split(Wb, 3)
                    rbz, rbr, rbh = np.split(Rb, 3)
                    z = f[0](cl(x @ Wz.T + hb @ Rz.T + wbz + rbz))
                    r = f[0](cl(x @ Wr.T + hb @ Rr.T + wbr + rbr))
                    if lbr:
                        ht = f[1](cl(x @ Wh.T + r * (hb @ Rh.T + rbh) + wbh))
                    else:
                        ht = f[1](cl(x @ Wh.T + (r * hb) @ Rh.T + rbh + wbh))
                    hb = (1 - z) * ht + z * hb
                else:
                    g = x @ W[d].T + hb @ R[d].T + Wb + Rb
                    gi, go, gf, gc = np.split(g, 4)
                    if P is not None:
                        pi, po, pf = np.split(P[d].astype(np.float64), 3)
                    else:
                        pi = po = pf = 0
                    i = f[0](cl(gi + pi * cb))
                    fg = f[0](cl(gf + pf * cb))
                    ct = f[1](cl(gc))
                    cb = fg * cb + i * ct
                    o = f[0](cl(go + po * cb))
                    hb = o * f[2](cb)
                Y[t, d, b] = hb
            Yh[d, b], Yc[d, b] = hb, cb
    if layout == 1:
        Y, Yh, Yc = Y.transpose(2, 0, 1, 3), Yh.transpose(1, 0, 2), Yc.transpose(1, 0, 2)
    return [a.astype(np.float32) for a in (Y, Yh, Yc)]


def recurrent_case(name, cell, seq, batch, inp, H, direction="forward",
                   layout=0, bias=True, h0=False, c0=False, peep=False,
                   seq_lens=None, activations=None, alphas=None, betas=None,
                   ref_acts=None, clip=None, lbr=0, outputs=("Y", "Y_h"),
                   batch_dim=None):
    ndir = 2 if direction == "bidirectional" else 1
    G = {"rnn": 1, "gru": 3, "lstm": 4}[cell]
    xs = (seq, batch, inp) if layout == 0 else (batch, seq, inp)
    hs = (ndir, batch, H) if layout == 0 else (batch, ndir, H)
    ins = {"X": rand(*xs), "W": rand(ndir, G * H, inp), "R": rand(ndir, G * H, H)}
    names = ["X", "W", "R", "", "", "", "", ""]
    if bias:
        ins["B"] = rand(ndir, 2 * G * H)
        names[3] = "B"
    if seq_lens is not None:
        ins["sequence_lens"] = np.array(seq_lens, np.int32)
        names[4] = "sequence_lens"
    if h0:
        ins["initial_h"] = rand(*hs)
        names[5] = "initial_h"
    if c0:
        ins["initial_c"] = rand(*hs)
        names[6] = "initial_c"
    if peep:
        ins["P"] = rand(ndir, 3 * H)
        names[7] = "P"
    while names and names[-1] == "":
        names.pop()
    attrs = {"hidden_size": H, "direction": direction}
    if layout:
        attrs["layout"] = layout
    if activations:
        attrs["activations"] = activations
    if alphas:
        attrs["activation_alpha"] = alphas
    if betas:
        attrs["activation_beta"] = betas
    if clip is not None:
        attrs["clip"] = clip
    if lbr:
        attrs["linear_before_reset"] = lbr
    all_outs = ["Y", "Y_h", "Y_c"][:3 if cell == "lstm" else 2]
    node_outs = [o if o in outputs else "" for o in all_outs]
    while node_outs[-1] == "":
        node_outs.pop()
    node = helper.make_node(cell.upper(), names, node_outs, **attrs)
    defaults = {"rnn": ["Tanh"], "gru": ["Sigmoid", "Tanh"],
                "lstm": ["Sigmoid", "Tanh", "Tanh"]}[cell]
    if ref_acts is None:
        ref_acts = [[act(a) for a in defaults]] * ndir
    ref = recurrent_ref(cell, ins["X"], ins["W"], ins["R"], ins.get("B"),
                        ins.get("sequence_lens"), ins.get("initial_h"),
                        ins.get("initial_c"), ins.get("P"), direction, layout,
                        ref_acts, clip, lbr)
    expected = {k: v for k, v in zip(all_outs, ref) if k in outputs}
    shapes = {}
    if batch_dim:
        shapes["X"] = [seq, batch_dim, inp]
    run_case(name, [node], ins, expected, shapes=shapes)


recurrent_case("rnn_bidirectional", "rnn", 4, 2, 3, 5, "bidirectional",
               h0=True, clip=0.8, activations=["Relu", "Tanh"],
               ref_acts=[[act("relu")], [act("tanh")]])
recurrent_case("rnn_dynamic_batch", "rnn", 3, 2, 2, 4, batch_dim="N",
               activations=["Affine"], alphas=[0.5], betas=[0.25],
               ref_acts=[[act("affine", 0.5, 0.25)]])
recurrent_case("gru_reverse_lbr_layout1", "gru", 3, 2, 3, 4, "reverse",
               layout=1, h0=True, lbr=1)
recurrent_case("gru_activations", "gru", 4, 3, 2, 3,
               activations=["HardSigmoid", "LeakyRelu"], alphas=[0.3, 0.1],
               betas=[0.6],
               ref_acts=[[act("hardsigmoid", 0.3, 0.6), act("leakyrelu", 0.1)]])
recurrent_case("gru_bidirectional_nobias", "gru", 2, 2, 3, 3, "bidirectional",
               bias=False, outputs=("Y",))
recurrent_case("lstm_bidirectional_seq_lens", "lstm", 4, 3, 2, 3,
               "bidirectional", h0=True, c0=True, peep=True,
               seq_lens=[3, 1, 4], outputs=("Y", "Y_h", "Y_c"))
recurrent_case("lstm_layout1_clip_yc", "lstm", 3, 2, 4, 2, layout=1,
               clip=0.5, c0=True, outputs=("Y_c",))
recurrent_case("lstm_activations", "lstm", 2, 2, 3, 3, peep=True,
               activations=["Sigmoid", "ScaledTanh", "Softsign"],
               alphas=[1.5], betas=[0.5],
               ref_acts=[[act("sigmoid"), act("scaledtanh", 1.5, 0.5),
                          act("softsign")]],
               outputs=("Y", "Y_h", "Y_c"))

#===----------------------------------------------------------------------===#
# Einsum
#===----------------------------------------------------------------------===#

def einsum_case(name, eq, *arrays, shapes=None, dtype=np.float32):
    names = ["x%d" % i for i in range(len(arrays))]
    arrays = [a.astype(dtype) for a in arrays]
    want = np.asarray(np.einsum(eq, *[a.astype(np.float64) for a in arrays]))
    node = helper.make_node("Einsum", names, ["y"], equation=eq)
    run_case(name, [node], dict(zip(names, arrays)), {"y": want.astype(dtype)},
             shapes=dict(zip(names, shapes)) if shapes else None)


einsum_case("einsum_matmul", "ij,jk->ik", rand(3, 4), rand(4, 5))
einsum_case("einsum_batch_transposed", "bij,bkj->bik", rand(2, 3, 4), rand(2, 5, 4))
einsum_case("einsum_ellipsis_broadcast", "...ij,...jk", rand(2, 1, 3, 4), rand(5, 4, 2))
einsum_case("einsum_three", "ij,jk,kl->il", rand(2, 3), rand(3, 4), rand(4, 2))
einsum_case("einsum_trace", "ii", rand(4, 4))
einsum_case("einsum_diag3", "iji->ji", rand(3, 2, 3))
einsum_case("einsum_outer", "i,j->ij", rand(3), rand(4))
einsum_case("einsum_sum_all", "ij->", rand(3, 4))
einsum_case("einsum_permute", "abc->cba", rand(2, 3, 4))
einsum_case("einsum_private_sum", "ij,jk->k", rand(3, 4), rand(4, 2))
einsum_case("einsum_hadamard", "ij,ij->ij", rand(3, 4), rand(3, 4))
einsum_case("einsum_dynamic", "nk,km->nm", rand(3, 4), rand(4, 2),
            shapes=[["N", 4], [4, 2]])
einsum_case("einsum_dynamic_contraction", "nk,nk->k", rand(3, 4), rand(3, 4),
            shapes=[["N", 4], ["N", 4]])
einsum_case("einsum_int64", "ij,jk->ik", rng.integers(-5, 5, (2, 3)),
            rng.integers(-5, 5, (3, 2)), dtype=np.int64)

#===----------------------------------------------------------------------===#
# Loop
#===----------------------------------------------------------------------===#

def make_body(name, nodes, inputs, outputs, inits=()):
    return helper.make_graph(
        nodes, name,
        [helper.make_tensor_value_info(n, t, s) for n, t, s in inputs],
        [helper.make_tensor_value_info(n, t, s) for n, t, s in outputs],
        [numpy_helper.from_array(v, k) for k, v in inits])


F, I64, BOOL = TensorProto.FLOAT, TensorProto.INT64, TensorProto.BOOL

# A while loop: run-time trip count and condition, a body condition that
# stops after 5 iterations.
body = make_body("while_body", [
    helper.make_node("Mul", ["x_in", "two"], ["x2"]),
    helper.make_node("Add", ["x2", "one"], ["x_out"]),
    helper.make_node("Add", ["i", "one_i"], ["next"]),
    helper.make_node("Less", ["next", "five"], ["cond_out"]),
], [("i", I64, []), ("cond_in", BOOL, []), ("x_in", F, [3])],
    [("cond_out", BOOL, []), ("x_out", F, [3])],
    [("two", np.array(2, np.float32)), ("one", np.array(1, np.float32)),
     ("one_i", np.array(1, np.int64)), ("five", np.array(5, np.int64))])
loop = helper.make_node("Loop", ["M", "cond", "x"], ["y"], body=body)
x = rand(3)
for m, c0 in ((3, True), (9, True), (0, True), (9, False)):
    ref, c = x.copy(), c0
    for i in range(m):
        if not c:
            break
        ref = ref * 2 + 1
        c = i + 1 < 5
    run_case("loop_while_m%d_%s" % (m, "true" if c0 else "false"), [loop],
             {"M": np.array(m, np.int64), "cond": np.array(c0), "x": x},
             {"y": ref})
save_model("loop_while", [loop],
           {"M": np.array(1, np.int64), "cond": np.array(True), "x": x},
           {"y": (np.float32, [3])})

# Unrolled: constant trip count, scan outputs, a slice by the iteration
# number (ONNX's test_loop11 with M constant).
table = rand(5)
body = make_body("scan_body", [
    helper.make_node("Identity", ["cond_in"], ["cond_out"]),
    helper.make_node("Add", ["i", "one"], ["end"]),
    helper.make_node("Unsqueeze", ["i", "zero"], ["start1"]),
    helper.make_node("Unsqueeze", ["end", "zero"], ["end1"]),
    helper.make_node("Slice", ["table", "start1", "end1"], ["piece"]),
    helper.make_node("Add", ["y_in", "piece"], ["y_out"]),
    helper.make_node("Mul", ["y_out", "y_out"], ["sq"]),
], [("i", I64, []), ("cond_in", BOOL, []), ("y_in", F, [1])],
    [("cond_out", BOOL, []), ("y_out", F, [1]), ("sq", F, [1])],
    [("one", np.array(1, np.int64)), ("zero", np.array([0], np.int64))])
loop = helper.make_node("Loop", ["M", "", "y"], ["y_final", "scan"], body=body)
y0 = rand(1)
run_case("loop_unrolled_scan", [loop], {"y": y0},
         {"y_final": (y0 + table[:4].sum()).astype(np.float32),
          "scan": ((y0 + np.cumsum(table[:4])) ** 2).reshape(4, 1).astype(np.float32)},
         inits=[("M", np.array(4, np.int64)), ("table", table)])

# Unrolled: carried values whose shape changes every iteration.
body = make_body("grow_body", [
    helper.make_node("Identity", ["cond_in"], ["cond_out"]),
    helper.make_node("Concat", ["v_in", "v_in"], ["v_out"], axis=0),
], [("i", I64, []), ("cond_in", BOOL, []), ("v_in", F, None)],
    [("cond_out", BOOL, []), ("v_out", F, None)])
loop = helper.make_node("Loop", ["M", "c", "v"], ["v_final"], body=body)
v0 = rand(2)
run_case("loop_unrolled_growing", [loop], {"v": v0},
         {"v_final": np.tile(v0, 8)},
         inits=[("M", np.array(3, np.int64)), ("c", np.array(True))])

# Unsupported: scan outputs with a run-time trip count; LSTM input_forget;
# an unknown activation; a symbolic sequence length.
body = make_body("scan_body", [
    helper.make_node("Identity", ["cond_in"], ["cond_out"]),
    helper.make_node("Identity", ["y_in"], ["y_out"]),
    helper.make_node("Identity", ["y_in"], ["scan"]),
], [("i", I64, []), ("cond_in", BOOL, []), ("y_in", F, [1])],
    [("cond_out", BOOL, []), ("y_out", F, [1]), ("scan", F, [None, 1])])
save_model("unsupported_loop_scan",
           [helper.make_node("Loop", ["M", "", "y"], ["yf", "s"], body=body)],
           {"M": np.array(1, np.int64), "y": y0},
           {"yf": (np.float32, [1]), "s": (np.float32, ["K", 1])})
W, R = rand(1, 12, 2), rand(1, 12, 3)
save_model("unsupported_lstm",
           [helper.make_node("LSTM", ["X", "W", "R"], ["", "h1"], hidden_size=3,
                             input_forget=1),
            helper.make_node("LSTM", ["X", "W", "R"], ["", "h2"], hidden_size=3,
                             activations=["Sigmoid", "Gelu", "Tanh"]),
            helper.make_node("LSTM", ["Xs", "W", "R"], ["", "h3"], hidden_size=3)],
           {"X": rand(2, 1, 2), "Xs": rand(2, 1, 2)},
           {"h1": (np.float32, [1, 1, 3]), "h2": (np.float32, [1, 1, 3]),
            "h3": (np.float32, [1, 1, 3])},
           inits=[("W", W), ("R", R)], shapes={"Xs": ["T", 1, 2]})

for f in failures:
    print("FAIL:", f)
print("%d failure(s)" % len(failures))
sys.exit(1 if failures else 0)
