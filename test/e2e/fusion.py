"""Fused kernels compute what the unfused graph computes: a 16-op elementwise
chain with broadcasting, and the example transformer block written with
decomposed layer norms (ReduceMean/Sub/Mul/ReduceMean/Add/Sqrt/Div/Mul/Add,
as exporters write them) and a decomposed GELU, against NumPy. fusion.test
then checks the kernels `kiln inspect` reports for the graphs written here.

usage: fusion.py KILN_BIN_DIR [WORK_DIR]
"""
import copy
import math

import numpy as np

import kiln_testing as kt
from examples import load_example, transformer_ref

# (op, second operand or None): x is the input, b a [1024] row broadcast.
CHAIN = [("add", "b"), ("relu", None), ("mul", "x"), ("tanh", None),
         ("sub", "b"), ("abs", None), ("add", "x"), ("sigmoid", None),
         ("neg", None), ("mul", "b"), ("exp", None), ("add", "b"),
         ("relu", None), ("mul", "x"), ("sqrt", None), ("sin", None)]


def chain_graph():
    nodes, prev = [], "x"
    for i, (op, other) in enumerate(CHAIN):
        out = "y" if i == len(CHAIN) - 1 else "t%d" % i
        ins = [prev] + ([other] if other else [])
        nodes.append(kt.node(op, ins, [out], name="op%d" % i))
        prev = out
    return kt.graph([kt.inp("x", "f32", [4, 1024]), kt.inp("b", "f32", [1024])],
                    nodes, ["y"])


def chain_ref(i):
    x, b = i["x"].astype(np.float64), i["b"].astype(np.float64)
    fns = {"relu": lambda v: np.maximum(v, 0), "tanh": np.tanh,
           "abs": np.abs, "sigmoid": lambda v: 1 / (1 + np.exp(-v)),
           "neg": np.negative, "exp": np.exp, "sqrt": np.sqrt, "sin": np.sin}
    bins = {"add": np.add, "sub": np.subtract, "mul": np.multiply}
    v = x
    for op, other in CHAIN:
        v = bins[op](v, {"x": x, "b": b}[other]) if other else fns[op](v)
    return v


def decompose(g):
    """The transformer with every layer_norm and the GELU spelled out."""
    g = copy.deepcopy(g)
    g["constants"] += [
        {"name": "eps", "dtype": "f32", "shape": [], "fill": 1e-5},
        {"name": "half", "dtype": "f32", "shape": [], "fill": 0.5},
        {"name": "one", "dtype": "f32", "shape": [], "fill": 1.0},
        {"name": "sqrt2", "dtype": "f32", "shape": [], "fill": math.sqrt(2)}]
    nodes = []
    for n in g["nodes"]:
        if n["op"] == "layer_norm":
            x, s, b = n["inputs"]
            p, y = n["name"], n["outputs"][0]
            red = {"axes": [-1], "keepdims": True}
            nodes += [
                kt.node("reduce_mean", [x], [p + "_mu"], red, p + "_mean"),
                kt.node("sub", [x, p + "_mu"], [p + "_d"], None, p + "_center"),
                kt.node("mul", [p + "_d", p + "_d"], [p + "_d2"], None, p + "_sq"),
                kt.node("reduce_mean", [p + "_d2"], [p + "_var"], red, p + "_var"),
                kt.node("add", [p + "_var", "eps"], [p + "_ve"], None, p + "_eps"),
                kt.node("sqrt", [p + "_ve"], [p + "_sd"], None, p + "_sqrt"),
                kt.node("div", [p + "_d", p + "_sd"], [p + "_n"], None, p + "_div"),
                kt.node("mul", [p + "_n", s], [p + "_ns"], None, p + "_scale"),
                kt.node("add", [p + "_ns", b], [y], None, p + "_shift")]
        elif n["op"] == "gelu":
            x, y, p = n["inputs"][0], n["outputs"][0], n["name"]
            nodes += [
                kt.node("div", [x, "sqrt2"], [p + "_s"], None, p + "_div"),
                kt.node("erf", [p + "_s"], [p + "_e"], None, p + "_erf"),
                kt.node("add", [p + "_e", "one"], [p + "_e1"], None, p + "_add"),
                kt.node("mul", [x, p + "_e1"], [p + "_m"], None, p + "_mul"),
                kt.node("mul", [p + "_m", "half"], [y], None, p + "_half")]
        else:
            nodes.append(n)
    g["nodes"] = nodes
    return g


def constant_subgraph():
    """y = x + sqrt(c1) * exp(c2) - c3: the constant part folds away."""
    c1 = np.linspace(1, 4, 8).astype(np.float32)
    c2 = np.linspace(-1, 1, 8).astype(np.float32)
    g = kt.graph([kt.inp("x", "f32", [2, 8])], [
        kt.node("sqrt", ["c1"], ["s"], name="root"),
        kt.node("exp", ["c2"], ["e"], name="expo"),
        kt.node("mul", ["s", "e"], ["m"], name="prod"),
        kt.node("sub", ["m", "c3"], ["k"], name="shift"),
        kt.node("add", ["x", "k"], ["y"], name="out")], ["y"],
        constants=[kt.const("c1", c1), kt.const("c2", c2),
                   kt.const("c3", dtype="f32", shape=[], fill=0.5)])
    ref = lambda i: i["x"] + (np.sqrt(c1.astype(np.float64))
                              * np.exp(c2.astype(np.float64)) - 0.5)
    return g, ref


s = kt.Suite("fusion")
g, ref = constant_subgraph()
s.case("constant_subgraph", g, [{"x": kt.rand((2, 8))}], ref,
       rtol=1e-6, atol=1e-6)
s.case("chain16", chain_graph(),
       [{"x": kt.rand((4, 1024), lo=-1, hi=1), "b": kt.rand((1024,), lo=-1, hi=1)}],
       chain_ref, rtol=1e-5, atol=1e-6)
g, w = load_example("transformer")
s.case("transformer_layer_norm", g, [{"x": kt.rand((16, 64))}],
       transformer_ref(w), rtol=1e-4, atol=1e-5)
s.case("transformer_decomposed", decompose(g),
       [{"x": kt.rand((n, 64))} for n in (1, 16)],
       transformer_ref(w), rtol=1e-4, atol=1e-5)
s.finish()
