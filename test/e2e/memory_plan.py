"""Planned memory on real graphs: with static shapes every intermediate lives
in the one workspace, whose size is at least the peak of simultaneously live
bytes and at most 1.1 times it (`kiln inspect` reports both); the object file
calls no allocator; and the graphs still compute what NumPy computes (a plan
that let two live buffers share bytes would corrupt them), on one thread and
on several.

usage: memory_plan.py KILN_BIN_DIR [WORK_DIR]
"""
import copy
import os
import re
import shutil
import subprocess

import numpy as np

import kiln_testing as kt
from examples import cnn_ref, load_example, transformer_ref

ALLOCATORS = {"malloc", "calloc", "realloc", "free", "aligned_alloc",
              "posix_memalign", "_mlir_memref_to_llvm_alloc"}
NM = shutil.which("llvm-nm") or "/usr/lib/llvm-22/bin/llvm-nm"
WORKSPACE = re.compile(r"workspace: (\d+) B \((\d+) buffers?, (\d+) B in all; "
                       r"at most (\d+) B live at once\)")


def pinned(g, shapes):
    """The graph with its inputs' symbolic dims replaced by `shapes`."""
    g = copy.deepcopy(g)
    for i in g["inputs"]:
        if i["name"] in shapes:
            i["shape"] = list(shapes[i["name"]])
    return g


def residual_mlp():
    """Matmuls break fusion, so the hidden layers are real intermediates
    with overlapping lifetimes (h1 lives until the last add)."""
    rng = np.random.default_rng(3)
    w = {n: (rng.standard_normal(s) / np.sqrt(s[0])).astype(np.float32)
         for n, s in (("w1", (256, 256)), ("w2", (256, 256)),
                      ("w3", (256, 256)))}
    nodes = [kt.node("matmul", ["x", "w1"], ["m1"]),
             kt.node("relu", ["m1"], ["h1"]),
             kt.node("matmul", ["h1", "w2"], ["m2"]),
             kt.node("tanh", ["m2"], ["h2"]),
             kt.node("add", ["h2", "h1"], ["h3"]),
             kt.node("matmul", ["h3", "w3"], ["m3"]),
             kt.node("relu", ["m3"], ["h4"]),
             kt.node("add", ["h4", "h1"], ["y"])]
    g = kt.graph([kt.inp("x", "f32", [64, 256])], nodes, ["y"],
                 constants=[kt.const(n, a) for n, a in w.items()])

    def ref(i):
        h1 = np.maximum(i["x"] @ w["w1"], 0)
        h3 = np.tanh(h1 @ w["w2"]) + h1
        return np.maximum(h3 @ w["w3"], 0) + h1
    return g, ref


def check_plan(s, name, gpath):
    """kiln inspect's plan is within [peak, 1.1 peak]; the object file has no
    allocator calls."""
    s.checks += 1
    r = s.exec(["inspect", gpath])
    m = WORKSPACE.search(r.stdout)
    if r.rc != 0 or not m:
        s.fail(name, "inspect", "no workspace line (exit %d)" % r.rc, r.cmd,
               r.stdout + r.stderr, hard=True)
        return
    size, count, total, peak = map(int, m.groups())
    if count == 0 or peak == 0:
        s.fail(name, "inspect", "nothing planned: %s" % m.group(0), r.cmd)
    elif not peak <= size <= 1.1 * peak:
        s.fail(name, "inspect", "workspace %d B not within [%d, %d] B (peak "
               "live bytes and 1.1x it)" % (size, peak, int(1.1 * peak)),
               r.cmd)
    elif size > total:
        s.fail(name, "inspect", "workspace %d B exceeds the %d B of all its "
               "buffers" % (size, total), r.cmd)
    if "allocated at run time" in r.stdout:
        s.fail(name, "inspect", "static graph allocates at run time", r.cmd,
               r.stdout)

    s.checks += 1
    obj = gpath[:-len(".json")] + ".o"
    r = s.exec(["compile", gpath, "-o", obj])
    if r.rc != 0:
        s.fail(name, "compile", "kiln compile exited %d" % r.rc, r.cmd,
               r.stderr, hard=True)
        return
    nm = subprocess.run([NM, "-u", obj], stdout=subprocess.PIPE, text=True)
    undefined = {line.split()[-1] for line in nm.stdout.splitlines() if line}
    if undefined & ALLOCATORS:
        s.fail(name, "object", "calls %s" % sorted(undefined & ALLOCATORS),
               [NM, "-u", obj], nm.stdout)


def main():
    s = kt.Suite("memory_plan")
    cases = []
    g, w = load_example("cnn")
    cases.append(("cnn", pinned(g, {"image": (2, 3, 32, 32)}),
                  {"image": kt.rand((2, 3, 32, 32))}, cnn_ref(w), 1e-6))
    g, w = load_example("transformer")
    cases.append(("transformer", pinned(g, {"x": (16, 64)}),
                  {"x": kt.rand((16, 64))}, transformer_ref(w), 1e-5))
    g, ref = residual_mlp()
    cases.append(("residual_mlp", g, {"x": kt.rand((64, 256))}, ref, 1e-5))
    for name, g, inputs, ref, atol in cases:
        s.case(name, g, inputs, ref, rtol=1e-4, atol=atol, modes=("compiled",))
        check_plan(s, name, s.write_graph(os.path.join(s.work, name), g))
    s.finish()


if __name__ == "__main__":
    main()
