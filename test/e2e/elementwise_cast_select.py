"""cast between every pair of dtypes, and select/where on every dtype with
broadcasting, compiled and eager, against references written here.

cast: float -> int truncates toward zero, saturates at the integer's range,
NaN -> 0; int -> int wraps; x -> bool is x != 0 (NaN is true); bool -> x is
0/1; float -> float and int -> float round to nearest even, once (f64 -> f16
is not f64 -> f32 -> f16).
usage: elementwise_cast_select.py KILN_BIN_DIR [WORK_DIR]
"""
import numpy as np

import kiln_testing as kt

s = kt.Suite("elementwise_cast_select")

F16, BF16, F32, F64 = np.float16, kt.BF16, np.float32, np.float64
ALL = [F16, BF16, F32, F64, np.int8, np.int16, np.int32, np.int64, np.uint8,
       np.bool_]
nan, inf = np.nan, np.inf


def is_float(dt):
    return kt.is_bf16(dt) or np.dtype(dt).kind == "f"


def values_of(x):
    """Python numbers of an input array (bf16 bits decoded)."""
    if kt.is_bf16(x.dtype):
        return [float(v) for v in kt.bf16_to_f32(x).reshape(-1)]
    if x.dtype == np.bool_:
        return [int(v) for v in x.reshape(-1)]
    return [v.item() for v in x.reshape(-1)]


def cast_ref(x, to):
    """kiln.cast's definition, element by element in Python numbers."""
    vals = values_of(x)
    src_float = is_float(x.dtype)
    if np.dtype(to) == np.bool_:
        out = [v != 0 for v in vals]  # NaN != 0
        return np.array(out, dtype=np.bool_).reshape(x.shape)
    if is_float(to):
        f = np.array([float(v) for v in vals], dtype=np.float64)
        if kt.is_bf16(to):
            # Exact f64 -> bf16 (one rounding): round the f64 value to 8
            # significant bits, ties to even.
            m, e = np.frexp(f)
            with np.errstate(all="ignore"):
                r = np.ldexp(np.round(np.ldexp(m, 8)), e - 8)
            r = np.where(np.isfinite(f), r, f)
            return kt.bf16(r.astype(np.float32)).reshape(x.shape)
        return f.astype(to).reshape(x.shape)
    info = np.iinfo(to)
    out = []
    for v in vals:
        if src_float:
            if v != v:
                out.append(0)
            elif v >= info.max + 1:
                out.append(info.max)
            elif v < info.min:
                out.append(info.min)
            else:
                out.append(int(v))  # truncates toward zero
        else:
            out.append(int(v) % (1 << info.bits))  # wraps
    u = np.array(out if src_float else out, dtype=np.int64 if src_float
                 else np.uint64)
    if src_float:
        return u.astype(to).reshape(x.shape)
    return u.astype(np.dtype("u%d" % (info.bits // 8))).view(to) \
        .reshape(x.shape)


FLOAT_VALUES = [0.0, -0.0, 0.4, -0.6, 1.5, -1.5, 2.5, 99.9, -99.9, 127.5,
                128.0, -128.0, -129.5, 255.5, 256.0, 300.0, -300.0, 40000.0,
                -40000.0, 3e9, -3e9, 1e19, -1e19, nan, inf, -inf]


def source(dt):
    if kt.is_bf16(dt):
        return kt.bf16(FLOAT_VALUES)
    if is_float(dt):
        with np.errstate(over="ignore"):  # 3e9 and beyond are inf in f16
            return np.array(FLOAT_VALUES, dtype=dt)
    if dt == np.bool_:
        return np.array([True, False, True, True, False])
    info = np.iinfo(dt)
    vals = [info.min, info.min + 1, -1000, -129, -128, -2, -1, 0, 1, 2, 127,
            128, 255, 256, 1000, 65504, 65520, 2**24 + 1, info.max - 1,
            info.max]
    return np.array([v for v in vals if info.min <= v <= info.max], dtype=dt)


b = kt.Bundle()
for src in ALL:
    x = source(src)
    for dst in ALL:
        b.add("%s_to_%s" % (kt.dtype_name(src), kt.dtype_name(dst)), "cast",
              [x], {"to": kt.dtype_name(dst)},
              ref=lambda v, dst=dst: cast_ref(v, dst), out_dtype=dst,
              rtol=0, atol=0)
s.bundle("cast_all_pairs", b)

# Rounding to the 16-bit floats happens once: f64 values just above a
# halfway point of f16 (and bf16) must round up, though rounding to f32
# first would land on the halfway point and then round to even (down).
b = kt.Bundle()
h = np.array([1 + 2**-11 + 2**-40, 1 + 2**-11, 1 + 3 * 2**-11,
              -(1 + 2**-11 + 2**-40), 2048 + 1 + 2**-30, 65519.99, 65520.0,
              6e-8, 2**-25 + 2**-50, 1e-30], F64)
b.add("f64_to_f16", "cast", [h], {"to": "f16"},
      ref=lambda v: v.astype(F16), out_dtype=F16, rtol=0, atol=0)
hb = np.array([1 + 2**-8 + 2**-40, 1 + 2**-8, 1 + 3 * 2**-8,
               -(1 + 2**-8 + 2**-40), 3.4e38, 1e-30], F64)
b.add("f64_to_bf16", "cast", [hb], {"to": "bf16"},
      ref=lambda v: cast_ref(v, BF16), out_dtype=BF16, rtol=0, atol=0)
hf = np.array([1 + 2**-11, 1 + 3 * 2**-11, 65520.0, 1e-8], F32)
b.add("f32_to_f16", "cast", [hf], {"to": "f16"},
      ref=lambda v: v.astype(F16), out_dtype=F16, rtol=0, atol=0)
b.add("i64_to_f32", "cast", [np.array([2**24 + 1, 2**53 + 1, -(2**63)],
                                      np.int64)],
      {"to": "f32"}, ref=lambda v: v.astype(F32), out_dtype=F32, rtol=0,
      atol=0)
s.bundle("cast_rounding", b)

# --- select / where ------------------------------------------------------------
b = kt.Bundle()
for dt in ALL:
    c = kt.rand((3, 1), np.bool_)
    x = kt.rand((1, 4), dt)
    y = kt.rand((), dt)
    name = kt.dtype_name(dt)
    b.add("select_" + name, "select", [c, x, y], out_dtype=dt,
          ref=lambda c, x, y: np.where(c, x, y), rtol=0, atol=0)
    b.add("where_" + name, "where", [kt.rand((2, 3), np.bool_),
                                     kt.rand((2, 3), dt), kt.rand((3,), dt)],
          out_dtype=dt, ref=lambda c, x, y: np.where(c, x, y), rtol=0, atol=0)
b.add("select_nan", "select", [np.array([True, False, True]),
                               np.array([nan, 1.0, -inf], F32),
                               np.array([2.0, nan, 3.0], F32)],
      out_dtype=F32, ref=lambda c, x, y: np.where(c, x, y))
b.add("select_cond_scalar", "select", [np.array(False), kt.rand((2, 2)),
                                       kt.rand((2, 2))],
      out_dtype=F32, ref=lambda c, x, y: np.where(c, x, y))
b.add("select_empty", "select", [kt.rand((0, 2), np.bool_), kt.rand((2,)),
                                 kt.rand((1, 2))],
      out_dtype=F32, ref=lambda c, x, y: np.where(c, x, y))
s.bundle("select", b)

# --- a chain across dtypes with a symbolic batch dim (N = 2 and 5) -------------
g = kt.graph(
    [kt.inp("x", "f32", ["N", 3]), kt.inp("y", "bf16", [3])],
    [kt.node("cast", ["x"], "xh", {"to": "bf16"}),
     kt.node("add", ["xh", "y"], "s"),
     kt.node("gt", ["s", "y"], "mask"),
     kt.node("cast", ["s"], "si", {"to": "u8"}),
     kt.node("where", ["mask", "s", "y"], "w"),
     kt.node("cast", ["mask"], "mi", {"to": "i32"})],
    ["s", "si", "w", "mi"])


def chain_ref(i):
    xh = kt.bf16(i["x"])  # cast f32 -> bf16
    sv = kt.bf16_to_f32(xh).astype(F64) + i["y"]
    sb = kt.bf16(sv)
    s32 = kt.bf16_to_f32(sb).astype(F64)
    mask = s32 > i["y"]
    return {"s": sb,
            "si": cast_ref(sb, np.uint8),
            "w": kt.bf16(np.where(mask, s32, i["y"])),
            "mi": mask.astype(np.int32)}


s.case("sym_cast_chain", g,
       [{"x": kt.rand((n, 3), lo=-4, hi=300), "y": kt.rand((3,), BF16)}
        for n in (2, 5)],
       chain_ref, out_dtype={"s": BF16, "si": np.uint8, "w": BF16,
                             "mi": np.int32},
       rtol={"s": 0, "w": 0, "si": None, "mi": None},
       atol={"s": 0, "w": 0, "si": None, "mi": None})

s.finish()
