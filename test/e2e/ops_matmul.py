"""matmul (NumPy semantics: 1-D promotion, batch broadcasting, transpose_a,
transpose_b), compiled and eager, against np.matmul.

usage: ops_matmul.py KILN_BIN_DIR [WORK_DIR]
"""
import numpy as np

import kiln_testing as kt

s = kt.Suite("matmul")

F32, F64, I32, I64 = np.float32, np.float64, np.int32, np.int64


def sh(shape):
    return "x".join(str(d) for d in shape) if shape else "scalar"


def attrs_for(ta, tb):
    at = {}
    if ta:
        at["transpose_a"] = True
    if tb:
        at["transpose_b"] = True
    return at or None


def add(b, ash, bsh, dtype=F32, ta=False, tb=False, atol=None, tag=""):
    a = kt.rand(ash, dtype)
    c = kt.rand(bsh, dtype)
    name = "mm_%s_%s%s%s%s" % (sh(ash), sh(bsh), "_ta" if ta else "",
                                "_tb" if tb else "", tag)
    k = ash[-2] if ta else ash[-1]
    if atol is None and np.dtype(dtype) == np.float32:
        atol = 2e-6 * k
    b.add(name, "matmul", [a, c], attrs_for(ta, tb), kt.ref_matmul(ta, tb),
          atol=atol)


# --- plain 2-D, and size-1 dims ----------------------------------------------
b = kt.Bundle()
add(b, (3, 4), (4, 5))
add(b, (1, 1), (1, 1))
add(b, (3, 1), (1, 4))       # K = 1
add(b, (1, 4), (4, 1))       # M = N = 1
add(b, (5, 7), (7, 1))
add(b, (2, 3), (3, 2))
s.bundle("matmul_2d", b)

# --- 1-D promotion on either side and both ------------------------------------
b = kt.Bundle()
add(b, (4,), (4, 5))         # -> [5]
add(b, (3, 4), (4,))         # -> [3]
add(b, (4,), (4,))           # -> []
add(b, (1,), (1,))           # -> []
add(b, (4,), (2, 4, 5))      # -> [2, 5]
add(b, (2, 3, 4), (4,))      # -> [2, 3]
add(b, (4,), (2, 1, 4, 3))   # -> [2, 1, 3]
s.bundle("matmul_1d_promotion", b)

# --- batch dims, with broadcasting --------------------------------------------
b = kt.Bundle()
add(b, (2, 3, 4), (2, 4, 5))
add(b, (2, 3, 4), (4, 5))          # batch on the left only
add(b, (3, 4), (2, 4, 5))          # batch on the right only
add(b, (1, 3, 4), (2, 4, 5))       # batch dim 1 stretches
add(b, (2, 1, 3, 4), (5, 4, 2))    # -> [2, 5, 3, 2]
add(b, (2, 1, 3, 4), (1, 3, 4, 2))  # -> [2, 3, 3, 2]
add(b, (1, 1, 1, 2), (1, 2, 1))    # all ones
s.bundle("matmul_batch", b)

# --- transpose_a / transpose_b ---------------------------------------------
b = kt.Bundle()
add(b, (4, 3), (4, 5), ta=True)
add(b, (3, 4), (5, 4), tb=True)
add(b, (4, 3), (5, 4), ta=True, tb=True)
add(b, (1, 3), (1, 4), ta=True)            # K = 1 after transposing
add(b, (2, 4, 3), (2, 4, 5), ta=True)
add(b, (2, 3, 4), (2, 5, 4), tb=True)
add(b, (2, 1, 4, 3), (5, 2, 4), ta=True, tb=True)   # -> [2, 5, 3, 2]
add(b, (2, 1, 3, 4), (5, 2, 4), tb=True)            # -> [2, 5, 3, 2]
add(b, (4, 3), (2, 4, 5), ta=True)                  # broadcast + transpose
add(b, (4,), (5, 4), tb=True)      # 1-D left, transposed right -> [5]
add(b, (4, 3), (4,), ta=True)      # transposed left, 1-D right -> [3]
s.bundle("matmul_transpose", b)

# --- sizes that exercise tiling and vector remainders ------------------------
b = kt.Bundle()
add(b, (17, 33), (33, 9))
add(b, (64, 64), (64, 64))
add(b, (3, 100), (100, 2))
add(b, (3, 65, 31), (31, 130))
s.bundle("matmul_larger", b)

# --- other dtypes --------------------------------------------------------------
b = kt.Bundle()
for dt in (F64, I32, I64):
    tag = "_" + kt.dtype_name(dt)
    add(b, (3, 4), (4, 5), dt, tag=tag)
    add(b, (2, 1, 3, 4), (5, 4, 2), dt, tag=tag)
    add(b, (4,), (4,), dt, tag=tag)
    add(b, (4,), (4, 5), dt, tag=tag)
    add(b, (4, 3), (5, 4), dt, ta=True, tb=True, tag=tag)
s.bundle("matmul_dtypes", b)
# f64 keeps its precision.
b = kt.Bundle()
b.add("mm_f64_precision", "matmul",
      [np.array([[1.0, 2.0**-30], [3.0, -(2.0**-40)]], F64),
       np.array([[1.0], [1.0]], F64)],
      ref=kt.ref_matmul(), rtol=0, atol=0)
# i64 beyond 2^53 stays exact.
b.add("mm_i64_wide", "matmul",
      [np.array([[2**40, 3]], I64), np.array([[2**20 + 1], [5]], I64)],
      ref=kt.ref_matmul())
s.bundle("matmul_exact", b)

# --- symbolic batch dim: one artifact, N = 1, 3, 7 --------------------------
NS = (1, 3, 7)
w = kt.rand((4, 3))
g = kt.graph([kt.inp("x", "f32", ["N", 4])],
             [kt.node("matmul", ["x", "w"], "y")], ["y"],
             constants=[kt.const("w", w)])
s.case("sym_matmul_Nx4_const4x3", g, [{"x": kt.rand((n, 4))} for n in NS],
       lambda i: np.matmul(i["x"], w.astype(F64)), atol=1e-5, graph_mode=True)

g = kt.graph([kt.inp("x", "f32", ["N", 4]), kt.inp("y", "f32", [3, 4])],
             [kt.node("matmul", ["x", "y"], "z", {"transpose_b": True})],
             ["z"])
s.case("sym_matmul_Nx4_3x4_tb", g,
       [{"x": kt.rand((n, 4)), "y": kt.rand((3, 4))} for n in NS],
       lambda i: np.matmul(i["x"], i["y"].T), atol=1e-5)

g = kt.graph([kt.inp("x", "f32", ["N", 3, 4]), kt.inp("y", "f32", [4, 2])],
             [kt.node("matmul", ["x", "y"], "z")], ["z"])
s.case("sym_matmul_batch_Nx3x4_4x2", g,
       [{"x": kt.rand((n, 3, 4)), "y": kt.rand((4, 2))} for n in NS],
       lambda i: np.matmul(i["x"], i["y"]), atol=1e-5)

g = kt.graph([kt.inp("x", "f32", ["M", "K"]), kt.inp("y", "f32", ["K", "N"])],
             [kt.node("matmul", ["x", "y"], "z")], ["z"])
s.case("sym_matmul_MxK_KxN", g,
       [{"x": kt.rand((m, k)), "y": kt.rand((k, n))}
        for m, k, n in [(1, 1, 1), (3, 5, 2), (7, 4, 9)]],
       lambda i: np.matmul(i["x"], i["y"]), atol=2e-5)

g = kt.graph([kt.inp("x", "i32", ["N", 4]), kt.inp("y", "i32", [4])],
             [kt.node("matmul", ["x", "y"], "z")], ["z"])
s.case("sym_matmul_i32_Nx4_4", g,
       [{"x": kt.rand((n, 4), I32), "y": kt.rand((4,), I32)} for n in NS],
       lambda i: np.matmul(i["x"], i["y"]))

s.finish()
