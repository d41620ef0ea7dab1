"""squeeze, unsqueeze, flatten, concat, split, slice, gather, pad, tile:
compiled and eager, against NumPy (np.squeeze, np.expand_dims, reshape,
np.concatenate, np.split, Python slicing, np.take, np.pad, np.tile), for f32
and integer dtypes, with negative axes, empty results, size-1 dims, and
symbolic dims run at several sizes from one compiled artifact.

usage: shape_data_movement.py KILN_BIN_DIR [WORK_DIR]
"""
import numpy as np

import kiln_testing as kt

s = kt.Suite("shape_data_movement")

F32, F64, I8, I16, I32, I64, U8 = (np.float32, np.float64, np.int8, np.int16,
                                   np.int32, np.int64, np.uint8)
BIG = 2**63 - 1


def tag(vals):
    return "_".join("m%d" % -v if v < 0 else str(v) for v in vals) or "none"


def sh(shape):
    return "x".join(str(d) for d in shape) if shape else "scalar"


# --- squeeze / unsqueeze / flatten --------------------------------------------
b = kt.Bundle()
for xs, axes in [((1, 3, 1, 2), None), ((1, 3, 1, 2), [0]), ((1, 3, 1, 2), [-2]),
                 ((1, 3, 1, 2), [0, 2]), ((1, 1), None), ((1,), [0]),
                 ((3, 1), [-1]), ((2, 3), None), ((1, 0, 1), [0, 2])]:
    b.add("squeeze_%s_%s" % (sh(xs), tag(axes or [])), "squeeze",
          [kt.rand(xs)], None if axes is None else {"axes": axes},
          lambda a, axes=axes: np.squeeze(a, None if axes is None
                                          else tuple(axes)))
for xs, axes in [((3, 4), [0]), ((3, 4), [-1]), ((3, 4), [1, 3]),
                 ((3, 4), [0, -1]), ((), [0]), ((), [0, 1]), ((2,), [-1, 0]),
                 ((2, 3), [2])]:
    def ref(a, axes=axes):
        rank = a.ndim + len(axes)
        for ax in sorted(x % rank for x in axes):
            a = np.expand_dims(a, ax)
        return a
    b.add("unsqueeze_%s_%s" % (sh(xs), tag(axes)), "unsqueeze",
          [kt.rand(xs)], {"axes": axes}, ref)
b.add("unsqueeze_int_axis", "unsqueeze", [kt.rand((3,))], {"axes": 1},
      lambda a: a[:, None])
for xs, axis in [((2, 3, 4), None), ((2, 3, 4), 0), ((2, 3, 4), 2),
                 ((2, 3, 4), 3), ((2, 3, 4), -1), ((2, 3, 4), -3), ((5,), 1),
                 ((), 0), ((2, 0, 3), 2)]:
    def ref(a, axis=axis):
        # ONNX: a negative axis counts from the end (axis + rank).
        ax = 1 if axis is None else axis + a.ndim if axis < 0 else axis
        return a.reshape(int(np.prod(a.shape[:ax])), int(np.prod(a.shape[ax:])))
    b.add("flatten_%s_%s" % (sh(xs), tag([] if axis is None else [axis])),
          "flatten", [kt.rand(xs)], None if axis is None else {"axis": axis},
          ref)
for dt in (I32, I64, I8, I16, F64):
    b.add("squeeze_%s" % kt.dtype_name(dt), "squeeze",
          [kt.rand((2, 1, 3), dt)], {"axes": [1]}, lambda a: a[:, 0, :])
    b.add("flatten_%s" % kt.dtype_name(dt), "flatten",
          [kt.rand((2, 3, 2), dt)], {"axis": 2}, lambda a: a.reshape(6, 2))
    b.add("unsqueeze_%s" % kt.dtype_name(dt), "unsqueeze",
          [kt.rand((2, 3), dt)], {"axes": [1]}, lambda a: a[:, None, :])
s.bundle("squeeze_unsqueeze_flatten", b)

# --- concat -----------------------------------------------------------------
b = kt.Bundle()
for shapes, axis in [([(2, 3), (2, 4)], 1), ([(2, 3), (1, 3), (4, 3)], 0),
                     ([(2, 3), (2, 3)], -1), ([(2, 3, 4), (2, 1, 4)], -2),
                     ([(3,)], 0), ([(3,), (0,), (2,)], 0),
                     ([(1, 2), (1, 2), (1, 2), (1, 2)], 0),
                     ([(2, 0), (2, 3)], 1)]:
    arrays = [kt.rand(x) for x in shapes]
    b.add("concat_%s_axis%s" % ("_".join(sh(x) for x in shapes), tag([axis])),
          "concat", arrays, {"axis": axis},
          lambda *a, axis=axis: np.concatenate(a, axis=axis))
for dt in (I32, I64, I16, I8, F64):
    b.add("concat_%s" % kt.dtype_name(dt), "concat",
          [kt.rand((2, 2), dt), kt.rand((2, 3), dt)], {"axis": 1},
          lambda x, y: np.concatenate([x, y], 1))
s.bundle("concat", b)

# --- slice ------------------------------------------------------------------
b = kt.Bundle()
x = kt.rand((5, 6))
SLICES = [
    ([1], [4], None, None, lambda a: a[1:4]),
    ([0, 1], [5, 5], [0, 1], [2, 2], lambda a: a[0:5:2, 1:5:2]),
    ([-1], [-BIG], [1], [-1], lambda a: a[:, ::-1]),
    ([-2], [-5], [0], [-1], lambda a: a[-2:-5:-1]),
    ([BIG], [-BIG], [0], [-2], lambda a: a[::-2]),
    ([10], [20], [1], None, lambda a: a[:, 10:20]),            # empty
    ([3], [1], [0], None, lambda a: a[3:1]),                    # empty
    ([-100], [100], [-1], None, lambda a: a[:, -100:100]),
    ([1, 2], [BIG, -1], [-1, 0], [3, 1], lambda a: a[2:-1, 1::3]),
    ([0], [BIG], [1], [BIG], lambda a: a[:, 0::BIG]),
    ([4], [-100], [1], [-4], lambda a: a[:, 4:-100:-4]),
    ([2], [2], [0], [-1], lambda a: a[2:2:-1]),                 # empty
]
for k, (st, en, ax, sp, ref) in enumerate(SLICES):
    attrs = {"starts": st, "ends": en}
    if ax is not None:
        attrs["axes"] = ax
    if sp is not None:
        attrs["steps"] = sp
    b.add("slice_%d" % k, "slice", [x], attrs, ref)
b.add("slice_1d_rev", "slice", [kt.rand((7,))],
      {"starts": [-1], "ends": [-BIG - 1], "steps": [-1]}, lambda a: a[::-1])
b.add("slice_3d", "slice", [kt.rand((3, 4, 5))],
      {"starts": [1, -3], "ends": [3, BIG], "axes": [2, 0]},
      lambda a: a[-3:, :, 1:3])
for dt in (I32, I64, I8, I16):
    b.add("slice_%s" % kt.dtype_name(dt), "slice", [kt.rand((4, 5), dt)],
          {"starts": [3, 0], "ends": [0, 5], "steps": [-1, 2]},
          lambda a: a[3:0:-1, 0:5:2])
s.bundle("slice", b)

# --- gather -----------------------------------------------------------------
b = kt.Bundle()
x = kt.rand((4, 5, 3))
for idx, axis in [([0, 3, 1], 0), ([[1, -1], [0, 2]], 1), ([-3, 2, 2, 0], -1),
                  (np.array(2), 0), (np.array(-1), 1), ([4, -5], 1),
                  (np.zeros((0,), int), 0), ([[[0]]], 2)]:
    for it in (I64, I32):
        ind = np.array(idx, dtype=it)
        b.add("gather_%s_axis%s_%s_%s" % (sh(ind.shape), tag([axis]),
                                          kt.dtype_name(it),
                                          tag(ind.reshape(-1)[:4].tolist())),
              "gather", [x, ind], {"axis": axis},
              lambda a, i, axis=axis: np.take(a, i, axis=axis))
# Out of range: clamped into [0, d-1] (documented behaviour, written out
# here with np.clip).
ind = np.array([7, -9, 2], I64)
b.add("gather_clamped", "gather", [kt.rand((3, 4)), ind], {"axis": 1},
      lambda a, i: np.take(a, np.clip(np.where(i < 0, i + 4, i), 0, 3), 1))
for dt in (I32, I64, I8, I16, F64):
    b.add("gather_%s" % kt.dtype_name(dt), "gather",
          [kt.rand((4, 3), dt), np.array([3, 0, -1], I64)], None,
          lambda a, i: np.take(a, i, axis=0))
s.bundle("gather", b)

# --- pad --------------------------------------------------------------------
b = kt.Bundle()
x = kt.rand((3, 4))
for pads, mode, value in [([1, 2, 0, 1], "constant", None),
                          ([0, 0, 0, 0], "constant", 1.5),
                          ([2, 1, 2, 3], "constant", -2.5),
                          ([2, 3, 2, 3], "reflect", None),
                          ([1, 0, 0, 2], "reflect", None),
                          ([3, 5, 2, 6], "edge", None),
                          ([0, 1, 0, 0], "edge", None)]:
    attrs = {"pads": pads}
    if mode != "constant" or value is not None:
        attrs["mode"] = mode
    if value is not None:
        attrs["value"] = value
    r = len(pads) // 2
    width = list(zip(pads[:r], pads[r:]))

    def ref(a, width=width, mode=mode, value=value):
        if mode == "constant":
            return np.pad(a, width, mode="constant",
                          constant_values=value or 0)
        return np.pad(a, width, mode=mode)
    b.add("pad_%s_%s_%s" % (mode, tag(pads), tag([] if value is None
                                                 else [int(value * 10)])),
          "pad", [x], attrs, ref)
b.add("pad_empty_dim_constant", "pad", [kt.rand((0, 2))],
      {"pads": [1, 0, 2, 1], "value": 3.0},
      lambda a: np.pad(a, ((1, 2), (0, 1)), constant_values=3.0))
b.add("pad_3d", "pad", [kt.rand((2, 3, 4))], {"pads": [0, 1, 2, 1, 0, 1],
                                              "mode": "reflect"},
      lambda a: np.pad(a, ((0, 1), (1, 0), (2, 1)), mode="reflect"))
b.add("pad_scalar", "pad", [kt.rand(())], {"pads": []}, lambda a: a)
for dt in (I32, I64, I8, I16):
    b.add("pad_%s_constant" % kt.dtype_name(dt), "pad", [kt.rand((2, 3), dt)],
          {"pads": [1, 1, 0, 2], "value": 7},
          lambda a: np.pad(a, ((1, 0), (1, 2)), constant_values=7))
    b.add("pad_%s_reflect" % kt.dtype_name(dt), "pad",
          [kt.rand((3, 3), dt)], {"pads": [2, 0, 1, 2], "mode": "reflect"},
          lambda a: np.pad(a, ((2, 1), (0, 2)), mode="reflect"))
s.bundle("pad", b)

# --- tile -------------------------------------------------------------------
b = kt.Bundle()
for xs, reps in [((2, 3), [2, 3]), ((2, 3), [1, 1]), ((3,), [4]),
                 ((2, 1, 3), [1, 5, 2]), ((2, 3), [0, 2]), ((), []),
                 ((0, 2), [3, 2])]:
    b.add("tile_%s_%s" % (sh(xs), tag(reps)), "tile", [kt.rand(xs)],
          {"repeats": reps}, lambda a, reps=reps: np.tile(a, reps))
for dt in (I32, I64, I8, F64):
    b.add("tile_%s" % kt.dtype_name(dt), "tile", [kt.rand((2, 2), dt)],
          {"repeats": [2, 3]}, lambda a: np.tile(a, (2, 3)))
s.bundle("tile", b)

# --- split (several outputs per node) -----------------------------------------
x = kt.rand((6, 4))
xi = kt.rand((3, 6), I32)
g = kt.graph(
    [kt.inp("x", "f32", [6, 4]), kt.inp("xi", "i32", [3, 6])],
    [kt.node("split", ["x"], ["a0", "a1", "a2"]),
     kt.node("split", ["x"], ["b0", "b1"], {"axis": -1, "sizes": [3, 1]}),
     kt.node("split", ["x"], ["c0", "c1", "c2"], {"sizes": [2, 0, 4]}),
     kt.node("split", ["x"], ["d0"], {"axis": 1}),
     kt.node("split", ["xi"], ["e0", "e1", "e2"], {"axis": 1,
                                                   "sizes": [1, 2, 3]}),
     kt.node("split", ["xi"], ["f0", "f1"], {"axis": -1})],
    ["a0", "a1", "a2", "b0", "b1", "c0", "c1", "c2", "d0", "e0", "e1", "e2",
     "f0", "f1"])


def split_ref(i):
    a, e = i["x"], i["xi"]
    r = {}
    r.update(zip(["a0", "a1", "a2"], np.split(a, 3)))
    r.update(zip(["b0", "b1"], np.split(a, [3], axis=-1)))
    r.update(zip(["c0", "c1", "c2"], np.split(a, [2, 2])))
    r["d0"] = a
    r.update(zip(["e0", "e1", "e2"], np.split(e, [1, 3], axis=1)))
    r.update(zip(["f0", "f1"], np.split(e, 2, axis=-1)))
    return r


s.case("split", g, {"x": x, "xi": xi}, split_ref,
       out_dtype={k: (I32 if k[0] in "ef" else F32) for k in
                  ["a0", "a1", "a2", "b0", "b1", "c0", "c1", "c2", "d0",
                   "e0", "e1", "e2", "f0", "f1"]})

# --- every dtype (data movement needs no arithmetic) -----------------------------
# Compiled and eager, every dtype.
LOWERED = (F32, F64, I8, I16, I32, I64)
for label, dtypes, modes in [
        ("all_dtypes_compiled", LOWERED, ("compiled", "eager")),
        ("other_dtypes", (np.float16, U8, np.bool_), ("compiled", "eager"))]:
    b = kt.Bundle()
    for dt in dtypes:
        n = kt.dtype_name(dt)
        x = kt.rand((3, 4), dt)
        b.add("squeeze_" + n, "squeeze", [x.reshape(3, 1, 4)], {"axes": [1]},
              lambda a: a[:, 0])
        b.add("unsqueeze_" + n, "unsqueeze", [x], {"axes": [0]},
              lambda a: a[None])
        b.add("flatten_" + n, "flatten", [x.reshape(3, 2, 2)], None,
              lambda a: a.reshape(3, 4))
        b.add("concat_" + n, "concat", [x, x[:1]], {"axis": 0},
              lambda a, c: np.concatenate([a, c]))
        b.add("slice_" + n, "slice", [x], {"starts": [-1], "ends": [-BIG],
                                           "axes": [1], "steps": [-2]},
              lambda a: a[:, ::-2])
        b.add("gather_" + n, "gather", [x, np.array([2, -1, 0], I32)],
              {"axis": 1}, lambda a, i: np.take(a, i, 1))
        b.add("pad_" + n, "pad", [x], {"pads": [1, 0, 0, 2], "value": 1},
              lambda a: np.pad(a, ((1, 0), (0, 2)), constant_values=1))
        b.add("pad_edge_" + n, "pad", [x], {"pads": [1, 2, 0, 1],
                                            "mode": "edge"},
              lambda a: np.pad(a, ((1, 0), (2, 1)), mode="edge"))
        b.add("tile_" + n, "tile", [x], {"repeats": [2, 1]},
              lambda a: np.tile(a, (2, 1)))
        b.add("resize_" + n, "resize", [x], {"scales": [2.0, 0.5]},
              lambda a: np.repeat(a, 2, 0)[:, ::2])
    s.bundle(label, b, modes=modes)

# --- symbolic N: one artifact, N = 1, 3, 4 ------------------------------------
NS = (1, 3, 4)
g = kt.graph(
    [kt.inp("x", "f32", ["N", 1, 4]), kt.inp("y", "f32", ["N", 2, 4]),
     kt.inp("i", "i64", ["K"])],
    [kt.node("squeeze", ["x"], "sq", {"axes": [1]}),
     kt.node("squeeze", ["x"], "sq_all"),  # only the static 1 goes
     kt.node("unsqueeze", ["sq"], "us", {"axes": [0, -1]}),
     kt.node("flatten", ["y"], "fl"),
     kt.node("flatten", ["y"], "fl0", {"axis": 0}),
     kt.node("concat", ["x", "y"], "cat1", {"axis": 1}),
     kt.node("concat", ["y", "y", "y"], "cat0", {"axis": 0}),
     kt.node("slice", ["y"], "sl", {"starts": [0, -1], "ends": [BIG, -BIG],
                                    "axes": [0, 2], "steps": [1, -2]}),
     kt.node("slice", ["y"], "slrev", {"starts": [-1], "ends": [-BIG],
                                       "steps": [-1]}),
     kt.node("gather", ["y", "i"], "ga", {"axis": 2}),
     kt.node("gather", ["y", "i"], "gn", {"axis": 0}),
     kt.node("pad", ["y"], "pd", {"pads": [0, 1, 1, 0, 0, 2],
                                  "mode": "reflect"}),
     kt.node("pad", ["y"], "pe", {"pads": [0, 2, 0, 0, 1, 0],
                                  "mode": "edge"}),
     kt.node("pad", ["y"], "pc", {"pads": [0, 0, 1, 0, 1, 1], "value": 9}),
     kt.node("tile", ["y"], "ti", {"repeats": [2, 1, 2]}),
     kt.node("tile", ["y"], "ti3", {"repeats": [3, 1, 1]}),
     kt.node("concat", ["ti3", "y"], "cat_sum", {"axis": 0}),
     kt.node("split", ["cat0"], ["sp0", "sp1", "sp2"], {"axis": 0}),
     kt.node("split", ["y"], ["sq0", "sq1"], {"axis": 2, "sizes": [3, 1]})],
    ["sq", "sq_all", "us", "fl", "fl0", "cat1", "cat0", "sl", "slrev", "ga",
     "gn", "pd", "pe", "pc", "ti", "cat_sum", "sp0", "sp1", "sp2", "sq0",
     "sq1"])


def sym_ref(i):
    x, y, idx = i["x"], i["y"], i["i"]
    n = x.shape[0]
    ti = np.tile(y, (2, 1, 2))
    cat0 = np.concatenate([y, y, y], 0)
    return {
        "sq": x[:, 0, :], "sq_all": x[:, 0, :], "us": x[:, 0, :][None, ..., None],
        "fl": y.reshape(n, 8), "fl0": y.reshape(1, -1),
        "cat1": np.concatenate([x, y], 1), "cat0": cat0,
        "sl": y[:, :, ::-2], "slrev": y[::-1],
        "ga": np.take(y, idx, 2), "gn": np.take(y, np.clip(
            np.where(idx < 0, idx + n, idx), 0, n - 1), 0),
        "pd": np.pad(y, ((0, 0), (1, 0), (1, 2)), mode="reflect"),
        "pe": np.pad(y, ((0, 0), (2, 1), (0, 0)), mode="edge"),
        "pc": np.pad(y, ((0, 0), (0, 1), (1, 1)), constant_values=9),
        "ti": ti, "cat_sum": np.concatenate([np.tile(y, (3, 1, 1)), y], 0),
        "sp0": cat0[:n], "sp1": cat0[n:2 * n], "sp2": cat0[2 * n:],
        "sq0": y[:, :, :3], "sq1": y[:, :, 3:]}


s.case("symbolic_N", g,
       [{"x": kt.rand((n, 1, 4)), "y": kt.rand((n, 2, 4)),
         "i": np.array([3, -1, 0, 2, -4][:n + 1], I64)} for n in NS],
       sym_ref, graph_mode=True)

s.finish()
