#!/usr/bin/python3
"""ONNX conformance runner: runs ONNX's backend test cases through Kiln.

Every case of Debian's libonnx-testdata (node, simple, pytorch-converted,
pytorch-operator; `real` is left out) is run twice, compiled
(`kiln run model.onnx`, which compiles to a temporary shared object) and eagerly
(`kiln run model.onnx --eager`), and each output is compared with the
reference with the tolerances of ONNX's backend tests (rtol 1e-3, atol 1e-7
for floats, exact for integers and bools; dtype and shape must match).

Each case is classified:
  pass         both modes match the reference on every data set
  fail         an error, a crash, a timeout or a mismatch (which, and in which
               mode)
  unsupported  kiln said `unsupported` (the lines saying it are kept)

Kiln compiles for static shapes: when it says that a node needs a graph input
as a constant (Reshape's shape, Slice's starts, ...), the case is run again
with those inputs given by `--bind NAME=FILE.npy` (constants of the data set's
values); the report lists them per case. --no-bind turns that off.

usage (run it with /usr/bin/python3, which has numpy and onnx):
  conformance.py [--kiln build/bin/kiln] [-j N] [--filter REGEX]
                 [--report DIR] [--doc docs/onnx-support.md]
                 [--check test/onnx/passing.txt | --update test/onnx/passing.txt]

--check FILE exits 1 if a case listed in FILE does not pass (naming each) and
lists the cases that pass but are not listed; --update FILE rewrites FILE with
the passing cases. Exits 77 (skipped) when the test data or the onnx module is
missing.
"""
import argparse
import collections
import concurrent.futures
import datetime
import glob
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

SKIP = 77
SUITES = ("node", "simple", "pytorch-converted", "pytorch-operator")
DEFAULT_DATA = "/usr/share/libonnx-testdata/data"
RTOL, ATOL = 1e-3, 1e-7
CACHE_FORMAT = 5
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))

# ONNX TensorProto.DataType numbers -> names (stable across onnx versions).
ONNX_DTYPES = {
    1: "float", 2: "uint8", 3: "int8", 4: "uint16", 5: "int16", 6: "int32",
    7: "int64", 8: "string", 9: "bool", 10: "float16", 11: "double",
    12: "uint32", 13: "uint64", 14: "complex64", 15: "complex128",
    16: "bfloat16",
}
# The NumPy dtype kiln reads and writes for each ONNX dtype it has (bfloat16
# as its bit patterns, <u2).
KILN_NPY = {
    "float": "float32", "double": "float64", "float16": "float16",
    "bfloat16": "uint16", "int8": "int8", "int16": "int16", "int32": "int32",
    "int64": "int64", "uint8": "uint8", "bool": "bool",
}


def log(*args):
    print(*args, flush=True)


#===----------------------------------------------------------------------===#
# Cases and their data, converted once and cached under the work directory
#===----------------------------------------------------------------------===#

# Cases whose reference data is questionable, with why (shown with the
# case's result; the status is still what the comparison says).
KNOWN_ISSUES = {
    c: ["ONNX 1.12's reference output truncates float to bfloat16; later ONNX "
        "versions round to nearest even"]
    for c in ("node/test_cast_FLOAT_to_BFLOAT16",
              "node/test_castlike_FLOAT_to_BFLOAT16",
              "node/test_castlike_FLOAT_to_BFLOAT16_expanded")
}
KNOWN_ISSUES.update({
    c: ["ONNX 1.12's reference computes align_corners with the unrounded "
        "output length (scale * length) where the operator's specification, "
        "which Kiln follows, uses the output size"]
    for c in ("node/test_resize_downsample_scales_cubic_align_corners",
              "node/test_resize_downsample_scales_linear_align_corners")
})


def list_cases(data_dir):
    cases = []
    for suite in SUITES:
        d = os.path.join(data_dir, suite)
        if not os.path.isdir(d):
            continue
        for name in sorted(os.listdir(d)):
            if os.path.isfile(os.path.join(d, name, "model.onnx")):
                cases.append(suite + "/" + name)
    return cases


def source_stamp(case_dir):
    """What the cached conversion of a case depends on."""
    files = [os.path.join(case_dir, "model.onnx")]
    files += sorted(glob.glob(os.path.join(case_dir, "test_data_set_*", "*.pb")))
    stamp = []
    for f in files:
        st = os.stat(f)
        stamp.append([os.path.relpath(f, case_dir), st.st_size, st.st_mtime_ns])
    return stamp


def op_types(model):
    """The op types used by the model's graph, its subgraphs and functions."""
    import onnx
    ops = set()

    def name(node):
        if node.domain in ("", "ai.onnx"):
            return node.op_type
        return node.domain + "." + node.op_type

    def walk(nodes):
        for node in nodes:
            ops.add(name(node))
            for attr in node.attribute:
                if attr.type == onnx.AttributeProto.GRAPH:
                    walk(attr.g.node)
                elif attr.type == onnx.AttributeProto.GRAPHS:
                    for g in attr.graphs:
                        walk(g.node)

    walk(model.graph.node)
    for fn in getattr(model, "functions", []):
        walk(fn.node)
    return sorted(ops)


def declared_dims(value_info):
    """The declared shape: a list of ints (None where not static), or None."""
    t = value_info.type
    if t.WhichOneof("value") != "tensor_type" or not t.tensor_type.HasField("shape"):
        return None
    return [d.dim_value if d.WhichOneof("value") == "dim_value" else None
            for d in t.tensor_type.shape.dim]


def value_kind(value_info):
    """('tensor', dtype name) or (the type's kind, None)."""
    kind = value_info.type.WhichOneof("value")
    if kind == "tensor_type":
        return "tensor", ONNX_DTYPES.get(value_info.type.tensor_type.elem_type,
                                         "undefined")
    return (kind or "undefined").replace("_type", ""), None


def prepare_case(case, data_dir, work_dir):
    """Converts a case's inputs and outputs to .npy (cached); returns meta."""
    import numpy as np
    import onnx
    from onnx import numpy_helper

    case_dir = os.path.join(data_dir, case)
    cdir = os.path.join(work_dir, "cases", case)
    meta_path = os.path.join(cdir, "meta.json")
    stamp = source_stamp(case_dir)
    if os.path.exists(meta_path):
        try:
            with open(meta_path) as f:
                meta = json.load(f)
            if meta.get("format") == CACHE_FORMAT and meta.get("stamp") == stamp:
                return meta
        except (OSError, ValueError):
            pass
    if os.path.isdir(cdir):
        shutil.rmtree(cdir)
    os.makedirs(cdir)

    model = onnx.load(os.path.join(case_dir, "model.onnx"))
    inits = {t.name for t in model.graph.initializer}
    meta = {
        "format": CACHE_FORMAT, "stamp": stamp,
        "ops": op_types(model),
        "opset": {(o.domain or "ai.onnx"): o.version for o in model.opset_import},
        "inputs": [], "outputs": [], "datasets": [], "problems": [],
    }
    # The graph inputs that each top-level value and node depends on; nodes by
    # the names kiln gives them in its messages (unnamed ones: OpType_INDEX).
    deps = {v.name: {v.name} for v in model.graph.input if v.name not in inits}
    node_deps = {}
    for _ in range(2):   # nodes need not be listed in order
        for i, n in enumerate(model.graph.node):
            d = set().union(*[deps.get(x, set()) for x in n.input if x])
            node_deps[n.name or "%s_%d" % (n.op_type, i)] = sorted(d)
            for out in n.output:
                deps[out] = d
    meta["value_deps"] = {k: sorted(v) for k, v in deps.items()}
    meta["node_deps"] = node_deps
    graph_inputs = [v for v in model.graph.input if v.name not in inits]
    for v in graph_inputs:
        kind, dtype = value_kind(v)
        meta["inputs"].append({"name": v.name, "kind": kind, "dtype": dtype,
                               "dims": declared_dims(v)})
    for v in model.graph.output:
        kind, dtype = value_kind(v)
        meta["outputs"].append({"name": v.name, "kind": kind, "dtype": dtype})
    for what, values in (("input", meta["inputs"]), ("output", meta["outputs"])):
        for v in values:
            if v["kind"] != "tensor":
                meta["problems"].append(
                    "%s '%s' is a %s (kiln run takes and gives tensors as .npy "
                    "files)" % (what, v["name"], v["kind"]))

    def read_tensor(path):
        t = onnx.TensorProto()
        with open(path, "rb") as f:
            t.ParseFromString(f.read())
        dtype = ONNX_DTYPES.get(t.data_type, "undefined")
        a = numpy_helper.to_array(t)
        if dtype == "bfloat16":   # to_array widens bfloat16 to float32
            a = (np.ascontiguousarray(a, dtype=np.float32).view(np.uint32)
                 >> 16).astype(np.uint16)
        return dtype, a

    for ds_dir in sorted(glob.glob(os.path.join(case_dir, "test_data_set_*"))):
        ds = os.path.basename(ds_dir)
        entry = {"name": ds, "inputs": [], "outputs": []}
        os.makedirs(os.path.join(cdir, ds))
        for kind, values in (("input", meta["inputs"]), ("output", meta["outputs"])):
            pbs = glob.glob(os.path.join(ds_dir, kind + "_*.pb"))
            for i in sorted(int(re.search(r"_(\d+)\.pb$", p).group(1)) for p in pbs):
                pb = os.path.join(ds_dir, "%s_%d.pb" % (kind, i))
                rec = {"index": i, "name": values[i]["name"] if i < len(values) else None}
                if i >= len(values):
                    meta["problems"].append("%s/%s_%d.pb has no graph %s" %
                                            (ds, kind, i, kind))
                elif values[i]["kind"] == "tensor":
                    try:
                        dtype, a = read_tensor(pb)
                        # ONNX's test generator stores bfloat16 data as its
                        # bit patterns in uint16 tensors.
                        if dtype == "uint16" and values[i]["dtype"] == "bfloat16":
                            dtype = "bfloat16"
                    except Exception as e:  # noqa: BLE001 - reported per case
                        meta["problems"].append("%s/%s_%d.pb: cannot read: %s" %
                                                (ds, kind, i, e))
                        continue
                    rec["dtype"] = dtype
                    rec["shape"] = list(a.shape)
                    if dtype in KILN_NPY or kind == "output":
                        rec["file"] = os.path.join(ds, "%s_%d.npy" % (kind, i))
                        if a.dtype.kind in "OUS":   # strings: keep as text
                            np.save(os.path.join(cdir, rec["file"]),
                                    a.astype(str), allow_pickle=False)
                        else:
                            np.save(os.path.join(cdir, rec["file"]), a)
                entry[kind + "s"].append(rec)
        meta["datasets"].append(entry)

    with open(meta_path + ".tmp", "w") as f:
        json.dump(meta, f, indent=1)
    os.replace(meta_path + ".tmp", meta_path)
    return meta


#===----------------------------------------------------------------------===#
# Running kiln
#===----------------------------------------------------------------------===#

def run_kiln(args, timeout, tmp_dir=None):
    """Runs kiln; returns (rc or None on timeout, stderr text, seconds)."""
    start = time.monotonic()
    if timeout <= 0:
        return None, "", 0.0
    env = dict(os.environ)
    if tmp_dir:   # where `kiln run` puts its temporary shared objects
        env["TMPDIR"] = tmp_dir
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, start_new_session=True,
                            env=env)
    try:
        out, err = proc.communicate(timeout=timeout)
        rc = proc.returncode
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        out, err = proc.communicate()
        rc = None
    text = (err + out).decode("utf-8", "replace")
    return rc, text, time.monotonic() - start


ERROR_PREFIX = re.compile(r"^.*?\b(error|warning): ")
UNSUPPORTED = re.compile(r"\bunsupported\b", re.I)


def error_lines(text):
    """The diagnostics in kiln's output, without locations and prefixes."""
    lines = []
    for line in text.splitlines():
        line = line.rstrip()
        if not line:
            continue
        m = ERROR_PREFIX.match(line)
        if m and m.group(1) == "error":
            lines.append(line[m.end():])
        elif UNSUPPORTED.search(line) and not line.startswith(" "):
            lines.append(line)
    return lines


def crash_text(rc):
    try:
        return "crashed (%s)" % signal.Signals(-rc).name
    except ValueError:
        return "crashed (signal %d)" % -rc


def compare(actual, ref, onnx_dtype):
    """None if `actual` matches the reference, else what differs."""
    import numpy as np
    want = KILN_NPY.get(onnx_dtype)
    if want is None:
        return "reference dtype %s is not a kiln dtype" % onnx_dtype
    if actual.dtype != np.dtype(want):
        got = actual.dtype.name
        if got == "uint16":
            got = "bfloat16 (or uint16)"
        return "dtype %s, expected %s" % (got, onnx_dtype)
    if actual.shape != ref.shape:
        return "shape %s, expected %s" % (list(actual.shape), list(ref.shape))
    if onnx_dtype == "bfloat16":
        actual = (actual.astype(np.uint32) << 16).view(np.float32)
        ref = (ref.astype(np.uint32) << 16).view(np.float32)
    if actual.dtype.kind != "f":
        bad = actual != ref
        if not bad.any():
            return None
        n = int(bad.sum())
        i = tuple(np.argwhere(bad)[0])
        return "%d/%d elements differ (first at %s: %s, expected %s)" % (
            n, ref.size, list(map(int, i)), actual[i].item(), ref[i].item())
    a, r = actual.astype(np.float64), ref.astype(np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        diff = np.abs(a - r)
        ok = (diff <= ATOL + RTOL * np.abs(r)) | (a == r) | (np.isnan(a) & np.isnan(r))
    if ok.all():
        return None
    bad = ~ok
    n = int(bad.sum())
    nan_mismatch = int((np.isnan(a) != np.isnan(r)).sum())
    finite = bad & np.isfinite(diff)
    msg = "%d/%d elements differ" % (n, ref.size)
    if finite.any():
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = diff[finite] / np.abs(r[finite])
        msg += ", max abs err %.3g, max rel err %.3g" % (diff[finite].max(), rel.max())
    if nan_mismatch:
        msg += ", %d NaN where the other is not" % nan_mismatch
    inf_mismatch = int((bad & ~np.isfinite(diff) & ~(np.isnan(a) | np.isnan(r))).sum())
    if inf_mismatch:
        msg += ", %d infinities differ" % inf_mismatch
    return msg


# What kiln says when a node needs one of its inputs as a constant, e.g.
# "Reshape: unsupported: input 1 ('shape') must be a compile-time constant".
NEEDS_CONSTANT = re.compile(r"input \d+ \('([^']+)'\) must be a compile-time constant")
# Other messages about constants name only the node, e.g. "node 'Range_0'
# (Range): unsupported: Range whose bounds are not compile-time constants".
NODE_NEEDS_CONSTANTS = re.compile(r"node '([^']*)' \([^)]*\): unsupported: .*compile-time constant")


def constants_wanted(unsupported, meta):
    """The graph inputs that would make constant what kiln's messages say it
    needs as constants."""
    names = set()
    for u in unsupported:
        for m in NEEDS_CONSTANT.finditer(u):
            names |= set(meta["value_deps"].get(m.group(1), ()))
        m = NODE_NEEDS_CONSTANTS.search(u)
        if m and not NEEDS_CONSTANT.search(u):
            names |= set(meta["node_deps"].get(m.group(1), ()))
    return names


def run_mode(mode, kiln, case_dir, cdir, ds, deadline, timeout, tmp_dir,
             binds=()):
    """Runs one data set in one mode; returns a dict: reasons, unsupported,
    ... The inputs named in `binds` are given with --bind (as constants)."""
    import numpy as np
    out_dir = os.path.join(cdir, ds["name"], "out-" + mode)
    if os.path.isdir(out_dir):
        shutil.rmtree(out_dir)
    cmd = [kiln, "run", os.path.join(case_dir, "model.onnx")]
    for rec in ds["inputs"]:
        if rec.get("file"):
            cmd += ["--bind" if rec["name"] in binds else "--input",
                    "%s=%s" % (rec["name"], os.path.join(cdir, rec["file"]))]
    cmd += ["--output-dir", out_dir]
    if mode == "eager":
        cmd.append("--eager")
    res = {"mode": mode, "dataset": ds["name"], "seconds": 0.0, "rc": None,
           "stderr": "", "reasons": [], "unsupported": []}
    if deadline - time.monotonic() <= 0:
        res["reasons"].append("not run (the case's %g s are spent)" % timeout)
        return res
    rc, text, secs = run_kiln(cmd, deadline - time.monotonic(), tmp_dir)
    res.update(seconds=round(secs, 3), rc=rc, stderr=text[-4000:])
    errs = error_lines(text)
    res["unsupported"] = [e for e in errs if UNSUPPORTED.search(e)]
    if rc is None:
        res["reasons"].append("timeout (%g s per case)" % timeout)
        return res
    if rc < 0:
        res["reasons"].append(crash_text(rc) + (": " + errs[0] if errs else ""))
        return res
    if rc != 0:
        if res["unsupported"]:
            return res
        # The run reads its inputs and loads the graph first; errors before
        # any output was written are the compiler's or the checks'.
        what = errs[0] if errs else (text.strip().splitlines() or ["exit %d" % rc])[-1]
        res["reasons"].append("error: " + what)
        return res
    if errs:
        # An error reported with exit status 0 is a bug of its own.
        res["reasons"].append("error despite a zero exit status: " + errs[0])
        if res["unsupported"]:
            return res
    for rec in ds["outputs"]:
        if not rec.get("file"):
            continue
        path = os.path.join(out_dir, rec["name"] + ".npy")
        label = "output '%s'" % rec["name"]
        if not os.path.exists(path):
            res["reasons"].append(label + ": not written")
            continue
        try:
            actual = np.load(path, allow_pickle=False)
            ref = np.load(os.path.join(cdir, rec["file"]), allow_pickle=False)
        except Exception as e:  # noqa: BLE001
            res["reasons"].append(label + ": cannot read: %s" % e)
            continue
        diff = compare(actual, ref, rec["dtype"])
        if diff:
            res["reasons"].append(label + ": " + diff)
    return res


def run_case(case, opts):
    """Prepares and runs one case; returns its record (never raises)."""
    start = time.monotonic()
    record = {"case": case, "status": "fail", "reasons": [], "unsupported": [],
              "ops": [], "runs": []}
    try:
        meta = prepare_case(case, opts["data"], opts["work"])
    except Exception as e:  # noqa: BLE001
        record["reasons"].append("runner: cannot read the case: %s: %s" %
                                 (type(e).__name__, e))
        return record
    record["ops"] = meta["ops"]
    record["opset"] = meta["opset"].get("ai.onnx")
    notes = list(KNOWN_ISSUES.get(case, []))
    declared = {v["name"]: v.get("dims") for v in meta["inputs"]}
    for ds in meta["datasets"]:
        for rec in ds["inputs"]:
            dims, shape = declared.get(rec["name"]), rec.get("shape")
            if dims is None or shape is None:
                continue
            if len(dims) != len(shape) or any(
                    d is not None and d != n for d, n in zip(dims, shape)):
                notes.append("the test data contradict the model: input '%s' "
                             "has shape %s, the model declares %s" % (
                                 rec["name"], shape,
                                 [d if d is not None else "?" for d in dims]))
    if notes:
        record["notes"] = notes
    case_dir = os.path.join(opts["data"], case)
    cdir = os.path.join(opts["work"], "cases", case)
    deadline = start + opts["timeout"]

    if meta["problems"] or any(
            rec.get("dtype") not in KILN_NPY
            for ds in meta["datasets"] for rec in ds["inputs"]):
        # The case cannot be given to `kiln run` as it is (a sequence, or a
        # dtype that .npy files for kiln cannot hold): ask kiln whether it
        # takes the model at all, so that its own reasons are reported.
        rc, text, _ = run_kiln([opts["kiln"], "inspect",
                                os.path.join(case_dir, "model.onnx")],
                               deadline - time.monotonic())
        errs = error_lines(text)
        unsup = [e for e in errs if UNSUPPORTED.search(e)]
        if rc is None:
            record["reasons"].append("timeout (%g s per case, kiln inspect)" %
                                     opts["timeout"])
        elif unsup:
            record["status"] = "unsupported"
            record["unsupported"] = unsup
        elif rc != 0:
            record["reasons"].append(
                "import: " + (crash_text(rc) if rc < 0 else "error") +
                (": " + errs[0] if errs else ""))
        else:
            problems = meta["problems"] or [
                "input '%s' has dtype %s" % (rec["name"], rec.get("dtype"))
                for ds in meta["datasets"] for rec in ds["inputs"]
                if rec.get("dtype") not in KILN_NPY]
            record["status"] = "unsupported"
            record["unsupported"] = ["runner: " + p for p in problems]
        record["seconds"] = round(time.monotonic() - start, 3)
        return record

    # Kiln compiles for static shapes: a graph input that a node needs as a
    # constant (Reshape's shape, Slice's starts, ...) makes the model
    # unsupported as it is; with --bind the input becomes a constant of the
    # data set's value. Such inputs are found from kiln's messages, and the
    # case is run again with them bound (unless --no-bind).
    graph_inputs = {v["name"] for v in meta["inputs"]}
    binds = set()
    for ds in meta["datasets"]:
        for mode in ("compiled", "eager"):
            while True:
                res = run_mode(mode, opts["kiln"], case_dir, cdir, ds, deadline,
                               opts["timeout"], opts["tmp"], binds)
                wanted = constants_wanted(res["unsupported"], meta)
                wanted = (wanted & graph_inputs) - binds
                if not opts["bind"] or not wanted:
                    break
                binds |= wanted
            # kiln's output is kept for the runs that did not match.
            if not opts["keep_stderr"] and not (res["reasons"] or res["unsupported"]):
                res.pop("stderr")
            res["bound"] = sorted(binds)
            record["runs"].append(res)
    if binds:
        record["bound"] = sorted(binds)
        # Every input a constant: kiln may fold the whole graph at import.
        record["all_bound"] = binds >= graph_inputs
    for res in record["runs"]:
        for u in res["unsupported"]:
            if u not in record["unsupported"]:
                record["unsupported"].append(u)
        for r in res["reasons"]:
            prefix = res["mode"]
            if len(meta["datasets"]) > 1:
                prefix += " " + res["dataset"]
            record["reasons"].append(prefix + ": " + r)
    if record["unsupported"]:
        record["status"] = "unsupported"
    elif record["reasons"]:
        record["status"] = "fail"
    elif record["runs"]:
        record["status"] = "pass"
    else:
        record["reasons"].append("runner: the case has no data sets")
    record["seconds"] = round(time.monotonic() - start, 3)
    return record


#===----------------------------------------------------------------------===#
# Reports
#===----------------------------------------------------------------------===#

def reason_key(reason):
    """A reason with the case-specific parts (names, numbers) abstracted, so
    that reasons group across cases."""
    r = re.sub(r"^(compiled|eager)( test_data_set_\d+)?: ", "", reason)
    r = re.sub(r"^runner: ", "", r)
    r = re.sub(r"node '[^']*' \(([^)]*)\)", r"\1", r)
    r = re.sub(r"node '[^']*'", "node", r)
    r = re.sub(r"(output|input|value|tensor) '[^']*'", r"\1 '…'", r)
    r = re.sub(r"'[^' ]*/[^' ]*'", "'…'", r)            # file paths
    r = re.sub(r"\d+/\d+ elements differ.*", "values differ", r)
    r = re.sub(r"\(first at .*\)", "", r)
    r = re.sub(r"\[[-\d, ?]*\]", "[…]", r)               # shapes, indices
    r = re.sub(r"\b\d+(\.\d+)?(e[-+]?\d+)?\b", "N", r)
    return r.strip()


def summarize(records):
    counts = collections.Counter(r["status"] for r in records)
    ops = {}
    for rec in records:
        keys = [reason_key(u) for u in rec["unsupported"]] + \
               [reason_key(r) for r in rec["reasons"]]
        for op in rec["ops"]:
            o = ops.setdefault(op, {"cases": 0, "pass": 0, "fail": 0,
                                    "unsupported": 0, "reasons": collections.Counter(),
                                    "own_reasons": collections.Counter()})
            o["cases"] += 1
            o[rec["status"]] += 1
            if rec["status"] != "pass":
                bare = op.split(".")[-1]
                for k in set(keys):
                    o["reasons"][k] += 1
                    if re.search(r"[('\" ]%s[)'\" :]" % re.escape(bare), " " + k + " "):
                        o["own_reasons"][k] += 1
    for o in ops.values():
        o["reasons"] = dict(o["reasons"].most_common())
        o["own_reasons"] = dict(o["own_reasons"].most_common())
    unsupported = collections.Counter()
    failures = collections.Counter()
    for rec in records:
        for k in {reason_key(u) for u in rec["unsupported"]}:
            unsupported[k] += 1
        if rec["status"] == "fail":
            for k in {reason_key(r) for r in rec["reasons"]}:
                failures[k] += 1
    total = len(records)
    return {
        "total": total, "pass": counts["pass"], "fail": counts["fail"],
        "unsupported": counts["unsupported"],
        "pass_percent": round(100.0 * counts["pass"] / total, 1) if total else 0.0,
        "pass_bound": sum(1 for r in records
                          if r["status"] == "pass" and r.get("bound")),
        "pass_all_bound": sum(1 for r in records
                              if r["status"] == "pass" and r.get("all_bound")),
        "ops": dict(sorted(ops.items(), key=lambda kv: kv[0].lower())),
        "unsupported_reasons": dict(unsupported.most_common()),
        "failure_reasons": dict(failures.most_common()),
    }


def summary_line(s):
    return "%d/%d pass (%.1f%%), %d fail, %d unsupported" % (
        s["pass"], s["total"], s["pass_percent"], s["fail"], s["unsupported"])


def md_escape(text):
    return text.replace("|", "\\|").replace("\n", " ")


def write_markdown(path, report):
    s = report["summary"]
    out = ["# ONNX conformance report", "",
           "kiln: `%s`, data: `%s`, %s" % (report["kiln"], report["data"], report["date"]),
           "", "**" + summary_line(s) + "**", "",
           "%d of the passing cases give inputs that kiln needs as constants "
           "with `--bind`, %d of them all their inputs." % (
               s.get("pass_bound", 0), s.get("pass_all_bound", 0)), "",
           "## Per op type", "",
           "| op | cases | pass | fail | unsupported | main reasons |",
           "|---|---:|---:|---:|---:|---|"]
    for op, o in s["ops"].items():
        reasons = o["own_reasons"] or o["reasons"]
        top = "; ".join("%s (%d)" % (md_escape(k), n)
                        for k, n in list(reasons.items())[:3])
        out.append("| %s | %d | %d | %d | %d | %s |" % (
            op, o["cases"], o["pass"], o["fail"], o["unsupported"], top))
    out += ["", "## Most common failure reasons", "",
            "| cases | reason |", "|---:|---|"]
    for k, n in list(s["failure_reasons"].items())[:40]:
        out.append("| %d | %s |" % (n, md_escape(k)))
    out += ["", "## Most common unsupported reasons", "",
            "| cases | reason |", "|---:|---|"]
    for k, n in list(s["unsupported_reasons"].items())[:40]:
        out.append("| %d | %s |" % (n, md_escape(k)))
    out += ["", "## Cases", "", "| case | status | reason |", "|---|---|---|"]
    for name, rec in report["cases"].items():
        why = rec["unsupported"] if rec["status"] == "unsupported" else rec["reasons"]
        if rec.get("bound"):
            why = ["--bind " + ", ".join(rec["bound"])] + why
        if rec.get("notes") and rec["status"] != "pass":
            why = why + ["note: " + n for n in rec["notes"]]
        out.append("| %s | %s | %s |" % (name, rec["status"],
                                         md_escape("; ".join(why))[:400]))
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


#===----------------------------------------------------------------------===#
# passing.txt
#===----------------------------------------------------------------------===#

def read_list(path):
    if not os.path.exists(path):
        return []
    names = []
    with open(path) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line:
                names.append(line)
    return names


def check(listed, records, selected):
    """Returns the exit status of --check."""
    by_name = {r["case"]: r for r in records}
    bad = []
    for name in listed:
        if name not in selected:
            continue
        rec = by_name.get(name)
        if rec is None:
            bad.append((name, "not run (no such case in the data)"))
        elif rec["status"] != "pass":
            why = rec["unsupported"] if rec["status"] == "unsupported" else rec["reasons"]
            why = why + ["note: " + n for n in rec.get("notes", [])]
            bad.append((name, "%s: %s" % (rec["status"], "; ".join(why)[:400])))
    listed_set = set(listed)
    new = sorted(r["case"] for r in records
                 if r["status"] == "pass" and r["case"] not in listed_set)
    if new:
        log("newly passing (%d): add them with --update" % len(new))
        for n in new:
            log("  " + n)
    if bad:
        log("REGRESSIONS: %d listed case(s) do not pass:" % len(bad))
        for name, why in bad:
            log("  %s: %s" % (name, why))
        return 1
    log("check: all %d listed case(s) pass" %
        len([n for n in listed if n in selected]))
    return 0


def update(path, listed, records, selected):
    keep = [n for n in listed if n not in selected]
    passing = [r["case"] for r in records if r["status"] == "pass"]
    names = sorted(set(keep) | set(passing))
    with open(path, "w") as f:
        f.write("".join(n + "\n" for n in names))
    log("updated %s: %d case(s) (%+d)" % (path, len(names), len(names) - len(listed)))


#===----------------------------------------------------------------------===#
# main
#===----------------------------------------------------------------------===#

def git_commit(kiln):
    """The commit of the git checkout the kiln binary was built in, if any."""
    try:
        return subprocess.run(["git", "-C", os.path.dirname(kiln), "rev-parse",
                               "--short", "HEAD"],
                              capture_output=True, text=True,
                              timeout=10).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def default_kiln():
    for cand in ("build-runner", "build"):
        p = os.path.join(REPO, cand, "bin", "kiln")
        if os.path.exists(p):
            return p
    return shutil.which("kiln") or os.path.join(REPO, "build", "bin", "kiln")


def main(argv=None):
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kiln", default=None, help="the kiln binary (default: "
                    "build/bin/kiln)")
    ap.add_argument("--data", default=DEFAULT_DATA,
                    help="the test data (default: %(default)s)")
    ap.add_argument("--work", default=None, help="cache and scratch directory "
                    "(default: beside the kiln binary, ../onnx-conformance)")
    ap.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1,
                    help="cases run at once (default: the number of CPUs)")
    ap.add_argument("--filter", default=None,
                    help="only the cases whose suite/name matches this regex")
    ap.add_argument("--timeout", type=float, default=120.0,
                    help="seconds per case (default: %(default)s)")
    ap.add_argument("--report", default=None, metavar="DIR",
                    help="write report.json and report.md into DIR")
    ap.add_argument("--doc", default=None, metavar="FILE",
                    help="write the support table (docs/onnx-support.md)")
    ap.add_argument("--no-bind", action="store_true",
                    help="do not retry with --bind when kiln needs a graph "
                    "input as a constant (such cases stay unsupported)")
    ap.add_argument("--commit", default=None,
                    help="the commit kiln was built from, for the report "
                    "(default: HEAD of the checkout kiln lies in)")
    ap.add_argument("--keep-stderr", action="store_true",
                    help="keep kiln's output of every run in the JSON report "
                    "(by default only of the runs that did not match)")
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="print every case's result")
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--check", metavar="FILE",
                   help="exit 1 if a case listed in FILE does not pass")
    g.add_argument("--update", metavar="FILE", nargs="?",
                   const=os.path.join(HERE, "passing.txt"),
                   help="rewrite FILE (default test/onnx/passing.txt) with "
                   "the passing cases")
    opts = ap.parse_args(argv)

    if not os.path.isdir(opts.data) or not list_cases(opts.data):
        log("SKIPPED: no ONNX test data in %s (Debian's libonnx-testdata; "
            "scripts/install-deps.sh installs it)" % opts.data)
        return SKIP
    try:
        import numpy  # noqa: F401
        import onnx  # noqa: F401
    except ImportError as e:
        log("SKIPPED: %s; run this with /usr/bin/python3 (python3-onnx and "
            "python3-numpy; scripts/install-deps.sh installs them)" % e)
        return SKIP

    kiln = os.path.abspath(opts.kiln or default_kiln())
    if not os.access(kiln, os.X_OK):
        log("error: no kiln binary at %s (build it, or give --kiln)" % kiln)
        return 2
    work = os.path.abspath(opts.work or os.path.join(
        os.path.dirname(os.path.dirname(kiln)), "onnx-conformance"))
    os.makedirs(work, exist_ok=True)

    cases = list_cases(opts.data)
    if opts.filter:
        rx = re.compile(opts.filter)
        cases = [c for c in cases if rx.search(c)]
    selected = set(cases)
    log("onnx-conformance: %d case(s), kiln %s, %d job(s), work dir %s" %
        (len(cases), kiln, opts.jobs, work))

    # Temporary files of kiln (left behind when a run is killed) stay here.
    tmp = os.path.join(work, "tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    run_opts = {"kiln": kiln, "data": opts.data, "work": work, "tmp": tmp,
                "bind": not opts.no_bind,
                "timeout": opts.timeout, "keep_stderr": opts.keep_stderr}
    records = []
    start = time.monotonic()
    step = max(1, len(cases) // 20)
    with concurrent.futures.ProcessPoolExecutor(max_workers=max(1, opts.jobs)) as pool:
        futures = {pool.submit(run_case, c, run_opts): c for c in cases}
        for fut in concurrent.futures.as_completed(futures):
            try:
                rec = fut.result()
            except Exception as e:  # noqa: BLE001 - a worker died
                rec = {"case": futures[fut], "status": "fail", "ops": [],
                       "reasons": ["runner: %s: %s" % (type(e).__name__, e)],
                       "unsupported": [], "runs": []}
            records.append(rec)
            if opts.verbose:
                why = rec["unsupported"] if rec["status"] == "unsupported" else rec["reasons"]
                if rec["status"] != "pass":
                    why = why + ["note: " + n for n in rec.get("notes", [])]
                log("%-11s %s%s" % (rec["status"].upper(), rec["case"],
                                    (": " + "; ".join(why)[:200]) if why else ""))
            elif len(records) % step == 0 or len(records) == len(cases):
                c = collections.Counter(r["status"] for r in records)
                log("[%d/%d] %d pass, %d fail, %d unsupported (%.0fs)" % (
                    len(records), len(cases), c["pass"], c["fail"],
                    c["unsupported"], time.monotonic() - start))
    records.sort(key=lambda r: r["case"])

    summary = summarize(records)
    report = {
        "kiln": kiln, "data": opts.data, "filter": opts.filter,
        "commit": opts.commit or git_commit(kiln),
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "seconds": round(time.monotonic() - start, 1),
        "tolerances": {"rtol": RTOL, "atol": ATOL},
        "summary": summary,
        "cases": {r.pop("case"): r for r in [dict(r) for r in records]},
    }
    report_dir = opts.report or os.path.join(work, "report")
    os.makedirs(report_dir, exist_ok=True)
    with open(os.path.join(report_dir, "report.json"), "w") as f:
        json.dump(report, f, indent=1)
    write_markdown(os.path.join(report_dir, "report.md"), report)
    if opts.doc:
        sys.path.insert(0, HERE)
        import gen_support_doc
        gen_support_doc.write_doc(report, opts.doc)
        log("wrote %s" % opts.doc)

    log("report: %s/report.md, report.json" % report_dir)
    log(summary_line(summary))
    if summary["pass_bound"]:
        log("(%d of the passing cases give inputs that kiln needs as constants "
            "with --bind, %d of them all their inputs)" % (
                summary["pass_bound"], summary["pass_all_bound"]))

    if opts.update:
        update(opts.update, read_list(opts.update), records, selected)
    if opts.check:
        return check(read_list(opts.check), records, selected)
    return 0


if __name__ == "__main__":
    sys.exit(main())
