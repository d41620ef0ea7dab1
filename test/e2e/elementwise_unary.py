"""Unary elementwise ops on every dtype they accept, compiled and eager,
against NumPy references written here.

Float ops on f16, bf16 (reference computed in f64, rounded through f32 to
bf16), f32 and f64; integer ops on i8 i16 i32 i64 u8; `not` and `identity`
on bool. Special values (NaN, inf, -0), round half to even, large |x|,
attribute defaults and values, symbolic batch dims.
usage: elementwise_unary.py KILN_BIN_DIR [WORK_DIR]
"""
import math

import numpy as np

import kiln_testing as kt

s = kt.Suite("elementwise_unary")

F16, BF16, F32, F64 = np.float16, kt.BF16, np.float32, np.float64
FLOATS = [F16, BF16, F32, F64]
INTS = [np.int8, np.int16, np.int32, np.int64, np.uint8]
nan, inf = np.nan, np.inf

erf = np.vectorize(math.erf, otypes=[np.float64])


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def gelu_tanh(x):
    return 0.5 * x * (1.0 + np.tanh(np.sqrt(2.0 / np.pi) *
                                    (x + 0.044715 * x ** 3)))


# name -> (op, attrs, reference, transcendental)
FLOAT_OPS = {
    "neg": ("neg", None, np.negative, False),
    "abs": ("abs", None, np.abs, False),
    "relu": ("relu", None, lambda x: np.maximum(x, 0), False),
    "sign": ("sign", None, np.sign, False),
    "identity": ("identity", None, lambda x: x, False),
    "exp": ("exp", None, np.exp, True),
    "tanh": ("tanh", None, np.tanh, True),
    "sigmoid": ("sigmoid", None, sigmoid, True),
    "erf": ("erf", None, erf, True),
    "sin": ("sin", None, np.sin, True),
    "cos": ("cos", None, np.cos, True),
    "atan": ("atan", None, np.arctan, True),
    "floor": ("floor", None, np.floor, False),
    "ceil": ("ceil", None, np.ceil, False),
    "round": ("round", None, np.round, False),
    "gelu": ("gelu", None, lambda x: 0.5 * x * (1 + erf(x / np.sqrt(2))),
             True),
    "gelu_none": ("gelu", {"approximate": "none"},
                  lambda x: 0.5 * x * (1 + erf(x / np.sqrt(2))), True),
    "gelu_tanh": ("gelu", {"approximate": "tanh"}, gelu_tanh, True),
    "leaky_relu": ("leaky_relu", None,
                   lambda x: np.where(x < 0, 0.01 * x, x), False),
    "leaky_relu_a": ("leaky_relu", {"alpha": 0.25},
                     lambda x: np.where(x < 0, 0.25 * x, x), False),
    "elu": ("elu", None, lambda x: np.where(x > 0, x, np.expm1(x)), True),
    "elu_a": ("elu", {"alpha": 0.5},
              lambda x: np.where(x > 0, x, 0.5 * np.expm1(x)), True),
    "hard_sigmoid": ("hard_sigmoid", None,
                     lambda x: np.clip(0.2 * x + 0.5, 0, 1), False),
    "hard_sigmoid_ab": ("hard_sigmoid", {"alpha": 0.5, "beta": 0.25},
                        lambda x: np.clip(0.5 * x + 0.25, 0, 1), False),
    "hard_swish": ("hard_swish", None,
                   lambda x: x * np.clip(x + 3, 0, 6) / 6, False),
    "softplus": ("softplus", None, lambda x: np.logaddexp(0, x), True),
    "silu": ("silu", None, lambda x: x * sigmoid(x), True),
    "clip": ("clip", {"min": -0.5, "max": 1.25},
             lambda x: np.minimum(np.maximum(x, -0.5), 1.25), False),
    "clip_min": ("clip", {"min": 0.0}, lambda x: np.maximum(x, 0.0), False),
    "clip_max": ("clip", {"max": -1}, lambda x: np.minimum(x, -1.0), False),
    "clip_none": ("clip", None, lambda x: x, False),
    # min > max: every element is max (numpy.clip's order of operations).
    "clip_inverted": ("clip", {"min": 1.0, "max": -1.0},
                      lambda x: np.minimum(np.maximum(x, 1.0), -1.0), False),
}
# Ops whose domain is [-1, 1].
UNIT_OPS = {
    "asin": ("asin", None, np.arcsin, True),
    "acos": ("acos", None, np.arccos, True),
}
# Ops whose domain is x > 0.
POSITIVE_OPS = {
    "log": ("log", None, np.log, True),
    "sqrt": ("sqrt", None, np.sqrt, True),
    "rsqrt": ("rsqrt", None, lambda x: 1 / np.sqrt(x), True),
    "reciprocal": ("reciprocal", None, lambda x: 1 / x, False),
}


def rtol_for(dtype, transcendental):
    dt = np.dtype(dtype)
    if kt.is_bf16(dt):
        return 1e-2
    if dt == np.float16:
        return 2e-3
    if dt == np.float64:
        return 1e-9 if transcendental else 1e-12
    return 1e-4 if transcendental else 1e-5


def arr(values, dtype):
    return kt.bf16(values) if kt.is_bf16(dtype) else \
        np.array(values, dtype=dtype)


def add_all(b, tag, ops, x, dtype):
    for name, (op, attrs, ref, trans) in ops.items():
        b.add("%s_%s" % (name, tag), op, [x], attrs,
              ref=lambda v, ref=ref: ref(v), rtol=rtol_for(dtype, trans))


SPECIAL = [nan, inf, -inf, 0.0, -0.0, 1e-3, -1e-3, 0.75, -0.75, 3.0, -3.0,
           20.0, -20.0, 100.0, -100.0]
HALVES = [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 3.5, -3.5, 0.49, 2.51, -2.49,
          1024.5, 0.0, -0.0]
# Ops whose NaN/inf results NumPy computes the same way as the definition.
SPECIAL_OPS = ["neg", "abs", "relu", "sign", "identity", "exp", "tanh",
               "sigmoid", "erf", "atan", "floor", "ceil", "round",
               "leaky_relu", "elu", "hard_sigmoid", "hard_swish", "softplus",
               "clip", "clip_inverted"]

for dtype in FLOATS:
    name = kt.dtype_name(dtype)
    b = kt.Bundle()
    x = kt.rand((3, 5), dtype, lo=-4.0, hi=4.0)
    add_all(b, "rand", FLOAT_OPS, x, dtype)
    add_all(b, "pos", POSITIVE_OPS, kt.rand((7,), dtype, lo=0.125, hi=9.0),
            dtype)
    special = arr(SPECIAL, dtype)
    add_all(b, "special", {k: FLOAT_OPS[k] for k in SPECIAL_OPS}, special,
            dtype)
    # log/sqrt/rsqrt/reciprocal at 0, -0, negatives, inf and NaN.
    add_all(b, "edge", POSITIVE_OPS,
            arr([0.0, -0.0, -1.0, inf, nan, 4.0], dtype), dtype)
    # asin/acos inside [-1, 1], at its ends, and outside (NaN).
    add_all(b, "unit", UNIT_OPS, kt.rand((3, 5), dtype, lo=-1.0, hi=1.0),
            dtype)
    add_all(b, "unit_edge", UNIT_OPS,
            arr([-1.0, 1.0, 0.0, -0.0, 0.5, -0.5, 0.999, -0.999, 1.0625,
                 -1.5, 4.0, inf, -inf, nan], dtype), dtype)
    add_all(b, "halves", {"round": FLOAT_OPS["round"],
                          "floor": FLOAT_OPS["floor"],
                          "ceil": FLOAT_OPS["ceil"]},
            arr(HALVES, dtype), dtype)
    # Scalars, size-1 and empty tensors.
    add_all(b, "scalar", {"exp": FLOAT_OPS["exp"],
                          "gelu_tanh": FLOAT_OPS["gelu_tanh"]},
            kt.rand((), dtype), dtype)
    add_all(b, "empty", {"silu": FLOAT_OPS["silu"]}, kt.rand((2, 0), dtype),
            dtype)
    add_all(b, "ones", {"softplus": FLOAT_OPS["softplus"]},
            kt.rand((1, 1, 1), dtype), dtype)
    s.bundle("unary_" + name, b)

# f32 only: large |x| (no NaN from overflowing intermediates) and values
# around the f32 range.
b = kt.Bundle()
big = np.array([-1000.0, -100.0, -88.7, -50.0, -1e-7, 1e-7, 50.0, 88.7,
                100.0, 1000.0, 3e38, -3e38], F32)
for k in ["sigmoid", "softplus", "silu", "gelu", "gelu_tanh", "elu", "tanh",
          "hard_swish", "hard_sigmoid"]:
    op, attrs, ref, trans = FLOAT_OPS[k]
    b.add(k + "_big", op, [big], attrs, ref=ref, rtol=rtol_for(F32, trans))
s.bundle("unary_f32_large", b)

# --- integers ---------------------------------------------------------------
INT_OPS = {
    "neg": ("neg", None, lambda x: (-x).astype(x.dtype)),
    "abs": ("abs", None, lambda x: np.abs(x).astype(x.dtype)),
    "relu": ("relu", None, lambda x: np.maximum(x, 0).astype(x.dtype)),
    "sign": ("sign", None, lambda x: np.sign(x).astype(x.dtype)),
    "identity": ("identity", None, lambda x: x),
    "clip": ("clip", {"min": -3, "max": 5},
             lambda x: np.clip(x.astype(np.int64), -3, 5).astype(x.dtype)),
    "clip_max": ("clip", {"max": 2}, lambda x: np.minimum(x, 2)),
    # Bounds beyond the dtype's range clamp to it.
    "clip_wide": ("clip", {"min": -1e30, "max": 1e30}, lambda x: x),
    "clip_inverted": ("clip", {"min": 4, "max": 1},
                      lambda x: np.full_like(x, 1)),
}
for dtype in INTS:
    info = np.iinfo(dtype)
    edge = np.array([info.min, info.min + 1, -7, -1, 0, 1, 7, info.max - 1,
                     info.max] if info.min < 0 else
                    [0, 1, 2, 7, 127, 128, 200, 254, 255], dtype=dtype)
    b = kt.Bundle()
    for k, (op, attrs, ref) in INT_OPS.items():
        b.add(k + "_edge", op, [edge], attrs, ref=ref)
        b.add(k + "_rand", op, [kt.rand((2, 3), dtype)], attrs, ref=ref)
    s.bundle("unary_" + kt.dtype_name(dtype), b)

# --- bool -------------------------------------------------------------------
b = kt.Bundle()
p = np.array([[True, False, True], [False, False, True]])
b.add("not", "not", [p], ref=np.logical_not)
b.add("not_scalar", "not", [np.array(True)], ref=np.logical_not)
b.add("identity", "identity", [p], ref=lambda v: v)
s.bundle("unary_bool", b)

# --- symbolic batch dim: one compiled artifact, N = 1 and 5 ------------------
ops = {k: FLOAT_OPS[k][:2] for k in ["gelu", "softplus", "round", "clip",
                                     "hard_sigmoid", "atan"]}
g = kt.ops_graph(ops, [kt.rand((2, 3))], shapes=[["N", 3]])
s.case("sym_unary_Nx3", g, [{"x0": kt.rand((n, 3), lo=-3, hi=3)}
                            for n in (1, 5)],
       lambda i: {k: FLOAT_OPS[k][2](i["x0"]) for k in ops},
       rtol={k: rtol_for(F32, FLOAT_OPS[k][3]) for k in ops})

s.finish()
