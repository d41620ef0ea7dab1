"""max_pool, avg_pool (kernel, strides, asymmetric pads, dilations, ceil_mode
with ONNX's dropped last window, count_include_pad), global_avg_pool and
global_max_pool; 1-D/2-D/3-D, f32/f64/i32/i64, NaN, symbolic N and C; compiled
and eager, against NumPy references written here with plain loops over
output positions.

usage: nn_pool.py KILN_BIN_DIR [WORK_DIR]
"""
import itertools

import numpy as np

import kiln_testing as kt

s = kt.Suite("nn_pool")
F32, F64, I32, I64 = np.float32, np.float64, np.int32, np.int64
nan, inf = np.nan, np.inf


def out_size(d, k, st, dl, pb, pe, ceil):
    eff = (k - 1) * dl + 1
    span = d + pb + pe
    if ceil:
        o = -(-(span - eff) // st) + 1
        if (o - 1) * st >= d + pb:   # last window would start in the end pad
            o -= 1
    else:
        o = (span - eff) // st + 1
    return o


def ref_pool(kind, kernel, strides=None, pads=None, dilations=None,
             ceil_mode=False, count_include_pad=False):
    def f(x):
        r = x.ndim - 2
        st = strides or [1] * r
        dl = dilations or [1] * r
        p = pads or [0] * (2 * r)
        ins = x.shape[2:]
        outs = [out_size(ins[i], kernel[i], st[i], dl[i], p[i], p[r + i],
                         ceil_mode) for i in range(r)]
        if kind == "max":
            low = -inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
            y = np.full(x.shape[:2] + tuple(outs), low, x.dtype)
        else:
            y = np.zeros(x.shape[:2] + tuple(outs))
        for o in itertools.product(*[range(n) for n in outs]):
            vals = []
            for k in itertools.product(*[range(n) for n in kernel]):
                pos = [o[i] * st[i] + k[i] * dl[i] - p[i] for i in range(r)]
                if all(0 <= pos[i] < ins[i] for i in range(r)):
                    vals.append(x[(slice(None), slice(None)) + tuple(pos)])
            at = (slice(None), slice(None)) + o
            if kind == "max":
                if vals:
                    y[at] = np.max(np.stack(vals), axis=0)
                continue
            if count_include_pad:
                cnt = np.prod([min(o[i] * st[i] - p[i] + kernel[i],
                                   ins[i] + p[r + i]) - (o[i] * st[i] - p[i])
                               for i in range(r)])
            else:
                cnt = len(vals)
            y[at] = (np.sum(np.stack(vals), axis=0) if vals else 0.0) / cnt
        return y
    return f


def attrs_of(**kw):
    return {k: v for k, v in kw.items() if v is not None}


def add(b, name, op, x, **kw):
    kind = "max" if op == "max_pool" else "avg"
    tol = {np.dtype(F32): (1e-5, 1e-6), np.dtype(F64): (1e-10, 1e-12)}.get(
        x.dtype, (None, None))
    b.add(name, op, [x], attrs_of(**kw), ref_pool(kind, **kw), rtol=tol[0],
          atol=tol[1])


def R(*shape, dt=F32):
    return kt.rand(shape, dt)


for op in ("max_pool", "avg_pool"):
    b = kt.Bundle()
    p = op[:3]
    x1 = R(2, 3, 11)
    add(b, p + "1_k2", op, x1, kernel=[2])
    add(b, p + "1_k3_s2", op, x1, kernel=[3], strides=[2])
    add(b, p + "1_k3_s2_pads", op, x1, kernel=[3], strides=[2], pads=[1, 2])
    add(b, p + "1_k3_pads_cip", op, x1, kernel=[3], pads=[2, 1],
        **({"count_include_pad": True} if op == "avg_pool" else {}))
    add(b, p + "1_ceil", op, x1, kernel=[3], strides=[2], ceil_mode=True)
    add(b, p + "1_ceil_pads", op, x1, kernel=[2], strides=[3], pads=[1, 1],
        ceil_mode=True)
    # 5 + 1 + 1 with k=2, s=2: ceil gives 4 windows, the last would start in
    # the end padding and is dropped (ONNX).
    add(b, p + "1_ceil_drop", op, R(1, 2, 5), kernel=[2], strides=[2],
        pads=[1, 1], ceil_mode=True)
    add(b, p + "1_ceil_nodrop", op, R(1, 2, 6), kernel=[3], strides=[2],
        pads=[0, 1], ceil_mode=True)
    add(b, p + "1_kernel_eq_input", op, R(2, 2, 4), kernel=[4])
    add(b, p + "1_size1", op, R(1, 1, 1), kernel=[1])
    if op == "max_pool":
        add(b, p + "1_dil2", op, x1, kernel=[3], dilations=[2])
        add(b, p + "1_dil2_s2_pads_ceil", op, x1, kernel=[2], dilations=[3],
            strides=[2], pads=[2, 1], ceil_mode=True)
    else:
        add(b, p + "1_cip_ceil", op, x1, kernel=[3], strides=[2],
            pads=[1, 1], ceil_mode=True, count_include_pad=True)
        add(b, p + "1_cip_ceil_past_pad", op, R(1, 2, 6), kernel=[3],
            strides=[2], pads=[1, 0], ceil_mode=True, count_include_pad=True)
        add(b, p + "1_nocip_ceil", op, R(1, 2, 6), kernel=[3], strides=[2],
            pads=[1, 0], ceil_mode=True, count_include_pad=False)
        # The last ceil_mode window reaches past the end padding: those
        # positions are not counted even with count_include_pad.
        add(b, p + "1_cip_ceil_beyond", op, R(1, 2, 6), kernel=[3],
            strides=[2], pads=[1, 1], ceil_mode=True, count_include_pad=True)
        add(b, p + "1_cip_ceil_beyond_nopad", op, R(1, 2, 6), kernel=[3],
            strides=[2], ceil_mode=True, count_include_pad=True)
    x2 = R(2, 3, 7, 8)
    add(b, p + "2_k2_s2", op, x2, kernel=[2, 2], strides=[2, 2])
    add(b, p + "2_k3_pads_asym", op, x2, kernel=[3, 2], strides=[2, 1],
        pads=[1, 0, 2, 1])
    add(b, p + "2_ceil", op, x2, kernel=[3, 3], strides=[2, 3],
        ceil_mode=True, pads=[1, 1, 0, 1])
    add(b, p + "2_global_like", op, x2, kernel=[7, 8])
    x3 = R(1, 2, 5, 4, 6)
    add(b, p + "3_k2", op, x3, kernel=[2, 2, 2])
    add(b, p + "3_all", op, x3, kernel=[2, 3, 2], strides=[2, 1, 2],
        pads=[1, 0, 1, 0, 1, 1], ceil_mode=True)
    add(b, p + "3_f64", op, R(1, 2, 4, 4, 3, dt=F64), kernel=[3, 2, 2],
        pads=[1, 1, 0, 0, 1, 1], strides=[2, 2, 1])
    if op == "max_pool":
        add(b, p + "2_dil", op, x2, kernel=[2, 3], dilations=[2, 2],
            pads=[1, 1, 1, 1])
        add(b, p + "3_dil", op, x3, kernel=[2, 2, 2], dilations=[2, 1, 3],
            strides=[1, 1, 2])
        add(b, p + "2_f64", op, R(1, 3, 5, 5, dt=F64), kernel=[3, 3],
            strides=[2, 2], pads=[1, 1, 1, 1])
        for dt in (np.int8, np.int16, I32, I64):
            xi = kt.rand((2, 3, 6, 5), dt)
            add(b, p + "2_" + kt.dtype_name(dt), op, xi, kernel=[3, 2],
                strides=[2, 1], pads=[1, 0, 1, 1], ceil_mode=True)
            add(b, p + "1_neg_" + kt.dtype_name(dt), op,
                np.array([[[-7, -3, -9, -5]]], dt), kernel=[2], pads=[1, 1])
        # NaN propagates; padding next to -inf is never selected.
        xn = np.array([[[1.0, nan, 3.0, -2.0, 4.0, -inf, -inf]]], F32)
        add(b, p + "1_nan", op, xn, kernel=[2], strides=[1], pads=[1, 1])
        add(b, p + "1_neg_pad", op, np.array([[[-5.0, -6.0, -7.0]]], F32),
            kernel=[3], pads=[2, 2])
    else:
        add(b, p + "2_cip", op, x2, kernel=[3, 3], pads=[1, 2, 2, 1],
            count_include_pad=True)
        add(b, p + "3_cip", op, x3, kernel=[3, 2, 3], pads=[1, 1, 1, 0, 1, 2],
            count_include_pad=True, strides=[2, 1, 2])
    s.bundle(op, b)

# --- global pooling --------------------------------------------------------
b = kt.Bundle()
for shape in ((2, 3, 5), (2, 3, 4, 5), (1, 2, 3, 2, 4), (2, 1, 1, 1)):
    x = R(*shape)
    axes = tuple(range(2, len(shape)))
    name = "x".join(map(str, shape))
    b.add("gavg_" + name, "global_avg_pool", [x], None,
          lambda v, a=axes: np.mean(v, axis=a, keepdims=True), rtol=1e-5,
          atol=1e-6)
    b.add("gmax_" + name, "global_max_pool", [x], None,
          lambda v, a=axes: np.max(v, axis=a, keepdims=True))
xd = R(2, 2, 3, 3, dt=F64)
b.add("gavg_f64", "global_avg_pool", [xd], None,
      lambda v: np.mean(v, axis=(2, 3), keepdims=True))
for dt in (I32, I64):
    xi = kt.rand((2, 3, 4), dt)
    b.add("gmax_" + kt.dtype_name(dt), "global_max_pool", [xi], None,
          lambda v: np.max(v, axis=2, keepdims=True))
b.add("gmax_nan", "global_max_pool",
      [np.array([[[1.0, nan], [2.0, 3.0]]], F32)], None,
      lambda v: np.max(v, axis=2, keepdims=True))
s.bundle("global_pool", b)

# --- symbolic N (and C): one artifact, two batch sizes ---------------------
MP = {"kernel": [3, 2], "strides": [2, 1], "pads": [1, 0, 1, 1],
      "ceil_mode": True}
AP = {"kernel": [2, 2], "strides": [2, 2], "pads": [1, 1, 0, 0],
      "count_include_pad": True}
outs = {"mp": ("max_pool", MP), "ap": ("avg_pool", AP),
        "ga": ("global_avg_pool", None), "gm": ("global_max_pool", None)}
g = kt.ops_graph(outs, [R(1, 3, 7, 6)], shapes=[["N", "C", 7, 6]])
s.case("sym_pool_NxCx7x6", g,
       [{"x0": R(n, c, 7, 6)} for n, c in ((1, 3), (4, 2), (0, 2))],
       lambda i: {"mp": ref_pool("max", **MP)(i["x0"]),
                  "ap": ref_pool("avg", **AP)(i["x0"]),
                  "ga": np.mean(i["x0"], axis=(2, 3), keepdims=True),
                  "gm": np.max(i["x0"], axis=(2, 3), keepdims=True)},
       rtol=1e-5, atol=1e-6)

# Global pooling over symbolic spatial dims.
g = kt.ops_graph({"ga": ("global_avg_pool", None),
                  "gm": ("global_max_pool", None)}, [R(1, 2, 3, 4)],
                 shapes=[["N", 2, "H", "W"]])
s.case("sym_global_NxHxW", g,
       [{"x0": R(n, 2, h, w)} for n, h, w in ((1, 3, 4), (2, 5, 1))],
       lambda i: {"ga": np.mean(i["x0"], axis=(2, 3), keepdims=True),
                  "gm": np.max(i["x0"], axis=(2, 3), keepdims=True)},
       rtol=1e-5, atol=1e-6)

s.finish()
