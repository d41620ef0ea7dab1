"""Elementwise ops and broadcasting, compiled and eager, against NumPy.

Binary: add sub mul div max min; unary: neg exp tanh sigmoid relu.
usage: ops_elementwise.py KILN_BIN_DIR [WORK_DIR]
"""
import numpy as np

import kiln_testing as kt

s = kt.Suite("elementwise")

F32, F64, I32, I64 = np.float32, np.float64, np.int32, np.int64
TRANSCENDENTAL = {"exp", "tanh", "sigmoid"}


def trunc_div(a, b):
    """Integer division truncating toward zero (C semantics)."""
    q = np.abs(a) // np.abs(b)
    return (q * np.sign(a) * np.sign(b)).astype(np.result_type(a, b))


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: trunc_div(a, b) if a.dtype.kind in "iu" else a / b,
    "max": np.maximum,
    "min": np.minimum,
}
UNARY = {
    "neg": np.negative,
    "exp": np.exp,
    "tanh": np.tanh,
    "sigmoid": sigmoid,
    "relu": lambda x: np.maximum(x, 0).astype(x.dtype),
}


def sh(shape):
    return "x".join(str(d) for d in shape) if shape else "scalar"


def rtol_for(op, dtype):
    if np.dtype(dtype) == np.float64:
        return 1e-9 if op in TRANSCENDENTAL else 1e-12
    return 1e-4 if op in TRANSCENDENTAL else 1e-5


def binary_case(ops, ashape, bshape, dtype=F32, a=None, b=None, tag=None):
    """One graph applying every op of `ops` to (x0, x1); outputs named after
    the ops."""
    a = kt.rand(ashape, dtype) if a is None else a
    b = (kt.nonzero(bshape, dtype) if "div" in ops else kt.rand(bshape, dtype)) \
        if b is None else b
    name = "binary_%s_%s_%s" % (kt.dtype_name(a.dtype), sh(a.shape),
                                sh(b.shape))
    if tag:
        name += "_" + tag
    s.case(name, kt.ops_graph(ops, [a, b]), {"x0": a, "x1": b},
           lambda i: {op: BINARY[op](i["x0"], i["x1"]) for op in ops},
           rtol={op: rtol_for(op, a.dtype) for op in ops})


def unary_case(ops, shape, dtype=F32, x=None, tag=None):
    x = kt.rand(shape, dtype) if x is None else x
    name = "unary_%s_%s" % (kt.dtype_name(x.dtype), sh(x.shape))
    if tag:
        name += "_" + tag
    s.case(name, kt.ops_graph(ops, [x]), {"x0": x},
           lambda i: {op: UNARY[op](i["x0"]) for op in ops},
           rtol={op: rtol_for(op, x.dtype) for op in ops})


ALL_BINARY = list(BINARY)
ALL_UNARY = list(UNARY)

# --- binary ops, f32, broadcasting -----------------------------------------
BROADCAST_PAIRS = [
    ((3, 4), (3, 4)),          # same shape
    ((), (3, 4)),              # scalar on the left
    ((3, 4), ()),              # scalar on the right
    ((), ()),                  # scalar with scalar
    ((1,), (3, 4)),            # [1] stretches
    ((3, 1), (1, 4)),          # both stretch
    ((4,), (2, 3, 4)),         # rank mismatch
    ((2, 3, 4), (3, 1)),       # rank mismatch, right side stretches
    ((2, 1, 4), (3, 1)),       # rank mismatch, both stretch
    ((2, 3, 1, 5), (4, 1)),    # rank 4
    ((1, 1), (1, 1)),          # size-1 dims
    ((1,), (1,)),
    ((7,), (7,)),
    ((33,), (33,)),            # not a multiple of a vector width
]
for ash, bsh in BROADCAST_PAIRS:
    binary_case(ALL_BINARY, ash, bsh)

# --- NaN and infinities (max/min: numpy.maximum/minimum, NaN wins) -----------
nan, inf = np.nan, np.inf
a = np.array([nan, 1.0, nan, -inf, 2.0, inf, -0.5, 3.0], F32)
b = np.array([1.0, nan, nan, 3.0, inf, -inf, -0.25, -3.0], F32)
binary_case(ALL_BINARY, None, None, a=a, b=b, tag="nan")
binary_case(ALL_BINARY, None, None, a=a.astype(F64), b=b.astype(F64),
            tag="nan")
# NaN on one side with broadcasting, both orders.
binary_case(["max", "min"], None, None, a=np.array(nan, F32),
            b=np.array([1.0, -1.0, 0.0], F32), tag="nan_scalar")
binary_case(["max", "min"], None, None, a=np.array([1.0, -1.0, 0.0], F32),
            b=np.array(nan, F32), tag="nan_scalar")

# --- unary ops, f32 ----------------------------------------------------------
for shape in [(), (1,), (7,), (3, 4), (2, 3, 4), (1, 1, 5), (33,)]:
    unary_case(ALL_UNARY, shape)

# Large |x|: no NaN from overflowing intermediates (exp overflows to inf, as
# NumPy's does; sigmoid/tanh saturate).
big = np.array([-1000.0, -200.0, -100.0, -88.0, -50.0, -20.0, -1.0, -1e-3,
                0.0, 1e-3, 1.0, 20.0, 50.0, 88.0, 100.0, 200.0, 1000.0],
               F32)
unary_case(ALL_UNARY, None, x=big, tag="large")
unary_case(ALL_UNARY, None, x=big.astype(F64), tag="large")
unary_case(ALL_UNARY, None, x=np.array([-inf, inf], F32), tag="inf")
unary_case(["neg", "exp", "tanh", "sigmoid"], None,
           x=np.array([nan, 1.0, nan], F32), tag="nan")

# --- f64 ---------------------------------------------------------------------
binary_case(ALL_BINARY, (3, 4), (3, 4), F64)
binary_case(ALL_BINARY, (3, 1), (1, 4), F64)
binary_case(ALL_BINARY, (), (2, 3), F64)
unary_case(ALL_UNARY, (3, 4), F64)
# f64 precision is kept (values that are not representable in f32).
binary_case(["add", "sub", "mul", "div"], None, None,
            a=np.array([1.0, 1e16, 0.1, 1e300], F64),
            b=np.array([1e-12, 1.0, 0.2, 1e-300], F64), tag="precision")

# --- integers ----------------------------------------------------------------
for dt in (I32, I64):
    binary_case(ALL_BINARY, (3, 4), (3, 4), dt)
    binary_case(ALL_BINARY, (3, 1), (1, 4), dt)
    binary_case(ALL_BINARY, (), (5,), dt)
    unary_case(["neg", "relu"], (3, 4), dt)
    unary_case(["neg", "relu"], (), dt)
    # Division truncates toward zero, for every sign combination.
    binary_case(["div"], None, None,
                a=np.array([7, -7, 7, -7, 0, 9, -9, 1, -1, 6], dt),
                b=np.array([2, 2, -2, -2, 3, -4, 4, 3, 3, -3], dt),
                tag="signs")
# Values beyond the f32 range of exact integers stay exact.
binary_case(["add", "sub", "mul", "div", "max", "min"], None, None,
            a=np.array([2**40 + 1, -(2**50) - 3], I64),
            b=np.array([2**40 + 3, 7], I64), tag="wide")
binary_case(["add", "sub", "mul", "div", "max", "min"], None, None,
            a=np.array([16777217, -16777219], I32),
            b=np.array([1, 1], I32), tag="exact")

# --- symbolic dims: one compiled artifact, N = 1, 3, 7 -----------------------
NS = (1, 3, 7)


def sets(make):
    return [make(n) for n in NS]


g = kt.graph([kt.inp("x", "f32", ["N", 4]), kt.inp("y", "f32", ["N", 4])],
             [kt.node("add", ["x", "y"], "z")], ["z"])
s.case("sym_add_Nx4_Nx4", g,
       sets(lambda n: {"x": kt.rand((n, 4)), "y": kt.rand((n, 4))}),
       lambda i: i["x"] + i["y"], graph_mode=True)

g = kt.graph([kt.inp("x", "f32", ["N", 4]), kt.inp("b", "f32", [4])],
             [kt.node("mul", ["x", "b"], "z")], ["z"])
s.case("sym_mul_Nx4_4", g,
       sets(lambda n: {"x": kt.rand((n, 4)), "b": kt.rand((4,))}),
       lambda i: i["x"] * i["b"])

g = kt.graph([kt.inp("x", "f32", ["N", 1]), kt.inp("y", "f32", [1, "M"])],
             [kt.node("sub", ["x", "y"], "z")], ["z"])
s.case("sym_sub_Nx1_1xM", g,
       [{"x": kt.rand((n, 1)), "y": kt.rand((1, m))}
        for n, m in [(1, 1), (3, 5), (7, 2)]],
       lambda i: i["x"] - i["y"])

g = kt.ops_graph(ALL_UNARY, [kt.rand((2,))], shapes=[["N"]])
s.case("sym_unary_N", g, sets(lambda n: {"x0": kt.rand((n,))}),
       lambda i: {op: UNARY[op](i["x0"]) for op in ALL_UNARY},
       rtol={op: rtol_for(op, F32) for op in ALL_UNARY})

g = kt.graph([kt.inp("x", "f32", ["N", 3]), kt.inp("y", "f32", ["N", 3])],
             [kt.node("max", ["x", "y"], "z")], ["z"])
s.case("sym_max_Nx3_Nx3", g,
       sets(lambda n: {"x": kt.rand((n, 3)), "y": kt.rand((n, 3))}),
       lambda i: np.maximum(i["x"], i["y"]))

g = kt.graph([kt.inp("x", "i32", ["N", 2]), kt.inp("y", "i32", ["N", 2])],
             [kt.node("div", ["x", "y"], "z")], ["z"])
s.case("sym_div_i32_Nx2", g,
       sets(lambda n: {"x": kt.rand((n, 2), I32), "y": kt.nonzero((n, 2),
                                                                   I32)}),
       lambda i: trunc_div(i["x"], i["y"]))

s.finish()
