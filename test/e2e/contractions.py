"""f32 contractions through the packed, register-blocked kernels of
kiln-lower-contractions: matmuls of many shapes (GEMV rows, odd edges,
blocks that cross the K, M and N blocking, transposes, batch matmul with
broadcast batch dims, 1-D operands), constant weights packed at compile time
(with a symbolic batch dim and a fused bias + relu epilogue), and 2-D
convolutions (the example CNN's shapes, strides, padding, dilation, groups,
channel counts that are not a multiple of the vector width), compiled and
eager, against NumPy. Results must not depend on the thread count.

usage: contractions.py KILN_BIN_DIR [WORK_DIR]
"""
import os
import subprocess

import numpy as np

import kiln_testing as kt

s = kt.Suite("contractions")

F32 = np.float32


def tol(k):
    """Tolerances for sums of k products of values in [-2, 2]."""
    return dict(rtol=1e-4, atol=2e-5 * max(k, 1) ** 0.5)


def add_mm(b, ash, bsh, ta=False, tb=False, tag=""):
    x, y = kt.rand(ash), kt.rand(bsh)
    k = ash[-2] if (ta and len(ash) > 1) else ash[-1]
    attrs = {}
    if ta:
        attrs["transpose_a"] = True
    if tb:
        attrs["transpose_b"] = True
    name = "mm_%s_%s%s%s%s" % ("x".join(map(str, ash)), "x".join(map(str, bsh)),
                                "_ta" if ta else "", "_tb" if tb else "", tag)
    b.add(name, "matmul", [x, y], attrs or None, kt.ref_matmul(ta, tb), **tol(k))


# --- 2-D shapes: GEMV rows, edges, blocking ----------------------------------
b = kt.Bundle()
add_mm(b, (1, 784), (784, 512))      # M = 1 (MLP batch 1)
add_mm(b, (64, 784), (784, 512))     # packed A and B, K crosses KC
add_mm(b, (5, 7), (7, 3))            # everything an edge
add_mm(b, (1, 1), (1, 1))
add_mm(b, (3, 1), (1, 40))           # K = 1
add_mm(b, (128, 256), (256, 256))
add_mm(b, (33, 65), (65, 47))        # M, N one past a block
add_mm(b, (200, 300), (300, 129))    # two M tiles, K blocks, N edge
add_mm(b, (7, 33), (33, 1000))       # N split across tiles
add_mm(b, (32, 16), (16, 64))        # exact multiples
add_mm(b, (2, 513), (513, 17))
s.bundle("matmul_shapes", b)

# --- transposes ---------------------------------------------------------------
b = kt.Bundle()
add_mm(b, (90, 70), (90, 50), ta=True)
add_mm(b, (70, 90), (50, 90), tb=True)
add_mm(b, (90, 70), (50, 90), ta=True, tb=True)
add_mm(b, (128, 64), (128, 64), tb=True)    # attention scores Q.K^T
add_mm(b, (1, 300), (33, 300), tb=True)
add_mm(b, (300, 3), (300, 45), ta=True)
s.bundle("matmul_transposes", b)

# --- batch matmul (broadcast batch dims) and 1-D operands ---------------------
b = kt.Bundle()
add_mm(b, (4, 33, 20), (4, 20, 40))
add_mm(b, (1, 3, 5, 8), (2, 1, 8, 17))
add_mm(b, (2, 1, 40, 30), (3, 30, 50))
add_mm(b, (3, 40, 30), (30, 50))             # B shared by every batch
add_mm(b, (40, 30), (3, 30, 50))             # A shared by every batch
add_mm(b, (2, 4, 16, 8), (2, 4, 16, 8), tb=True)
add_mm(b, (300,), (300, 70))                 # 1-D left: M = 1
add_mm(b, (50, 300), (300,))                 # 1-D right: N = 1
add_mm(b, (5,), (5,))                        # a dot product
s.bundle("matmul_batch", b)

# --- constant weights (packed at compile time), symbolic rows, epilogue ------
w1, b1 = kt.rand((784, 200)), kt.rand((200,))
w2, b2 = kt.rand((200, 10)), kt.rand((10,))
mlp = kt.graph(
    [kt.inp("x", "f32", ["N", 784])],
    [kt.node("matmul", ["x", "w1"], "h0"), kt.node("add", ["h0", "b1"], "h1"),
     kt.node("relu", ["h1"], "h"), kt.node("matmul", ["h", "w2"], "l0"),
     kt.node("add", ["l0", "b2"], "y")],
    ["y"],
    constants=[kt.const("w1", w1, file=True), kt.const("b1", b1),
               kt.const("w2", w2, file=True), kt.const("b2", b2)])


def mlp_ref(i):
    h = np.maximum(i["x"] @ w1.astype(np.float64) + b1, 0)
    return h @ w2.astype(np.float64) + b2


s.case("mlp_const_weights", mlp,
       [{"x": kt.rand((n, 784))} for n in (1, 3, 64)], mlp_ref,
       rtol=1e-4, atol=1e-3, graph_mode=True)

wt = kt.rand((100, 64))
g = kt.graph([kt.inp("x", "f32", [40, 64])],
             [kt.node("matmul", ["x", "w"], "y", {"transpose_b": True})],
             ["y"], constants=[kt.const("w", wt, file=True)])
s.case("const_weights_transposed", g, [{"x": kt.rand((40, 64))}],
       lambda i: i["x"] @ wt.astype(np.float64).T, **tol(64))

wb = kt.rand((16, 40))
g = kt.graph([kt.inp("x", "f32", [2, 3, 5, 16])],
             [kt.node("matmul", ["x", "w"], "y")], ["y"],
             constants=[kt.const("w", wb, file=True)])
s.case("const_weights_batched_rows", g, [{"x": kt.rand((2, 3, 5, 16))}],
       lambda i: i["x"] @ wb.astype(np.float64), **tol(16))

# Fused into an elementwise consumer's tiles: B read in place (with masked
# loads at N's edge), or packed per tile when transposed.
g = kt.graph([kt.inp("x", "f32", [50, 70]), kt.inp("y", "f32", [70, 45])],
             [kt.node("matmul", ["x", "y"], "z"), kt.node("relu", ["z"], "r")],
             ["r"])
s.case("fused_relu", g, [{"x": kt.rand((50, 70)), "y": kt.rand((70, 45))}],
       lambda i: np.maximum(i["x"] @ i["y"], 0), **tol(70))
g = kt.graph([kt.inp("x", "f32", [128, 300]), kt.inp("y", "f32", [100, 300])],
             [kt.node("matmul", ["x", "y"], "z", {"transpose_b": True}),
              kt.node("mul", ["z", "s"], "r")], ["r"],
             constants=[kt.const("s", np.array(0.125, F32))])
s.case("fused_scale_transposed", g,
       [{"x": kt.rand((128, 300)), "y": kt.rand((100, 300))}],
       lambda i: (i["x"] @ i["y"].T) * 0.125, **tol(300))

g = kt.graph([kt.inp("x", "f32", ["M", "K"]), kt.inp("y", "f32", ["K", "N"])],
             [kt.node("matmul", ["x", "y"], "z")], ["z"])
s.case("symbolic_mkn", g,
       [{"x": kt.rand((m, k)), "y": kt.rand((k, n))}
        for m, k, n in [(1, 1, 1), (70, 300, 33), (9, 5, 200)]],
       lambda i: i["x"] @ i["y"], **tol(300))


# --- 2-D convolution ----------------------------------------------------------
def ref_conv(strides=(1, 1), pads=(0, 0, 0, 0), dilations=(1, 1), groups=1):
    """NCHW conv, OIHW weights, pads (top, left, bottom, right), as a sum over
    kernel offsets of strided input windows."""
    def f(x, w, bias=None):
        n, c, h, wd = x.shape
        o, cg, kh, kw = w.shape
        xp = np.pad(x, ((0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3])))
        sh, sw = strides
        dh, dw = dilations
        oh = (xp.shape[2] - dh * (kh - 1) - 1) // sh + 1
        ow = (xp.shape[3] - dw * (kw - 1) - 1) // sw + 1
        out = np.zeros((n, o, oh, ow))
        og = o // groups
        for gi in range(groups):
            xs = xp[:, gi * cg:(gi + 1) * cg]
            ws = w[gi * og:(gi + 1) * og]
            for i in range(kh):
                for j in range(kw):
                    win = xs[:, :, i * dh:i * dh + sh * (oh - 1) + 1:sh,
                             j * dw:j * dw + sw * (ow - 1) + 1:sw]
                    out[:, gi * og:(gi + 1) * og] += np.einsum(
                        "nchw,oc->nohw", win, ws[:, :, i, j])
        if bias is not None:
            out += bias.reshape(1, -1, 1, 1)
        return out
    return f


def add_conv(b, name, x, w, bias=None, strides=(1, 1), pads=(0, 0, 0, 0),
             dilations=(1, 1), groups=1):
    attrs = {"strides": list(strides), "pads": list(pads),
             "dilations": list(dilations)}
    if groups != 1:
        attrs["groups"] = groups
    arrays = [x, w] + ([bias] if bias is not None else [])
    k = w.shape[1] * w.shape[2] * w.shape[3]
    b.add(name, "conv", arrays, attrs,
          ref_conv(strides, pads, dilations, groups), **tol(k))


R = kt.rand
b = kt.Bundle()
add_conv(b, "cnn_conv1", R((1, 3, 64, 64)), R((32, 3, 3, 3)), R((32,)),
         pads=(1, 1, 1, 1))
add_conv(b, "cnn_conv2", R((1, 32, 32, 32)), R((64, 32, 3, 3)), R((64,)),
         pads=(1, 1, 1, 1))
add_conv(b, "stride2", R((2, 8, 17, 19)), R((24, 8, 3, 3)), strides=(2, 2),
         pads=(1, 1, 1, 1))
add_conv(b, "odd_channels", R((1, 5, 11, 13)), R((7, 5, 3, 3)), R((7,)))
add_conv(b, "pointwise", R((1, 16, 9, 9)), R((40, 16, 1, 1)))
add_conv(b, "dilated_asym", R((1, 4, 15, 12)), R((6, 4, 3, 2)),
         pads=(2, 0, 1, 3), dilations=(2, 3))
add_conv(b, "groups2", R((1, 8, 10, 10)), R((12, 4, 3, 3)), R((12,)),
         groups=2, pads=(1, 1, 1, 1))
add_conv(b, "depthwise", R((1, 6, 9, 9)), R((6, 1, 3, 3)), groups=6)
# Edges of the direct conv kernel's blocks (MR channels x rows x vectors
# along ow): rows longer than a block and not a multiple of it, channel
# counts not a multiple of MR, a 1x1 conv whose channel loop has a
# remainder, strides along ow (gathers), one-column rows, and a conv large
# enough for parallel tiles (channel and row blocks with edges, batch 2).
add_conv(b, "wide_rows", R((1, 5, 7, 70)), R((9, 5, 3, 3)), R((9,)),
         pads=(1, 1, 1, 1))
add_conv(b, "pointwise_c67", R((2, 67, 5, 6)), R((10, 67, 1, 1)))
add_conv(b, "stride_w2_groups3", R((1, 6, 12, 40)), R((9, 2, 3, 3)),
         strides=(1, 2), dilations=(2, 1), groups=3, pads=(1, 2, 0, 1))
add_conv(b, "stride2_1x1", R((1, 8, 9, 33)), R((5, 8, 1, 1)),
         strides=(2, 2))
add_conv(b, "k5_stride3", R((1, 4, 23, 29)), R((6, 4, 5, 5)),
         strides=(3, 3), pads=(2, 2, 2, 2))
add_conv(b, "narrow", R((1, 3, 5, 3)), R((4, 3, 2, 2)))
add_conv(b, "one_column", R((1, 2, 6, 1)), R((3, 2, 3, 1)))
add_conv(b, "parallel_edges", R((2, 20, 30, 45)), R((37, 20, 3, 3)),
         R((37,)), pads=(1, 1, 1, 1))
s.bundle("conv2d", b)

# A conv with constant weights and its bias + relu epilogue, as in the CNN.
wc, bc = R((32, 16, 3, 3)), R((32,))
g = kt.graph([kt.inp("x", "f32", [1, 16, 20, 20])],
             [kt.node("conv", ["x", "w", "b"], "c",
                      {"pads": [1, 1, 1, 1]}),
              kt.node("relu", ["c"], "y")], ["y"],
             constants=[kt.const("w", wc, file=True), kt.const("b", bc)])
s.case("conv_const_relu", g, [{"x": R((1, 16, 20, 20))}],
       lambda i: np.maximum(ref_conv(pads=(1, 1, 1, 1))(
           i["x"], wc.astype(np.float64), bc.astype(np.float64)), 0),
       **tol(16 * 9))

# Constant weights, bias + relu, stride 2, batch 2, channels not a multiple
# of MR: the conv inside the fused kernel's tile.
wc2, bc2 = R((20, 12, 3, 3)), R((20,))
conv_s2 = kt.graph([kt.inp("x", "f32", [2, 12, 15, 21])],
                   [kt.node("conv", ["x", "w", "b"], "c",
                            {"pads": [1, 0, 1, 2], "strides": [2, 2]}),
                    kt.node("relu", ["c"], "y")], ["y"],
                   constants=[kt.const("w", wc2, file=True),
                              kt.const("b", bc2)])
s.case("conv_const_relu_s2", conv_s2, [{"x": R((2, 12, 15, 21))}],
       lambda i: np.maximum(ref_conv(strides=(2, 2), pads=(1, 0, 1, 2))(
           i["x"], wc2.astype(np.float64), bc2.astype(np.float64)), 0),
       **tol(12 * 9))

# --- the thread count does not change a single bit ----------------------------
# A conv large enough for parallel tiles (and its fused kernel).
wc3, bc3 = R((37, 20, 3, 3)), R((37,))
conv_big = kt.graph([kt.inp("x", "f32", [2, 20, 30, 45])],
                    [kt.node("conv", ["x", "w", "b"], "c",
                             {"pads": [1, 1, 1, 1]}),
                     kt.node("relu", ["c"], "y")], ["y"],
                    constants=[kt.const("w", wc3, file=True),
                               kt.const("b", bc3)])
for tag, graph_, shape in (("mlp", mlp, (70, 784)),
                           ("conv", conv_big, (2, 20, 30, 45))):
    d = os.path.join(s.work, "threads_" + tag)
    os.makedirs(d)
    gpath = s.write_graph(d, graph_)
    so = os.path.join(d, tag + ".so")
    r = s.exec(["compile", gpath, "--emit", "shared", "-o", so])
    if r.rc != 0:
        s.fail("threads_" + tag, "compiled", "kiln compile failed", r.cmd,
               r.stderr, hard=True)
        continue
    x = kt.rand(shape)
    np.save(os.path.join(d, "x.npy"), x)
    outs = []
    for t in (1, 2, 3):
        od = os.path.join(d, "t%d" % t)
        r = s.exec(["run", so, "--input", "x=" + os.path.join(d, "x.npy"),
                    "--output-dir", od, "--threads", t])
        if r.rc != 0:
            s.fail("threads_" + tag, "compiled",
                   "kiln run --threads %d failed" % t, r.cmd, r.stderr,
                   hard=True)
            break
        outs.append(np.load(os.path.join(od, "y.npy")))
    s.checks += 1
    if len(outs) == 3 and not all(np.array_equal(outs[0], o) for o in outs):
        s.fail("threads_" + tag, "compiled", "results differ between 1, 2 "
               "and 3 threads")

s.finish()
