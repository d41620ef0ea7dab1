"""Bad `kiln run` inputs: each must exit 1 with an `error:` message that names
the input and the problem, never crash, for a compiled artifact (.so), a graph
compiled on the fly, and --eager.

usage: errors.py KILN_BIN_DIR [WORK_DIR]
"""
import os

import numpy as np

import kiln_testing as kt

s = kt.Suite("errors")
d = s.work

F32 = np.float32


def write(name, data):
    p = os.path.join(d, name)
    if isinstance(data, bytes):
        with open(p, "wb") as f:
            f.write(data)
    else:
        np.save(p, data)
    return p


def graph_file(name, g):
    sub = os.path.join(d, name)
    os.makedirs(sub)
    return s.write_graph(sub, g)


# x: f32 [N, 4], y: f32 [N, 4] -> z = x + y; s: f32 [] scalar; k: i32 [2, 3]
g = kt.graph([kt.inp("x", "f32", ["N", 4]), kt.inp("y", "f32", ["N", 4]),
              kt.inp("s", "f32", []), kt.inp("k", "i32", [2, 3])],
             [kt.node("add", ["x", "y"], "z0"),
              kt.node("mul", ["z0", "s"], "z"),
              kt.node("neg", ["k"], "kn")], ["z", "kn"])
gpath = graph_file("graph", g)
so = os.path.join(d, "graph.so")
r = s.exec(["compile", gpath, "--emit", "shared", "-o", so])
if r.rc != 0:
    s.fail("setup", "compile", "kiln compile exited %d" % r.rc, r.cmd,
           r.stderr)

good = {"x": write("x.npy", kt.rand((3, 4))),
        "y": write("y.npy", kt.rand((3, 4))),
        "s": write("s.npy", np.array(1.5, F32)),
        "k": write("k.npy", kt.rand((2, 3), np.int32))}
raw = open(good["x"], "rb").read()
bad = {
    "x_dim": write("x_dim.npy", kt.rand((3, 5))),
    "x_rank3": write("x_rank3.npy", kt.rand((3, 4, 1))),
    "x_rank1": write("x_rank1.npy", kt.rand((12,))),
    "x_f64": write("x_f64.npy", kt.rand((3, 4), np.float64)),
    "x_i32": write("x_i32.npy", kt.rand((3, 4), np.int32)),
    "s_rank1": write("s_rank1.npy", np.array([1.5], F32)),
    "k_dim": write("k_dim.npy", kt.rand((3, 2), np.int32)),
    "k_i64": write("k_i64.npy", kt.rand((2, 3), np.int64)),
    "k_f32": write("k_f32.npy", kt.rand((2, 3), F32)),
    "y_N2": write("y_N2.npy", kt.rand((2, 4))),
    "garbage": write("garbage.npy", b"this is not an npy file " * 4),
    "empty": write("empty.npy", b""),
    "trunc_data": write("trunc_data.npy", raw[:-8]),
    "trunc_header": write("trunc_header.npy", raw[:20]),
    "bad_header": write("bad_header.npy", raw[:10] + b"{'descr': <f4, 'nonsense" +
                        raw[34:]),
    "complex": write("complex.npy", np.ones((3, 4), np.complex64)),
    "strings": write("strings.npy", np.array([["ab"] * 4] * 3)),
}
missing = os.path.join(d, "does_not_exist.npy")
outdir = os.path.join(d, "out")
os.makedirs(outdir)


def inputs(**over):
    files = dict(good)
    files.update(over)
    args = []
    for name, path in files.items():
        if path is None:
            continue
        args += ["--input", "%s=%s" % (name, path)]
    return args


def named(name):
    return ["'%s'" % name, '"%s"' % name, "input %s" % name]


CASES = [
    # (case, --input args, must_contain, any_of)
    ("wrong_static_dim", inputs(x=bad["x_dim"]), ["5"], named("x")),
    ("wrong_static_dim_no_symbols", inputs(k=bad["k_dim"]), [], named("k")),
    ("wrong_rank_more", inputs(x=bad["x_rank3"]), ["rank"], named("x")),
    ("wrong_rank_fewer", inputs(x=bad["x_rank1"]), ["rank"], named("x")),
    ("wrong_rank_scalar", inputs(s=bad["s_rank1"]), ["rank"], named("s")),
    ("wrong_dtype_f64", inputs(x=bad["x_f64"]), ["f64", "f32"], named("x")),
    ("wrong_dtype_i32", inputs(x=bad["x_i32"]), ["i32", "f32"], named("x")),
    ("wrong_dtype_i64_for_i32", inputs(k=bad["k_i64"]), ["i64", "i32"],
     named("k")),
    ("wrong_dtype_f32_for_i32", inputs(k=bad["k_f32"]), ["f32", "i32"],
     named("k")),
    ("missing_input", inputs(y=None), ["missing"], named("y")),
    ("no_inputs_at_all", [], ["missing"], None),
    ("unknown_input", inputs() + ["--input", "w=" + good["x"]], ["unknown"],
     named("w")),
    ("duplicate_input", inputs() + ["--input", "x=" + good["x"]], [],
     named("x")),
    ("malformed_input_flag", inputs() + ["--input", "x"], [], None),
    ("garbage_npy", inputs(x=bad["garbage"]), ["garbage.npy"], named("x")),
    ("empty_npy", inputs(x=bad["empty"]), ["empty.npy"], named("x")),
    ("missing_npy", inputs(x=missing), ["does_not_exist.npy"], named("x")),
    ("truncated_data", inputs(y=bad["trunc_data"]), ["trunc_data.npy"],
     named("y")),
    ("truncated_header", inputs(y=bad["trunc_header"]), ["trunc_header.npy"],
     named("y")),
    ("corrupt_header", inputs(x=bad["bad_header"]), ["bad_header.npy"],
     named("x")),
    ("unsupported_dtype_complex", inputs(x=bad["complex"]), [], named("x")),
    ("unsupported_dtype_string", inputs(x=bad["strings"]), [], named("x")),
    ("inconsistent_symbolic_dim", inputs(y=bad["y_N2"]), ["N"], named("y")),
    ("directory_as_npy", inputs(x=d), [], named("x")),
]

MODES = [("so", [so], []), ("graph", [gpath], []),
         ("eager", [gpath], ["--eager"])]
for mode, target, extra in MODES:
    for name, args, must, any_of in CASES:
        r = s.expect_error("%s.%s" % (name, mode),
                           ["run"] + target + extra + args +
                           ["--output-dir", outdir],
                           must_contain=must, any_of=any_of, mode=mode)

# Other invocation errors. A missing output directory is created (like
# `mkdir -p`); one that cannot be created is an error.
not_a_dir = write("plain_file", b"not a directory")
for mode, target, extra in MODES:
    s.expect_error("uncreatable_output_dir.%s" % mode,
                   ["run"] + target + extra + inputs() +
                   ["--output-dir", os.path.join(not_a_dir, "sub")],
                   must_contain=["plain_file", "cannot create output directory"],
                   mode=mode)
s.expect_error("artifact_not_found", ["run", os.path.join(d, "nope.so")] +
               inputs() + ["--output-dir", outdir], must_contain=["nope.so"])
garbage_so = write("garbage.so", b"\x7fELF but not really" * 10)
s.expect_error("artifact_garbage", ["run", garbage_so] + inputs() +
               ["--output-dir", outdir], must_contain=["garbage.so"])
s.expect_error("graph_not_found", ["run", os.path.join(d, "nope.json")] +
               inputs() + ["--output-dir", outdir], must_contain=["nope.json"])
s.expect_error("graph_not_found.eager",
               ["run", os.path.join(d, "nope.json"), "--eager"] + inputs() +
               ["--output-dir", outdir], must_contain=["nope.json"])
s.expect_error("eager_needs_graph", ["run", so, "--eager"] + inputs() +
               ["--output-dir", outdir], must_contain=["eager"])

# Inputs a correct implementation may either accept (with correct results)
# or reject with a clean error: Fortran order, big-endian data, N = 0.
xs = kt.rand((3, 4))
ys = kt.rand((3, 4))
k = np.load(good["k"])
odd = {
    "fortran_order": {"x": write("x_fortran.npy", np.asfortranarray(xs))},
    "big_endian": {"x": write("x_be.npy", xs.astype(">f4"))},
    "N_zero": {"x": write("x_n0.npy", np.zeros((0, 4), F32)),
               "y": write("y_n0.npy", np.zeros((0, 4), F32))},
}
for name, over in odd.items():
    for mode, target, extra in MODES:
        s.cases += 1
        case = "%s.%s" % (name, mode)
        od = os.path.join(d, "out_" + case)
        os.makedirs(od)
        r = s.exec(["run"] + target + extra + inputs(**over) +
                    ["--output-dir", od])
        s.checks += 1
        if r.crashed() or r.rc not in (0, 1):
            s.fail(case, mode, "exit status %d (crash?)" % r.rc, r.cmd,
                   "stderr: " + r.stderr)
        elif r.rc == 1:
            if "error:" not in r.stderr:
                s.fail(case, mode, "exit 1 without 'error:'", r.cmd, r.stderr)
        else:
            x = np.load(over["x"]).astype(np.float64)
            y = np.load(over.get("y", good["y"])).astype(np.float64)
            want_z = ((x + y) * 1.5).astype(F32)
            try:
                z = np.load(os.path.join(od, "z.npy"))
                kn = np.load(os.path.join(od, "kn.npy"))
                assert z.dtype == F32 and z.shape == want_z.shape, \
                    "z: %s %s" % (z.dtype, z.shape)
                np.testing.assert_allclose(z, want_z, rtol=1e-5, atol=1e-6)
                np.testing.assert_array_equal(kn, -k)
            except Exception as e:  # noqa: BLE001
                s.fail(case, mode, "accepted but wrong: %s" % e, r.cmd)

s.finish()
