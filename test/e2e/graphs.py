"""Multi-op graphs (MLP-like, nodes listed out of order, shared values, dead
nodes, constant subgraphs, every op in one graph), with symbolic batch dims,
compiled and eager, against NumPy.

usage: graphs.py KILN_BIN_DIR [WORK_DIR]
"""
import json
import os

import numpy as np

import kiln_testing as kt

s = kt.Suite("graphs")

F32, F64, I32, I64 = np.float32, np.float64, np.int32, np.int64
NS = (1, 3, 7)


def softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def relu(x):
    return np.maximum(x, 0)


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


# --- MLP, nodes shuffled, weights from every kind of constant ---------------
w1, b1 = kt.rand((8, 16), lo=-0.5, hi=0.5), kt.rand((16,), lo=-0.1, hi=0.1)
w2 = kt.rand((16, 3), lo=-0.5, hi=0.5)
nodes = [
    kt.node("softmax", ["logits"], "probs", {"axis": -1}, name="probs"),
    kt.node("add", ["l0", "b2"], "logits", name="bias2"),
    kt.node("relu", ["h1"], "h", name="act1"),
    kt.node("matmul", ["h", "w2"], "l0", name="fc2"),
    kt.node("matmul", ["x", "w1"], "h0", name="fc1"),
    kt.node("add", ["h0", "b1"], "h1", name="bias1"),
]
g = kt.graph([kt.inp("x", "f32", ["N", 8])], nodes, ["probs", "logits", "h"],
             constants=[kt.const("w1", w1, file=True),
                        kt.const("b1", b1),
                        kt.const("w2", w2, nested=True),
                        kt.const("b2", dtype="f32", shape=[3], fill=0.25)],
             name="mlp")


def mlp_ref(i):
    h = relu(i["x"] @ w1.astype(F64) + b1)
    logits = h @ w2.astype(F64) + 0.25
    return {"probs": softmax(logits), "logits": logits, "h": h}


s.case("mlp_shuffled_N", g, [{"x": kt.rand((n, 8))} for n in NS], mlp_ref,
       rtol={"probs": 1e-4, "logits": 1e-5, "h": 1e-5}, atol=1e-5,
       graph_mode=True)

# --- the shipped example, examples/mlp.json with its weight files ---------
here = os.path.dirname(os.path.abspath(__file__))
ex_dir = os.path.join(here, "..", "..", "examples")
with open(os.path.join(ex_dir, "mlp.json")) as f:
    ex = json.load(f)
weights = {}
for c in ex["constants"]:
    weights[c["name"]] = np.load(os.path.join(ex_dir, c["file"]))
    c["_array"] = weights[c["name"]]
    c["file"] = c["name"] + ".npy"


def ex_ref(i):
    w = {k: v.astype(F64) for k, v in weights.items()}
    h = relu(i["x"] @ w["w1"] + w["b1"])
    return softmax(h @ w["w2"] + w["b2"])


s.case("example_mlp_json", ex, [{"x": kt.rand((n, 8))} for n in NS], ex_ref,
       rtol=1e-4, atol=1e-6)

# --- two-layer network with sigmoid/tanh, batch-broadcast matmul and a
# --- reduction head; a value consumed by several nodes; a dead node --------
wa = kt.rand((4, 6), lo=-1, hi=1)
wb = kt.rand((2, 6, 5), lo=-1, hi=1)
nodes = [
    kt.node("reduce_mean", ["z"], "score", {"axes": [-1], "keepdims": False}),
    kt.node("mul", ["s", "t"], "st"),
    kt.node("tanh", ["a"], "t"),
    kt.node("sigmoid", ["a"], "s"),
    kt.node("matmul", ["x", "wa"], "a"),
    kt.node("exp", ["a"], "dead"),                       # not an output
    kt.node("matmul", ["st", "wb"], "z"),                # [2, N, 5]
    kt.node("reduce_max", ["z"], "zmax", {"axes": [0, 2]}),
    kt.node("sub", ["st", "a"], "diff"),
    kt.node("neg", ["diff"], "nd"),
    kt.node("min", ["nd", "a"], "m"),
]
g = kt.graph([kt.inp("x", "f32", ["N", 4])], nodes,
             ["score", "zmax", "m", "st"],
             constants=[kt.const("wa", wa), kt.const("wb", wb, file=True)])


def net_ref(i):
    a = i["x"] @ wa.astype(F64)
    st = sigmoid(a) * np.tanh(a)
    z = np.matmul(st, wb.astype(F64))
    return {"score": z.mean(-1), "zmax": z.max(axis=(0, 2), keepdims=True),
            "m": np.minimum(-(st - a), a), "st": st}


s.case("net_shared_values_dead_node", g, [{"x": kt.rand((n, 4))} for n in NS],
       net_ref, rtol=1e-4, atol=1e-5)

# --- every op of the walking skeleton in one graph, out of order -----------
nodes = [
    kt.node("softmax", ["r2"], "out_softmax", {"axis": 0}),
    kt.node("reshape", ["bt"], "r2", {"shape": [0, -1]}),       # [N, 6]
    kt.node("transpose", ["b3"], "bt", {"perm": [0, 2, 1]}),    # [N, 3, 2]
    kt.node("broadcast_to", ["c"], "cb", {"shape": [2, 3]}),
    kt.node("add", ["xm", "cb"], "b2"),                         # [N, 2, 3]
    kt.node("reshape", ["x"], "xr", {"shape": [-1, 2, 3]}),
    kt.node("max", ["xr", "zero"], "xm"),
    kt.node("div", ["b2", "two"], "b3"),
    kt.node("reduce_sum", ["r2"], "out_sum", {"axes": [1], "keepdims": False}),
    kt.node("matmul", ["r2", "w"], "mm", {"transpose_b": True}),  # [N, 4]
    kt.node("relu", ["mm"], "rl"),
    kt.node("sub", ["rl", "mm"], "d"),
    kt.node("exp", ["d"], "e"),
    kt.node("mul", ["e", "mm"], "out_mm"),
    kt.node("reduce_mean", ["out_mm"], "out_mean", {"keepdims": False}),
    kt.node("min", ["r2", "half"], "mn"),
    kt.node("neg", ["mn"], "ng"),
    kt.node("tanh", ["ng"], "th"),
    kt.node("sigmoid", ["th"], "out_sig"),
    kt.node("reduce_max", ["out_sig"], "out_max", {"axes": [-1]}),
]
c = kt.rand((3,))
w = kt.rand((4, 6))
g = kt.graph([kt.inp("x", "f32", ["N", 6])], nodes,
             ["out_softmax", "out_sum", "out_mm", "out_mean", "out_max"],
             constants=[kt.const("c", c), kt.const("w", w, file=True),
                        kt.const("zero", dtype="f32", shape=[], fill=0.0),
                        kt.const("two", np.array([2.0], F32)),
                        kt.const("half", dtype="f32", shape=[1, 1], fill=0.5)])


def all_ref(i):
    x = i["x"]
    xm = np.maximum(x.reshape(-1, 2, 3), 0.0)
    b3 = (xm + np.broadcast_to(c, (2, 3))) / 2.0
    r2 = np.transpose(b3, (0, 2, 1)).reshape(x.shape[0], -1)
    mm = r2 @ w.astype(F64).T
    out_mm = np.exp(relu(mm) - mm) * mm
    sig = sigmoid(np.tanh(-np.minimum(r2, 0.5)))
    return {"out_softmax": softmax(r2, 0), "out_sum": r2.sum(1),
            "out_mm": out_mm, "out_mean": out_mm.mean(),
            "out_max": sig.max(-1, keepdims=True)}


s.case("every_op_shuffled", g, [{"x": kt.rand((n, 6))} for n in NS], all_ref,
       rtol=1e-4, atol=1e-5, graph_mode=True)

# --- constant subgraph (foldable) feeding a symbolic computation -----------
ca = kt.rand((3, 3))
nodes = [
    kt.node("matmul", ["x", "k2"], "y"),
    kt.node("add", ["k1", "eye"], "k2"),
    kt.node("mul", ["ca", "ca"], "k0"),
    kt.node("tanh", ["k0"], "k1"),
]
g = kt.graph([kt.inp("x", "f32", ["N", 3])], nodes, ["y", "k2"],
             constants=[kt.const("ca", ca),
                        kt.const("eye", np.eye(3, dtype=F32), nested=True)])


def fold_ref(i):
    k2 = np.tanh(ca.astype(F64) ** 2) + np.eye(3)
    return {"y": i["x"] @ k2, "k2": k2}


s.case("constant_subgraph", g, [{"x": kt.rand((n, 3))} for n in NS],
       fold_ref, rtol=1e-4, atol=1e-5)

# --- two symbolic dims shared between inputs -------------------------------
g = kt.graph([kt.inp("a", "f32", ["N", "K"]), kt.inp("b", "f32", ["K", 2]),
              kt.inp("bias", "f32", ["N", 1])],
             [kt.node("matmul", ["a", "b"], "ab"),
              kt.node("add", ["ab", "bias"], "y"),
              kt.node("reduce_sum", ["a"], "rs", {"axes": [1]}),
              kt.node("sub", ["rs", "bias"], "z")],
             ["y", "z"])
s.case("two_symbolic_dims", g,
       [{"a": kt.rand((n, k)), "b": kt.rand((k, 2)), "bias": kt.rand((n, 1))}
        for n, k in [(1, 1), (3, 4), (7, 5)]],
       lambda i: {"y": i["a"] @ i["b"] + i["bias"],
                  "z": i["a"].sum(1, keepdims=True) - i["bias"]},
       atol=1e-5)

# --- independent ops whose results have the same type (each must get its
# --- own buffer) ---------------------------------------------------------
g = kt.graph([kt.inp("a", "f32", [2, 3]), kt.inp("b", "f32", [3, 2]),
              kt.inp("c", "f32", [2, 4]), kt.inp("d", "f32", [4, 2])],
             [kt.node("matmul", ["a", "b"], "y1"),
              kt.node("matmul", ["c", "d"], "y2")], ["y1", "y2"])
s.case("two_matmuls_same_result_type", g,
       {"a": kt.rand((2, 3)), "b": kt.rand((3, 2)), "c": kt.rand((2, 4)),
        "d": kt.rand((4, 2))},
       lambda i: {"y1": i["a"] @ i["b"], "y2": i["c"] @ i["d"]}, atol=1e-5)
g = kt.graph([kt.inp("a", "f32", [3, 4]), kt.inp("b", "f32", [3, 5])],
             [kt.node("reduce_sum", ["a"], "s1", {"axes": [1]}),
              kt.node("reduce_sum", ["b"], "s2", {"axes": [1]}),
              kt.node("reduce_max", ["a"], "m1", {"axes": [1]}),
              kt.node("reduce_max", ["b"], "m2", {"axes": [1]}),
              kt.node("reduce_sum", ["a"], "s3", {"axes": [1],
                                                  "keepdims": False}),
              kt.node("reduce_sum", ["b"], "s4", {"axes": [1],
                                                  "keepdims": False}),
              kt.node("reduce_max", ["a"], "m3", {"axes": [1],
                                                  "keepdims": False}),
              kt.node("reduce_max", ["b"], "m4", {"axes": [1],
                                                  "keepdims": False})],
             ["s1", "s2", "m1", "m2", "s3", "s4", "m3", "m4"])
s.case("reductions_same_result_type", g,
       {"a": kt.rand((3, 4)), "b": kt.rand((3, 5))},
       lambda i: {"s1": i["a"].sum(1, keepdims=True),
                  "s2": i["b"].sum(1, keepdims=True),
                  "m1": i["a"].max(1, keepdims=True),
                  "m2": i["b"].max(1, keepdims=True),
                  "s3": i["a"].sum(1), "s4": i["b"].sum(1),
                  "m3": i["a"].max(1), "m4": i["b"].max(1)}, atol=1e-5)

# --- integer graph ---------------------------------------------------------
g = kt.graph([kt.inp("x", "i32", ["N", 3]), kt.inp("w", "i32", [3, 2])],
             [kt.node("relu", ["p"], "r"),
              kt.node("matmul", ["x", "w"], "p"),
              kt.node("div", ["p", "three"], "q"),
              kt.node("reduce_sum", ["r"], "s", {"axes": [0],
                                                 "keepdims": False}),
              kt.node("max", ["q", "mneg"], "mx")],
             ["r", "q", "s", "mx"],
             constants=[kt.const("three", dtype="i32", shape=[], fill=3),
                        kt.const("mneg", np.array([-2, 1], I32))])


def tdiv(a, b):
    return (np.abs(a) // np.abs(b)) * np.sign(a) * np.sign(b)


s.case("integer_graph", g,
       [{"x": kt.rand((n, 3), I32), "w": kt.rand((3, 2), I32)} for n in NS],
       lambda i: {"r": relu(i["x"] @ i["w"]), "q": tdiv(i["x"] @ i["w"], 3),
                  "s": relu(i["x"] @ i["w"]).sum(0),
                  "mx": np.maximum(tdiv(i["x"] @ i["w"], 3), [-2, 1])})

# --- f64 graph ---------------------------------------------------------------
wd = kt.rand((5, 4), F64)
g = kt.graph([kt.inp("x", "f64", ["N", 5])],
             [kt.node("softmax", ["h"], "y"),
              kt.node("matmul", ["x", "w"], "h0"),
              kt.node("tanh", ["h0"], "h")],
             ["y"], constants=[kt.const("w", wd, file=True)])
s.case("f64_graph", g, [{"x": kt.rand((n, 5), F64)} for n in NS],
       lambda i: softmax(np.tanh(i["x"] @ wd)), rtol=1e-9)

s.finish()
