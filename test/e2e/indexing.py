"""gather_elements, scatter_elements, gather_nd, scatter_nd, cumsum, topk:
compiled and eager, against NumPy references written out here (ONNX's
semantics: np.take_along_axis, loops over the index positions for the
scatters, np.cumsum, a stable sort for topk), for several shapes and axes,
negative and out-of-range (clamped) indices, every scatter reduction, every
dtype where the op takes it, and symbolic dims run at several sizes from one
compiled artifact.

usage: indexing.py KILN_BIN_DIR [WORK_DIR]
"""
import os

import numpy as np

import kiln_testing as kt

s = kt.Suite("indexing")
rng = np.random.default_rng(20261123)  # index data (kt.rand makes the rest)

F16, F32, F64, I8, I16, I32, I64, U8, BOOL = (
    np.float16, np.float32, np.float64, np.int8, np.int16, np.int32, np.int64,
    np.uint8, np.bool_)
BF16 = kt.BF16
REDUCTIONS = ("none", "add", "mul", "max", "min")
NUMERIC = (F32, F64, I8, I16, I32, I64, U8, F16, BF16)
ALL = NUMERIC + (BOOL,)


def sh(shape):
    return "x".join(str(d) for d in shape) if shape else "scalar"


def name(v):
    return ("m%d" % -v) if v < 0 else str(v)


def norm(i, d):
    """ONNX's negative index, then Kiln's clamping into [0, d-1]."""
    i = int(i)
    return min(max(i + d if i < 0 else i, 0), d - 1)


def rand_indices(shape, d, dtype=I64, negative=True):
    """Indices into a dimension of size d, about half of them negative."""
    i = rng.integers(0, d, size=shape)
    if negative:
        i = np.where(rng.integers(0, 2, size=shape) == 1, i - d, i)
    return i.astype(dtype)


def unique_indices(shape, d, axis, dtype=I64):
    """Indices along `axis` with no repeats within each line (so that a
    scatter without a reduction does not depend on the order of writes);
    shape[axis] <= d."""
    perm = np.argsort(rng.random(shape[:axis] + (d,) + shape[axis + 1:]),
                      axis=axis)
    i = np.take(perm, np.arange(shape[axis]), axis=axis)
    return np.where(rng.integers(0, 2, size=shape) == 1, i - d,
                    i).astype(dtype)


def combine(old, new, reduction):
    if reduction == "none":
        return new
    if reduction == "add":
        return old + new
    if reduction == "mul":
        return old * new
    if reduction == "max":
        return np.maximum(old, new)
    return np.minimum(old, new)


# --- references ----------------------------------------------------------------

def gather_elements_ref(a, idx, axis):
    axis %= a.ndim
    out = np.empty(idx.shape, a.dtype)
    for pos in np.ndindex(*idx.shape):
        src = list(pos)
        src[axis] = norm(idx[pos], a.shape[axis])
        out[pos] = a[tuple(src)]
    return out


def scatter_elements_ref(data, idx, upd, axis, reduction):
    axis %= data.ndim
    out = data.copy()
    for pos in np.ndindex(*idx.shape):
        dst = list(pos)
        dst[axis] = norm(idx[pos], data.shape[axis])
        dst = tuple(dst)
        out[dst] = combine(out[dst], upd[pos], reduction)
    return out


def gather_nd_ref(data, idx, b):
    k = idx.shape[-1]
    out = np.empty(idx.shape[:-1] + data.shape[b + k:], data.dtype)
    for pos in np.ndindex(*idx.shape[:-1]):
        tup = tuple(norm(idx[pos][j], data.shape[b + j]) for j in range(k))
        out[pos] = data[pos[:b] + tup]
    return out


def scatter_nd_ref(data, idx, upd, reduction):
    k = idx.shape[-1]
    out = data.copy()
    for pos in np.ndindex(*idx.shape[:-1]):
        tup = tuple(norm(idx[pos][j], data.shape[j]) for j in range(k))
        out[tup] = combine(out[tup], upd[pos], reduction)
    return out


def cumsum_ref(a, axis, exclusive=False, reverse=False):
    if reverse:
        a = np.flip(a, axis)
    c = np.cumsum(a, axis=axis, dtype=a.dtype)
    if exclusive:
        c = np.moveaxis(c, axis, 0)
        c = np.concatenate([np.zeros_like(c[:1]), c[:-1]])
        c = np.moveaxis(c, 0, axis)
    return np.flip(c, axis) if reverse else c


def topk_ref(a, k, axis=-1, largest=True):
    """Best first, NaN above every number, the lower index first on ties."""
    def key(v):
        if np.isnan(v):
            return (0, 0) if largest else (1, 0)
        return (1, -v) if largest else (0, v)
    moved = np.moveaxis(a, axis, -1)
    order = np.empty(moved.shape[:-1] + (k,), np.int64)
    for pos in np.ndindex(*moved.shape[:-1]):
        row = moved[pos]
        # Python's sort is stable: equal keys keep the index order.
        order[pos] = sorted(range(len(row)),
                            key=lambda j: key(row[j].item()))[:k]
    idx = np.moveaxis(order, -1, axis)
    return np.take_along_axis(a, idx, axis), idx


# --- gather_elements -------------------------------------------------------------
b = kt.Bundle()
for xs, ishape, axis in [((4, 5), (4, 3), 1), ((4, 5), (2, 5), 0),
                         ((4, 5), (3, 2), -1), ((2, 3, 4), (2, 3, 6), 2),
                         ((2, 3, 4), (1, 5, 4), -2), ((6,), (9,), 0),
                         ((3, 4), (0, 4), 0)]:
    d = xs[axis]
    for it in (I64, I32):
        b.add("gather_elements_%s_%s_axis%s_%s" % (
            sh(xs), sh(ishape), name(axis), kt.dtype_name(it)),
            "gather_elements", [kt.rand(xs), rand_indices(ishape, d, it)],
            {"axis": axis},
            lambda a, i, axis=axis: gather_elements_ref(a, i, axis))
b.add("gather_elements_default_axis", "gather_elements",
      [kt.rand((3, 2)), rand_indices((5, 2), 3)], None,
      lambda a, i: gather_elements_ref(a, i, 0))
b.add("gather_elements_clamped", "gather_elements",
      [kt.rand((3, 4)), np.array([[7, -9], [4, -5], [0, 3]], I64)],
      {"axis": 1}, lambda a, i: gather_elements_ref(a, i, 1))
# np.take_along_axis agrees where the shapes match.
b.add("gather_elements_take_along_axis", "gather_elements",
      [kt.rand((3, 5)), rand_indices((3, 4), 5, negative=False)], {"axis": 1},
      lambda a, i: np.take_along_axis(a, i, 1))
for dt in ALL:
    b.add("gather_elements_" + kt.dtype_name(dt), "gather_elements",
          [kt.rand((3, 4), dt), rand_indices((3, 2), 4, I32)], {"axis": 1},
          lambda a, i: gather_elements_ref(a, i, 1))
s.bundle("gather_elements", b)

# --- scatter_elements --------------------------------------------------------------
b = kt.Bundle()
for ds, ishape, axis in [((4, 5), (4, 3), 1), ((4, 5), (2, 5), 0),
                         ((2, 3, 4), (2, 2, 3), -2), ((6,), (4,), 0)]:
    for reduction in REDUCTIONS:
        d = ds[axis]
        # Repeated indices make the reductions accumulate; "none" gets unique
        # ones (with duplicates ONNX leaves the winner unspecified).
        idx = (unique_indices(ishape, d, axis % len(ds))
               if reduction == "none" else rand_indices(ishape, d))
        b.add("scatter_elements_%s_%s_axis%s_%s" % (sh(ds), sh(ishape),
                                                    name(axis), reduction),
              "scatter_elements", [kt.rand(ds), idx, kt.rand(ishape)],
              {"axis": axis, "reduction": reduction},
              lambda x, i, u, axis=axis, r=reduction:
              scatter_elements_ref(x, i, u, axis, r))
# Duplicates without a reduction: the last write in row-major order wins.
b.add("scatter_elements_duplicates_last_wins", "scatter_elements",
      [kt.rand((5,)), np.array([1, -4, 3, 1], I32), kt.rand((4,))], None,
      lambda x, i, u: scatter_elements_ref(x, i, u, 0, "none"))
b.add("scatter_elements_clamped", "scatter_elements",
      [kt.rand((3, 4)), np.array([[9], [-7], [2]], I64), kt.rand((3, 1))],
      {"axis": 1, "reduction": "add"},
      lambda x, i, u: scatter_elements_ref(x, i, u, 1, "add"))
b.add("scatter_elements_nan_max", "scatter_elements",
      [np.array([1.0, np.nan, 3.0], F32), np.array([0, 1, 2, 2], I64),
       np.array([np.nan, 2.0, 5.0, -1.0], F32)], {"reduction": "max"},
      lambda x, i, u: scatter_elements_ref(x, i, u, 0, "max"))
for dt in ALL:
    for reduction in REDUCTIONS:
        idx = rand_indices((3, 3), 4, I32)
        if reduction == "none":
            idx = unique_indices((3, 3), 4, 1, I32)
        hi = 2.0 if reduction != "mul" else 1.5
        b.add("scatter_elements_%s_%s" % (kt.dtype_name(dt), reduction),
              "scatter_elements",
              [kt.rand((3, 4), dt), idx, kt.rand((3, 3), dt, -hi, hi)
               if np.dtype(dt).kind == "f" or kt.is_bf16(dt)
               else kt.rand((3, 3), dt)],
              {"axis": 1, "reduction": reduction},
              lambda x, i, u, r=reduction: scatter_elements_ref(x, i, u, 1, r),
              rtol=(2e-2 if dt in (F16, BF16) else None),
              atol=(2e-2 if dt in (F16, BF16) else None))
s.bundle("scatter_elements", b)

# --- gather_nd ----------------------------------------------------------------------
b = kt.Bundle()
for ds, ishape, bd in [((4, 5), (3, 2), 0), ((4, 5), (3, 1), 0),
                       ((4, 5, 3), (2, 2, 2), 0), ((4, 5, 3), (6, 1), 0),
                       ((4, 5), (2,), 0), ((2, 4, 3), (2, 3, 1), 1),
                       ((2, 3, 4, 5), (2, 3, 2, 1), 2),
                       ((2, 4, 3), (2, 2), 1), ((4, 5), (0, 2), 0)]:
    k = ishape[-1]
    idx = np.stack([rand_indices(ishape[:-1], ds[bd + j]) for j in range(k)],
                   axis=-1) if ishape[0] else np.zeros(ishape, I64)
    for it in (I64, I32):
        b.add("gather_nd_%s_%s_b%d_%s" % (sh(ds), sh(ishape), bd,
                                          kt.dtype_name(it)),
              "gather_nd", [kt.rand(ds), idx.astype(it)],
              {"batch_dims": bd} if bd else None,
              lambda x, i, bd=bd: gather_nd_ref(x, i, bd))
b.add("gather_nd_clamped", "gather_nd",
      [kt.rand((3, 4)), np.array([[5, -9], [-1, 4]], I64)], None,
      lambda x, i: gather_nd_ref(x, i, 0))
for dt in ALL:
    b.add("gather_nd_" + kt.dtype_name(dt), "gather_nd",
          [kt.rand((3, 4, 2), dt), rand_indices((2, 2), 3, I32)], None,
          lambda x, i: gather_nd_ref(x, i, 0))
s.bundle("gather_nd", b)

# --- scatter_nd ---------------------------------------------------------------------
b = kt.Bundle()
for ds, ishape in [((4, 5), (3, 2)), ((4, 5), (3, 1)), ((4, 5, 3), (2, 2, 2)),
                   ((6,), (4, 1)), ((4, 5), (2,))]:
    k = ishape[-1]
    ushape = ishape[:-1] + ds[k:]
    for reduction in REDUCTIONS:
        if reduction == "none":
            # Distinct tuples: flat positions drawn without repeats.
            n = int(np.prod(ishape[:-1]))
            flat = rng.permutation(int(np.prod(ds[:k])))[:n]
            idx = np.stack(np.unravel_index(flat, ds[:k]), -1)
            idx = (idx - np.array(ds[:k]) * rng.integers(0, 2, idx.shape)
                   ).reshape(ishape).astype(I64)
        else:
            idx = np.stack([rand_indices(ishape[:-1], ds[j])
                            for j in range(k)], axis=-1)
        b.add("scatter_nd_%s_%s_%s" % (sh(ds), sh(ishape), reduction),
              "scatter_nd", [kt.rand(ds), idx, kt.rand(ushape)],
              {"reduction": reduction},
              lambda x, i, u, r=reduction: scatter_nd_ref(x, i, u, r))
b.add("scatter_nd_duplicates_last_wins", "scatter_nd",
      [kt.rand((4, 2)), np.array([[1], [-3], [0]], I32), kt.rand((3, 2))],
      None, lambda x, i, u: scatter_nd_ref(x, i, u, "none"))
b.add("scatter_nd_clamped", "scatter_nd",
      [kt.rand((3, 4)), np.array([[5, -9], [-1, 4]], I64), kt.rand((2,))],
      {"reduction": "mul"}, lambda x, i, u: scatter_nd_ref(x, i, u, "mul"))
for dt in ALL:
    for reduction in REDUCTIONS:
        # Reductions meet a repeated row (2 and -2); "none" writes distinct
        # ones.
        idx = np.array([[2], [0], [-2]] if reduction != "none"
                       else [[2], [0], [-1]], I32)
        b.add("scatter_nd_%s_%s" % (kt.dtype_name(dt), reduction),
              "scatter_nd",
              [kt.rand((4, 3), dt), idx, kt.rand((3, 3), dt)],
              {"reduction": reduction},
              lambda x, i, u, r=reduction: scatter_nd_ref(x, i, u, r),
              rtol=(2e-2 if dt in (F16, BF16) else None),
              atol=(2e-2 if dt in (F16, BF16) else None))
s.bundle("scatter_nd", b)

# --- cumsum -------------------------------------------------------------------------
b = kt.Bundle()
for xs, axis in [((7,), 0), ((3, 5), 1), ((3, 5), 0), ((2, 3, 4), -1),
                 ((2, 3, 4), 1), ((0, 3), 1), ((3, 0), 1), ((4, 1), -2)]:
    for exclusive in (False, True):
        for reverse in (False, True):
            b.add("cumsum_%s_axis%s_%s%s" % (sh(xs), name(axis),
                                            "ex" if exclusive else "in",
                                            "_rev" if reverse else ""),
                  "cumsum", [kt.rand(xs)],
                  {"axis": axis, "exclusive": exclusive, "reverse": reverse},
                  lambda a, axis=axis, e=exclusive, r=reverse:
                  cumsum_ref(a, axis, e, r), atol=1e-5)
b.add("cumsum_default_axis", "cumsum", [kt.rand((4, 3))], None,
      lambda a: cumsum_ref(a, 0), atol=1e-5)
b.add("cumsum_i8_wraps", "cumsum", [kt.rand((40,), I8, 60, 120)], None,
      lambda a: cumsum_ref(a, 0))
for dt in NUMERIC:
    b.add("cumsum_" + kt.dtype_name(dt), "cumsum", [kt.rand((3, 6), dt)],
          {"axis": 1, "reverse": True},
          lambda a: cumsum_ref(a, 1, False, True),
          rtol=(2e-2 if dt in (F16, BF16) else None),
          atol=(3e-2 if dt in (F16, BF16) else 1e-5))
b.add("cumsum_u8_wraps", "cumsum", [kt.rand((12,), U8, 100, 255)],
      {"exclusive": True}, lambda a: cumsum_ref(a, 0, True))
s.bundle("cumsum", b)

# --- topk (two outputs: one graph with a node per case) ---------------------------
TOPK = []
for xs, k, axis, largest in [((10,), 3, -1, True), ((10,), 3, 0, False),
                             ((4, 6), 2, 1, True), ((4, 6), 4, 0, False),
                             ((2, 5, 3), 5, 1, True), ((2, 5, 3), 1, -1, False),
                             ((3, 4), 0, -1, True), ((3, 4), 4, -1, True)]:
    TOPK.append(("%s_k%d_axis%s_%s" % (sh(xs), k, name(axis),
                                       "largest" if largest else "smallest"),
                 kt.rand(xs), k, axis, largest, True))
# Ties: small integers repeat; the lower index comes first either way.
TOPK.append(("ties_i32", kt.rand((3, 12), I32, 0, 3), 5, -1, True, True))
TOPK.append(("ties_i32_smallest", kt.rand((3, 12), I32, 0, 3), 7, -1, False,
             True))
TOPK.append(("ties_f32", np.array([[1, 2, 2, 0, 2, 1]], F32), 4, 1, True,
             False))
TOPK.append(("nan_largest", np.array([1, np.nan, 3, np.nan, -1], F32), 3, 0,
             True, True))
TOPK.append(("nan_smallest", np.array([1, np.nan, 3, -1, np.nan], F32), 5, 0,
             False, True))
for dt in NUMERIC:
    TOPK.append(("dtype_" + kt.dtype_name(dt), kt.rand((3, 8), dt), 3, 1,
                 True, True))
    TOPK.append(("dtype_%s_smallest" % kt.dtype_name(dt), kt.rand((8, 2), dt),
                 4, 0, False, True))

ins, nodes, outs, out_dtype = [], [], [], {}
for label, x, k, axis, largest, srt in TOPK:
    attrs = {"k": k, "axis": axis}
    if not largest:
        attrs["largest"] = False
    if not srt:
        attrs["sorted"] = False
    ins.append(kt.inp("x_" + label, x.dtype, x.shape))
    nodes.append(kt.node("topk", ["x_" + label], ["v_" + label, "i_" + label],
                         attrs))
    outs += ["v_" + label, "i_" + label]
    out_dtype["v_" + label] = x.dtype
    out_dtype["i_" + label] = I64


def topk_refs(inputs):
    r = {}
    for label, _, k, axis, largest, _ in TOPK:
        r["v_" + label], r["i_" + label] = topk_ref(inputs["x_" + label], k,
                                                    axis, largest)
    return r


s.case("topk", kt.graph(ins, nodes, outs), {"x_" + t[0]: t[1] for t in TOPK},
       topk_refs, out_dtype=out_dtype)

# --- symbolic N: one artifact, N = 1, 3, 5 -------------------------------------------
NS = (1, 3, 5)
g = kt.graph(
    [kt.inp("x", "f32", ["N", 6]), kt.inp("i", "i64", ["N", 2]),
     kt.inp("u", "f32", ["N", 2]), kt.inp("t", "i64", ["K", 1]),
     kt.inp("v", "f32", ["K", 6])],
    [kt.node("gather_elements", ["x", "i"], "ge", {"axis": 1}),
     kt.node("scatter_elements", ["x", "i", "u"], "se",
             {"axis": 1, "reduction": "add"}),
     kt.node("gather_nd", ["x", "t"], "gn"),
     kt.node("scatter_nd", ["x", "t", "v"], "sn", {"reduction": "max"}),
     kt.node("cumsum", ["x"], "cs", {"axis": 0, "reverse": True}),
     kt.node("cumsum", ["x"], "cs1", {"axis": -1, "exclusive": True}),
     kt.node("topk", ["x"], ["tv", "ti"], {"k": 3}),
     kt.node("topk", ["x"], ["tv0", "ti0"], {"k": 1, "axis": 0,
                                             "largest": False})],
    ["ge", "se", "gn", "sn", "cs", "cs1", "tv", "ti", "tv0", "ti0"])


def sym_ref(inp):
    x, i, u, t, v = inp["x"], inp["i"], inp["u"], inp["t"], inp["v"]
    tv, ti = topk_ref(x, 3, -1, True)
    tv0, ti0 = topk_ref(x, 1, 0, False)
    return {"ge": gather_elements_ref(x, i, 1),
            "se": scatter_elements_ref(x, i, u, 1, "add"),
            "gn": gather_nd_ref(x, t, 0),
            "sn": scatter_nd_ref(x, t, v, "max"),
            "cs": cumsum_ref(x, 0, False, True),
            "cs1": cumsum_ref(x, 1, True, False),
            "tv": tv, "ti": ti, "tv0": tv0, "ti0": ti0}


s.case("symbolic_N", g,
       [{"x": kt.rand((n, 6)), "i": rand_indices((n, 2), 6),
         "u": kt.rand((n, 2)), "t": rand_indices((n + 1, 1), n),
         "v": kt.rand((n + 1, 6))} for n in NS],
       sym_ref, out_dtype={"ti": I64, "ti0": I64}, atol=1e-5,
       graph_mode=True)

# --- run-time limits of a symbolic axis ----------------------------------------------
# topk with k larger than the axis turns out to be at run time: the
# interpreter reports it; compiled code fills the missing entries with 0 and
# index -1.
g = kt.graph([kt.inp("x", "f32", ["N"])],
             [kt.node("topk", ["x"], ["v", "i"], {"k": 3})], ["v", "i"])
x = np.array([1.0, 5.0], F32)
s.case("topk_k_beyond_axis", g, {"x": x},
       lambda inp: {"v": np.array([5.0, 1.0, 0.0]), "i": np.array([1, 0, -1])},
       out_dtype={"v": F32, "i": I64}, modes=("compiled",))
d = os.path.join(s.work, "topk_k_beyond_axis")
s.expect_error("topk_k_beyond_axis.eager",
               ["run", os.path.join(d, "graph.json"), "--eager", "--input",
                "x=" + os.path.join(d, "in0_x.npy"), "--output-dir",
                os.path.join(d, "eager_out")],
               must_contain=["k = 3 is out of range for axis 0 of size 2"],
               mode="eager")

s.finish()
