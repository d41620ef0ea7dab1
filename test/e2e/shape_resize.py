"""resize: nearest (every nearest_mode) and N-linear, every
coordinate_transformation_mode, scales and sizes, up and down, f32/f64 and
integer dtypes (nearest), and a symbolic batch dim; compiled and eager. The
reference is written here with plain loops from ONNX's formulas.

usage: shape_resize.py KILN_BIN_DIR [WORK_DIR]
"""
import itertools
import math

import numpy as np

import kiln_testing as kt

s = kt.Suite("shape_resize")

F32, F64, I32, U8 = np.float32, np.float64, np.int32, np.uint8
CTS = ["half_pixel", "asymmetric", "align_corners", "pytorch_half_pixel",
       "tf_half_pixel_for_nearest"]
NMS = ["round_prefer_floor", "round_prefer_ceil", "floor", "ceil"]


def ref_resize(x, scales=None, sizes=None, mode="nearest", ct="half_pixel",
               nm="round_prefer_floor"):
    """ONNX Resize, one output element at a time."""
    ins = x.shape
    if sizes is not None:
        outs = list(sizes)
        sc = [o / i for o, i in zip(outs, ins)]
    else:
        outs = [int(math.floor(i * s)) for i, s in zip(ins, scales)]
        sc = list(scales)

    def coord(o, d):
        i, n, s_ = ins[d], outs[d], sc[d]
        if ct == "half_pixel":
            return (o + 0.5) / s_ - 0.5
        if ct == "asymmetric":
            return o / s_
        if ct == "align_corners":
            return 0.0 if n == 1 else o * (i - 1) / (n - 1)
        if ct == "pytorch_half_pixel":
            return (o + 0.5) / s_ - 0.5 if n > 1 else 0.0
        return (o + 0.5) / s_  # tf_half_pixel_for_nearest

    def rnd(c):
        if nm == "round_prefer_floor":
            return math.floor(c) if c - math.floor(c) == 0.5 else round(c)
        if nm == "round_prefer_ceil":
            return math.ceil(c) if c - math.floor(c) == 0.5 else round(c)
        return math.floor(c) if nm == "floor" else math.ceil(c)

    def clip(i, d):
        return min(max(i, 0), ins[d] - 1)

    y = np.zeros(outs, dtype=np.float64 if x.dtype.kind == "f" else x.dtype)
    for o in itertools.product(*[range(n) for n in outs]):
        if mode == "nearest":
            y[o] = x[tuple(clip(rnd(coord(o[d], d)), d)
                           for d in range(len(o)))]
            continue
        taps = []
        for d in range(len(o)):
            c = coord(o[d], d)
            i0 = math.floor(c)
            r = c - i0
            taps.append([(clip(i0, d), 1 - r), (clip(i0 + 1, d), r)])
        v = 0.0
        for corner in itertools.product(*taps):
            w = 1.0
            for _, wd in corner:
                w *= wd
            v += w * x[tuple(i for i, _ in corner)]
        y[o] = v
    return y


def tag(vals):
    return "_".join(str(v).replace(".", "p") for v in vals)


# --- nearest: every coordinate mode x nearest mode -----------------------------
b = kt.Bundle()
x = kt.rand((1, 2, 3, 4))
for ct in CTS:
    for nm in NMS:
        for scales in ([1, 1, 2, 1.5], [1, 1, 0.7, 0.5]):
            attrs = {"scales": scales, "mode": "nearest",
                     "coordinate_transformation_mode": ct, "nearest_mode": nm}
            b.add("nearest_%s_%s_%s" % (ct, nm, tag(scales)), "resize", [x],
                  attrs, lambda a, sc=scales, ct=ct, nm=nm: ref_resize(
                      a, scales=sc, ct=ct, nm=nm))
    b.add("nearest_%s_sizes" % ct, "resize", [x],
          {"sizes": [1, 2, 7, 3], "coordinate_transformation_mode": ct},
          lambda a, ct=ct: ref_resize(a, sizes=[1, 2, 7, 3], ct=ct))
    b.add("nearest_%s_sizes_to_1" % ct, "resize", [x],
          {"sizes": [1, 2, 1, 5], "coordinate_transformation_mode": ct},
          lambda a, ct=ct: ref_resize(a, sizes=[1, 2, 1, 5], ct=ct))
# Defaults (nearest, half_pixel, round_prefer_floor), 1-D and 2-D.
b.add("nearest_defaults_1d", "resize", [kt.rand((5,))], {"scales": [2.0]},
      lambda a: ref_resize(a, scales=[2.0]))
b.add("nearest_defaults_2d_down", "resize", [kt.rand((6, 6))],
      {"scales": [0.5, 0.34]}, lambda a: ref_resize(a, scales=[0.5, 0.34]))
for dt in (I32, np.int8, F64):
    b.add("nearest_%s" % kt.dtype_name(dt), "resize",
          [kt.rand((2, 3), dt)], {"scales": [2.0, 1.5]},
          lambda a: ref_resize(a, scales=[2.0, 1.5]))
s.bundle("nearest", b)

# --- linear -------------------------------------------------------------------
b = kt.Bundle()
x = kt.rand((1, 2, 3, 4))
for ct in CTS:
    for scales in ([1, 1, 2, 1.5], [1, 1, 0.7, 0.5], [1, 1, 3, 1]):
        b.add("linear_%s_%s" % (ct, tag(scales)), "resize", [x],
              {"scales": scales, "mode": "linear",
               "coordinate_transformation_mode": ct},
              lambda a, sc=scales, ct=ct: ref_resize(a, scales=sc,
                                                     mode="linear", ct=ct))
    for sizes in ([1, 2, 5, 7], [1, 2, 1, 1], [2, 3, 3, 4]):
        b.add("linear_%s_sizes_%s" % (ct, tag(sizes)), "resize", [x],
              {"sizes": sizes, "mode": "linear",
               "coordinate_transformation_mode": ct},
              lambda a, sz=sizes, ct=ct: ref_resize(a, sizes=sz,
                                                    mode="linear", ct=ct))
b.add("linear_f64", "resize", [kt.rand((3, 4), F64)],
      {"scales": [2.0, 0.75], "mode": "linear"},
      lambda a: ref_resize(a, scales=[2.0, 0.75], mode="linear"))
b.add("linear_3d", "resize", [kt.rand((2, 3, 4))],
      {"scales": [1.5, 2.0, 0.5], "mode": "linear",
       "coordinate_transformation_mode": "align_corners"},
      lambda a: ref_resize(a, scales=[1.5, 2.0, 0.5], mode="linear",
                           ct="align_corners"))
s.bundle("linear", b)

# --- f16, u8, bool, compiled and eager ------------------------------------------
b = kt.Bundle()
b.add("linear_f16", "resize", [kt.rand((3, 4), np.float16)],
      {"scales": [2.0, 0.75], "mode": "linear"},
      lambda a: ref_resize(a, scales=[2.0, 0.75], mode="linear"))
b.add("nearest_f16", "resize", [kt.rand((3, 4), np.float16)],
      {"sizes": [5, 3], "nearest_mode": "ceil"},
      lambda a: ref_resize(a, sizes=[5, 3], nm="ceil"))
b.add("nearest_u8", "resize", [kt.rand((3, 4), U8)],
      {"scales": [2.0, 0.75]}, lambda a: ref_resize(a, scales=[2.0, 0.75]))
b.add("nearest_bool", "resize", [kt.rand((3, 4), np.bool_)],
      {"scales": [1.5, 2]}, lambda a: ref_resize(a, scales=[1.5, 2]))
s.bundle("other_dtypes", b, modes=("compiled", "eager"))

# --- symbolic batch: one artifact, N = 1, 2, 3 ----------------------------------
NS = (1, 2, 3)
g = kt.graph(
    [kt.inp("x", "f32", ["N", 2, 3, 4])],
    [kt.node("resize", ["x"], "up", {"scales": [1, 1, 2, 2], "mode": "linear"}),
     kt.node("resize", ["x"], "sized", {"sizes": [2, 2, 5, 3],
                                        "mode": "nearest"}),
     kt.node("resize", ["x"], "batch2", {"scales": [2, 1, 1, 0.5]})],
    ["up", "sized", "batch2"])
s.case("symbolic_N", g, [{"x": kt.rand((n, 2, 3, 4))} for n in NS],
       lambda i: {"up": ref_resize(i["x"], scales=[1, 1, 2, 2], mode="linear"),
                  "sized": ref_resize(i["x"], sizes=[2, 2, 5, 3]),
                  "batch2": ref_resize(i["x"], scales=[2, 1, 1, 0.5])},
       graph_mode=True)

s.finish()
