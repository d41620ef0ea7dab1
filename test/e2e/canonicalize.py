"""Graphs full of patterns that the graph pipeline's canonicalizer simplifies
(x + -0, 0 + x, 1 * x, x / 1, a transpose pair that cancels and one that
composes, reshape chains, squeeze of unsqueeze, a one-input concat, a slice
taking everything, pad by nothing, tile once, lossless cast chains, an `if`
on a constant condition) compute what the graph as written computes:
compiled (simplified) and eager (as written) against NumPy. The compiled
graph's kiln IR (`--emit kiln`) is checked to have lost those ops.

usage: canonicalize.py KILN_BIN_DIR [WORK_DIR]
"""
import os

import numpy as np

import kiln_testing as kt

s = kt.Suite("canonicalize")
F16, F32, F64, I32, I64 = np.float16, np.float32, np.float64, np.int32, \
    np.int64
BIG = 2**63 - 1
NS = (1, 2, 5)


def g(inputs, outputs, nodes):
    """A nested graph: inputs by name only (they take the bound types)."""
    return {"inputs": [{"name": i} for i in inputs],
            "outputs": list(outputs), "nodes": list(nodes)}


nodes = [
    # y: x + -0, * 1, / 1, a transpose pair that cancels, two reshapes, a
    # one-input concat, a whole slice, f32 -> f64 -> f32, pad by nothing,
    # tile once: x reshaped.
    kt.node("add", ["x", "negzero"], "a"),
    kt.node("mul", ["one", "a"], "b"),
    kt.node("div", ["b", "one"], "b2"),
    kt.node("transpose", ["b2"], "t1", {"perm": [0, 2, 1]}),
    kt.node("transpose", ["t1"], "t2", {"perm": [0, 2, 1]}),
    kt.node("reshape", ["t2"], "r1", {"shape": [0, 12]}),
    kt.node("reshape", ["r1"], "r2", {"shape": [0, 3, 4]}),
    kt.node("concat", ["r2"], "c", {"axis": 1}),
    kt.node("slice", ["c"], "sl", {"starts": [0, 0], "ends": [BIG, 3]}),
    kt.node("cast", ["sl"], "d", {"to": "f64"}),
    kt.node("cast", ["d"], "e", {"to": "f32"}),
    kt.node("pad", ["e"], "pd", {"pads": [0, 0, 0, 0, 0, 0]}),
    kt.node("tile", ["pd"], "y", {"repeats": [1, 1, 1]}),
    # z: two transposes that do not cancel become one.
    kt.node("transpose", ["t1"], "z", {"perm": [1, 0, 2]}),
    # kf: integer 0 + k, * 1, then i32 -> i64 -> f64 (one cast).
    kt.node("add", ["izero", "k"], "ka"),
    kt.node("mul", ["ka", "ione"], "km"),
    kt.node("cast", ["km"], "k64", {"to": "i64"}),
    kt.node("cast", ["k64"], "kf", {"to": "f64"}),
    # w: x + 0.0 stays (-0.0 + 0.0 is +0.0); squeeze(unsqueeze) goes;
    # flatten, and a product with a broadcast splat constant.
    kt.node("add", ["x", "poszero"], "p"),
    kt.node("unsqueeze", ["p"], "u", {"axes": [0]}),
    kt.node("squeeze", ["u"], "q", {"axes": [0]}),
    kt.node("flatten", ["q"], "fl", {"axis": 1}),
    kt.node("broadcast_to", ["half"], "hb", {"shape": [12]}),
    kt.node("mul", ["fl", "hb"], "w"),
    # h64: f32 -> f16 (rounds, stays), f16 -> f32 -> f64 (one cast).
    kt.node("cast", ["x"], "h16", {"to": "f16"}),
    kt.node("cast", ["h16"], "h32", {"to": "f32"}),
    kt.node("cast", ["h32"], "h64", {"to": "f64"}),
    # v: an `if` on a constant condition is its `then` branch.
    kt.node("if", ["yes", "x"], ["v"], attrs={
        "then": g(["xx"], ["nx"], [kt.node("neg", ["xx"], "nx")]),
        "else": g(["xx"], ["xx"], [])}),
    # Dead: reaches no output.
    kt.node("exp", ["x"], "unused"),
]
graph = kt.graph(
    [kt.inp("x", "f32", ["N", 2, 6]), kt.inp("k", "i32", ["N", 4])], nodes,
    ["y", "z", "kf", "w", "h64", "v"],
    constants=[kt.const("negzero", dtype="f32", shape=[], fill=-0.0),
               kt.const("poszero", dtype="f32", shape=[1], fill=0.0),
               kt.const("one", dtype="f32", shape=[6], fill=1.0),
               kt.const("izero", dtype="i32", shape=[], fill=0),
               kt.const("ione", dtype="i32", shape=[1, 4], fill=1),
               kt.const("half", dtype="f32", shape=[1], fill=0.5),
               kt.const("yes", np.array(True))],
    name="foldable")


def ref(i):
    x, k = i["x"], i["k"]
    n = x.shape[0]
    return {"y": x.reshape(n, 3, 4),
            "z": x.transpose(0, 2, 1).transpose(1, 0, 2),
            "kf": k.astype(F64),
            "w": (x + 0.0).reshape(n, 12) * 0.5,
            "h64": x.astype(F32).astype(F16).astype(F64),
            "v": -x}


inputs = []
for n in NS:
    x = kt.rand((n, 2, 6))
    x.reshape(-1)[0] = -0.0
    inputs.append({"x": x, "k": kt.rand((n, 4), I32)})
s.case("foldable", graph, inputs, ref,
       out_dtype={"y": F32, "z": F32, "kf": F64, "w": F32, "h64": F64,
                  "v": F32},
       rtol=0, atol=0, graph_mode=True)

# The compiled graph lost the ops that are identities or merged: count the
# kiln ops left after the graph pipeline.
gpath = os.path.join(s.work, "foldable", "graph.json")
r = s.exec(["compile", gpath, "--emit", "kiln"])
s.checks += 1
if r.rc != 0:
    s.fail("foldable", "emit kiln", "kiln compile exited %d" % r.rc, r.cmd,
           r.stderr, hard=True)
else:
    expected = {
        "kiln.transpose": 1,  # z's, composed
        "kiln.reshape": 1,    # y's two reshapes
        "kiln.cast": 3,       # k -> f64, x -> f16, f16 -> f64
        "kiln.add": 1,        # x + 0.0
        "kiln.mul": 1,        # fl * 0.5
        "kiln.flatten": 1,
        "kiln.neg": 1,        # the branch taken
        "kiln.div": 0, "kiln.concat": 0, "kiln.slice": 0, "kiln.pad": 0,
        "kiln.tile": 0, "kiln.squeeze": 0, "kiln.unsqueeze": 0,
        "kiln.broadcast_to": 0, "kiln.if": 0, "kiln.exp": 0,
    }
    ops = [line.split("=", 1)[1].split()[0] for line in r.stdout.splitlines()
           if "= kiln." in line]
    for op, count in expected.items():
        if ops.count(op) != count:
            s.fail("foldable", "emit kiln", "%d %s, expected %d" % (
                ops.count(op), op, count), r.cmd, r.stdout)

s.finish()
