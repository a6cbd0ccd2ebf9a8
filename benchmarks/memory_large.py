"""Peak memory of large mlereg fits, each case in a fresh subprocess.

Run from the repository root (``PYTHONPATH=.``)::

    python -m benchmarks.memory_large                     # every case below, one at a time
    python -m benchmarks.memory_large --models logit --paths array --threads 1
    python -m benchmarks.memory_large --sites 12          # also where the peak comes from

Cases: Logit, Poisson and OLS; the array API ``Model(y, X).fit()`` on X float64 of
2e7 x 5 (intercept column first, as ``python -m benchmarks`` builds it) and the formula
API ``Model.from_formula("y ~ x1 + x2 + x3 + x4", df).fit()`` on a DataFrame of 1e7 rows
(the formula builds a 1e7 x 5 float64 design); the library's row-pass threads (and BLAS)
at 1 and at the default. Seeded data (``benchmarks.make_data``, seed 12345).

Every measurement is a fresh interpreter that builds the data, fits a small warm-up
problem (imports and the compiled kernel loaded outside the window), releases freed heap
to the system, then measures one fit:

- ``rss``: ``getrusage(RUSAGE_SELF).ru_maxrss`` after the fit minus the resident set
  (``VmRSS``) right before it. The high-water mark is reset to the current resident set
  just before the fit (``/proc/self/clear_refs``), so the data generation's own peak does
  not hide the fit's; no tracemalloc in this process.
- ``tracemalloc``: tracemalloc's peak during the fit (numpy's data buffers are traced).
  In a separate process, so tracemalloc's bookkeeping does not count in the RSS figure.
- ``--sites``: a third process traces every Python opcode during the fit and takes a
  tracemalloc snapshot each time the traced memory reaches a new high (by 1% of X);
  it prints the largest live allocation sites (with their call stacks) of the last
  snapshot, i.e. at the highest point seen between opcodes. A peak reached inside a
  single numpy call (a temporary freed before the call returns) is not seen there; the
  output gives the snapshot's total beside the true peak.

Ratios are to ``X.nbytes`` (for the formula path, the n x p float64 design it builds).
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import json
import os
import platform
import resource
import subprocess
import sys
import time

N_ARRAY = 20_000_000
N_FORMULA = 10_000_000
P = 5  # intercept + x1..x4
FORMULA = "y ~ x1 + x2 + x3 + x4"
MODELS = ("logit", "poisson", "ols")
PATHS = ("array", "formula")
MIB = 2**20


def _rss_now() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def _reset_hwm() -> bool:
    """Reset the resident-set high-water mark (ru_maxrss) to the current RSS."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _trim() -> None:
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


# --- one measurement (child process) ----------------------------------------------------
def child(kind: str, path: str, threads: str, mode: str, sites: int) -> dict:
    import numpy as np

    import mlereg as mr
    from benchmarks.__main__ import frame_of, make_data

    if threads == "1":
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
        mr.set_num_threads(1)
    model = {"logit": mr.Logit, "poisson": mr.Poisson, "ols": mr.OLS}[kind]

    # warm-up: imports, compiled kernel, formula machinery, outside the window
    Xw, yw = make_data(kind, 2000, P, seed=1)
    if path == "array":
        model(yw, Xw).fit()
    else:
        dfw, fw = frame_of(Xw, yw)
        model.from_formula(fw, dfw).fit()
    del Xw, yw

    n = N_ARRAY if path == "array" else N_FORMULA
    X, y = make_data(kind, n, P)
    x_nbytes = X.nbytes  # the formula path's design is the same n x p float64 shape
    if path == "array":
        fit = lambda: model(y, X).fit()  # noqa: E731
    else:
        df, formula = frame_of(X, y)
        assert formula == FORMULA, formula
        del X, y  # the DataFrame holds its own copies of the columns
        fit = lambda: model.from_formula(FORMULA, df).fit()  # noqa: E731

    _trim()
    out: dict = {
        "kind": kind,
        "path": path,
        "threads": threads,
        "mode": mode,
        "n": n,
        "p": P,
        "x_nbytes": x_nbytes,
        "row_threads": mr.get_num_threads(),
    }
    if mode == "rss":
        rss0 = _rss_now()
        out["hwm_reset"] = _reset_hwm()
        out["maxrss_before"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        t0 = time.perf_counter()
        res = fit()
        out["seconds"] = time.perf_counter() - t0
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        out["rss_before"] = rss0
        out["rss_peak"] = peak
        out["value"] = peak - rss0
    elif mode == "tracemalloc":
        import tracemalloc

        tracemalloc.start()
        tracemalloc.reset_peak()
        res = fit()
        out["value"] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    else:  # sites
        out.update(_sites(fit, x_nbytes, sites))
        res = None
    if res is not None:
        out["params"] = [float(v) for v in np.asarray(res.params)]
    out["ratio"] = out.get("value", 0) / x_nbytes
    return out


def _sites(fit, x_nbytes: int, top: int) -> dict:
    import threading
    import tracemalloc

    step = max(x_nbytes // 100, 1)
    state = {"high": 0, "snap": None, "where": ""}

    def tracer(frame, event, arg):
        frame.f_trace_opcodes = True
        if event in ("opcode", "line", "return", "call"):
            cur = tracemalloc.get_traced_memory()[0]
            if cur >= state["high"] + step:
                state["high"] = cur
                state["snap"] = tracemalloc.take_snapshot()
                code = frame.f_code
                state["where"] = f"{code.co_filename}:{frame.f_lineno} ({code.co_name})"
        return tracer

    tracemalloc.start(25)
    tracemalloc.reset_peak()
    threading.settrace(tracer)
    sys.settrace(tracer)
    try:
        fit()
    finally:
        sys.settrace(None)
        threading.settrace(None)
    peak = tracemalloc.get_traced_memory()[1]
    snap = state["snap"]
    tracemalloc.stop()
    lines = []
    if snap is not None:
        snap = snap.filter_traces([tracemalloc.Filter(False, tracemalloc.__file__)])
        stats = snap.statistics("traceback")
        total = sum(s.size for s in snap.statistics("filename"))
        for s in stats[:top]:
            frames = [
                f"{os.path.relpath(f.filename)}:{f.lineno}"
                for f in s.traceback
                if "/mlereg/" in f.filename
            ]
            lines.append(
                {
                    "mib": s.size / MIB,
                    "ratio": s.size / x_nbytes,
                    "count": s.count,
                    "stack": frames[-8:],
                }
            )
    else:
        total = 0
    return {
        "value": peak,
        "snapshot_total": total,
        "snapshot_ratio": total / x_nbytes,
        "snapshot_at": os.path.relpath(state["where"]) if state["where"] else "",
        "sites": lines,
    }


# --- driver ------------------------------------------------------------------------------
def run_one(kind: str, path: str, threads: str, mode: str, sites: int) -> dict:
    cmd = [sys.executable, "-m", "benchmarks.memory_large", "--child"]
    cmd += [kind, path, threads, mode, str(sites)]
    env = dict(os.environ, PYTHONPATH=os.getcwd())
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def machine() -> str:
    import numpy as np

    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            model = next(ln.split(":", 1)[1].strip() for ln in f if "model name" in ln)
    except (OSError, StopIteration):
        pass
    blas = ""
    try:
        from threadpoolctl import threadpool_info

        blas = ", ".join(f"{i.get('internal_api')} {i.get('version')}" for i in threadpool_info())
    except ImportError:
        pass
    return (
        f"{model}, {os.cpu_count()} cpus, Python {platform.python_version()},"
        f" numpy {np.__version__}, BLAS {blas or '?'}"
    )


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        kind, path, threads, mode, sites = argv[1:6]
        print(json.dumps(child(kind, path, threads, mode, int(sites))))
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS)
    ap.add_argument("--paths", nargs="+", default=list(PATHS), choices=PATHS)
    ap.add_argument("--threads", nargs="+", default=["1", "default"])
    ap.add_argument(
        "--sites",
        type=int,
        default=0,
        help="also list this many of the largest allocation sites at the traced peak",
    )
    ap.add_argument("--json", help="append every measurement as a JSON line to this file")
    args = ap.parse_args(argv)

    print(f"# mlereg peak memory  ({machine()})")
    print(f"# array API: X {N_ARRAY:,} x {P}; formula API: {N_FORMULA:,} rows, {FORMULA!r}")
    print("# ratios to X.nbytes; rss = ru_maxrss - RSS before the fit; tm = tracemalloc")
    print()
    print("| model | path | threads | X MiB | rss / X | tracemalloc / X | fit s |")
    print("|---|---|---|---|---|---|---|")
    extra = []
    for kind in args.models:
        for path in args.paths:
            for threads in args.threads:
                r = run_one(kind, path, threads, "rss", 0)
                t = run_one(kind, path, threads, "tracemalloc", 0)
                th = f"{threads} ({r['row_threads']})" if threads == "default" else "1"
                print(
                    f"| {kind} | {path} | {th} | {r['x_nbytes'] / MIB:.0f} |"
                    f" {r['ratio']:.2f} | {t['ratio']:.2f} | {r['seconds']:.1f} |",
                    flush=True,
                )
                if not r["hwm_reset"]:
                    print(f"  (high-water mark not reset: before {r['maxrss_before']})")
                recs = [r, t]
                if args.sites and threads == args.threads[0]:
                    s = run_one(kind, path, threads, "sites", args.sites)
                    extra.append(s)
                    recs.append(s)
                if args.json:
                    with open(args.json, "a") as f:
                        for rec in recs:
                            f.write(json.dumps(rec) + "\n")
    for s in extra:
        print()
        print(
            f"## {s['kind']} {s['path']} threads {s['threads']}: tracemalloc peak"
            f" {s['ratio']:.2f}x X; highest snapshot {s['snapshot_ratio']:.2f}x X"
            f" at {s['snapshot_at']}"
        )
        for site in s["sites"]:
            print(
                f"- {site['ratio']:.2f}x X ({site['mib']:.0f} MiB, {site['count']} blocks):"
                f" {' <- '.join(reversed(site['stack']))}"
            )


if __name__ == "__main__":
    main()
