"""if and while with nested graphs (passed inputs, captures, nesting,
zero-iteration loops, symbolic dims), compiled and eager, against Python
references written independently (plain loops).

usage: controlflow.py KILN_BIN_DIR [WORK_DIR]
"""
import numpy as np

import kiln_testing as kt

s = kt.Suite("controlflow")
F32, F64, I32, I64 = np.float32, np.float64, np.int32, np.int64


def g(inputs, outputs, nodes, constants=()):
    """A nested graph: inputs by name only (they take the bound types)."""
    sub = {"inputs": [i if isinstance(i, dict) else {"name": i}
                      for i in inputs],
           "outputs": list(outputs), "nodes": list(nodes)}
    if constants:
        sub["constants"] = list(constants)
    return sub


def scalar(name, value, dtype):
    return kt.const(name, np.array(value, dtype=dtype))


# --- if: both branches, passed values, several outputs and dtypes -----------
# The condition is computed in the graph (k > 0); each branch gets x and y
# passed in and returns two values of different dtypes.
if_graph = kt.graph(
    [kt.inp("k", I32, []), kt.inp("x", F32, [2, 3]), kt.inp("y", F32, [2, 3]),
     kt.inp("i", I64, [4])],
    [kt.node("gt", ["k", "zero"], "c"),
     kt.node("if", ["c", "x", "y", "i"], ["r", "j"], name="branch", attrs={
         "then": g(["a", "b", "m"], ["s", "m2"], [
             kt.node("add", ["a", "b"], "s"),
             kt.node("mul", ["m", "m"], "m2")]),
         "else": g([{"name": "a", "dtype": "f32", "shape": [2, 3]}, "b", "m"],
                   ["p", "mn"], [
             kt.node("mul", ["a", "b"], "p"),
             kt.node("neg", ["m"], "mn")])})],
    ["r", "j"], constants=[scalar("zero", 0, I32)])


def if_ref(inp):
    if int(inp["k"]) > 0:
        return {"r": inp["x"] + inp["y"], "j": inp["i"] * inp["i"]}
    return {"r": inp["x"] * inp["y"], "j": -inp["i"]}


x, y, i = kt.rand((2, 3)), kt.rand((2, 3)), kt.rand((4,), I64)
s.case("if_both_branches", if_graph,
       [{"k": np.array(k, I32), "x": x, "y": y, "i": i} for k in (3, 0, -2)],
       if_ref, out_dtype={"r": F32, "j": I64})

# --- if with captures: branches use outer values by name ---------------------
# `h` (computed outside) and the input `x` are captured, not passed; the
# else branch returns a captured value unchanged.
cap_graph = kt.graph(
    [kt.inp("k", I64, []), kt.inp("x", F64, [5])],
    [kt.node("relu", ["x"], "h"),
     kt.node("lt", ["k", "ten"], "c"),
     kt.node("if", ["c"], ["r"], name="cap", attrs={
         "then": g([], ["t"], [kt.node("sub", ["h", "x"], "t")]),
         "else": g([], ["h"], [])}),
     kt.node("add", ["r", "x"], "out")],
    ["out"], constants=[scalar("ten", 10, I64)])


def cap_ref(inp):
    xs = inp["x"]
    h = np.array([max(v, 0.0) for v in xs])
    r = h - xs if int(inp["k"]) < 10 else h
    return r + xs


xc = kt.rand((5,), F64)
s.case("if_captures", cap_graph,
       [{"k": np.array(k, I64), "x": xc} for k in (9, 10)], cap_ref,
       out_dtype=F64)

# --- while: power and factorial with an i32 counter --------------------------
# Carried: counter i (i32), p = x**i (f32 tensor, a new tensor each
# iteration), f = i! (i64 scalar). n = 0 runs the body zero times.
pow_graph = kt.graph(
    [kt.inp("n", I32, []), kt.inp("x", F32, [4])],
    [kt.node("while", ["zero", "x_one", "f_one"], ["count", "p", "f"],
             name="loop", attrs={
        "cond": g(["i", "pc", "fc"], ["more"],
                  [kt.node("lt", ["i", "n"], "more")]),
        "body": g(["i", "pc", "fc"], ["i1", "p1", "f1"], [
            kt.node("add", ["i", "one"], "i1"),
            kt.node("mul", ["pc", "x"], "p1"),
            kt.node("cast", ["i1"], "i1_64", attrs={"to": "i64"}),
            kt.node("mul", ["fc", "i1_64"], "f1")],
            constants=[scalar("one", 1, I32)])})],
    ["count", "p", "f"],
    constants=[scalar("zero", 0, I32), scalar("f_one", 1, I64),
               kt.const("x_one", dtype="f32", shape=[4], fill=1.0)])


def pow_ref(inp):
    n = int(inp["n"])
    count, p, f = 0, np.ones(4), 1
    while count < n:
        count += 1
        p = p * inp["x"].astype(np.float32).astype(np.float64)
        f *= count
    return {"count": np.array(count, I32), "p": p, "f": np.array(f, I64)}


xp = kt.rand((4,), F32, lo=-1.5, hi=1.5)
s.case("while_power_factorial", pow_graph,
       [{"n": np.array(n, I32), "x": xp} for n in (5, 0, 1, 12)], pow_ref,
       out_dtype={"count": I32, "p": F32, "f": I64}, rtol={"p": 1e-5})

# --- nested: an if inside a while body, the inner condition captured -------
# Collatz-like steps on an i64 counter vector: while s < limit: if the sum is
# even-ish (computed with mod) halve, else 3v+1; counts iterations in i64.
nest_graph = kt.graph(
    [kt.inp("v", I64, [3]), kt.inp("limit", I64, [])],
    [kt.node("while", ["v", "zero"], ["vf", "steps"], name="outer", attrs={
        "cond": g(["w", "st"], ["go"], [kt.node("lt", ["st", "limit"], "go")]),
        "body": g(["w", "st"], ["w1", "st1"], [
            kt.node("reduce_sum", ["w"], "tot", attrs={"keepdims": False}),
            kt.node("mod", ["tot", "two"], "par"),
            kt.node("eq", ["par", "zero_b"], "even"),
            kt.node("if", ["even", "w"], ["w1"], name="step", attrs={
                "then": g(["u"], ["h"], [kt.node("div", ["u", "two"], "h")]),
                "else": g(["u"], ["t1"], [
                    kt.node("mul", ["u", "three"], "t"),
                    kt.node("add", ["t", "st"], "t1")])}),
            kt.node("add", ["st", "one"], "st1")],
            constants=[scalar("two", 2, I64), scalar("three", 3, I64),
                       scalar("zero_b", 0, I64), scalar("one", 1, I64)])})],
    ["vf", "steps"], constants=[scalar("zero", 0, I64)])


def nest_ref(inp):
    w = [int(a) for a in inp["v"]]
    st = 0
    while st < int(inp["limit"]):
        tot = sum(w)
        if tot % 2 == 0:  # Python's %: the sign of the divisor, as the spec
            w = [int(a / 2) for a in w]  # truncating division
        else:
            w = [a * 3 + st for a in w]
        st += 1
    return {"vf": np.array(w, I64), "steps": np.array(st, I64)}


s.case("while_nested_if", nest_graph,
       [{"v": np.array(v, I64), "limit": np.array(lim, I64)}
        for v, lim in (([7, -4, 10], 6), ([5, 6, 8], 0), ([-3, 2, 9], 9))],
       nest_ref, out_dtype=I64)

# --- symbolic N through if and while -----------------------------------------
# x is [N, 3]: the if passes it to its branches, the loop carries an [N, 3]
# accumulator whose body builds a new tensor each iteration (acc * 0.5 + x),
# and a reduction makes an [N] output. Run at N = 2 and N = 5 from one .so.
sym_graph = kt.graph(
    [kt.inp("x", F32, ["N", 3]), kt.inp("n", I32, [])],
    [kt.node("reduce_sum", ["x"], "tot", attrs={"keepdims": False}),
     kt.node("gt", ["tot", "fzero"], "pos"),
     kt.node("if", ["pos", "x"], ["sel"], name="sel", attrs={
         "then": g([{"name": "a", "dtype": "f32", "shape": ["N", 3]}], ["a"], []),
         "else": g(["a"], ["na"], [kt.node("neg", ["a"], "na")])}),
     kt.node("while", ["zero", "sel"], ["k", "acc"], name="avg", attrs={
         "cond": g(["i", "a"], ["go"], [kt.node("lt", ["i", "n"], "go")]),
         "body": g(["i", "a"], ["i1", "a2"], [
             kt.node("add", ["i", "one"], "i1"),
             kt.node("mul", ["a", "half"], "a1"),
             kt.node("add", ["a1", "x"], "a2")],
             constants=[scalar("one", 1, I32), scalar("half", 0.5, F32)])}),
     kt.node("reduce_max", ["acc"], "rows", attrs={"axes": [1],
                                                   "keepdims": False})],
    ["acc", "rows", "k"],
    constants=[scalar("zero", 0, I32), scalar("fzero", 0.0, F32)])


def sym_ref(inp):
    x = inp["x"]
    sel = x if x.sum() > 0 else -x
    acc = sel
    for _ in range(max(int(inp["n"]), 0)):
        acc = acc * 0.5 + x
    return {"acc": acc, "rows": acc.max(axis=1),
            "k": np.array(max(int(inp["n"]), 0), I32)}


sets = []
for N, n, sign in ((2, 3, 1), (5, 4, -1), (5, 0, 1), (1, 2, -1)):
    xs = np.abs(kt.rand((N, 3))) * sign
    sets.append({"x": xs.astype(F32), "n": np.array(n, I32)})
s.case("symbolic_if_while", sym_graph, sets, sym_ref,
       out_dtype={"acc": F32, "rows": F32, "k": I32})

s.finish()
