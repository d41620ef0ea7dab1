"""Binary elementwise ops (arithmetic, pow, mod, comparisons, logic) on every
dtype they accept, with broadcasting, compiled and eager, against NumPy
references written here.

Integer semantics: wrap-around, division truncating toward zero, division
and remainder by zero give 0, MIN / -1 wraps, MIN % -1 is 0; integer pow
wraps and gives the truncated 1/x^|y| for negative exponents. Float
semantics: NaN propagation in max/min, comparisons with NaN false except ne,
mod with the divisor's sign (numpy.remainder) or the dividend's (fmod).
usage: elementwise_binary.py KILN_BIN_DIR [WORK_DIR]
"""
import numpy as np

import kiln_testing as kt

s = kt.Suite("elementwise_binary")

F16, BF16, F32, F64 = np.float16, kt.BF16, np.float32, np.float64
FLOATS = [F16, BF16, F32, F64]
INTS = [np.int8, np.int16, np.int32, np.int64, np.uint8]
nan, inf = np.nan, np.inf


def trunc_div(a, b):
    """C division of integers (toward zero), 0 for a zero divisor, wrapping
    (MIN / -1 = MIN), computed in Python integers."""
    out = []
    for x, y in zip(a.reshape(-1).tolist(), b.reshape(-1).tolist()):
        q = 0 if y == 0 else abs(x) // abs(y) * (1 if (x < 0) == (y < 0)
                                                 else -1)
        out.append(q)
    return wrap(out, a.dtype).reshape(a.shape)


def int_mod(a, b, python):
    out = []
    for x, y in zip(a.reshape(-1).tolist(), b.reshape(-1).tolist()):
        if y == 0:
            out.append(0)
            continue
        r = abs(x) % abs(y) * (1 if x >= 0 else -1)  # sign of the dividend
        if python and r != 0 and (r < 0) != (y < 0):
            r += y
        out.append(r)
    return wrap(out, a.dtype).reshape(a.shape)


def int_pow(a, b):
    out = []
    for x, y in zip(a.reshape(-1).tolist(), b.reshape(-1).tolist()):
        if y < 0:
            out.append(1 if x == 1 else (-1 if y % 2 else 1) if x == -1
                       else 0)
        else:
            out.append(pow(x, y, 1 << 64))
    return wrap(out, a.dtype).reshape(a.shape)


def wrap(values, dtype):
    """Python integers reduced modulo 2^bits into `dtype`."""
    bits = np.iinfo(dtype).bits
    u = np.array([v % (1 << bits) for v in values], dtype=np.uint64)
    return u.astype(np.dtype("u%d" % (bits // 8))).view(dtype)


def bcast(f):
    """Applies an elementwise Python-integer reference after broadcasting."""
    def g(a, b):
        a2, b2 = np.broadcast_arrays(a, b)
        return f(np.ascontiguousarray(a2), np.ascontiguousarray(b2))
    return g


def float_ops():
    return {
        "add": ("add", None, np.add),
        "sub": ("sub", None, np.subtract),
        "mul": ("mul", None, np.multiply),
        "div": ("div", None, np.divide),
        "max": ("max", None, np.maximum),
        "min": ("min", None, np.minimum),
        "mod": ("mod", None, np.remainder),
        "fmod": ("mod", {"fmod": True}, np.fmod),
        "mod_false": ("mod", {"fmod": False}, np.remainder),
    }


def int_ops():
    return {
        "add": ("add", None, lambda a, b: a + b),
        "sub": ("sub", None, lambda a, b: a - b),
        "mul": ("mul", None, lambda a, b: a * b),
        "div": ("div", None, bcast(trunc_div)),
        "max": ("max", None, np.maximum),
        "min": ("min", None, np.minimum),
        "mod": ("mod", None, bcast(lambda a, b: int_mod(a, b, True))),
        "fmod": ("mod", {"fmod": True},
                 bcast(lambda a, b: int_mod(a, b, False))),
        "pow": ("pow", None, bcast(int_pow)),
    }


COMPARE = {"eq": np.equal, "ne": np.not_equal, "lt": np.less,
           "le": np.less_equal, "gt": np.greater, "ge": np.greater_equal}

BROADCAST = [((3, 4), (3, 4)), ((3, 1), (1, 4)), ((), (2, 3)), ((4,), (2, 3, 4)),
             ((2, 0), (1,)), ((1, 1), (1, 1))]


def rtol_for(dtype, op):
    dt = np.dtype(dtype)
    if kt.is_bf16(dt):
        return 1e-2
    if dt == np.float16:
        return 2e-3
    if dt == np.float64:
        return 1e-9 if op == "pow" else 1e-12
    return 1e-4 if op == "pow" else 1e-5


def arr(values, dtype):
    return kt.bf16(values) if kt.is_bf16(dtype) else \
        np.array(values, dtype=dtype)


# --- floats -------------------------------------------------------------------
for dtype in FLOATS:
    b = kt.Bundle()
    ops = float_ops()
    for i, (ash, bsh) in enumerate(BROADCAST):
        x = kt.rand(ash, dtype)
        y = kt.nonzero(bsh, dtype)
        for k, (op, attrs, ref) in ops.items():
            b.add("%s_b%d" % (k, i), op, [x, y], attrs, ref=ref,
                  rtol=rtol_for(dtype, k))
        for k, ref in COMPARE.items():
            b.add("%s_b%d" % (k, i), k, [x, y], ref=ref, out_dtype=np.bool_)
    # pow: positive bases with any exponent, negative bases with whole ones.
    base = kt.rand((2, 5), dtype, lo=0.25, hi=3.0)
    expo = kt.rand((5,), dtype, lo=-2.0, hi=2.0)
    b.add("pow", "pow", [base, expo], ref=np.power, rtol=rtol_for(dtype, "pow"))
    b.add("pow_int_exp", "pow",
          [arr([-2.0, -1.5, 0.0, 0.0, 2.0, -3.0, 4.0, nan, 1.0], dtype),
           arr([3.0, 2.0, 0.0, 2.0, -1.0, -2.0, 0.5, 0.0, nan], dtype)],
          ref=np.power, rtol=rtol_for(dtype, "pow"))
    # Signs of mod: every combination, zero results, divisor 0 (NaN).
    a = arr([5.5, -5.5, 5.5, -5.5, 6.0, -6.0, 0.0, -0.0, 3.0, 1.0, inf, nan],
            dtype)
    d = arr([2.0, 2.0, -2.0, -2.0, -3.0, 3.0, 2.0, -2.0, 0.0, inf, 2.0, 1.0],
            dtype)
    for k in ["mod", "fmod"]:
        op, attrs, ref = ops[k]
        b.add(k + "_signs", op, [a, d], attrs, ref=ref)
    # NaN and infinities: max/min propagate NaN; comparisons with NaN are
    # false except ne.
    p = arr([nan, 1.0, nan, -inf, 2.0, inf, -0.0, 3.0], dtype)
    q = arr([1.0, nan, nan, 3.0, inf, -inf, 0.0, 3.0], dtype)
    for k in ["add", "sub", "mul", "div", "max", "min"]:
        op, attrs, ref = ops[k]
        b.add(k + "_nan", op, [p, q], attrs, ref=ref)
    for k, ref in COMPARE.items():
        b.add(k + "_nan", k, [p, q], ref=ref, out_dtype=np.bool_)
    s.bundle("binary_" + kt.dtype_name(dtype), b)

# f64 keeps its precision (values f32 cannot hold).
b = kt.Bundle()
b.add("add", "add", [np.array([1.0, 1e16, 0.1], F64),
                     np.array([1e-12, 1.0, 0.2], F64)], ref=np.add)
b.add("mod", "mod", [np.array([1e16 + 2, 7.1], F64),
                     np.array([3.0, 0.1], F64)], ref=np.remainder)
s.bundle("binary_f64_precision", b)

# --- integers -----------------------------------------------------------------
for dtype in INTS:
    info = np.iinfo(dtype)
    b = kt.Bundle()
    ops = int_ops()
    for i, (ash, bsh) in enumerate(BROADCAST):
        x = kt.rand(ash, dtype)
        y = kt.rand(bsh, dtype, lo=-4 if info.min < 0 else 0, hi=4)
        for k, (op, attrs, ref) in ops.items():
            b.add("%s_b%d" % (k, i), op, [x, y], attrs, ref=ref)
        for k, ref in COMPARE.items():
            b.add("%s_b%d" % (k, i), k, [x, y], ref=ref, out_dtype=np.bool_)
    if info.min < 0:
        # Every sign combination, zero divisors, MIN / -1 and MIN % -1.
        a = np.array([7, -7, 7, -7, 0, 6, -6, 5, info.min, info.min,
                      info.max, 1], dtype)
        d = np.array([3, 3, -3, -3, 3, -3, 3, 0, -1, 1, -1, -1], dtype)
        # Overflow wraps; pow with negative exponents and wrap-around.
        w1 = np.array([info.max, info.min, info.max, -2, 3, -1, -1, 1, 2, 0,
                       0, -3], dtype)
        w2 = np.array([1, -1, 2, 3, 5, -3, -2, -5, -1, 0, 3, 4], dtype)
    else:
        a = np.array([7, 0, 255, 200, 5, 1], dtype)
        d = np.array([3, 3, 7, 0, 255, 1], dtype)
        w1 = np.array([255, 0, 200, 2, 3, 16, 0, 1], dtype)
        w2 = np.array([1, 1, 100, 7, 5, 2, 0, 200], dtype)
    for k in ["div", "mod", "fmod"]:
        op, attrs, ref = ops[k]
        b.add(k + "_signs", op, [a, d], attrs, ref=ref)
    for k in ["add", "sub", "mul", "pow", "max", "min"]:
        op, attrs, ref = ops[k]
        b.add(k + "_wrap", op, [w1, w2], attrs, ref=ref)
    for k, ref in COMPARE.items():
        b.add(k + "_edge", k, [w1, w2], ref=ref, out_dtype=np.bool_)
    s.bundle("binary_" + kt.dtype_name(dtype), b)

# Wide values stay exact (no detour through floats).
b = kt.Bundle()
b.add("i64_add", "add", [np.array([2**40 + 1, -(2**50) - 3], np.int64),
                         np.array([2**40 + 3, 7], np.int64)],
      ref=lambda x, y: x + y)
b.add("i64_pow", "pow", [np.array([3, -3, 2], np.int64),
                         np.array([39, 39, 62], np.int64)], ref=bcast(int_pow))
b.add("i64_mod", "mod", [np.array([2**62 + 5, -(2**62) - 5], np.int64),
                         np.array([2**40, 2**40], np.int64)],
      ref=bcast(lambda x, y: int_mod(x, y, True)))
s.bundle("binary_i64_wide", b)

# --- bool: logic and comparisons ----------------------------------------------
LOGIC = {"and": np.logical_and, "or": np.logical_or, "xor": np.logical_xor}
b = kt.Bundle()
for i, (ash, bsh) in enumerate([((2, 3), (2, 3)), ((2, 1), (3,)), ((), (4,)),
                                ((0, 2), (2,))]):
    x = kt.rand(ash, np.bool_)
    y = kt.rand(bsh, np.bool_)
    for k, ref in {**LOGIC, **COMPARE}.items():
        b.add("%s_b%d" % (k, i), k, [x, y], ref=ref)
tt = np.array([True, True, False, False])
ff = np.array([True, False, True, False])
for k, ref in {**LOGIC, **COMPARE}.items():
    b.add(k + "_table", k, [tt, ff], ref=ref)
s.bundle("binary_bool", b)

# --- symbolic batch dim: one artifact, N = 1 and 6 -----------------------------
ops = {"pow": ("pow", None), "mod": ("mod", None), "lt": ("lt", None)}
g = kt.ops_graph(ops, [kt.rand((2, 3)), kt.rand((3,))], shapes=[["N", 3], [3]])
s.case("sym_binary_Nx3", g,
       [{"x0": kt.rand((n, 3), lo=0.5, hi=3.0), "x1": kt.nonzero((3,))}
        for n in (1, 6)],
       lambda i: {"pow": np.power(i["x0"], i["x1"]),
                  "mod": np.remainder(i["x0"], i["x1"]),
                  "lt": i["x0"] < i["x1"]},
       rtol={"pow": 1e-4, "mod": 1e-5, "lt": None},
       out_dtype={"pow": F32, "mod": F32, "lt": np.bool_})
g = kt.graph([kt.inp("p", "bool", ["N", 1]), kt.inp("q", "bool", [2])],
             [kt.node("xor", ["p", "q"], "r")], ["r"])
s.case("sym_xor_Nx1_2", g,
       [{"p": kt.rand((n, 1), np.bool_), "q": kt.rand((2,), np.bool_)}
        for n in (1, 4)],
       lambda i: np.logical_xor(i["p"], i["q"]))

s.finish()
