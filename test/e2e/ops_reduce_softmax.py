"""reduce_sum reduce_mean reduce_max (axes, keepdims) and softmax (axis),
compiled and eager, against NumPy.

usage: ops_reduce_softmax.py KILN_BIN_DIR [WORK_DIR]
"""
import numpy as np

import kiln_testing as kt

s = kt.Suite("reduce_softmax")

F32, F64, I32, I64 = np.float32, np.float64, np.int32, np.int64
nan, inf = np.nan, np.inf

REDUCE = {"reduce_sum": np.sum, "reduce_mean": np.mean, "reduce_max": np.max}


def sh(shape):
    return "x".join(str(d) for d in shape) if shape else "scalar"


def ref_reduce(op, axes, keepdims):
    f = REDUCE[op]

    def r(x):
        ax = None if axes is None else tuple(axes)
        kd = True if keepdims is None else keepdims
        return f(x, axis=ax, keepdims=kd)
    return r


def reduce_attrs(axes, keepdims):
    at = {}
    if axes is not None:
        at["axes"] = list(axes)
    if keepdims is not None:
        at["keepdims"] = keepdims
    return at or None


def tag(axes, keepdims):
    a = "all" if axes is None else "ax" + "_".join(
        ("m%d" % -x) if x < 0 else str(x) for x in axes)
    k = "kdef" if keepdims is None else ("kd" if keepdims else "nokd")
    return a + "_" + k


def add_reduce(b, op, x, axes, keepdims, atol=None, suffix=""):
    name = "%s_%s_%s_%s%s" % (op.replace("reduce_", "r"),
                              kt.dtype_name(x.dtype), sh(x.shape),
                              tag(axes, keepdims), suffix)
    rtol = 1e-5 if x.dtype == F32 else None
    if atol is None and x.dtype == F32:
        atol = 1e-5
    b.add(name, op, [x], reduce_attrs(axes, keepdims),
          ref_reduce(op, axes, keepdims), rtol=rtol, atol=atol)


# --- axes and keepdims on a rank-3 tensor ------------------------------------
AXES_3D = [None, [0], [1], [2], [-1], [-3], [0, 2], [-1, -3], [1, -1],
           [0, 1, 2]]
for op in REDUCE:
    b = kt.Bundle()
    x = kt.rand((2, 3, 4))
    for axes in AXES_3D:
        for keepdims in (True, False):
            add_reduce(b, op, x, axes, keepdims)
    # keepdims absent means true.
    add_reduce(b, op, x, [1], None)
    add_reduce(b, op, x, None, None)
    s.bundle(op + "_3d", b)

# --- other shapes: rank 1, size-1 dims, scalars, odd sizes -----------------
for op in REDUCE:
    b = kt.Bundle()
    for shape, axes in [((5,), None), ((5,), [0]), ((5,), [-1]),
                        ((1,), [0]), ((3, 1), [1]), ((3, 1), [0]),
                        ((1, 4), [0]), ((1, 1), None), ((7, 33), [1]),
                        ((7, 33), [0]), ((33, 7), None), ((2, 3, 4, 5), [1, 3]),
                        ((2, 3, 4, 5), [-2])]:
        for keepdims in (True, False):
            add_reduce(b, op, kt.rand(shape), axes, keepdims)
    x = kt.rand((3, 4), lo=-1000, hi=-10)  # all negative: max is not 0
    add_reduce(b, op, x, [1], False, atol=1e-3, suffix="_neg")
    s.bundle(op + "_shapes", b)

# Scalars: reducing a rank-0 tensor over all (no) axes is the identity.
b = kt.Bundle()
for op in REDUCE:
    add_reduce(b, op, np.array(2.5, F32), None, False)
    add_reduce(b, op, np.array(-1.5, F32), None, True)
s.bundle("reduce_scalar", b)

# --- NaN and infinities --------------------------------------------------
b = kt.Bundle()
xn = np.array([[1.0, nan, 3.0, -2.0], [4.0, 5.0, 6.0, -inf],
               [-inf, -inf, -inf, -inf], [nan, nan, nan, nan]], F32)
for axes in (None, [0], [1]):
    add_reduce(b, "reduce_max", xn, axes, False)
# NaN first and last in the reduced row.
add_reduce(b, "reduce_max", np.array([nan, 1.0, 2.0], F32), [0], False,
           suffix="_nanfirst")
add_reduce(b, "reduce_max", np.array([1.0, 2.0, nan], F32), [0], False,
           suffix="_nanlast")
add_reduce(b, "reduce_sum", xn, [1], False)
add_reduce(b, "reduce_mean", xn, [1], False)
add_reduce(b, "reduce_max", np.array([inf, 1.0], F32), None, False)
s.bundle("reduce_nan_inf", b)

# --- other dtypes ----------------------------------------------------------
b = kt.Bundle()
for dt in (F64, I32, I64):
    x = kt.rand((2, 3, 4), dt)
    for axes, keepdims in [(None, False), ([1], True), ([0, 2], False),
                           ([-1], False)]:
        add_reduce(b, "reduce_sum", x, axes, keepdims)
        add_reduce(b, "reduce_max", x, axes, keepdims)
        if dt == F64:
            add_reduce(b, "reduce_mean", x, axes, keepdims)
# Integer reductions are exact and keep the dtype; all-negative max.
add_reduce(b, "reduce_sum", np.array([2**40, 2**40 + 1, -3], I64), None, False,
           suffix="_wide")
add_reduce(b, "reduce_max", np.array([[-7, -3, -9]], I32), [1], False,
           suffix="_neg")
add_reduce(b, "reduce_max", np.array([[-7, -3, -9]], I64), [1], False,
           suffix="_neg")
# f64 precision is kept.
add_reduce(b, "reduce_sum", np.array([1.0, 2.0**-30, 2.0**-31], F64), None,
           False, suffix="_precision")
s.bundle("reduce_dtypes", b)


# --- softmax ---------------------------------------------------------------
def softmax(axis):
    def f(x):
        m = np.max(x, axis=axis, keepdims=True)
        e = np.exp(x - m)
        return e / np.sum(e, axis=axis, keepdims=True)
    return f


def add_softmax(b, x, axis, tag=""):
    ax = "def" if axis is None else ("m%d" % -axis if axis < 0 else str(axis))
    name = "softmax_%s_%s_ax%s%s" % (kt.dtype_name(x.dtype), sh(x.shape), ax,
                                      tag)
    rtol = 1e-4 if x.dtype == F32 else 1e-9
    atol = 1e-6 if x.dtype == F32 else 1e-12
    b.add(name, "softmax", [x], None if axis is None else {"axis": axis},
          softmax(-1 if axis is None else axis), rtol=rtol, atol=atol)


b = kt.Bundle()
x2, x3 = kt.rand((3, 4)), kt.rand((2, 3, 4))
for axis in (None, -1, 0, 1, -2):
    add_softmax(b, x2, axis)
for axis in (0, 1, 2, -1, -2, -3):
    add_softmax(b, x3, axis)
add_softmax(b, kt.rand((5,)), None)
add_softmax(b, kt.rand((1,)), 0)
add_softmax(b, kt.rand((3, 1)), -1)    # all ones
add_softmax(b, kt.rand((1, 3)), 0)     # all ones
add_softmax(b, kt.rand((7, 33)), 1)
add_softmax(b, kt.rand((2, 3, 4, 5)), 2)
s.bundle("softmax", b)

# Large |x|: must be computed stably (no inf/inf = NaN, no 0/0).
b = kt.Bundle()
big = np.array([[1000.0, 0.0, -1000.0], [88.0, 89.0, 90.0],
                [-1000.0, -1000.0, -1000.0], [1e30, -1e30, 0.0],
                [100.0, 100.0, -100.0], [-200.0, -150.0, -100.0]], F32)
add_softmax(b, big, -1, "_large")
add_softmax(b, big, 0, "_large")
add_softmax(b, big.astype(F64), -1, "_large")
add_softmax(b, np.array([[-inf, 0.0, 1.0], [-inf, -inf, 5.0]], F32), -1,
            "_neginf")
add_softmax(b, kt.rand((3, 4), F64), 0)
add_softmax(b, kt.rand((2, 3, 4), F64), 1)
s.bundle("softmax_special", b)

# --- symbolic dims: one artifact, N = 1, 3, 7 ------------------------------
NS = (1, 3, 7)
outs = {
    "sum_ax0": ("reduce_sum", {"axes": [0], "keepdims": False}),
    "sum_ax1_kd": ("reduce_sum", {"axes": [1], "keepdims": True}),
    "mean_ax0_kd": ("reduce_mean", {"axes": [0]}),
    "mean_all": ("reduce_mean", {"keepdims": False}),
    "max_axm1": ("reduce_max", {"axes": [-1], "keepdims": False}),
    "max_all_kd": ("reduce_max", None),
    "softmax_m1": ("softmax", {"axis": -1}),
    "softmax_0": ("softmax", {"axis": 0}),
}
g = kt.ops_graph(outs, [kt.rand((2, 5))], shapes=[["N", 5]])
s.case("sym_reduce_softmax_Nx5", g, [{"x0": kt.rand((n, 5))} for n in NS],
       lambda i: {
           "sum_ax0": i["x0"].sum(0),
           "sum_ax1_kd": i["x0"].sum(1, keepdims=True),
           "mean_ax0_kd": i["x0"].mean(0, keepdims=True),
           "mean_all": i["x0"].mean(),
           "max_axm1": i["x0"].max(-1),
           "max_all_kd": i["x0"].max(keepdims=True),
           "softmax_m1": softmax(-1)(i["x0"]),
           "softmax_0": softmax(0)(i["x0"]),
       },
       rtol={k: 1e-4 if k.startswith("softmax") else 1e-5 for k in outs},
       atol=1e-5, graph_mode=True)

g = kt.ops_graph({"sum": ("reduce_sum", {"axes": [0], "keepdims": False}),
                  "max": ("reduce_max", {"axes": [0, 2], "keepdims": False})},
                 [kt.rand((2, 3, 2), I32)], shapes=[["N", 3, "M"]])
s.case("sym_reduce_i32_Nx3xM", g,
       [{"x0": kt.rand((n, 3, m), I32)} for n, m in [(1, 1), (3, 2), (7, 5)]],
       lambda i: {"sum": i["x0"].sum(0).astype(I32),
                  "max": i["x0"].max((0, 2))})

s.finish()
