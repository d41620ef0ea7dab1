"""conv and conv_transpose (1-D/2-D/3-D; strides, asymmetric pads,
dilations, groups incl. depthwise, every auto_pad, output_padding, bias or
not, f32/f64, symbolic batch), compiled and eager, against NumPy references
written here: conv by np.tensordot over kernel offsets, conv_transpose by
scattering each input element with plain loops.

usage: nn_conv.py KILN_BIN_DIR [WORK_DIR]
"""
import itertools

import numpy as np

import kiln_testing as kt

s = kt.Suite("nn_conv")
F32, F64 = np.float32, np.float64


def _ceil_div(a, b):
    return -(-a // b)


def ref_conv(strides=None, pads=None, dilations=None, groups=1,
             auto_pad="NOTSET"):
    def f(x, w, b=None):
        r = x.ndim - 2
        n, c = x.shape[:2]
        m, k = w.shape[0], w.shape[2:]
        st = strides or [1] * r
        dl = dilations or [1] * r
        eff = [(k[i] - 1) * dl[i] + 1 for i in range(r)]
        if auto_pad in ("SAME_UPPER", "SAME_LOWER"):
            pb, pe = [], []
            for i in range(r):
                d = x.shape[2 + i]
                total = max(0, (_ceil_div(d, st[i]) - 1) * st[i] + eff[i] - d)
                small = total // 2
                big = total - small
                pb.append(small if auto_pad == "SAME_UPPER" else big)
                pe.append(big if auto_pad == "SAME_UPPER" else small)
        else:
            p = pads or [0] * (2 * r)
            pb, pe = p[:r], p[r:]
        xp = np.pad(x, [(0, 0), (0, 0)] + [(pb[i], pe[i]) for i in range(r)])
        out = [(xp.shape[2 + i] - eff[i]) // st[i] + 1 for i in range(r)]
        cg, mg = c // groups, m // groups
        y = np.zeros([n, m] + out)
        for g in range(groups):
            xg = xp[:, g * cg:(g + 1) * cg]
            wg = w[g * mg:(g + 1) * mg]
            for kidx in itertools.product(*[range(kk) for kk in k]):
                sl = tuple(slice(kidx[i] * dl[i],
                                 kidx[i] * dl[i] + (out[i] - 1) * st[i] + 1,
                                 st[i]) for i in range(r))
                patch = xg[(slice(None), slice(None)) + sl]   # [N, Cg, O...]
                wk = wg[(slice(None), slice(None)) + kidx]     # [Mg, Cg]
                t = np.tensordot(patch, wk, axes=([1], [1]))   # [N, O..., Mg]
                y[:, g * mg:(g + 1) * mg] += np.moveaxis(t, -1, 1)
        if b is not None:
            y += b.reshape([1, m] + [1] * r)
        return y
    return f


def ref_conv_transpose(strides=None, pads=None, dilations=None, groups=1,
                       output_padding=None, auto_pad="NOTSET"):
    def f(x, w, b=None):
        r = x.ndim - 2
        n, c = x.shape[:2]
        mg, k = w.shape[1], w.shape[2:]
        m = mg * groups
        st = strides or [1] * r
        dl = dilations or [1] * r
        op = output_padding or [0] * r
        ins = x.shape[2:]
        full = [st[i] * (ins[i] - 1) + op[i] + (k[i] - 1) * dl[i] + 1
                for i in range(r)]
        if auto_pad in ("SAME_UPPER", "SAME_LOWER"):
            pb, pe = [], []
            for i in range(r):
                total = full[i] - ins[i] * st[i]
                small = total // 2
                big = total - small
                pb.append(small if auto_pad == "SAME_UPPER" else big)
                pe.append(big if auto_pad == "SAME_UPPER" else small)
        else:
            p = pads or [0] * (2 * r)
            pb, pe = p[:r], p[r:]
        out = [full[i] - pb[i] - pe[i] for i in range(r)]
        y = np.zeros([n, m] + out)
        cg = c // groups
        # Each input element, through each kernel tap, lands on one output.
        for i in itertools.product(*[range(d) for d in ins]):
            for kidx in itertools.product(*[range(kk) for kk in k]):
                o = [i[d] * st[d] + kidx[d] * dl[d] - pb[d] for d in range(r)]
                if not all(0 <= o[d] < out[d] for d in range(r)):
                    continue
                for g in range(groups):
                    xs = x[(slice(None), slice(g * cg, (g + 1) * cg)) + i]
                    ws = w[(slice(g * cg, (g + 1) * cg), slice(None)) + kidx]
                    y[(slice(None), slice(g * mg, (g + 1) * mg)) +
                      tuple(o)] += xs @ ws
        if b is not None:
            y += b.reshape([1, m] + [1] * r)
        return y
    return f


def attrs_of(**kw):
    return {k: v for k, v in kw.items() if v is not None} or None


def add(b, name, op, x, w, bias=None, **kw):
    arrays = [x, w] + ([bias] if bias is not None else [])
    ref = (ref_conv if op == "conv" else ref_conv_transpose)(**kw)
    tol = (1e-5, 1e-5) if x.dtype == F32 else (1e-10, 1e-12)
    b.add(name, op, arrays, attrs_of(**kw), ref, rtol=tol[0], atol=tol[1])


def R(*shape, dt=F32):
    return kt.rand(shape, dt)


# --- conv -------------------------------------------------------------------
b = kt.Bundle()
x1 = R(2, 4, 9)
add(b, "c1_default", "conv", x1, R(6, 4, 3))
add(b, "c1_bias", "conv", x1, R(6, 4, 3), R(6))
add(b, "c1_stride2", "conv", x1, R(5, 4, 3), strides=[2])
add(b, "c1_pads_asym", "conv", x1, R(5, 4, 3), R(5), pads=[1, 2])
add(b, "c1_pads_big", "conv", x1, R(3, 4, 2), pads=[3, 0])
add(b, "c1_dil2", "conv", x1, R(3, 4, 3), dilations=[2])
add(b, "c1_dil3_s2_pad", "conv", x1, R(3, 4, 2), strides=[2], dilations=[3],
    pads=[2, 1])
add(b, "c1_groups2", "conv", x1, R(6, 2, 3), R(6), groups=2)
add(b, "c1_depthwise", "conv", x1, R(4, 1, 3), groups=4)
add(b, "c1_depthwise_mult2", "conv", x1, R(8, 1, 2), R(8), groups=4,
    strides=[2])
add(b, "c1_same_upper_s2_k4", "conv", x1, R(2, 4, 4), strides=[2],
    auto_pad="SAME_UPPER")
add(b, "c1_same_lower_s2_k4", "conv", x1, R(2, 4, 4), strides=[2],
    auto_pad="SAME_LOWER")
add(b, "c1_same_upper_k2", "conv", x1, R(2, 4, 2), auto_pad="SAME_UPPER")
add(b, "c1_same_lower_k2_dil2", "conv", x1, R(2, 4, 2), dilations=[2],
    auto_pad="SAME_LOWER")
add(b, "c1_valid_s3", "conv", x1, R(2, 4, 3), strides=[3], auto_pad="VALID")
add(b, "c1_notset_explicit", "conv", x1, R(2, 4, 3), auto_pad="NOTSET",
    pads=[0, 1])
add(b, "c1_kernel_eq_input", "conv", R(1, 2, 5), R(3, 2, 5))
add(b, "c1_size1", "conv", R(1, 1, 1), R(1, 1, 1), R(1))
add(b, "c1_1x1", "conv", x1, R(3, 4, 1), R(3))
s.bundle("conv1d", b)

b = kt.Bundle()
x2 = R(2, 4, 7, 6)
add(b, "c2_default", "conv", x2, R(5, 4, 3, 3))
add(b, "c2_all", "conv", x2, R(6, 2, 3, 2), R(6), strides=[2, 1],
    pads=[1, 0, 2, 1], dilations=[1, 2], groups=2)
add(b, "c2_depthwise_same_upper", "conv", x2, R(4, 1, 3, 3), R(4), groups=4,
    strides=[2, 2], auto_pad="SAME_UPPER")
add(b, "c2_depthwise_same_lower", "conv", x2, R(4, 1, 2, 2), groups=4,
    auto_pad="SAME_LOWER")
add(b, "c2_same_upper_dil", "conv", x2, R(3, 4, 3, 2), dilations=[2, 3],
    auto_pad="SAME_UPPER")
add(b, "c2_valid_s2", "conv", x2, R(3, 4, 3, 3), strides=[2, 2],
    auto_pad="VALID")
add(b, "c2_1x1_s2", "conv", x2, R(8, 4, 1, 1), R(8), strides=[2, 2])
add(b, "c2_pads_one_side", "conv", x2, R(2, 4, 2, 2), pads=[0, 2, 1, 0])
add(b, "c2_rect_kernel_s3", "conv", x2, R(2, 4, 1, 4), strides=[3, 1],
    pads=[1, 1, 1, 1])
add(b, "c2_f64", "conv", R(1, 3, 5, 5, dt=F64), R(2, 3, 3, 3, dt=F64),
    R(2, dt=F64), pads=[1, 1, 1, 1], strides=[2, 2])
add(b, "c2_f64_groups3", "conv", R(2, 6, 4, 4, dt=F64),
    R(3, 2, 2, 2, dt=F64), groups=3, auto_pad="SAME_LOWER", strides=[2, 1])
s.bundle("conv2d", b)

b = kt.Bundle()
x3 = R(1, 2, 5, 4, 6)
add(b, "c3_default", "conv", x3, R(3, 2, 2, 2, 2))
add(b, "c3_all", "conv", x3, R(4, 1, 2, 3, 2), R(4), strides=[1, 2, 1],
    pads=[1, 0, 1, 0, 1, 1], dilations=[2, 1, 2], groups=2)
add(b, "c3_same_upper", "conv", x3, R(2, 2, 3, 3, 3), strides=[2, 2, 2],
    auto_pad="SAME_UPPER")
add(b, "c3_valid", "conv", x3, R(2, 2, 2, 2, 2), R(2), auto_pad="VALID",
    strides=[2, 1, 3])
add(b, "c3_depthwise", "conv", R(2, 3, 3, 3, 3), R(3, 1, 2, 2, 2), groups=3,
    auto_pad="SAME_LOWER")
add(b, "c3_f64", "conv", R(1, 2, 3, 4, 3, dt=F64), R(2, 2, 2, 2, 2, dt=F64),
    pads=[1, 1, 1, 0, 0, 0])
s.bundle("conv3d", b)

# --- conv_transpose ------------------------------------------------------
b = kt.Bundle()
xt1 = R(2, 4, 5)
add(b, "t1_default", "conv_transpose", xt1, R(4, 3, 3))
add(b, "t1_bias", "conv_transpose", xt1, R(4, 3, 3), R(3))
add(b, "t1_stride2", "conv_transpose", xt1, R(4, 2, 3), strides=[2])
add(b, "t1_stride2_pads_outpad", "conv_transpose", xt1, R(4, 2, 3), R(2),
    strides=[2], pads=[1, 1], output_padding=[1])
add(b, "t1_stride3_pads_asym", "conv_transpose", xt1, R(4, 2, 4),
    strides=[3], pads=[2, 0], output_padding=[2])
add(b, "t1_dil2", "conv_transpose", xt1, R(4, 2, 3), dilations=[2])
add(b, "t1_dil2_outpad", "conv_transpose", xt1, R(4, 2, 2), dilations=[2],
    output_padding=[1])
add(b, "t1_groups2", "conv_transpose", xt1, R(4, 3, 3), R(6), groups=2,
    strides=[2])
add(b, "t1_depthwise", "conv_transpose", xt1, R(4, 1, 3), groups=4)
add(b, "t1_same_upper_s2", "conv_transpose", xt1, R(4, 2, 3), strides=[2],
    auto_pad="SAME_UPPER")
add(b, "t1_same_lower_s2", "conv_transpose", xt1, R(4, 2, 3), strides=[2],
    auto_pad="SAME_LOWER")
add(b, "t1_same_upper_s2_k4", "conv_transpose", xt1, R(4, 2, 4), R(2),
    strides=[2], auto_pad="SAME_UPPER")
# Stride 3 with a 1-tap kernel: SAME asks for more output than the full
# result (negative total padding); the extra positions hold only the bias.
add(b, "t1_same_lower_s3_k1", "conv_transpose", xt1, R(4, 2, 1), R(2),
    strides=[3], auto_pad="SAME_LOWER")
add(b, "t1_same_upper_s3_k1", "conv_transpose", xt1, R(4, 2, 1),
    strides=[3], auto_pad="SAME_UPPER")
# An odd negative total (-3): its halves round toward -inf (ONNX reference).
add(b, "t1_same_upper_s4_k1", "conv_transpose", xt1, R(4, 2, 1), R(2),
    strides=[4], auto_pad="SAME_UPPER")
add(b, "t1_same_lower_s4_k1", "conv_transpose", xt1, R(4, 2, 1),
    strides=[4], auto_pad="SAME_LOWER")
add(b, "t1_valid_s2", "conv_transpose", xt1, R(4, 2, 3), strides=[2],
    auto_pad="VALID")
add(b, "t1_size1", "conv_transpose", R(1, 1, 1), R(1, 1, 1))
s.bundle("conv_transpose1d", b)

b = kt.Bundle()
xt2 = R(2, 4, 4, 3)
add(b, "t2_default", "conv_transpose", xt2, R(4, 3, 3, 2))
add(b, "t2_all", "conv_transpose", xt2, R(4, 3, 2, 3), R(6), groups=2,
    strides=[2, 3], pads=[1, 0, 0, 1], output_padding=[1, 2],
    dilations=[1, 1])
add(b, "t2_dil_groups", "conv_transpose", xt2, R(4, 1, 2, 2), groups=4,
    dilations=[2, 1], strides=[1, 2])
add(b, "t2_same_upper", "conv_transpose", xt2, R(4, 2, 3, 3), strides=[2, 2],
    auto_pad="SAME_UPPER")
add(b, "t2_same_lower", "conv_transpose", xt2, R(4, 2, 2, 3), R(2),
    strides=[2, 1], auto_pad="SAME_LOWER")
add(b, "t2_f64", "conv_transpose", R(1, 2, 3, 3, dt=F64),
    R(2, 2, 3, 3, dt=F64), R(2, dt=F64), strides=[2, 2], pads=[1, 1, 1, 1],
    output_padding=[1, 1])
s.bundle("conv_transpose2d", b)

b = kt.Bundle()
add(b, "t3_default", "conv_transpose", R(1, 2, 3, 2, 3), R(2, 2, 2, 2, 2))
add(b, "t3_all", "conv_transpose", R(1, 2, 3, 2, 2), R(2, 2, 2, 3, 2), R(4),
    groups=2, strides=[2, 1, 2], pads=[0, 1, 1, 1, 0, 0],
    output_padding=[1, 0, 0])
add(b, "t3_same", "conv_transpose", R(1, 2, 2, 3, 2), R(2, 1, 3, 2, 2),
    strides=[2, 2, 1], auto_pad="SAME_UPPER")
s.bundle("conv_transpose3d", b)

# --- symbolic batch: one artifact, N = 1 and 3 -----------------------------
w_c = R(4, 3, 3, 3)
b_c = R(4)
w_t = R(3, 2, 2, 2)
wd = R(3, 1, 2, 2)
g = kt.graph(
    [kt.inp("x", F32, ["N", 3, 6, 5])],
    [kt.node("conv", ["x", "w", "b"], ["y"],
             {"strides": [2, 1], "pads": [1, 1, 0, 1]}),
     kt.node("conv_transpose", ["x", "wt"], ["z"],
             {"strides": [2, 2], "output_padding": [1, 0]}),
     kt.node("conv", ["x", "wd"], ["d"], {"groups": 3,
                                          "auto_pad": "SAME_UPPER"})],
    ["y", "z", "d"],
    constants=[kt.const("w", w_c), kt.const("b", b_c), kt.const("wt", w_t),
               kt.const("wd", wd)])
s.case("sym_batch_conv", g, [{"x": R(n, 3, 6, 5)} for n in (1, 3, 0)],
       lambda i: {
           "y": ref_conv(strides=[2, 1], pads=[1, 1, 0, 1])(
               i["x"], w_c.astype(F64), b_c.astype(F64)),
           "z": ref_conv_transpose(strides=[2, 2], output_padding=[1, 0])(
               i["x"], w_t.astype(F64)),
           "d": ref_conv(groups=3, auto_pad="SAME_UPPER")(
               i["x"], wd.astype(F64))},
       rtol=1e-5, atol=1e-5)

s.finish()
