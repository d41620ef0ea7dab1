"""End-to-end test helpers: write a JSON graph and .npy inputs, run Kiln
(compiled, through one shared object per graph, and eagerly with the
reference interpreter), and compare every output with a NumPy reference
computed independently at test time.

A test script builds a `Suite`, adds cases, and calls `finish()`:

    import numpy as np
    import kiln_testing as kt

    s = kt.Suite("elementwise")          # argv: KILN_BIN_DIR [WORK_DIR]
    x = kt.rand((3, 4))
    s.case("exp_3x4", kt.op_graph("exp", [x]), [{"x0": x}],
           lambda i: np.exp(i["x0"]), rtol=1e-4)
    s.finish()                            # exit 1 if anything failed

Every failure is reported with the case's name, the mode (compiled / graph /
eager), the input set, the reason and a command line that reproduces it; the
case's files stay in WORK_DIR/<case>/.

To keep the suite fast, many small one-node sub-cases can share one graph (a
`Bundle`, run with `suite.bundle(name, b)`): one compilation, one run per
mode, each sub-case's output compared on its own. When kiln fails on a bundle
as a whole (error exit or crash) the bundle is bisected so that the report
names the sub-cases responsible. KILN_E2E_SPLIT=1 runs every sub-case alone.

The reference function receives the inputs of one input set by name; floating
inputs are handed over upcast to float64 (so that the reference is exact up to
float64 rounding) and the reference's results are cast to the expected output
dtype (by default the dtype of the graph's first input, or `out_dtype`).
Integer inputs are handed over unchanged and integer results must match
exactly.
"""

import json
import os
import shutil
import subprocess
import sys
import time

import numpy as np

# NumPy has no bfloat16: a bf16 array is its bit patterns in uint16 (how
# .npy files hold bf16, see docs/runtime.md). BF16 marks such arrays; make
# them with bf16() and read them with bf16_to_f32().
BF16 = np.dtype(np.uint16, metadata={"kiln": "bf16"})

DTYPES = {
    "f16": np.float16, "bf16": BF16, "f32": np.float32, "f64": np.float64,
    "i8": np.int8, "i16": np.int16, "i32": np.int32, "i64": np.int64,
    "u8": np.uint8, "bool": np.bool_,
}
NAMES = {np.dtype(v): k for k, v in DTYPES.items()}

# Text in stderr that means a crash rather than a diagnostic.
CRASH_MARKERS = ("Assertion", "Segmentation", "terminate", "Aborted",
                 "core dumped", "Stack dump", "PLEASE submit", "UNREACHABLE",
                 "AddressSanitizer", "double free", "corrupted")

DEFAULT_TOL = {
    np.dtype(np.float32): (1e-5, 1e-6),
    np.dtype(np.float64): (1e-10, 1e-12),
    np.dtype(np.float16): (1e-3, 1e-3),
    # One bf16 ulp (2^-8 relative): a result computed in f32 may round to
    # the neighbour of a reference computed in f64.
    "bf16": (8e-3, 1e-6),
}


def dtype_name(dt):
    return NAMES[np.dtype(dt)]


def is_bf16(dt):
    """True for BF16 arrays' dtype (and for uint16, which is what a bf16
    .npy file reads back as)."""
    return np.dtype(dt) == BF16


def bf16(values):
    """The values (any float array) rounded to nearest even bf16, as a BF16
    array of bit patterns. NaN stays NaN."""
    f = np.asarray(values, dtype=np.float32)
    shape = f.shape
    bits = f.reshape(-1).view(np.uint32).astype(np.uint64)
    u16 = np.uint64(16)
    rounded = (bits + np.uint64(0x7FFF) + ((bits >> u16) & np.uint64(1))) >> u16
    rounded = np.where(np.isnan(f.reshape(-1)),
                       (bits >> u16) | np.uint64(0x40), rounded)
    return rounded.astype(np.uint16).astype(BF16).reshape(shape)


def bf16_to_f32(bits):
    """The float32 values of bf16 bit patterns."""
    b = np.asarray(bits).astype(np.uint32)
    return (b.reshape(-1) << np.uint32(16)).view(np.float32).reshape(b.shape)


def _plain(array):
    """`array` without the BF16 marker (np.save refuses dtype metadata)."""
    return array.view(np.uint16) if is_bf16(array.dtype) else array


def _to_expected(e, dt):
    """A reference result cast to the expected dtype; for bf16 computed in
    f32 then rounded (what Kiln computes)."""
    if is_bf16(dt):
        if is_bf16(np.asarray(e).dtype):
            return np.asarray(e).astype(BF16)
        return bf16(np.asarray(e).astype(np.float32))
    return e.astype(dt)


# ---------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------

_rng = np.random.default_rng(20261122)


def rand(shape, dtype=np.float32, lo=-2.0, hi=2.0):
    """Random data of `shape`: floats uniform in [lo, hi), integers in
    [lo, hi] (defaults -2..2 widened to -9..9 for integers)."""
    dt = np.dtype(dtype)
    if is_bf16(dt):
        return bf16(_rng.uniform(lo, hi, size=shape))
    if dt.kind == "f":
        return _rng.uniform(lo, hi, size=shape).astype(dt)
    if dt.kind in "iu":
        if (lo, hi) == (-2.0, 2.0):
            lo, hi = (-9, 9) if dt.kind == "i" else (0, 9)
        return _rng.integers(int(lo), int(hi) + 1, size=shape).astype(dt)
    if dt.kind == "b":
        return _rng.integers(0, 2, size=shape).astype(dt)
    raise ValueError(dtype)


def nonzero(shape, dtype=np.float32):
    """Random data of `shape` bounded away from zero (divisors)."""
    dt = np.dtype(dtype)
    if is_bf16(dt):
        return bf16(nonzero(shape, np.float32))
    if dt.kind == "f":
        mag = _rng.uniform(0.5, 2.0, size=shape)
    else:
        mag = _rng.integers(1, 6, size=shape)
    sign = np.where(_rng.integers(0, 2, size=shape) == 1, 1, -1)
    return (mag * sign).astype(dt)


# ---------------------------------------------------------------------------
# Graph construction (JSON, see docs/graph format)
# ---------------------------------------------------------------------------

def ref_matmul(ta=False, tb=False):
    """NumPy's matmul with either operand transposed (its last two dims)."""
    def f(a, b):
        if ta:
            a = np.swapaxes(a, -1, -2)
        if tb:
            b = np.swapaxes(b, -1, -2)
        return np.matmul(a, b)
    return f


def inp(name, dtype, shape):
    return {"name": name, "dtype": dtype_name(dtype) if not isinstance(
        dtype, str) else dtype, "shape": list(shape)}


def node(op, inputs, outputs, attrs=None, name=None):
    n = {"op": op, "inputs": list(inputs),
         "outputs": [outputs] if isinstance(outputs, str) else list(outputs)}
    if attrs:
        n["attrs"] = attrs
    if name:
        n["name"] = name
    return n


def const(name, array=None, *, dtype=None, shape=None, fill=None,
          nested=False, file=False):
    """A constant. With `array`: its data inline (flat, or nested lists with
    nested=True), or, with file=True, in NAME.npy next to the graph. With
    `fill`: dtype and shape are required."""
    c = {"name": name}
    if array is not None:
        array = np.asarray(array)
        c["dtype"] = dtype_name(array.dtype)
        c["shape"] = list(array.shape)
        if file:
            c["file"] = name + ".npy"
            c["_array"] = array  # written by the suite, stripped from JSON
        else:
            if is_bf16(array.dtype):  # inline data holds values, not bits
                array = bf16_to_f32(array)
            c["data"] = array.tolist() if nested else array.reshape(-1).tolist()
    else:
        c["dtype"] = dtype_name(dtype) if not isinstance(dtype, str) else dtype
        c["shape"] = list(shape)
        c["fill"] = fill
    return c


def graph(inputs, nodes, outputs, constants=(), name=None):
    g = {}
    if name:
        g["name"] = name
    g["inputs"] = list(inputs)
    g["outputs"] = list(outputs)
    if constants:
        g["constants"] = list(constants)
    g["nodes"] = list(nodes)
    return g


def op_graph(op, arrays, attrs=None, shapes=None, out="y"):
    """A one-node graph `out = op(x0, x1, ...)` whose inputs x0, x1, ... have
    the dtypes of `arrays` and their shapes (or `shapes`, which may be
    symbolic)."""
    ins = [inp("x%d" % i, a.dtype, shapes[i] if shapes else a.shape)
           for i, a in enumerate(arrays)]
    return graph(ins, [node(op, [i["name"] for i in ins], [out], attrs)], [out])


def ops_graph(ops, arrays, attrs=None, shapes=None):
    """A graph applying each op of `ops` to the same inputs x0, x1, ...; the
    output of op `o` is named `o` (or KEY for a dict {KEY: (op, attrs)})."""
    ins = [inp("x%d" % i, a.dtype, shapes[i] if shapes else a.shape)
           for i, a in enumerate(arrays)]
    names = [i["name"] for i in ins]
    if not isinstance(ops, dict):
        ops = {o: (o, attrs) for o in ops}
    nodes = [node(op, names, [key], at)
             for key, (op, at) in ops.items()]
    return graph(ins, nodes, list(ops))


class Bundle:
    """Several independent one-node sub-cases in one graph (one compilation):
    sub-case NAME has inputs NAME_x0, NAME_x1, ... and output NAME; its
    reference is ref(x0, x1, ...) and its expected dtype that of its first
    input unless out_dtype is given. Add it to a suite with
    `suite.bundle(case_name, b)`."""

    def __init__(self):
        self.subs = []

    def add(self, name, op, arrays, attrs=None, ref=None, rtol=None,
            atol=None, out_dtype=None):
        name = _safe(name).replace("-", "m").replace(".", "_")
        if any(sub[0] == name for sub in self.subs):
            raise ValueError("duplicate sub-case " + name)
        arrays = [np.asarray(a) for a in arrays]
        self.subs.append((name, op, arrays, attrs, ref, rtol, atol,
                          out_dtype or arrays[0].dtype))

    def __len__(self):
        return len(self.subs)

    def graph(self):
        ins, nodes, outs = [], [], []
        for name, op, arrays, attrs, *_ in self.subs:
            names = ["%s_x%d" % (name, i) for i in range(len(arrays))]
            ins += [inp(n, a.dtype, a.shape) for n, a in zip(names, arrays)]
            nodes.append(node(op, names, [name], attrs))
            outs.append(name)
        return graph(ins, nodes, outs)

    def inputs(self):
        return {"%s_x%d" % (name, i): a
                for name, _, arrays, *_ in self.subs
                for i, a in enumerate(arrays)}

    def ref(self, inputs):
        return {name: ref(*[inputs["%s_x%d" % (name, i)]
                            for i in range(len(arrays))])
                for name, _, arrays, _, ref, *_ in self.subs}

    def tolerances(self):
        return ({sub[0]: sub[5] for sub in self.subs},
                {sub[0]: sub[6] for sub in self.subs},
                {sub[0]: sub[7] for sub in self.subs})


# ---------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------

def _parse_args(argv):
    if len(argv) < 2:
        sys.exit("usage: %s KILN_BIN_DIR [WORK_DIR]" % argv[0])
    bin_dir = argv[1]
    kiln = os.path.join(bin_dir, "kiln")
    if not os.access(kiln, os.X_OK):
        sys.exit("error: no kiln executable at %s" % kiln)
    work = argv[2] if len(argv) > 2 else None
    return kiln, work


def _safe(name):
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name)


class Result:
    def __init__(self, rc, stdout, stderr, cmd, seconds):
        self.rc, self.stdout, self.stderr = rc, stdout, stderr
        self.cmd, self.seconds = cmd, seconds

    def crashed(self):
        return self.rc < 0 or any(m in self.stderr for m in CRASH_MARKERS)


class Suite:
    def __init__(self, title, argv=None):
        self.title = title
        self.kiln, work = _parse_args(argv or sys.argv)
        if work is None:
            import tempfile
            work = tempfile.mkdtemp(prefix="kiln-e2e-%s-" % title)
        self.work = os.path.abspath(work)
        if os.path.exists(self.work):
            shutil.rmtree(self.work)
        os.makedirs(self.work)
        self.cases = 0
        self.subcases = 0
        self.checks = 0
        self.failures = []
        self._sink = None  # where fail() records; None: self.failures
        self.graphs = 0
        self.names = set()
        self.start = time.time()
        self.timeout = float(os.environ.get("KILN_E2E_TIMEOUT", "120"))

    # -- plumbing ----------------------------------------------------------

    def _case_dir(self, name):
        if name in self.names:
            raise ValueError("duplicate case name " + name)
        self.names.add(name)
        d = os.path.join(self.work, _safe(name))
        os.makedirs(d)
        return d

    def kiln_cmd(self, *args):
        return [self.kiln] + [str(a) for a in args]

    def exec(self, args):
        cmd = self.kiln_cmd(*args)
        t0 = time.time()
        for attempt in range(30):
            try:
                p = subprocess.run(cmd, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE,
                                   timeout=self.timeout)
                out = p.stdout.decode(errors="replace")
                err = p.stderr.decode(errors="replace")
                rc = p.returncode
                break
            except subprocess.TimeoutExpired:
                out, err, rc = "", "TIMEOUT after %gs" % self.timeout, -999
                break
            except OSError as e:
                # The binary is being relinked by a concurrent build: wait.
                out, err, rc = "", "cannot run kiln: %s" % e, -998
                time.sleep(2)
        return Result(rc, out, err, cmd, time.time() - t0)

    def fail(self, case, mode, what, cmd=None, detail="", hard=False):
        """Records a failure. `hard`: kiln exited with an error or crashed
        (as opposed to producing wrong numbers)."""
        msg = "FAIL: %s/%s [%s]: %s" % (self.title, case, mode, what)
        if cmd:
            msg += "\n  repro: " + " ".join(cmd)
        if detail:
            msg += "\n  " + _trim(detail).replace("\n", "\n  ")
        if self._sink is not None:
            self._sink.append((msg, hard))
            return
        self.failures.append(msg)
        print(msg, flush=True)

    def write_graph(self, d, g):
        consts = []
        for c in g.get("constants", []):
            c = dict(c)
            arr = c.pop("_array", None)
            if arr is not None:
                np.save(os.path.join(d, c["file"]), _plain(arr))
            consts.append(c)
        out = dict(g)
        if consts:
            out["constants"] = consts
        path = os.path.join(d, "graph.json")
        with open(path, "w") as f:
            json.dump(out, f, indent=1)
        return path

    # -- numeric cases -----------------------------------------------------

    def case(self, name, g, input_sets, ref, rtol=None, atol=None,
             out_dtype=None, modes=("compiled", "eager"), graph_mode=False):
        """Compile `g` once to a shared object and run it with every input
        set, and run it eagerly with every input set; compare each output
        with `ref(inputs)` (a dict by output name, or one array for a
        single-output graph). rtol, atol and out_dtype may be dicts by output
        name. graph_mode=True also runs `kiln run graph.json` (compiling it
        again) on the first input set."""
        self.cases += 1
        self.graphs += 1
        d = self._case_dir(name)
        gpath = self.write_graph(d, g)
        if isinstance(input_sets, dict):
            input_sets = [input_sets]
        outputs = g["outputs"]
        first_in_dtype = None
        if g["inputs"]:
            first_in_dtype = DTYPES[g["inputs"][0]["dtype"]]

        so = os.path.join(d, "graph.so")
        so_ok = True
        compile_args = ["compile", gpath, "--emit", "shared", "-o", so]
        if "compiled" in modes:
            r = self.exec(compile_args)
            if r.rc != 0 or r.crashed() or not os.path.exists(so):
                so_ok = False
                self.fail(name, "compile", "kiln compile exited %d" % r.rc,
                          r.cmd, r.stderr, hard=True)

        for k, inputs in enumerate(input_sets):
            in_args = []
            for iname, arr in inputs.items():
                p = os.path.join(d, "in%d_%s.npy" % (k, iname))
                np.save(p, _plain(arr))
                in_args += ["--input", "%s=%s" % (iname, p)]
            # Reference, independently, with NumPy.
            ref_in = {n: (a.astype(np.float64) if a.dtype.kind == "f" else
                          bf16_to_f32(a).astype(np.float64)
                          if is_bf16(a.dtype) else a)
                      for n, a in inputs.items()}
            with np.errstate(all="ignore"):
                expected = ref(ref_in)
            if not isinstance(expected, dict):
                expected = {outputs[0]: expected}
            exp_cast = {}
            for oname in outputs:
                e = np.asarray(expected[oname])
                dt = out_dtype
                if isinstance(dt, dict):
                    dt = dt.get(oname)
                if dt is None:
                    dt = first_in_dtype if first_in_dtype is not None \
                        else e.dtype
                with np.errstate(all="ignore"):
                    exp_cast[oname] = _to_expected(e, dt)

            runs = []
            if "compiled" in modes and so_ok:
                runs.append(("compiled", so, []))
            if graph_mode and k == 0:
                runs.append(("graph", gpath, []))
            if "eager" in modes:
                runs.append(("eager", gpath, ["--eager"]))
            label = "input set %d %s" % (k, _describe(inputs))
            for mode, target, extra in runs:
                odir = os.path.join(d, "out%d_%s" % (k, mode))
                os.makedirs(odir)
                r = self.exec(["run", target] + extra + in_args +
                              ["--output-dir", odir])
                cmd = r.cmd
                if mode == "compiled":
                    cmd = self.kiln_cmd(*compile_args) + ["&&"] + cmd
                if r.rc != 0 or r.crashed():
                    self.fail(name, mode, "%s: kiln run exited %d" % (
                        label, r.rc), cmd, r.stderr, hard=True)
                    continue
                for oname in outputs:
                    self.checks += 1
                    why = self._compare(os.path.join(odir, oname + ".npy"),
                                        exp_cast[oname], _pick(rtol, oname),
                                        _pick(atol, oname))
                    if why:
                        self.fail(name, mode, "%s: output '%s': %s" % (
                            label, oname, why), cmd)

    def bundle(self, name, b, **kw):
        """Runs a Bundle of sub-cases as one case (one compiled graph). If
        kiln fails on the bundle (an error exit or a crash, in any mode), the
        bundle is bisected until the failures name the sub-cases responsible
        (case NAME.SUB). With KILN_E2E_SPLIT=1 in the environment every
        sub-case runs alone (slower; to tell bugs that need several ops in
        one graph from bugs of a single op)."""
        if os.environ.get("KILN_E2E_SPLIT") == "1":
            for sub in b.subs:
                self._bundle(name, name + "." + sub[0], [sub], kw)
            return
        self._bundle(name, name, b.subs, kw)

    def _bundle(self, base, name, subs, kw):
        b = Bundle()
        b.subs = list(subs)
        rtol, atol, out_dtype = b.tolerances()
        self._sink = []
        try:
            self.case(name, b.graph(), [b.inputs()], b.ref, rtol=rtol,
                      atol=atol, out_dtype=out_dtype, **kw)
        finally:
            found, self._sink = self._sink, None
        if len(subs) > 1 and any(hard for _, hard in found):
            print("note: %s/%s: kiln failed on %d sub-cases together (%s); "
                  "bisecting" % (self.title, name, len(subs),
                                 found[0][0].split("\n")[0]), flush=True)
            self.cases -= 1
            half = len(subs) // 2
            hard = False
            for part in (subs[:half], subs[half:]):
                if len(part) == 1:
                    part_name = base + "." + part[0][0]
                else:
                    part_name = "%s.%s..%s" % (base, part[0][0], part[-1][0])
                hard = self._bundle(base, part_name, part, kw) or hard
            if not hard:
                # Each half passes alone: the failure needs them together
                # (or kiln is flaky). Report the failure of the whole.
                for msg, _ in found:
                    msg = msg.replace("]: ", "]: (only when its %d sub-cases "
                                      "are in one graph; each half passes) "
                                      % len(subs), 1)
                    self.failures.append(msg)
                    print(msg, flush=True)
            return True
        for msg, _ in found:
            self.failures.append(msg)
            print(msg, flush=True)
        self.subcases += len(subs) - 1
        return any(hard for _, hard in found)

    def _compare(self, path, expected, rtol, atol):
        if not os.path.exists(path):
            return "no file %s" % path
        try:
            got = np.load(path)
        except Exception as e:  # noqa: BLE001
            return "unreadable output: %s" % e
        if got.dtype != expected.dtype:
            return "dtype %s, expected %s" % (got.dtype, expected.dtype)
        if got.shape != expected.shape:
            return "shape %s, expected %s" % (got.shape, expected.shape)
        tol_key = expected.dtype
        if is_bf16(expected.dtype):  # compare the values, not the bits
            got, expected = bf16_to_f32(got), bf16_to_f32(expected)
            tol_key = "bf16"
        if expected.dtype.kind in "iub":
            if not np.array_equal(got, expected):
                bad = np.argwhere(got != expected)
                idx = tuple(bad[0]) if bad.size else ()
                return ("%d of %d elements differ; first at %s: got %s, "
                        "expected %s" % (len(bad), expected.size, idx,
                                         got[idx], expected[idx]))
            return None
        drt, dat = DEFAULT_TOL[tol_key]
        rt = drt if rtol is None else rtol
        at = dat if atol is None else atol
        try:
            np.testing.assert_allclose(got, expected, rtol=rt, atol=at,
                                       equal_nan=True)
        except AssertionError as e:
            text = str(e).strip()
            if " x: " in text:  # keep the statistics; values follow
                text = text[:text.index(" x: ")].rstrip()
            if expected.size <= 24:
                text += "\n got:      %s\n expected: %s" % (
                    np.array2string(got.reshape(-1), precision=8),
                    np.array2string(expected.reshape(-1), precision=8))
            return "not close (rtol=%g atol=%g)\n%s" % (rt, at, text)
        return None

    # -- error cases -------------------------------------------------------

    def expect_error(self, name, args, must_contain=(), any_of=None,
                     mode="run"):
        """Run `kiln ARGS`; it must exit 1, print `error:` on stderr, contain
        every string of `must_contain` (case-insensitive), at least one of
        `any_of` if given, show no sign of a crash and dump no IR."""
        self.cases += 1
        self.checks += 1
        r = self.exec(args)
        problems = []
        if r.rc != 1:
            problems.append("exit status %d, expected 1" % r.rc)
        if r.crashed():
            problems.append("crashed")
        if "error:" not in r.stderr:
            problems.append("no 'error:' on stderr")
        low = r.stderr.lower()
        for s in must_contain:
            if s.lower() not in low:
                problems.append("stderr does not mention %r" % s)
        if any_of and not any(s.lower() in low for s in any_of):
            problems.append("stderr mentions none of %r" % (list(any_of),))
        if "see current operation" in r.stderr or "^bb0" in r.stderr:
            problems.append("stderr dumps compiler IR (a user error should "
                            "be one clear message)")
        if problems:
            self.fail(name, mode, "; ".join(problems), r.cmd,
                      "stderr: " + (r.stderr[-2000:] or "(empty)"))
        return r

    # -- end -----------------------------------------------------------------

    def finish(self):
        secs = time.time() - self.start
        print("%s: %d cases (%d graphs), %d checks, %d failures, %.1f s "
              "(files in %s)" % (self.title, self.cases + self.subcases,
                                 self.graphs, self.checks, len(self.failures),
                                 secs, self.work), flush=True)
        if self.failures:
            print("\n%d FAILURES in %s:" % (len(self.failures), self.title))
            for f in self.failures:
                print(f.split("\n")[0])
            sys.exit(1)
        sys.exit(0)


def _trim(text, head=25, tail=8):
    lines = text.strip().split("\n")
    if len(lines) <= head + tail + 1:
        return "\n".join(lines)
    return "\n".join(lines[:head] + ["... (%d lines left out)" % (
        len(lines) - head - tail)] + lines[-tail:])


def _pick(value, key):
    return value.get(key) if isinstance(value, dict) else value


def _describe(inputs):
    parts = ["%s:%s%s" % (n, dtype_name(a.dtype), list(a.shape))
             for n, a in inputs.items()]
    if len(parts) > 4:
        parts = parts[:3] + ["... %d inputs in all" % len(parts)]
    return "(" + ", ".join(parts) + ")"
