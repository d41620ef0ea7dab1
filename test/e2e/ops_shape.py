"""reshape (-1, 0), transpose (perm), broadcast_to, and constants (data,
nested data, fill, file), compiled and eager, against NumPy.

usage: ops_shape.py KILN_BIN_DIR [WORK_DIR]
"""
import numpy as np

import kiln_testing as kt

s = kt.Suite("shape")

F32, F64, I32, I64 = np.float32, np.float64, np.int32, np.int64


def sh(shape):
    return "x".join(str(d) for d in shape) if shape else "scalar"


def spec(vals):
    return "_".join("m%d" % -v if v < 0 else str(v) for v in vals) or "none"


def np_reshape(x, shape):
    """The spec's reshape: 0 copies the input's dim at that index, one -1 is
    inferred."""
    target = [x.shape[i] if d == 0 else d for i, d in enumerate(shape)]
    return np.reshape(x, target)


# --- reshape -----------------------------------------------------------------
b = kt.Bundle()
x = kt.rand((2, 3, 4))
for shape in ([6, 4], [24], [-1], [0, -1], [0, 0, 4], [0, 0, -1], [2, -1, 2],
              [4, 0, 2], [-1, 3, 0], [1, 24, 1], [-1, 1], [2, 3, 4],
              [1, 1, 2, 1, 3, 4], [0, 12]):
    b.add("reshape_%s_%s" % (sh(x.shape), spec(shape)), "reshape", [x],
          {"shape": shape}, lambda a, shape=shape: np_reshape(a, shape))
for xs, shape in [((), [1]), ((), [1, 1]), ((), [-1]), ((1,), []),
                  ((1, 1), []), ((5,), [5, 1]), ((5,), [1, -1]),
                  ((3, 1), [0]), ((1, 7), [0, 7])]:
    if xs == (3, 1) or xs == (1, 7) and shape == [0, 7]:
        shape = [3] if xs == (3, 1) else shape  # [0] alone would be rank 1
    xx = kt.rand(xs)
    b.add("reshape_%s_%s" % (sh(xs), spec(shape)), "reshape", [xx],
          {"shape": shape}, lambda a, shape=shape: np_reshape(a, shape))
xi = kt.rand((2, 6), I64)
b.add("reshape_i64_2x6_3_m1", "reshape", [xi], {"shape": [3, -1]},
      lambda a: a.reshape(3, -1))
xi = kt.rand((4, 3), I32)
b.add("reshape_i32_4x3_m1", "reshape", [xi], {"shape": [-1]},
      lambda a: a.reshape(-1))
s.bundle("reshape", b)

# --- transpose -----------------------------------------------------------------
b = kt.Bundle()
x = kt.rand((2, 3, 4))
for perm in (None, [1, 0, 2], [2, 0, 1], [0, 2, 1], [1, 2, 0], [2, 1, 0],
             [0, 1, 2]):
    b.add("transpose_%s_%s" % (sh(x.shape), spec(perm or [])), "transpose",
          [x], None if perm is None else {"perm": perm},
          lambda a, perm=perm: np.transpose(a, perm))
for xs, perm in [((3, 4), None), ((3, 4), [1, 0]), ((3, 4), [0, 1]),
                 ((5,), None), ((5,), [0]), ((1, 3), None), ((3, 1), [1, 0]),
                 ((), None), ((2, 3, 4, 5), [3, 1, 0, 2]),
                 ((2, 3, 4, 5), None), ((7, 33), None)]:
    xx = kt.rand(xs)
    b.add("transpose_%s_%s" % (sh(xs), spec(perm or [])), "transpose", [xx],
          None if perm is None else {"perm": perm},
          lambda a, perm=perm: np.transpose(a, perm))
for dt in (I32, I64, F64):
    b.add("transpose_%s_2x3x4_2_0_1" % kt.dtype_name(dt), "transpose",
          [kt.rand((2, 3, 4), dt)], {"perm": [2, 0, 1]},
          lambda a: np.transpose(a, (2, 0, 1)))
s.bundle("transpose", b)

# --- broadcast_to ----------------------------------------------------------
b = kt.Bundle()
for xs, shape in [((3, 1), [2, 3, 4]), ((), [2, 2]), ((), []), ((4,), [3, 4]),
                  ((1,), [5]), ((2, 3), [2, 3]), ((1, 4, 1), [3, 4, 5]),
                  ((1, 1), [1, 1]), ((3, 1), [3, 33]), ((2, 1, 3), [4, 2, 5, 3])]:
    xx = kt.rand(xs)
    b.add("broadcast_to_%s_%s" % (sh(xs), spec(shape)), "broadcast_to", [xx],
          {"shape": shape}, lambda a, shape=shape: np.broadcast_to(a, shape))
for dt in (I32, I64, F64):
    b.add("broadcast_to_%s_3x1_2x3x4" % kt.dtype_name(dt), "broadcast_to",
          [kt.rand((3, 1), dt)], {"shape": [2, 3, 4]},
          lambda a: np.broadcast_to(a, (2, 3, 4)))
s.bundle("broadcast_to", b)

# --- symbolic dims: one artifact, N = 1, 3, 7 ---------------------------------
NS = (1, 3, 7)
outs = {
    "flat": ("reshape", {"shape": [-1]}),
    "split": ("reshape", {"shape": [0, 2, 2]}),
    "two_rows": ("reshape", {"shape": [2, -1]}),
    "keep": ("reshape", {"shape": [0, -1]}),
    "t": ("transpose", None),
    "t_perm": ("transpose", {"perm": [1, 0]}),
}
g = kt.ops_graph(outs, [kt.rand((2, 4))], shapes=[["N", 4]])
s.case("sym_shape_Nx4", g, [{"x0": kt.rand((n, 4))} for n in NS],
       lambda i: {"flat": i["x0"].reshape(-1),
                  "split": i["x0"].reshape(-1, 2, 2),
                  "two_rows": i["x0"].reshape(2, -1),
                  "keep": i["x0"].reshape(i["x0"].shape[0], -1),
                  "t": i["x0"].T, "t_perm": i["x0"].T},
       graph_mode=True)

# Reshape that folds the symbolic dim into a static one and back.
g = kt.graph([kt.inp("x", "f32", ["N", 2, 3])],
             [kt.node("reshape", ["x"], "y", {"shape": [-1, 6]}),
              kt.node("transpose", ["x"], "t", {"perm": [2, 0, 1]}),
              kt.node("reshape", ["t"], "u", {"shape": [3, -1]})],
             ["y", "t", "u"])
s.case("sym_shape_Nx2x3", g, [{"x": kt.rand((n, 2, 3))} for n in NS],
       lambda i: {"y": i["x"].reshape(-1, 6),
                  "t": np.transpose(i["x"], (2, 0, 1)),
                  "u": np.transpose(i["x"], (2, 0, 1)).reshape(3, -1)})

# broadcast_to of a static tensor added to a symbolic one.
g = kt.graph([kt.inp("x", "f32", ["N", 3]), kt.inp("b", "f32", [3, 1])],
             [kt.node("broadcast_to", ["b"], "bb", {"shape": [3, 4]}),
              kt.node("matmul", ["x", "bb"], "y")], ["y", "bb"])
s.case("sym_broadcast_to_matmul", g,
       [{"x": kt.rand((n, 3)), "b": kt.rand((3, 1))} for n in NS],
       lambda i: {"bb": np.broadcast_to(i["b"], (3, 4)),
                  "y": np.matmul(i["x"], np.broadcast_to(i["b"], (3, 4)))},
       atol=1e-5)

# --- constants: data (flat and nested), fill, file; outputs that are
# --- constants or inputs ---------------------------------------------------
cd = kt.rand((2, 3))
cn = kt.rand((2, 3), I32)
cfile = kt.rand((2, 3), F64)
cfile32 = kt.rand((3,))
cscalar = np.array(2.5, F32)
g = kt.graph(
    [kt.inp("x", "f32", [2, 3]), kt.inp("k", "i32", [2, 3])],
    [
        # listed out of order on purpose
        kt.node("add", ["xm", "c_fill"], "y"),
        kt.node("mul", ["x", "c_data"], "xm0"),
        kt.node("add", ["xm0", "c_file32"], "xm1"),
        kt.node("mul", ["xm1", "c_scalar"], "xm"),
        kt.node("add", ["k", "c_nested"], "ki"),
        kt.node("mul", ["c_file", "c_file"], "f2"),
    ],
    ["y", "ki", "f2", "c_data", "c_nested", "c_fill", "c_fill_i64", "c_file",
     "c_scalar", "x"],
    constants=[
        kt.const("c_data", cd),
        kt.const("c_nested", cn, nested=True),
        kt.const("c_fill", dtype="f32", shape=[3], fill=0.5),
        kt.const("c_fill_i64", dtype="i64", shape=[2, 2], fill=-7),
        kt.const("c_file", cfile, file=True),
        kt.const("c_file32", cfile32, file=True),
        kt.const("c_scalar", cscalar),
    ])
x, k = kt.rand((2, 3)), kt.rand((2, 3), I32)
s.case("constants", g, {"x": x, "k": k},
       lambda i: {
           "y": (i["x"] * cd + cfile32) * 2.5 + 0.5,
           "ki": i["k"] + cn,
           "f2": cfile * cfile,
           "c_data": cd, "c_nested": cn, "c_fill": np.full((3,), 0.5),
           "c_fill_i64": np.full((2, 2), -7), "c_file": cfile,
           "c_scalar": cscalar, "x": i["x"]},
       out_dtype={"y": F32, "ki": I32, "f2": F64, "c_data": F32,
                  "c_nested": I32, "c_fill": F32, "c_fill_i64": I64,
                  "c_file": F64, "c_scalar": F32, "x": F32},
       graph_mode=True)

# The output is the input itself.
g = kt.graph([kt.inp("x", "f32", ["N", 3])], [], ["x"])
s.case("output_is_input", g, [{"x": kt.rand((n, 3))} for n in NS],
       lambda i: i["x"])

# An input passed through and also used.
g = kt.graph([kt.inp("x", "i64", [4])], [kt.node("neg", ["x"], "y")],
             ["y", "x"])
s.case("output_is_input_and_used", g, {"x": kt.rand((4,), I64)},
       lambda i: {"y": -i["x"], "x": i["x"]})

# The only output is a constant; the graph has an (unused) input.
g = kt.graph([kt.inp("x", "f32", [2])], [], ["c"],
             constants=[kt.const("c", np.arange(6, dtype=F32).reshape(2, 3))])
s.case("output_is_constant", g, {"x": kt.rand((2,))},
       lambda i: np.arange(6.0).reshape(2, 3))

# No inputs at all: constants computed into an output.
g = kt.graph([], [kt.node("matmul", ["a", "b"], "y")], ["y"],
             constants=[kt.const("a", np.array([[1.0, 2.0], [3.0, 4.0]], F32)),
                        kt.const("b", dtype="f32", shape=[2, 1], fill=1.5)])
s.case("no_inputs_constant_graph", g, {},
       lambda i: np.array([[4.5], [10.5]], F32))

s.finish()
