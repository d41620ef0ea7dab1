"""resize: nearest (every nearest_mode), N-linear and cubic, every
coordinate_transformation_mode (tf_crop_and_resize with roi and
extrapolation_value), scales and sizes, up and down, float dtypes and
integer dtypes (nearest), and a symbolic batch dim; compiled and eager. The
reference is written here with plain loops from ONNX's formulas; cubic and
tf_crop_and_resize are also checked against ONNX's own reference
implementation (onnx.backend.test.case.node.resize), which the cases use
as their reference where it implements the specification.

usage: shape_resize.py KILN_BIN_DIR [WORK_DIR]
"""
import itertools
import math

import numpy as np
from onnx.backend.test.case.node.resize import (cubic_coeffs, interpolate_nd,
                                                linear_coeffs, nearest_coeffs)

import kiln_testing as kt

s = kt.Suite("shape_resize")

F32, F64, I32, U8 = np.float32, np.float64, np.int32, np.uint8
CTS = ["half_pixel", "asymmetric", "align_corners", "pytorch_half_pixel",
       "tf_half_pixel_for_nearest"]
NMS = ["round_prefer_floor", "round_prefer_ceil", "floor", "ceil"]


def cubic_taps(c, d, a=-0.75, exclude=False):
    """ONNX's cubic neighbours of coordinate c in a dim of size d: indices
    p-1 .. p+2 (clamped) and weights, p = floor(c), or c - 1 if c is whole."""
    p = math.floor(c) - 1 if c == math.floor(c) else math.floor(c)
    t = c - p

    def k(s):  # the kernel at distance s
        s = abs(s)
        if s <= 1:
            return ((a + 2) * s - (a + 3)) * s * s + 1
        return ((a * s - 5 * a) * s + 8 * a) * s - 4 * a
    idx = [p - 1, p, p + 1, p + 2]
    w = [k(t + 1), k(t), k(1 - t), k(2 - t)]
    if exclude:
        w = [wi if 0 <= i < d else 0.0 for i, wi in zip(idx, w)]
        total = sum(w)
        w = [wi / total for wi in w]
    return [(min(max(i, 0), d - 1), wi) for i, wi in zip(idx, w)]


def ref_resize(x, scales=None, sizes=None, mode="nearest", ct="half_pixel",
               nm="round_prefer_floor", a=-0.75, exclude=False, roi=None,
               extrapolation=0.0):
    """ONNX Resize, one output element at a time."""
    ins = x.shape
    rank = len(ins)
    if roi is None:
        roi = [0.0] * rank + [1.0] * rank
    if sizes is not None:
        outs = list(sizes)
        sc = [o / i for o, i in zip(outs, ins)]
    else:
        ext = [roi[rank + d] - roi[d] if ct == "tf_crop_and_resize" else 1.0
               for d in range(rank)]
        outs = [int(math.floor(i * e * s))
                for i, e, s in zip(ins, ext, scales)]
        sc = list(scales)

    def coord(o, d):
        i, n, s_ = ins[d], outs[d], sc[d]
        if ct == "tf_crop_and_resize":
            st, en = roi[d], roi[rank + d]
            if n == 1:
                return (en - st) * (i - 1) / 2 + st * (i - 1)
            return o * (en - st) * (i - 1) / (n - 1) + st * (i - 1)
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
        cs = [coord(o[d], d) for d in range(len(o))]
        if ct == "tf_crop_and_resize" and any(
                c < 0 or c > ins[d] - 1 for d, c in enumerate(cs)):
            y[o] = extrapolation
            continue
        if mode == "nearest":
            y[o] = x[tuple(clip(rnd(cs[d]), d) for d in range(len(o)))]
            continue
        taps = []
        for d in range(len(o)):
            c = cs[d]
            if mode == "cubic":
                taps.append(cubic_taps(c, ins[d], a, exclude))
                continue
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


def onnx_resize(x, scales=None, sizes=None, mode="nearest", ct="half_pixel",
                nm="round_prefer_floor", a=-0.75, exclude=False, roi=None,
                extrapolation=0.0):
    """ONNX's reference implementation (it knows neither
    tf_half_pixel_for_nearest nor the crop region in the output size)."""
    coeffs = {"nearest": lambda r: nearest_coeffs(r, mode=nm),
              "linear": linear_coeffs,
              "cubic": lambda r: cubic_coeffs(r, A=a)}[mode]
    kw = dict(coordinate_transformation_mode=ct, exclude_outside=exclude,
              extrapolation_value=extrapolation)
    if roi is not None:
        kw["roi"] = np.array(roi, dtype=np.float64)
    if sizes is not None:
        return interpolate_nd(x, coeffs, output_size=list(sizes), **kw)
    return interpolate_nd(x, coeffs, scale_factors=np.array(scales, float),
                          **kw)


def onnx_checked(x, **kw):
    """ONNX's reference, after checking that the reference written here
    agrees with it (so that both implement the same definition)."""
    want = onnx_resize(x, **kw)
    mine = ref_resize(x, **kw)
    if want.shape != mine.shape or not np.allclose(mine, want, rtol=1e-12,
                                                   atol=1e-12):
        raise AssertionError("the test's reference departs from ONNX's for "
                             "%s: %s vs %s" % (kw, mine, want))
    return want


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

# --- cubic ---------------------------------------------------------------------
def onnx_agrees(shape, ct, scales=None, sizes=None):
    """Whether ONNX's reference implements the specification here: it
    divides align_corners by d * scale - 1 rather than by the output length
    minus 1 (different when d * scale is not whole), and maps
    pytorch_half_pixel to -0.5 rather than 0 where a dim of more than one
    element is resized to one; and it lacks tf_half_pixel_for_nearest."""
    if ct == "tf_half_pixel_for_nearest":
        return False
    if ct == "align_corners" and scales is not None:
        return all(float(d * sc).is_integer() for d, sc in zip(shape, scales))
    if ct == "pytorch_half_pixel":
        outs = sizes or [int(math.floor(d * sc))
                         for d, sc in zip(shape, scales)]
        return not any(d > 1 and o == 1 for d, o in zip(shape, outs))
    return True


def cubic_ref(shape, **kw):
    """ONNX's reference where it agrees with the specification, else the
    one written here."""
    if onnx_agrees(shape, kw.get("ct", "half_pixel"), kw.get("scales"),
                   kw.get("sizes")):
        return lambda v: onnx_checked(v, **kw)
    return lambda v: ref_resize(v, **kw)


b = kt.Bundle()
x = kt.rand((1, 2, 4, 5))
for ct in CTS:
    for scales in ([1, 1, 2, 1.5], [1, 1, 0.5, 0.6], [1, 1, 3, 1],
                   [1, 1, 0.8, 0.8]):
        for a, ex in [(-0.75, False), (-0.5, True)]:
            b.add("cubic_%s_%s_a%s%s" % (ct, tag(scales), tag([-a]),
                                         "_ex" if ex else ""),
                  "resize", [x],
                  {"scales": scales, "mode": "cubic",
                   "coordinate_transformation_mode": ct,
                   "cubic_coeff_a": a, "exclude_outside": ex},
                  cubic_ref(x.shape, scales=scales, mode="cubic", ct=ct, a=a,
                            exclude=ex))
    for sizes in ([1, 2, 7, 3], [1, 2, 2, 9], [1, 1, 4, 5], [1, 2, 1, 3]):
        b.add("cubic_%s_sizes_%s" % (ct, tag(sizes)), "resize", [x],
              {"sizes": sizes, "mode": "cubic",
               "coordinate_transformation_mode": ct},
              cubic_ref(x.shape, sizes=sizes, mode="cubic", ct=ct))
# 1-D, 3-D (every dim cubic: 64 taps), an input of 1 and of 2 along a
# resized dim (every neighbour clamped), a coefficient of 0.
b.add("cubic_1d", "resize", [kt.rand((6,))],
      {"scales": [1.7], "mode": "cubic"},
      lambda v: onnx_checked(v, scales=[1.7], mode="cubic"))
b.add("cubic_3d", "resize", [kt.rand((3, 4, 2))],
      {"sizes": [5, 3, 4], "mode": "cubic", "exclude_outside": True},
      lambda v: onnx_checked(v, sizes=[5, 3, 4], mode="cubic",
                             exclude=True))
b.add("cubic_small", "resize", [kt.rand((1, 2))],
      {"sizes": [3, 5], "mode": "cubic"},
      lambda v: onnx_checked(v, sizes=[3, 5], mode="cubic"))
b.add("cubic_small_ex", "resize", [kt.rand((1, 2))],
      {"sizes": [3, 5], "mode": "cubic", "exclude_outside": True},
      lambda v: onnx_checked(v, sizes=[3, 5], mode="cubic", exclude=True))
b.add("cubic_a0", "resize", [kt.rand((4, 4))],
      {"scales": [2, 0.5], "mode": "cubic", "cubic_coeff_a": 0},
      lambda v: onnx_checked(v, scales=[2, 0.5], mode="cubic", a=0.0))
s.bundle("cubic", b)

# Cubic on every float dtype (weights in f64; f16/bf16 through f32).
b = kt.Bundle()
for dt in (np.float16, kt.BF16, F64):
    rtol = {np.float16: 2e-3, F64: 1e-12}.get(dt, 1e-2)
    b.add("cubic_%s" % kt.dtype_name(dt), "resize",
          [kt.rand((3, 4), dt)],
          {"scales": [2.0, 0.75], "mode": "cubic", "exclude_outside": True},
          lambda v: onnx_checked(v, scales=[2.0, 0.75], mode="cubic",
                                 exclude=True), rtol=rtol)
s.bundle("cubic_dtypes", b)

# --- tf_crop_and_resize ---------------------------------------------------------
# Regions inside and beyond the input (extrapolation), one output (the
# centre), every mode; sizes as ONNX's reference needs them, and scales
# (output size floor(d * (end - start) * scale)) against the reference here.
b = kt.Bundle()
x = kt.rand((1, 1, 5, 6))
ROIS = {"in": [0, 0, 0.2, 0.1, 1, 1, 0.8, 0.7],
        "out": [0, 0, -0.3, 0.4, 1, 1, 0.9, 1.6],
        "flip": [0, 0, 0.9, 0.8, 1, 1, 0.1, 0.2]}
for mode in ("nearest", "linear", "cubic"):
    for rname, roi in ROIS.items():
        for sizes in ([1, 1, 4, 7], [1, 1, 1, 3]):
            kw = dict(sizes=sizes, mode=mode, ct="tf_crop_and_resize",
                      roi=roi, extrapolation=10.0)
            b.add("crop_%s_%s_%s" % (mode, rname, tag(sizes)), "resize", [x],
                  {"sizes": sizes, "mode": mode,
                   "coordinate_transformation_mode": "tf_crop_and_resize",
                   "roi": roi, "extrapolation_value": 10.0},
                  lambda v, kw=kw: onnx_checked(v, **kw))
    b.add("crop_%s_scales" % mode, "resize", [x],
          {"scales": [1, 1, 2, 1.5], "mode": mode,
           "coordinate_transformation_mode": "tf_crop_and_resize",
           "roi": ROIS["out"]},
          lambda v, m=mode: ref_resize(v, scales=[1, 1, 2, 1.5], mode=m,
                                       ct="tf_crop_and_resize",
                                       roi=ROIS["out"]))
# Without roi: the whole input (align_corners' mapping).
b.add("crop_no_roi", "resize", [x],
      {"sizes": [1, 1, 3, 8], "mode": "linear",
       "coordinate_transformation_mode": "tf_crop_and_resize"},
      lambda v: onnx_checked(v, sizes=[1, 1, 3, 8], mode="linear",
                             ct="tf_crop_and_resize",
                             roi=[0, 0, 0, 0, 1, 1, 1, 1]))
s.bundle("crop", b)

# Nearest crops of integer and bool data (the extrapolation value converted
# to the dtype), compiled and eager.
b = kt.Bundle()
for dt, ev in ((I32, -7.0), (U8, 200.0), (np.bool_, 1.0), (np.float16, 2.5)):
    b.add("crop_%s" % kt.dtype_name(dt), "resize", [kt.rand((4, 5), dt)],
          {"sizes": [3, 6], "coordinate_transformation_mode":
           "tf_crop_and_resize", "roi": [-0.5, 0.2, 1.0, 1.4],
           "extrapolation_value": ev},
          lambda v, ev=ev: onnx_checked(v, sizes=[3, 6],
                                        ct="tf_crop_and_resize",
                                        roi=[-0.5, 0.2, 1.0, 1.4],
                                        extrapolation=ev))
s.bundle("crop_dtypes", b)

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
     kt.node("resize", ["x"], "batch2", {"scales": [2, 1, 1, 0.5]}),
     kt.node("resize", ["x"], "cubic", {"scales": [1, 1, 2, 1.5],
                                        "mode": "cubic"})],
    ["up", "sized", "batch2", "cubic"])
s.case("symbolic_N", g, [{"x": kt.rand((n, 2, 3, 4))} for n in NS],
       lambda i: {"up": ref_resize(i["x"], scales=[1, 1, 2, 2], mode="linear"),
                  "sized": ref_resize(i["x"], sizes=[2, 2, 5, 3]),
                  "batch2": ref_resize(i["x"], scales=[2, 1, 1, 0.5]),
                  "cubic": onnx_checked(i["x"], scales=[1, 1, 2, 1.5],
                                        mode="cubic")},
       graph_mode=True)

s.finish()
