"""reduce_min, reduce_prod, argmax, argmin, log_softmax, layer_norm and
batch_norm: negative axes, keepdims, all axes, ties and NaN (NumPy's first
index), integer dtypes, broadcast scale/bias, symbolic batch; compiled and
eager, against NumPy.

usage: nn_reduce_norm.py KILN_BIN_DIR [WORK_DIR]
"""
import numpy as np

import kiln_testing as kt

s = kt.Suite("nn_reduce_norm")
F32, F64, I32, I64 = np.float32, np.float64, np.int32, np.int64
nan, inf = np.nan, np.inf


def sh(shape):
    return "x".join(str(d) for d in shape) if shape else "scalar"


def tag(v):
    if v is None:
        return "def"
    if isinstance(v, (list, tuple)):
        return "_".join(tag(a) for a in v) or "none"
    if isinstance(v, bool):
        return "t" if v else "f"
    return ("m%d" % -v) if v < 0 else str(v)


def tol(x):
    return {np.dtype(F32): (1e-5, 1e-6),
            np.dtype(F64): (1e-10, 1e-12)}.get(x.dtype, (None, None))


# --- reduce_min / reduce_prod ----------------------------------------------
REDUCE = {"reduce_min": np.min, "reduce_prod": np.prod}


def add_reduce(b, op, x, axes, keepdims, suffix=""):
    at = {}
    if axes is not None:
        at["axes"] = axes
    if keepdims is not None:
        at["keepdims"] = keepdims
    f = REDUCE[op]
    kd = True if keepdims is None else keepdims
    ax = None if axes is None else tuple(axes) if isinstance(axes, list) \
        else axes
    name = "%s_%s_%s_ax%s_kd%s%s" % (op[7:], kt.dtype_name(x.dtype),
                                     sh(x.shape), tag(axes), tag(keepdims),
                                     suffix)
    rt, atl = tol(x)
    b.add(name, op, [x], at or None,
          lambda v: f(v, axis=ax, keepdims=kd), rtol=rt, atol=atl)


b = kt.Bundle()
for op in REDUCE:
    x = kt.rand((2, 3, 4), lo=0.5, hi=1.5)
    for axes in (None, [0], [-1], [1, -1], [-3, 2], [0, 1, 2]):
        for keepdims in (None, True, False):
            add_reduce(b, op, x, axes, keepdims)
    add_reduce(b, op, x, 1, False, "_int_axis")
    add_reduce(b, op, kt.rand((5,)), [0], False)
    add_reduce(b, op, kt.rand((3, 1)), [1], True)
    add_reduce(b, op, np.array(2.5, F32), None, False)
    add_reduce(b, op, kt.rand((2, 3), F64), [-1], False)
    for dt in (np.int8, np.int16, I32, I64):
        xi = kt.rand((3, 4), dt)
        add_reduce(b, op, xi, None, False)
        add_reduce(b, op, xi, [0], True)
        add_reduce(b, op, xi, [-1], False)
    add_reduce(b, op, np.array([[1.0, nan, 3.0], [4.0, -inf, 6.0]], F32),
               [1], False, "_nan")
# Products of an empty axis are 1; integer products wrap like NumPy's.
add_reduce(b, "reduce_prod", np.zeros((2, 0), F32), [1], False, "_empty")
add_reduce(b, "reduce_prod", np.array([2**20, 2**20, 3], I64), None, False,
           "_big")
add_reduce(b, "reduce_prod", np.array([70000, 70000], I32), None, False,
           "_wrap")
s.bundle("reduce_min_prod", b)

# --- argmax / argmin -------------------------------------------------------
ARG = {"argmax": np.argmax, "argmin": np.argmin}


def add_arg(b, op, x, axis, keepdims, suffix=""):
    at = {}
    if axis is not None:
        at["axis"] = axis
    if keepdims is not None:
        at["keepdims"] = keepdims
    ax = 0 if axis is None else axis
    kd = True if keepdims is None else keepdims
    name = "%s_%s_%s_ax%s_kd%s%s" % (op, kt.dtype_name(x.dtype), sh(x.shape),
                                     tag(axis), tag(keepdims), suffix)
    f = ARG[op]
    b.add(name, op, [x], at or None,
          lambda v: f(v, axis=ax, keepdims=kd), out_dtype=I64)


b = kt.Bundle()
for op in ARG:
    x = kt.rand((3, 4, 5))
    for axis in (None, 0, 1, 2, -1, -3):
        for keepdims in (None, False):
            add_arg(b, op, x, axis, keepdims)
    add_arg(b, op, kt.rand((7,)), None, False)
    add_arg(b, op, kt.rand((1, 4)), 0, True)
    for dt in (F64, np.int8, np.int16, I32, I64):
        add_arg(b, op, kt.rand((4, 6), dt), -1, False)
        add_arg(b, op, kt.rand((4, 6), dt), 0, True)
    # Ties: the first index wins, along either axis.
    ties = np.array([[1, 3, 3, 0, 3], [2, 2, 2, 2, 2], [0, -1, 5, -1, 5]],
                    F32)
    add_arg(b, op, ties, -1, False, "_ties")
    add_arg(b, op, ties.T.copy(), 0, False, "_ties")
    add_arg(b, op, ties.astype(I32), 1, True, "_ties")
    add_arg(b, op, np.array([[-inf, -inf, -inf], [inf, inf, 1.0]], F32), 1,
            False, "_inf")
    # NaN: NumPy returns the first NaN.
    xn = np.array([[1.0, nan, 3.0, nan], [nan, 5.0, 6.0, 0.0],
                   [1.0, 2.0, 3.0, nan], [nan, nan, nan, nan]], F32)
    add_arg(b, op, xn, 1, False, "_nan")
    add_arg(b, op, xn, 0, False, "_nan")
    add_arg(b, op, np.array([[2**40, -5, 2**40]], I64), 1, False, "_wide")
s.bundle("argmax_argmin", b)


# --- log_softmax -----------------------------------------------------------
def log_softmax(axis):
    def f(x):
        m = np.max(x, axis=axis, keepdims=True)
        return x - m - np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True))
    return f


b = kt.Bundle()
for x in (kt.rand((3, 4)), kt.rand((2, 3, 4)), kt.rand((2, 3), F64)):
    for axis in (None, 0, -1, 1, -x.ndim):
        name = "lsm_%s_%s_ax%s" % (kt.dtype_name(x.dtype), sh(x.shape),
                                   tag(axis))
        if any(sub[0] == name for sub in b.subs):
            continue
        rt = 1e-4 if x.dtype == F32 else 1e-9
        b.add(name, "log_softmax", [x],
              None if axis is None else {"axis": axis},
              log_softmax(-1 if axis is None else axis), rtol=rt,
              atol=1e-5 if x.dtype == F32 else 1e-12)
big = np.array([[1000.0, 0.0, -1000.0], [88.0, 89.0, 90.0],
                [-1000.0, -1000.0, -1000.0]], F32)
b.add("lsm_large", "log_softmax", [big], None, log_softmax(-1), rtol=1e-4,
      atol=1e-4)
b.add("lsm_size1", "log_softmax", [kt.rand((3, 1))], None, log_softmax(-1))
s.bundle("log_softmax", b)


# --- layer_norm / batch_norm -----------------------------------------------
def layer_norm(axis, eps):
    def f(x, scale, bias):
        axes = tuple(range(axis % x.ndim, x.ndim))
        mean = np.mean(x, axis=axes, keepdims=True)
        var = np.mean((x - mean) ** 2, axis=axes, keepdims=True)
        return (x - mean) / np.sqrt(var + eps) * scale + bias
    return f


def batch_norm(eps):
    def f(x, scale, bias, mean, var):
        shp = [1, x.shape[1]] + [1] * (x.ndim - 2)
        return ((x - mean.reshape(shp)) / np.sqrt(var.reshape(shp) + eps)
                * scale.reshape(shp) + bias.reshape(shp))
    return f


b = kt.Bundle()
for name, xs, ss, bs, axis, eps in [
        ("ln_last", (4, 8), (8,), (8,), None, None),
        ("ln_last_eps", (4, 8), (8,), (8,), -1, 0.1),
        ("ln_two", (2, 3, 4), (3, 4), (3, 4), -2, None),
        ("ln_two_bcast", (2, 3, 4), (4,), (1,), 1, None),
        ("ln_all", (3, 5), (3, 5), (5,), 0, None),
        ("ln_scalar_params", (2, 6), (1,), (1,), -1, 1e-3),
        ("ln_rank4", (2, 2, 3, 4), (1, 4), (3, 1), 2, None),
        ("ln_len1", (3, 1), (1,), (1,), -1, None)]:
    at = {}
    if axis is not None:
        at["axis"] = axis
    if eps is not None:
        at["epsilon"] = eps
    b.add(name, "layer_norm", [kt.rand(xs), kt.rand(ss), kt.rand(bs)],
          at or None, layer_norm(-1 if axis is None else axis,
                                 1e-5 if eps is None else eps),
          rtol=1e-4, atol=1e-5)
b.add("ln_f64", "layer_norm", [kt.rand((3, 4), F64), kt.rand((4,), F64),
                                kt.rand((4,), F64)], None,
      layer_norm(-1, 1e-5))
# Large offset: two-pass variance stays accurate.
b.add("ln_offset", "layer_norm", [kt.rand((2, 16), lo=1000, hi=1001),
                                   kt.rand((16,)), kt.rand((16,))], None,
      layer_norm(-1, 1e-5), rtol=1e-3, atol=1e-3)
for name, xs, eps in [("bn_rank2", (4, 3), None), ("bn_rank3", (2, 3, 5), 0.5),
                      ("bn_rank4", (2, 3, 4, 2), None),
                      ("bn_rank5", (1, 2, 2, 3, 2), 1e-3)]:
    c = xs[1]
    params = [kt.rand((c,)), kt.rand((c,)), kt.rand((c,)),
              kt.rand((c,), lo=0.1, hi=2.0)]
    b.add(name, "batch_norm", [kt.rand(xs)] + params,
          None if eps is None else {"epsilon": eps},
          batch_norm(1e-5 if eps is None else eps), rtol=1e-4, atol=1e-5)
b.add("bn_f64", "batch_norm",
      [kt.rand((2, 2, 3), F64)] + [kt.rand((2,), F64) for _ in range(3)] +
      [kt.rand((2,), F64, lo=0.5, hi=1.0)], None, batch_norm(1e-5))
s.bundle("norms", b)

# --- symbolic batch: one artifact, N = 1 and 4 ------------------------------
g = kt.graph(
    [kt.inp("x", F32, ["N", 3, 4]), kt.inp("s", F32, [4]),
     kt.inp("c", F32, [3])],
    [kt.node("reduce_min", ["x"], ["rmin"], {"axes": [-1], "keepdims": False}),
     kt.node("reduce_prod", ["x"], ["rprod"], {"axes": [0]}),
     kt.node("reduce_min", ["x"], ["rall"], {"keepdims": False}),
     kt.node("argmax", ["x"], ["amax"], {"axis": -1}),
     kt.node("argmin", ["x"], ["amin0"], {"axis": 0, "keepdims": False}),
     kt.node("log_softmax", ["x"], ["lsm"], {"axis": 1}),
     kt.node("layer_norm", ["x", "s", "s"], ["ln"]),
     kt.node("batch_norm", ["x", "c", "c", "c", "cv"], ["bn"]),
     kt.node("abs", ["c"], ["cabs"]),
     kt.node("add", ["cabs", "one"], ["cv"])],
    ["rmin", "rprod", "rall", "amax", "amin0", "lsm", "ln", "bn"],
    constants=[kt.const("one", dtype=F32, shape=[1], fill=1.0)])


def sym_ref(i):
    x, sc, c = i["x"], i["s"], i["c"]
    cv = np.abs(c) + 1.0
    return {"rmin": x.min(-1), "rprod": x.prod(0, keepdims=True),
            "rall": x.min(), "amax": x.argmax(-1)[..., None],
            "amin0": x.argmin(0), "lsm": log_softmax(1)(x),
            "ln": layer_norm(-1, 1e-5)(x, sc, sc),
            "bn": batch_norm(1e-5)(x, c, c, c, cv)}


s.case("sym_reduce_norm", g,
       [{"x": kt.rand((n, 3, 4)), "s": kt.rand((4,)), "c": kt.rand((3,))}
        for n in (1, 4)],
       sym_ref, rtol=1e-4, atol=1e-5,
       out_dtype={"amax": I64, "amin0": I64})

s.finish()
