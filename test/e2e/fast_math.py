"""Accuracy of the compiled transcendental functions (kiln-fast-math's
approximations, docs/codegen.md "Fast math") against NumPy in float64.

Each function runs compiled (-O2, where the approximations replace libm) on
dense sweeps: a uniform grid of about 10^6 points over [-100, 100] (or the
function's domain), every 2^12-th f32 bit pattern over the whole float range
(so tiny, subnormal and huge values are all there), and edge cases: +-0,
+-inf, NaN, the largest and smallest floats, the overflow and underflow
thresholds of exp. f16 and bf16 run exhaustively (every bit pattern).

The bounds asserted are the ones docs/codegen.md documents:

  ulp      distance in units in the last place from the correctly rounded
           f32 result of the float64 reference (the count of floats between
           the two); a result or reference that is inf or NaN must match
           exactly (NaN for NaN, inf of the same sign)
  abs      |got - ref|
  scaled   |got - ref| / max(1, |ref|): absolute near 0, relative beyond

With --table the measured maxima are printed (the numbers in the docs).

usage: fast_math.py KILN_BIN_DIR [WORK_DIR] [--table]
"""
import math
import os
import sys

import numpy as np

import kiln_testing as kt

np.seterr(all="ignore")  # the references overflow and meet NaN on purpose
TABLE = "--table" in sys.argv
argv = [a for a in sys.argv if a != "--table"]

# The documented bounds (docs/codegen.md, "Fast math").
F32_BOUNDS = {
    # name: (metric, bound)
    "exp": ("ulp", 1),
    "log": ("ulp", 1),
    "tanh": ("ulp", 4),
    "erf": ("ulp", 4),
    "sigmoid": ("ulp", 3),     # results >= 2^-126; below that abs <= 2^-126
    "softplus": ("ulp", 3),
    "sin": ("ulp", 2),         # |x| < 2^44; beyond that |result| <= 1
    "cos": ("ulp", 2),
    "silu": ("scaled", 2.0 ** -20),
    "gelu": ("scaled", 2.0 ** -20),
    "gelu_tanh": ("scaled", 2.0 ** -20),
}
SOFTMAX_BOUND = 2.0 ** -21     # abs, outputs in [0, 1]
NARROW_ULP = 1                 # f16, bf16: ulp of the narrow type
TINY = 2.0 ** -126             # smallest normal f32
TRIG_RANGE = 2.0 ** 44         # sin, cos: where the ulp bound holds

_erf = np.vectorize(math.erf, otypes=[np.float64])


def gelu_ref(x):
    return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)))


def gelu_tanh_ref(x):
    inner = math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)
    return 0.5 * x * (1.0 + np.tanh(inner))


def sigmoid_ref(x):
    return 1.0 / (1.0 + np.exp(-x))


def softplus_ref(x):
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


# name: (op, attrs, reference, domain lo, domain hi)
FUNCS = {
    "exp": ("exp", None, np.exp, -100.0, 100.0),
    "log": ("log", None, np.log, 0.0, 100.0),
    "tanh": ("tanh", None, np.tanh, -100.0, 100.0),
    "erf": ("erf", None, _erf, -100.0, 100.0),
    "sigmoid": ("sigmoid", None, sigmoid_ref, -100.0, 100.0),
    "softplus": ("softplus", None, softplus_ref, -100.0, 100.0),
    "sin": ("sin", None, np.sin, -100.0, 100.0),
    "cos": ("cos", None, np.cos, -100.0, 100.0),
    "silu": ("silu", None, lambda x: x * sigmoid_ref(x), -100.0, 100.0),
    "gelu": ("gelu", None, gelu_ref, -100.0, 100.0),
    "gelu_tanh": ("gelu", {"approximate": "tanh"}, gelu_tanh_ref,
                  -100.0, 100.0),
}

EDGES = np.array(
    [0.0, -0.0, np.inf, -np.inf, np.nan, -np.nan, 1.0, -1.0,
     np.finfo(np.float32).max, -np.finfo(np.float32).max,
     np.finfo(np.float32).tiny, -np.finfo(np.float32).tiny,
     2.0 ** -149, -2.0 ** -149, 1e-30, -1e-30,
     # exp: the largest finite result and the first +inf, the smallest
     # normal and subnormal results, the first 0
     88.72283, 88.72284, 88.7229, -87.33654, -87.3366, -103.27893,
     -103.97208, -103.9721, -104.0, -1000.0,
     # tanh and erf: where the approximations switch form
     0.0004, -0.0004, 0.00039999, 7.99881172, -7.99881172, 8.0, 0.8, 2.0,
     3.75, 3.7499998, -3.75],
    dtype=np.float32)


def ordered(f):
    """f32 values as integers in the order of the floats (+0 and -0 both
    0), so that the difference of two is their distance in ulp."""
    i = np.ascontiguousarray(f, dtype=np.float32).view(np.int32)
    i = i.astype(np.int64)
    return np.where(i < 0, -(i & 0x7FFFFFFF), i)


def bit_sweep(step, positive_only=False):
    """Every `step`-th f32 bit pattern that is a finite float."""
    bits = np.arange(0, 0x7F800000, step, dtype=np.int64)
    pos = bits.astype(np.uint32).view(np.float32)
    if positive_only:
        return pos
    return np.concatenate([pos, -pos])


def inputs_for(name, lo, hi):
    grid = np.linspace(lo, hi, 1000001, dtype=np.float64).astype(np.float32)
    sweep = bit_sweep(1 << 12, positive_only=(name == "log"))
    parts = [grid, sweep, EDGES]
    if name == "log":  # a few negative operands: NaN
        parts.append(-bit_sweep(1 << 20, positive_only=True))
    return np.concatenate(parts).astype(np.float32)


def check_special(got, want):
    """Where `want` (already rounded to f32) or `got` is NaN or inf they must
    agree exactly; returns the indices where they do not."""
    nan_bad = np.isnan(got) != np.isnan(want)
    inf = (np.isinf(got) | np.isinf(want)) & ~np.isnan(got) & ~np.isnan(want)
    inf_bad = inf & (got != want)
    return np.nonzero(nan_bad | inf_bad)[0]


def error(metric, got, ref64, want):
    """Per-element error of `got` (f32) for `metric`, 0 where both are the
    same special value."""
    finite = np.isfinite(got) & np.isfinite(want)
    if metric == "ulp":
        e = np.abs(ordered(got) - ordered(want)).astype(np.float64)
    else:
        with np.errstate(all="ignore"):
            d = np.abs(got.astype(np.float64) - ref64)
            e = d if metric == "abs" else d / np.maximum(1.0, np.abs(ref64))
    e[~finite] = 0
    return e


measured = []  # (what, metric, max error, at x, bound)


def report(case, what, metric, e, xs, got, want, bound):
    i = int(np.argmax(e)) if e.size else 0
    worst = float(e[i]) if e.size else 0.0
    measured.append((what, metric, worst, float(xs[i]), bound))
    s.checks += 1
    if worst > bound:
        bad = np.nonzero(e > bound)[0]
        s.fail(case, "compiled", "%s: %d of %d results beyond %s %g; worst "
               "%g at x=%r (got %r, expected %r)" % (
                   what, len(bad), e.size, metric, bound, worst, xs[i],
                   got[i], want[i]))


def check_trig_range(case, name, xs, got):
    """Past TRIG_RANGE sin and cos are only bounded: |result| <= 1."""
    s.checks += 1
    big = np.isfinite(xs) & (np.abs(xs) >= TRIG_RANGE)
    bad = np.nonzero(big & ~(np.abs(got) <= 1))[0]
    if bad.size:
        s.fail(case, "compiled", "%s(%r) is %r, outside [-1, 1]" % (
            name, xs[bad[0]], got[bad[0]]))


def run_graph(case, g, feeds):
    """Compiles `g` to a shared object and runs it on `feeds` (name ->
    array); returns the outputs by name, or None after reporting a
    failure."""
    s.graphs += 1
    d = os.path.join(s.work, case)
    os.makedirs(d)
    gpath = s.write_graph(d, g)
    so = os.path.join(d, "graph.so")
    r = s.exec(["compile", gpath, "--emit", "shared", "-o", so])
    if r.rc != 0 or r.crashed():
        s.fail(case, "compile", "kiln compile exited %d" % r.rc, r.cmd,
               r.stderr, hard=True)
        return None
    args = []
    for name, arr in feeds.items():
        p = os.path.join(d, "in_%s.npy" % name)
        np.save(p, arr)
        args += ["--input", "%s=%s" % (name, p)]
    odir = os.path.join(d, "out")
    r = s.exec(["run", so, "--output-dir", odir] + args)
    if r.rc != 0 or r.crashed():
        s.fail(case, "compiled", "kiln run exited %d" % r.rc, r.cmd,
               r.stderr, hard=True)
        return None
    return {o: np.load(os.path.join(odir, o + ".npy")) for o in g["outputs"]}


def elementwise_graph(funcs, dtype_name, feeds):
    ins, nodes = [], []
    for name, (op, attrs, *_rest) in funcs.items():
        ins.append(kt.inp(name + "_x", dtype_name, feeds[name + "_x"].shape))
        nodes.append(kt.node(op, [name + "_x"], [name], attrs))
    return kt.graph(ins, nodes, list(funcs))


# ---------------------------------------------------------------------------
# f32 functions
# ---------------------------------------------------------------------------

def test_f32():
    s.cases += 1
    feeds = {n + "_x": inputs_for(n, lo, hi)
             for n, (_, _, _, lo, hi) in FUNCS.items()}
    outs = run_graph("f32", elementwise_graph(FUNCS, "f32", feeds), feeds)
    if outs is None:
        return
    for name, (op, attrs, ref, lo, hi) in FUNCS.items():
        xs = feeds[name + "_x"]
        got = outs[name]
        with np.errstate(all="ignore"):
            ref64 = ref(xs.astype(np.float64))
            want = ref64.astype(np.float32)
        s.checks += 1
        bad = check_special(got, want)
        if bad.size:
            i = bad[0]
            s.fail("f32", "compiled", "%s: %d results differ in NaN/inf "
                   "from NumPy; first at x=%r: got %r, expected %r" % (
                       name, bad.size, xs[i], got[i], want[i]))
        if name in ("tanh", "erf", "sin"):  # odd: f(+-0) = +-0
            s.checks += 1
            zeros = np.nonzero(xs == 0)[0]
            wrong = zeros[(got[zeros] != 0) |
                          (np.signbit(got[zeros]) != np.signbit(xs[zeros]))]
            if wrong.size:
                s.fail("f32", "compiled", "%s(%r) is %r" % (
                    name, xs[wrong[0]], got[wrong[0]]))
        metric, bound = F32_BOUNDS[name]
        e = error(metric, got, ref64, want)
        if name in ("sin", "cos"):
            e = np.where(np.abs(xs) < TRIG_RANGE, e, 0)
            check_trig_range("f32", name, xs, got)
        if name == "sigmoid":
            # Below the smallest normal result the bound is absolute.
            small = np.abs(ref64) < TINY
            report("f32", name + " (results < 2^-126)", "abs",
                   np.where(small, error("abs", got, ref64, want), 0), xs,
                   got, want, TINY)
            e = np.where(small, 0, e)
        report("f32", name, metric, e, xs, got, want, bound)


# ---------------------------------------------------------------------------
# f16 and bf16: every bit pattern, computed in f32 and rounded
# ---------------------------------------------------------------------------

NARROW = {"exp": ("exp", None, np.exp), "log": ("log", None, np.log),
          "tanh": ("tanh", None, np.tanh), "erf": ("erf", None, _erf),
          "sigmoid": ("sigmoid", None, sigmoid_ref),
          "sin": ("sin", None, np.sin), "cos": ("cos", None, np.cos)}


def narrow_ordered(bits):
    b = bits.astype(np.int64)
    return np.where((b & 0x8000) != 0, -(b & 0x7FFF), b)


def narrow_values(bits, dtype_name):
    """The float64 values of f16 or bf16 bit patterns."""
    if dtype_name == "f16":
        return bits.view(np.float16).astype(np.float64)
    return kt.bf16_to_f32(bits).astype(np.float64)


def narrow_round(v, dtype_name):
    """float64 values rounded to nearest even f16 or bf16, as bits."""
    if dtype_name == "f16":
        return v.astype(np.float16).view(np.uint16)
    return kt.bf16(v).view(np.uint16)


def test_narrow(dtype_name):
    s.cases += 1
    bits = np.arange(1 << 16, dtype=np.uint32).astype(np.uint16)
    # .npy holds f16 as float16 and bf16 as its bit patterns (uint16).
    feed = bits.view(np.float16) if dtype_name == "f16" else bits
    feeds = {n + "_x": feed for n in NARROW}
    outs = run_graph(dtype_name, elementwise_graph(NARROW, dtype_name, feeds),
                     feeds)
    if outs is None:
        return
    x64 = narrow_values(bits, dtype_name)
    for name, (op, attrs, ref) in NARROW.items():
        got_bits = outs[name].view(np.uint16)
        with np.errstate(all="ignore"):
            want_bits = narrow_round(ref(x64), dtype_name)
        got = narrow_values(got_bits, dtype_name)
        want = narrow_values(want_bits, dtype_name)
        s.checks += 1
        bad = check_special(got, want)
        if bad.size:
            i = bad[0]
            s.fail(dtype_name, "compiled", "%s: %d results differ in NaN/inf"
                   " from NumPy; first at x=%r: got %r, expected %r" % (
                       name, bad.size, x64[i], got[i], want[i]))
        finite = np.isfinite(got) & np.isfinite(want)
        e = np.abs(narrow_ordered(got_bits) - narrow_ordered(want_bits))
        e = np.where(finite, e, 0)
        if name in ("sin", "cos"):  # bf16 reaches past TRIG_RANGE
            e = np.where(np.abs(x64) < TRIG_RANGE, e, 0)
            check_trig_range(dtype_name, "%s %s" % (dtype_name, name), x64,
                             got)
        if name == "sigmoid":
            # As for f32: below the smallest normal f32 the bound is
            # absolute (bf16 has f32's exponent range).
            small = np.abs(ref(x64)) < TINY
            report(dtype_name, "%s %s (results < 2^-126)" % (dtype_name,
                                                             name),
                   "abs", np.where(small, np.abs(got - want), 0), x64, got,
                   want, TINY)
            e = np.where(small, 0, e)
        report(dtype_name, "%s %s" % (dtype_name, name), "ulp", e, x64,
               got, want, NARROW_ULP)


# ---------------------------------------------------------------------------
# softmax: exp, a reassociated sum, a division
# ---------------------------------------------------------------------------

def softmax_ref(x):
    m = np.max(x, axis=-1, keepdims=True)
    with np.errstate(all="ignore"):
        e = np.exp(x - m)
        return e / np.sum(e, axis=-1, keepdims=True)


def test_softmax():
    s.cases += 1
    rng = np.random.default_rng(7)
    rows = []
    for scale in (1.0, 10.0, 100.0):
        rows.append(rng.uniform(-scale, scale, (120, 128)))
    special = np.zeros((8, 128))
    special[0] = 3.0                               # all equal: 1/128
    special[1, ::2] = -np.inf                      # masked half
    special[2, :] = -np.inf                        # all masked: NaN (0/0)
    special[2, 5] = 1.0                            # ... except one
    special[3, 7] = np.nan                         # NaN row
    special[4, 9] = np.inf                         # +inf: NaN row
    special[5] = np.linspace(-200, 200, 128)       # huge spread
    special[6] = rng.uniform(80, 90, 128)          # near exp's overflow
    special[7] = rng.uniform(-1e-30, 1e-30, 128)   # tiny
    x = np.concatenate(rows + [special]).astype(np.float32)
    g = kt.graph([kt.inp("x", "f32", x.shape)],
                 [kt.node("softmax", ["x"], ["y"], {"axis": -1})], ["y"])
    outs = run_graph("softmax", g, {"x": x})
    if outs is None:
        return
    got = outs["y"]
    ref64 = softmax_ref(x.astype(np.float64))
    want = ref64.astype(np.float32)
    s.checks += 1
    bad = check_special(got, want)
    if bad.size:
        i = np.unravel_index(bad[0], got.shape)
        s.fail("softmax", "compiled", "%d results differ in NaN/inf from "
               "NumPy; first at %s: got %r, expected %r" % (
                   bad.size, i, got[i], want[i]))
    e = error("abs", got, ref64, want).reshape(-1)
    report("softmax", "softmax 128x128", "abs", e, x.reshape(-1),
           got.reshape(-1), want.reshape(-1), SOFTMAX_BOUND)


s = kt.Suite("fast_math", argv)
test_f32()
test_narrow("f16")
test_narrow("bf16")
test_softmax()
if TABLE:
    print("%-32s %-7s %-12s %-16s %s" % ("function", "metric", "max error",
                                          "at x", "bound"))
    for what, metric, worst, x, bound in measured:
        print("%-32s %-7s %-12.4g %-16.9g %g" % (what, metric, worst, x,
                                                 bound))
s.finish()
