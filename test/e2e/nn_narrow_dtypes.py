"""nn ops on f16 and u8 (computed in f32 / i32 by kiln-widen-element-types),
compiled and eager, against NumPy.

usage: nn_narrow_dtypes.py KILN_BIN_DIR [WORK_DIR]
"""
import numpy as np

import kiln_testing as kt

s = kt.Suite("nn_narrow_dtypes")
F16, U8 = np.float16, np.uint8


def maxpool2(a):
    n, c, h, w = a.shape
    return a.reshape(n, c, h // 2, 2, w // 2, 2).max(axis=(3, 5))


def softmax(a):
    e = np.exp(a - a.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def layer_norm(a, sc, bi):
    mu = a.mean(-1, keepdims=True)
    return (a - mu) / np.sqrt(((a - mu) ** 2).mean(-1, keepdims=True) + 1e-5) \
        * sc + bi


def conv1x1(x, w):
    return np.einsum("nchw,mc->nmhw", x, w[:, :, 0, 0])


b = kt.Bundle()
x = kt.rand((2, 3, 4, 4), F16)
b.add("max_pool_f16", "max_pool", [x], {"kernel": [2, 2], "strides": [2, 2]},
      maxpool2)
b.add("conv1x1_f16", "conv", [x, kt.rand((5, 3, 1, 1), F16)], None,
      lambda a, w: conv1x1(a, w), rtol=5e-3, atol=5e-3)
b.add("matmul_f16", "matmul", [kt.rand((3, 8), F16), kt.rand((8, 2), F16)],
      None, lambda p, q: p @ q, rtol=5e-3, atol=5e-3)
b.add("reduce_mean_f16", "reduce_mean", [kt.rand((4, 6), F16)],
      {"axes": [1]}, lambda a: a.mean(1, keepdims=True), rtol=5e-3,
      atol=2e-3)
b.add("softmax_f16", "softmax", [kt.rand((3, 5), F16)], None, softmax,
      rtol=5e-3, atol=1e-3)
b.add("layer_norm_f16", "layer_norm",
      [kt.rand((3, 8), F16), kt.rand((8,), F16), kt.rand((8,), F16)], None,
      layer_norm, rtol=1e-2, atol=1e-2)
b.add("argmax_f16", "argmax", [kt.rand((4, 7), F16)], {"axis": 1},
      lambda a: np.argmax(a, 1)[:, None], out_dtype=np.int64)
s.bundle("f16", b)

b = kt.Bundle()
u = kt.rand((4, 6), U8, 0, 255)
b.add("reduce_sum_u8", "reduce_sum", [u], {"axes": [1]},
      lambda a: (a.astype(np.int64).sum(1, keepdims=True) % 256))
b.add("reduce_max_u8", "reduce_max", [u], {"axes": [0]},
      lambda a: a.max(0, keepdims=True))
b.add("reduce_min_u8", "reduce_min", [u], {"axes": [1], "keepdims": False},
      lambda a: a.min(1))
b.add("argmin_u8", "argmin", [u], {"axis": 0},
      lambda a: np.argmin(a, 0)[None], out_dtype=np.int64)
b.add("matmul_u8", "matmul", [kt.rand((3, 4), U8, 0, 255),
                              kt.rand((4, 2), U8, 0, 255)], None,
      lambda p, q: (p.astype(np.int64) @ q.astype(np.int64)) % 256)
b.add("max_pool_u8", "max_pool", [kt.rand((1, 2, 4, 4), U8, 0, 255)],
      {"kernel": [2, 2], "strides": [2, 2]}, maxpool2)
s.bundle("u8", b)
s.finish()
