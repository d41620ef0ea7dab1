#!/usr/bin/python3
"""Writes docs/onnx-support.md from a conformance report (report.json).

usage: gen_support_doc.py REPORT.json [-o docs/onnx-support.md]

conformance.py --doc FILE does the same at the end of a run.
"""
import argparse
import collections
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))

HEADER = """\
# ONNX support

Kiln imports ONNX models (`kiln compile model.onnx`, `kiln run model.onnx`)
through its ONNX frontend, which translates each ONNX node into ops of the
`kiln` dialect. This page says which ONNX operators work, measured on ONNX's
own backend test cases: the 1072 cases of Debian's `libonnx-testdata` (the
`node`, `simple`, `pytorch-converted` and `pytorch-operator` suites of ONNX
1.12; opsets 1 to 17). Every case is run twice through `kiln run`, compiled to
native code and eagerly with the reference interpreter, and each output is
compared with ONNX's reference output with the backend tests' tolerances:
`rtol 1e-3, atol 1e-7` for floating point (NaN matches NaN), exact for integers
and bools; dtype and shape must match.

A case **passes** when both modes match on every data set. It is
**unsupported** when Kiln rejects it with a message saying `unsupported`: an
operator, an attribute value, a dtype (Kiln has no uint16/32/64, string or
complex tensors) or a value kind (sequences and optionals) that it does not
handle; the last section collects those reasons. Otherwise it **fails**: an
import or compile error, a crash, a timeout, or an output that differs.
An op type's row counts every case whose graph (subgraphs included) uses the
op, so a case counts for each of its op types; the reasons column prefers
reasons that name the op.

Kiln compiles for static shapes, so a graph input that an op needs as a
constant (Reshape's `shape`, Slice's `starts`, Range's bounds, ...) makes a
model unsupported as it is. When Kiln says so, the runner gives those inputs
with `kiln run --bind NAME=FILE.npy`, which makes them constants of the data
set's values, as a user deploying such a model would; the counts below say
how many passing cases needed that, and how many had every input bound (then
the importer may fold the whole graph to a constant).

This file is generated; do not edit it by hand. To regenerate it:

```sh
/usr/bin/python3 test/onnx/conformance.py --kiln build/bin/kiln -j 2 \\
    --doc docs/onnx-support.md
```

The `onnx-conformance` ctest test runs the same cases and fails if a case
listed in `test/onnx/passing.txt` stops passing
(`conformance.py --update` rewrites that list).
"""


def md(text):
    return text.replace("|", "\\|").replace("\n", " ")


def top(reasons, n):
    return "; ".join("%s (%d)" % (md(k), c) for k, c in list(reasons.items())[:n])


def render(report):
    s = report["summary"]
    cases = report["cases"]
    out = [HEADER]
    out += ["## Overall", ""]
    out.append("**%d of %d cases pass (%.1f%%)**, %d fail, %d unsupported." % (
        s["pass"], s["total"], s["pass_percent"], s["fail"], s["unsupported"]))
    if s.get("pass_bound"):
        out += ["", "%d of the passing cases give inputs as constants "
                "(`--bind`), %d of them every input." % (
                    s["pass_bound"], s.get("pass_all_bound", 0))]
    commit = report.get("commit")
    out += ["", "Measured %s%s." % (report["date"][:10],
                                    " at commit `%s`" % commit if commit else ""),
            ""]
    suites = collections.OrderedDict()
    for name, rec in cases.items():
        c = suites.setdefault(name.split("/")[0], collections.Counter())
        c["cases"] += 1
        c[rec["status"]] += 1
    out += ["| suite | cases | pass | fail | unsupported |",
            "|---|---:|---:|---:|---:|"]
    for suite, c in suites.items():
        out.append("| %s | %d | %d | %d | %d |" % (
            suite, c["cases"], c["pass"], c["fail"], c["unsupported"]))

    ops = s["ops"]
    full = sorted(op for op, o in ops.items() if o["pass"] == o["cases"])
    out += ["", "## Op types", "",
            "%d op types appear in the cases; every case of %d of them passes." %
            (len(ops), len(full)), "",
            "| op | cases | pass | fail | unsupported | main reasons |",
            "|---|---:|---:|---:|---:|---|"]
    for op, o in ops.items():
        reasons = o.get("own_reasons") or o["reasons"]
        out.append("| %s | %d | %d | %d | %d | %s |" % (
            op, o["cases"], o["pass"], o["fail"], o["unsupported"],
            top(reasons, 2) if o["pass"] < o["cases"] else ""))

    # Not supported and why: the reasons Kiln gave, with the cases' op types.
    out += ["", "## Not supported and why", "",
            "What Kiln said for the %d unsupported cases, grouped (a case can give "
            "more than one reason)." % s["unsupported"], "",
            "| cases | reason | examples |", "|---:|---|---|"]
    sys.path.insert(0, HERE)
    from conformance import reason_key
    examples = collections.defaultdict(list)
    for name, rec in cases.items():
        for k in {reason_key(u) for u in rec["unsupported"]}:
            examples[k].append(name.split("/")[-1])
    for k, n in s["unsupported_reasons"].items():
        ex = examples.get(k, [])
        out.append("| %d | %s | %s |" % (n, md(k), ", ".join(ex[:3]) +
                                         (", ..." if len(ex) > 3 else "")))

    out += ["", "## Failures", "",
            "The reasons of the %d failing cases, grouped (names and numbers "
            "abstracted; `compiled` and `eager` name the mode)." % s["fail"], "",
            "| cases | reason | examples |", "|---:|---|---|"]
    fexamples = collections.defaultdict(list)
    modes = collections.defaultdict(set)
    for name, rec in cases.items():
        if rec["status"] != "fail":
            continue
        for r in rec["reasons"]:
            k = reason_key(r)
            m = re.match(r"^(compiled|eager)", r)
            if m:
                modes[k].add(m.group(1))
            if name.split("/")[-1] not in fexamples[k]:
                fexamples[k].append(name.split("/")[-1])
    for k, n in list(s["failure_reasons"].items())[:60]:
        ex = fexamples.get(k, [])
        mode = "/".join(sorted(modes.get(k, ())))
        out.append("| %d | %s%s | %s |" % (
            n, mode + ": " if mode else "", md(k),
            ", ".join(ex[:3]) + (", ..." if len(ex) > 3 else "")))
    rest = len(s["failure_reasons"]) - 60
    if rest > 0:
        out += ["", "(%d rarer reasons are in the JSON report.)" % rest]
    noted = [(name, rec["notes"]) for name, rec in cases.items()
             if rec.get("notes") and rec["status"] != "pass"]
    if noted:
        out += ["", "Cases whose test data are questionable:", ""]
        for name, notes in noted:
            out.append("- `%s`: %s" % (name, "; ".join(notes)))
    return "\n".join(out) + "\n"


def write_doc(report, path):
    with open(path, "w") as f:
        f.write(render(report))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("report", help="report.json written by conformance.py")
    ap.add_argument("-o", "--output", default=os.path.join(REPO, "docs", "onnx-support.md"))
    opts = ap.parse_args()
    with open(opts.report) as f:
        report = json.load(f)
    write_doc(report, opts.output)
    print("wrote %s" % opts.output)


if __name__ == "__main__":
    sys.exit(main())
