"""Kiln's benchmark suite: Kiln against ONNX Runtime (CPU) and, for the
matrix product, NumPy on OpenBLAS, at 1 and 2 threads, interleaved.

    /usr/bin/python3 bench/run.py [--kiln build/bin/kiln] [--quick] ...

(`make bench` runs it after building.) For each model of bench/models.py:

  1. kiln compile model.onnx --emit shared -o model.so (errors are reported
     in the model's rows; the other engines still run);
  2. a check run of each engine: Kiln's, ORT's and NumPy's outputs on the
     same input must agree (max |difference| is in the table);
  3. R rounds; in each, for each thread count, every engine times N runs in
     its own process, in process, after warming up: `kiln run model.so
     --repeat N --threads T` (its last line), bench/ort_bench.js (node,
     onnxruntime-node, intraOpNumThreads=T), bench/blas_bench.py
     (OPENBLAS_NUM_THREADS=T). The engines' order alternates between rounds.
     N is chosen per model and engine from the check run so that one round
     takes about --budget seconds of timed work.

Each row's median is the median of the rounds' medians; min and max are over
every timed run. The table is printed, and written with the machine's
description to bench/RESULTS.md (--results). Exit status: 0, or 1 when an
engine's output disagrees with another's or a peer (ORT, NumPy) fails.
"""

import argparse
import datetime
import json
import os
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import models as bench_models  # noqa: E402

ORT_VERSION = "1.30.0"
LATENCY_RE = re.compile(
    r"^latency_us median=([0-9.]+) min=([0-9.]+) max=([0-9.]+)$")

# Targets: Kiln's speed-up over ORT (ORT latency / Kiln latency) at the same
# thread count; for the matrix product also Kiln's GFLOP/s over OpenBLAS's.
TARGETS = {
    "mlp_b1": {"ort": 2.0},
    "mlp_b64": {"ort": 1.0},
    "elementwise_chain": {"ort": 2.0},
    "cnn": {"ort": 1.25},
    "transformer": {"ort": 1.25},
    "matmul_1024": {"ort": 1.0, "blas": 0.9},
}

# Outputs agree when max|a - b| <= ATOL + RTOL * max|b|.
ATOL, RTOL = 1e-3, 1e-3


def log(message):
    print(message, file=sys.stderr, flush=True)


def short_error(text, limit=300):
    """The first diagnostic line of an engine's stderr."""
    lines = [l.strip() for l in text.strip().splitlines() if l.strip()]
    for l in lines:
        if "error" in l.lower():
            return l[:limit]
    return (lines[0] if lines else "no output")[:limit]


class EngineError(Exception):
    pass


def run_process(cmd, timeout, env=None):
    try:
        p = subprocess.run(cmd, capture_output=True, text=True,
                           timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        raise EngineError(f"timed out after {timeout:.0f} s")
    if p.returncode != 0:
        what = (f"crashed (signal {-p.returncode})" if p.returncode < 0
                else f"exit {p.returncode}")
        raise EngineError(f"{what}: {short_error(p.stderr)}")
    return p.stdout


# --- engines -----------------------------------------------------------------

class Kiln:
    name = "Kiln"

    def __init__(self, binary):
        self.binary = binary

    def compile(self, model, timeout):
        so = os.path.join(model["dir"], "model.so")
        if os.path.exists(so):
            os.remove(so)
        start = time.monotonic()
        run_process([self.binary, "compile", model["onnx"], "--emit",
                     "shared", "-o", so], timeout)
        model["so"] = so
        return time.monotonic() - start

    def time(self, model, threads, runs, timeout, output_dir=None):
        cmd = [self.binary, "run", model["so"], "--repeat", str(runs),
               "--threads", str(threads), "--output-dir",
               output_dir or os.path.join(model["dir"], "kiln-scratch")]
        for name, path in model["inputs"].items():
            cmd += ["--input", f"{name}={path}"]
        out = run_process(cmd, timeout)
        lines = [l for l in out.splitlines() if l.strip()]
        m = LATENCY_RE.match(lines[-1]) if lines else None
        if not m:
            raise EngineError(f"no latency line in kiln run's output: "
                              f"{lines[-1] if lines else '(empty)'}")
        return {"median_us": float(m.group(1)), "min_us": float(m.group(2)),
                "max_us": float(m.group(3)), "runs": runs}


class Ort:
    name = "ORT"

    def __init__(self, node):
        self.node = node

    def time(self, model, threads, runs, timeout, output_dir=None):
        cmd = [self.node, os.path.join(HERE, "ort_bench.js"),
               model["onnx"], "--threads", str(threads), "--runs", str(runs)]
        for name, path in model["inputs"].items():
            cmd += ["--input", f"{name}={path}"]
        if output_dir:
            cmd += ["--output-dir", output_dir]
        return json.loads(run_process(cmd, timeout).strip().splitlines()[-1])


class Blas:
    name = "BLAS"

    def env(self, threads):
        env = dict(os.environ)
        # OpenBLAS chooses its kernels and blocking for this CPU itself.
        env.pop("OPENBLAS_CORETYPE", None)
        env.pop("OPENBLAS_L2_SIZE", None)
        env["OPENBLAS_NUM_THREADS"] = str(threads)
        return env

    def time(self, model, threads, runs, timeout, output_dir=None):
        a, b = (model["inputs"][k] for k in ("a", "b"))
        cmd = ["/usr/bin/python3", os.path.join(HERE, "blas_bench.py"), a, b,
               "--warmup", "2", "--runs", str(runs)]
        if output_dir:
            cmd += ["--output-dir", output_dir]
        return json.loads(run_process(cmd, timeout, self.env(threads))
                          .strip().splitlines()[-1])


def ensure_ort(node_modules_parent):
    """onnxruntime-node@1.30.0 in bench/node_modules (installed once)."""
    pkg = os.path.join(node_modules_parent, "node_modules", "onnxruntime-node",
                       "package.json")
    if os.path.exists(pkg):
        with open(pkg) as f:
            if json.load(f).get("version") == ORT_VERSION:
                return
    npm = shutil.which("npm")
    if not npm:
        sys.exit("bench: error: npm is not installed (Debian: apt-get install "
                 "npm)")
    log(f"bench: installing onnxruntime-node@{ORT_VERSION} into "
        f"{node_modules_parent}/node_modules")
    subprocess.run([npm, "install", "--ignore-scripts", "--no-save",
                    "--no-audit", "--no-fund", "--loglevel=error",
                    f"onnxruntime-node@{ORT_VERSION}"],
                   cwd=node_modules_parent, check=True)


# --- measurement -------------------------------------------------------------

def compare(a_path, b_path):
    """max|a - b| and whether it is within tolerance."""
    a, b = np.load(a_path).astype(np.float64), np.load(b_path).astype(
        np.float64)
    if a.shape != b.shape:
        return float("inf"), False, f"shapes differ: {a.shape} vs {b.shape}"
    diff = float(np.max(np.abs(a - b))) if a.size else 0.0
    if not np.all(np.isfinite(a)) or not np.all(np.isfinite(b)):
        return diff, False, "non-finite values"
    ok = diff <= ATOL + RTOL * float(np.max(np.abs(b)) if b.size else 0)
    return diff, ok, None


def runs_for(seconds_per_run, budget, min_runs, max_runs):
    if seconds_per_run <= 0:
        return max_runs
    return int(max(min_runs, min(max_runs, round(budget / seconds_per_run))))


def aggregate(rounds):
    """Median of the rounds' medians; min and max over every run."""
    return {"median_us": statistics.median(r["median_us"] for r in rounds),
            "min_us": min(r["min_us"] for r in rounds),
            "max_us": max(r["max_us"] for r in rounds),
            "runs": sum(r["runs"] for r in rounds), "rounds": len(rounds)}


def bench_model(model, engines, args, problems):
    """Returns one row per thread count for `model`."""
    name = model["name"]
    kiln, ort, blas = engines
    peers = [ort] + ([blas] if model["gflop"] else [])
    rows = {t: {"model": name, "description": model["description"],
                "threads": t, "gflop": model["gflop"], "errors": {},
                "results": {}, "diff": {}} for t in args.threads}

    def error(engine, message):
        log(f"bench: {name}: {engine}: {message}")
        for row in rows.values():
            row["errors"].setdefault(engine, message)

    # Compile.
    active = []
    try:
        seconds = kiln.compile(model, args.timeout)
        log(f"bench: {name}: compiled in {seconds:.1f} s")
        for row in rows.values():
            row["compile_s"] = seconds
        active.append(kiln)
    except EngineError as e:
        error("Kiln", f"kiln compile: {e}")
    active += peers

    # Check runs: outputs, and the cost of one run (the smallest thread
    # count, the slowest).
    per_run = {}
    outputs = {}
    t0 = min(args.threads)
    for engine in list(active):
        out_dir = os.path.join(model["dir"], "out-" + engine.name.lower())
        shutil.rmtree(out_dir, ignore_errors=True)
        try:
            r = engine.time(model, t0, 1, args.timeout, output_dir=out_dir)
            per_run[engine.name] = r["median_us"] / 1e6
            outputs[engine.name] = out_dir
        except EngineError as e:
            error(engine.name, f"check run: {e}")
            active.remove(engine)
            if engine is not kiln:
                problems.append(f"{name}: {engine.name} failed: {e}")
    out_name = model["outputs"][0]
    if "Kiln" in outputs:
        for peer in ("ORT", "BLAS"):
            if peer not in outputs:
                continue
            diff, ok, why = compare(
                os.path.join(outputs["Kiln"], out_name + ".npy"),
                os.path.join(outputs[peer], out_name + ".npy"))
            for row in rows.values():
                row["diff"][peer] = (diff, ok, why)
            if not ok:
                message = (f"{name}: Kiln's output differs from {peer}'s: "
                           f"max|diff| = {diff:.3g}" +
                           (f" ({why})" if why else ""))
                log("bench: MISMATCH: " + message)
                problems.append(message)

    runs = {e.name: runs_for(per_run[e.name], args.budget, args.min_runs,
                             args.max_runs) for e in active}
    if active:
        log(f"bench: {name}: runs per round: " +
            ", ".join(f"{k} {v}" for k, v in runs.items()))

    # Interleaved rounds.
    for rnd in range(args.rounds):
        order = active if rnd % 2 == 0 else list(reversed(active))
        for t in args.threads:
            for engine in order:
                row = rows[t]
                if engine.name in row["errors"]:
                    continue
                timeout = max(args.timeout,
                              10 * runs[engine.name] * per_run[engine.name])
                try:
                    r = engine.time(model, t, runs[engine.name], timeout)
                    row["results"].setdefault(engine.name, []).append(r)
                    if engine is blas:
                        row["blas_info"] = {k: r[k] for k in (
                            "numpy_version", "openblas_config",
                            "openblas_core", "blas_library")}
                    if engine is ort:
                        row["ort_version"] = r["ort_version"]
                except EngineError as e:
                    row["errors"][engine.name] = f"round {rnd + 1}: {e}"
                    log(f"bench: {name} T={t}: {engine.name}: {e}")
                    if engine is not kiln:
                        problems.append(f"{name} T={t}: {engine.name}: {e}")
    for row in rows.values():
        row["stats"] = {k: aggregate(v) for k, v in row["results"].items()
                        if k not in row["errors"]}
        evaluate(row)
    return list(rows.values())


def evaluate(row):
    """Speed-ups and whether the row's targets are met."""
    s = row["stats"]
    target = TARGETS.get(row["model"], {})
    row["speedup"] = {}
    for peer in ("ORT", "BLAS"):
        if "Kiln" in s and peer in s:
            row["speedup"][peer] = s[peer]["median_us"] / s["Kiln"]["median_us"]
    verdicts = []
    for key, peer in (("ort", "ORT"), ("blas", "BLAS")):
        if key not in target:
            continue
        if peer in row["speedup"]:
            verdicts.append(row["speedup"][peer] >= target[key])
        else:
            verdicts.append(None)
    if any(ok is False for (_, ok, _) in row["diff"].values()):
        row["met"] = "mismatch"
    elif "Kiln" in row["errors"]:
        row["met"] = "error"
    elif not verdicts or None in verdicts:
        row["met"] = "n/a"
    else:
        row["met"] = "met" if all(verdicts) else "not met"


# --- reporting ---------------------------------------------------------------

def fmt_us(stat):
    def one(v):
        return f"{v:.0f}" if v >= 100 else f"{v:.1f}"
    return (f"{one(stat['median_us'])} ({one(stat['min_us'])}–"
            f"{one(stat['max_us'])})")


def fmt_ratio(r):
    return f"{r:.2f}×" if r >= 0.1 else f"{r:.2g}×"


def gflops(row, engine):
    stat = row["stats"].get(engine)
    if not stat or not row["gflop"]:
        return None
    return row["gflop"] / (stat["median_us"] / 1e6)


def target_text(model):
    t = TARGETS.get(model, {})
    parts = []
    if "ort" in t:
        parts.append(f"≥{t['ort']:g}× ORT")
    if "blas" in t:
        parts.append(f"≥{t['blas']:g}× BLAS GFLOP/s")
    return ", ".join(parts)


HEADER = ["model", "T", "Kiln µs median (min–max)",
          "ORT µs median (min–max)", "Kiln vs ORT",
          "BLAS µs median (min–max)", "Kiln vs BLAS", "GFLOP/s Kiln / BLAS",
          "max abs Δ vs ORT", "target", "met?"]


def table_rows(rows):
    out = []
    for row in rows:
        cells = [row["model"], str(row["threads"])]
        for engine, with_speedup in (("Kiln", False), ("ORT", True),
                                     ("BLAS", True)):
            if engine in row["stats"]:
                cells.append(fmt_us(row["stats"][engine]))
            elif engine in row["errors"]:
                cells.append("error")
            else:
                cells.append("–")
            if with_speedup:
                sp = row["speedup"].get(engine)
                cells.append(fmt_ratio(sp) if sp is not None else "–")
        k, b = gflops(row, "Kiln"), gflops(row, "BLAS")
        cells.append(f"{k:.1f} / {b:.1f}" if k and b else
                     (f"{k:.1f} / –" if k else ("– / " + f"{b:.1f}" if b
                                                 else "–")))
        d = row["diff"].get("ORT")
        cells.append(f"{d[0]:.2g}" if d else "–")
        cells.append(target_text(row["model"]))
        cells.append(row["met"])
        out.append(cells)
    return out


def print_table(rows):
    data = [HEADER] + table_rows(rows)
    widths = [max(len(r[i]) for r in data) for i in range(len(HEADER))]
    for n, r in enumerate(data):
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
        if n == 0:
            print("  ".join("-" * w for w in widths))
    for e in error_list(rows):
        print(e)


def error_list(rows):
    """`model (T=1, 2): engine: message`, one line per distinct error."""
    grouped = {}
    for row in rows:
        for engine, message in row["errors"].items():
            grouped.setdefault((row["model"], engine, message), []).append(
                str(row["threads"]))
    return [f"{model} (T={', '.join(ts)}): {engine}: {message}"
            for (model, engine, message), ts in grouped.items()]


def markdown_table(rows):
    lines = ["| " + " | ".join(HEADER) + " |",
             "|" + "|".join("---" for _ in HEADER) + "|"]
    for cells in table_rows(rows):
        lines.append("| " + " | ".join(c.replace("|", "\\|")
                                       for c in cells) + " |")
    return "\n".join(lines)


def cpu_info():
    model, flags = "unknown", set()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                key = key.strip()
                if key == "model name" and model == "unknown":
                    model = value.strip()
                elif key == "flags" and not flags:
                    flags = set(value.split())
    except OSError:
        pass
    wanted = ["avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl",
              "avx512_vnni", "avx512_bf16", "amx_tile"]
    return model, [f for f in wanted if f in flags]


def git_revision():
    try:
        rev = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short",
                              "HEAD"], capture_output=True, text=True,
                             check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain",
                                "--untracked-files=no"], capture_output=True,
                               text=True).stdout.strip()
        return rev + (" (with uncommitted changes)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


ANALYSIS_BEGIN = "<!-- analysis:begin (kept when RESULTS.md is regenerated) -->"
ANALYSIS_END = "<!-- analysis:end -->"


def kept_analysis(path):
    try:
        with open(path) as f:
            text = f.read()
    except OSError:
        return None
    i, j = text.find(ANALYSIS_BEGIN), text.find(ANALYSIS_END)
    if i < 0 or j < i:
        return None
    return text[i + len(ANALYSIS_BEGIN):j].strip("\n")


def write_results(path, rows, info):
    model, flags = cpu_info()
    ort_version = next((r["ort_version"] for r in rows if "ort_version" in r),
                       "not run")
    blas = next((r["blas_info"] for r in rows if "blas_info" in r), None)
    unmet = [r for r in rows if r["met"] != "met"]
    analysis = kept_analysis(path) or (
        "_To be written: why each row above misses its target, and what "
        "would close the gap._")
    lines = [
        "# Kiln benchmark results",
        "",
        f"Generated by `make bench` (here: `{info['command']}`) on "
        f"{info['date']}. Do not edit the tables by hand: rerun "
        "`make bench`; only the analysis section below is kept.",
        "",
        "Latencies are in microseconds, timed in process per call (not "
        "process start-up): median of the rounds' medians, (min–max) over "
        "every timed run. *Kiln vs X* is X's median latency over Kiln's "
        "(above 1: Kiln is faster; for the matrix product it equals Kiln's "
        "GFLOP/s over X's). T is the thread count of every engine. "
        "See [README.md](README.md) for the method.",
        "",
        "## Results",
        "",
        markdown_table(rows),
        "",
    ]
    errors = error_list(rows)
    if errors:
        lines += ["Errors:", ""] + ["- " + e for e in errors] + [""]
    lines += [
        "## Machine and versions",
        "",
        f"- CPU: {model}; {info['cpus']} CPUs online; flags: "
        f"{', '.join(flags) or 'none of avx/avx2/avx512'}",
        f"- OpenBLAS: "
        + (f"{blas['openblas_config']} (core {blas['openblas_core']}), "
           f"`{blas['blas_library']}`; NumPy {blas['numpy_version']}"
           if blas else "not run"),
        f"- ONNX Runtime: onnxruntime-node {ort_version} (CPU execution "
        f"provider), Node.js {info['node']}",
        f"- Kiln: {info['kiln_revision']}; `kiln compile M.onnx --emit "
        f"shared` (host CPU, -O2)",
        f"- OS: {platform.platform()}; Python {platform.python_version()}",
        f"- Load average before / after: {info['load_before']} / "
        f"{info['load_after']}",
        f"- Rounds: {info['rounds']}, about {info['budget']:g} s of timed "
        f"runs per engine per round; total wall time "
        f"{info['elapsed']:.0f} s",
        "",
        "Runs per round (from each model's check run):",
        "",
    ]
    for row in rows:
        if row["threads"] != min(r["threads"] for r in rows):
            continue
        parts = [f"{e} {s['runs'] // max(1, s['rounds'])}"
                 for e, s in row["stats"].items()]
        compile_s = (f"; Kiln compile {row['compile_s']:.1f} s"
                     if "compile_s" in row else "")
        lines.append(f"- {row['model']} ({row['description']}): "
                     f"{', '.join(parts) or 'none'}{compile_s}")
    lines += [
        "",
        "## Where targets are not met",
        "",
    ]
    if unmet:
        for row in unmet:
            sp = ", ".join(f"{fmt_ratio(v)} {k}"
                           for k, v in row["speedup"].items())
            lines.append(f"- {row['model']} at {row['threads']} thread(s): "
                         f"{row['met']} (target {target_text(row['model'])}"
                         f"; measured {sp or 'nothing'})")
    else:
        lines.append("Every target is met.")
    lines += ["", "### Analysis", "", ANALYSIS_BEGIN, analysis, ANALYSIS_END,
              ""]
    with open(path, "w") as f:
        f.write("\n".join(lines))


def load_average():
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "unknown"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--kiln", default=os.path.join(ROOT, "build", "bin", "kiln"))
    p.add_argument("--out", default=os.path.join(HERE, "out"),
                   help="models, artifacts and outputs (default bench/out)")
    p.add_argument("--results", default=os.path.join(HERE, "RESULTS.md"),
                   help="the Markdown report ('' for none)")
    p.add_argument("--models", default="",
                   help="comma-separated subset of: " +
                   ", ".join(m[0] for m in bench_models.MODELS))
    p.add_argument("--threads", default="1,2")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--budget", type=float, default=1.0,
                   help="seconds of timed runs per engine per round")
    p.add_argument("--min-runs", type=int, default=3)
    p.add_argument("--max-runs", type=int, default=5000)
    p.add_argument("--timeout", type=float, default=300,
                   help="seconds for a compile or an engine's process")
    p.add_argument("--quick", action="store_true",
                   help="one round of ~0.2 s per engine (a smoke test)")
    args = p.parse_args()
    if args.quick:
        args.rounds, args.budget = 1, 0.2
    args.threads = [int(t) for t in args.threads.split(",")]
    if any(t < 1 for t in args.threads) or args.rounds < 1:
        sys.exit("bench: error: --threads and --rounds must be >= 1")
    wanted = [m for m in args.models.split(",") if m]
    unknown = set(wanted) - {m[0] for m in bench_models.MODELS}
    if unknown:
        sys.exit(f"bench: error: unknown model(s): {', '.join(sorted(unknown))}")
    if not os.access(args.kiln, os.X_OK):
        sys.exit(f"bench: error: no kiln binary at {args.kiln} (make build, "
                 f"or give --kiln)")
    node = shutil.which("node")
    if not node:
        sys.exit("bench: error: node is not installed (Debian: apt-get "
                 "install nodejs)")
    ensure_ort(HERE)

    start = time.monotonic()
    info = {
        "command": " ".join(shlex.quote(a) for a in
                            ["/usr/bin/python3", os.path.relpath(
                                os.path.abspath(sys.argv[0]), ROOT)] +
                            sys.argv[1:]),
        "date": datetime.datetime.now().astimezone().strftime(
            "%Y-%m-%d %H:%M %Z"),
        "cpus": os.cpu_count(),
        "node": subprocess.run([node, "--version"], capture_output=True,
                               text=True).stdout.strip(),
        "kiln_revision": git_revision(),
        "load_before": load_average(),
        "rounds": args.rounds, "budget": args.budget,
    }
    model_dir = os.path.join(args.out, "models")
    models = bench_models.build(model_dir, wanted or None)
    engines = (Kiln(os.path.abspath(args.kiln)), Ort(node), Blas())
    rows, problems = [], []
    for model in models:
        log(f"bench: {model['name']}: {model['description']}")
        rows += bench_model(model, engines, args, problems)
    info["load_after"] = load_average()
    info["elapsed"] = time.monotonic() - start

    print()
    print_table(rows)
    if args.results:
        write_results(args.results, rows, info)
        print(f"\nwrote {args.results}")
    if problems:
        print("\nbench: FAILED:\n  " + "\n  ".join(problems))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
