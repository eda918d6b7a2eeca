"""Benchmark the planner phase by phase on generated instances.

    python benchmarks/run.py                 # every case, ~11 minutes on 2 cores
    python benchmarks/run.py --cases s10 s50 # some cases
    python benchmarks/run.py --quick         # tiny smoke run of the script itself

Each case runs in its own subprocess (so that peak memories do not mix) and
measures, on the instance ``generate_instance(sites, T, 8, 6, seed=1)``:

- validation: ``planner.load_instance`` on the written YAML (YAML read + schema);
- data preparation: ``planner.model.prepare``;
- Pyomo build: ``planner.model.build_model``;
- hand-over to HiGHS, three routes on the same model (with the capacity
  objective): APPSI ``Highs.set_instance``, the newer ``pyomo.contrib.solver``
  ``highs`` ``set_instance``, and Pyomo's standard-form compiler followed by
  ``highspy.Highs.passModel`` from numpy arrays (the route the planner uses; the
  compile and the pass timed apart: ``passModel`` alone is the lower bound of
  any hand-over from arrays);
- the staged solve as ``planner.solver.session.Session`` runs it, at a fixed time limit
  for all stages together, each stage's wall time, HiGHS's own run time, status,
  value, bound and gap;
- reading the plan: ``planner.results.read.read_tables``;
- peak resident memory (``ru_maxrss``) after each phase.

Build phases are the median of 3 runs (1 for the largest case). Results go to
``benchmarks/results/<case>.json`` and ``benchmarks/results/summary.csv``;
``--markdown`` prints the tables of BENCHMARKS.md from the stored results.
"""

from __future__ import annotations

import argparse
import csv
import gc
import json
import math
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"

# name: (sites, periods T, period_months, time limit s, build repeats)
CASES: dict[str, tuple[int, int, int, float, int]] = {
    "s10": (10, 12, 3, 20, 3),
    "s50": (50, 12, 3, 30, 3),
    "s200": (200, 12, 3, 45, 3),
    "s500": (500, 12, 3, 60, 3),
    "s2000": (2000, 12, 3, 300, 1),
    "s50m": (50, 36, 1, 45, 3),
}
QUICK = {"q5": (5, 6, 3, 5, 2)}
TECHNOLOGIES, SOURCES, SEED = 8, 6, 1


# ------------------------------------------------------------------ machine
def machine() -> dict:
    import highspy
    import pyomo

    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem_gb = round(int(line.split()[1]) / 1024**2, 1)
    except OSError:
        pass
    h = highspy.Highs()
    git = subprocess.run(
        ["git", "describe", "--always", "--dirty"], capture_output=True, text=True, cwd=HERE
    ).stdout.strip()
    return {
        "git": git,
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": mem_gb,
        "python": platform.python_version(),
        "pyomo": pyomo.version.version,
        "highspy": h.version() if hasattr(h, "version") else "?",
        "platform": platform.platform(),
    }


def code_state() -> dict:
    """The commit and a digest of the planner's solver files as this case ran
    them (the working tree may hold changes not yet committed)."""
    import hashlib

    root = HERE.parent
    commit = subprocess.run(
        ["git", "describe", "--always", "--dirty"], capture_output=True, text=True, cwd=root
    ).stdout.strip()
    files = sorted((root / "planner").glob("*.py")) + sorted((root / "planner/model").glob("*.py"))
    digest = hashlib.sha256(b"".join(f.read_bytes() for f in files)).hexdigest()[:12]
    return {"commit": commit, "planner_sha256": digest}


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def timed(fn, repeats: int, cpu: list | None = None) -> tuple[float, list[float], object]:
    """Median wall time of ``repeats`` calls, all times, the last result; the
    median CPU time of this process is appended to ``cpu`` when given (on a
    shared machine it shows what the wall time would be without contention)."""
    times, cpu_times, result = [], [], None
    for _ in range(repeats):
        result = None
        gc.collect()
        started, started_cpu = time.perf_counter(), time.process_time()
        result = fn()
        times.append(time.perf_counter() - started)
        cpu_times.append(time.process_time() - started_cpu)
    if cpu is not None:
        cpu.append(statistics.median(cpu_times))
    return statistics.median(times), times, result


def measure(res: dict, key: str, fn, repeats: int):
    """``timed`` stored in ``res``: key (median wall s), key_runs, key_cpu."""
    cpu: list = []
    res[key], res[key + "_runs"], result = timed(fn, repeats, cpu)
    res[key.removesuffix("_s") + "_cpu_s"] = cpu[0]
    return result


# ------------------------------------------------------------- hand-overs
def standard_form_to_highs(model, solve_check: bool = False):
    """Compile with Pyomo's standard-form compiler, assemble numpy arrays and
    pass them to a new highspy.Highs; the three steps timed apart."""
    import highspy
    import numpy as np
    from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

    clock, cpu = time.perf_counter(), time.process_time()
    sf = LinearStandardFormCompiler().write(model, mixed_form=True, set_sense=None)
    compile_s, compile_cpu = time.perf_counter() - clock, time.process_time() - cpu

    clock, cpu = time.perf_counter(), time.process_time()
    inf = highspy.kHighsInf
    ops = np.fromiter((op for _, op in sf.rows), dtype=np.int8, count=len(sf.rows))
    rhs = np.asarray(sf.rhs, dtype=float)
    row_lower = np.where(ops <= 0, rhs, -inf)  # op -1: >= rhs, 0: == rhs, +1: <= rhs
    row_upper = np.where(ops >= 0, rhs, inf)
    cols = sf.columns
    col_lower = np.array([-inf if v.lb is None else v.lb for v in cols], dtype=float)
    col_upper = np.array([inf if v.ub is None else v.ub for v in cols], dtype=float)
    integer = np.array([v.is_integer() for v in cols], dtype=bool)
    A = sf.A.tocsc()
    cost = np.asarray(sf.c.toarray()[0], dtype=float) if sf.c.shape[0] else np.zeros(len(cols))
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = len(cols), len(sf.rows)
    lp.col_cost_, lp.col_lower_, lp.col_upper_ = cost, col_lower, col_upper
    lp.row_lower_, lp.row_upper_ = row_lower, row_upper
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = A.indptr.astype(np.int32)
    lp.a_matrix_.index_ = A.indices.astype(np.int32)
    lp.a_matrix_.value_ = A.data.astype(float)
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = len(cols), len(sf.rows)
    lp.offset_ = float(sf.c_offset[0]) if len(sf.c_offset) else 0.0
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.integrality_ = [
        highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous for i in integer
    ]
    arrays_s, arrays_cpu = time.perf_counter() - clock, time.process_time() - cpu

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    clock, cpu = time.perf_counter(), time.process_time()
    h.passModel(lp)
    pass_s, pass_cpu = time.perf_counter() - clock, time.process_time() - cpu
    if solve_check:  # the same capacity stage from the arrays, for a consistency check
        h.setOptionValue("mip_rel_gap", 1e-4)
        h.run()
        check = h.getInfo().objective_function_value
    else:
        check = None
    return {
        "check_objective": check,
        "compile_s": compile_s,
        "arrays_s": arrays_s,
        "pass_model_s": pass_s,
        "compile_cpu_s": compile_cpu,
        "arrays_cpu_s": arrays_cpu,
        "pass_model_cpu_s": pass_cpu,
        "cols": h.getNumCol(),
        "rows": h.getNumRow(),
        "nonzeros": h.getNumNz(),
    }


def handover_routes(model, repeats: int, solve_check: bool = False) -> dict:
    import pyomo.environ as pyo
    from pyomo.contrib.appsi.solvers import Highs as AppsiHighs
    from pyomo.contrib.solver.solvers.highs import Highs as ContribHighs

    model.objective = pyo.Objective(expr=model.capacity, sense=pyo.maximize)
    out: dict = {}
    measure(out, "appsi_set_instance_s", lambda: AppsiHighs().set_instance(model), repeats)
    measure(out, "contrib_set_instance_s", lambda: ContribHighs().set_instance(model), repeats)
    runs = []
    for _ in range(repeats):
        gc.collect()
        runs.append(standard_form_to_highs(model, solve_check))
    for key in (
        "compile_s",
        "arrays_s",
        "pass_model_s",
        "compile_cpu_s",
        "arrays_cpu_s",
        "pass_model_cpu_s",
    ):
        out["sf_" + key] = statistics.median(r[key] for r in runs)
    out["sf_total_s"] = out["sf_compile_s"] + out["sf_arrays_s"] + out["sf_pass_model_s"]
    out["sf_total_cpu_s"] = (
        out["sf_compile_cpu_s"] + out["sf_arrays_cpu_s"] + out["sf_pass_model_cpu_s"]
    )
    out["size"] = {k: runs[-1][k] for k in ("cols", "rows", "nonzeros")}
    out["check_objective"] = runs[-1]["check_objective"]
    model.del_component("objective")
    return out


# -------------------------------------------------------------- one case
def run_case(name: str, sites: int, periods: int, pm: int, time_limit: float, repeats: int) -> dict:
    import pyomo.environ as pyo

    from planner.io.generate import dump_yaml, generate_instance
    from planner.io.load import load_instance, parse_instance
    from planner.io.reader import read_yaml
    from planner.model import build_model, prepare
    from planner.results.read import read_tables
    from planner.solver.options import SolveOptions
    from planner.solver.session import Session

    res: dict = {
        "code": code_state(),
        "case": name,
        "sites": sites,
        "periods": periods,
        "period_months": pm,
        "technologies": TECHNOLOGIES,
        "sources": SOURCES,
        "seed": SEED,
        "time_limit_s": time_limit,
        "repeats": repeats,
        "peak_mb": {},
    }
    # Warm up: imports and first-call costs (scipy, highspy) are paid once per
    # process, not per model; a tiny session takes them out of the measures.
    Session(parse_instance(generate_instance(2, 4, 2, 2, 0)), SolveOptions(time_limit=1)).run()
    gc.collect()

    tmp = Path(tempfile.mkdtemp(prefix="planner-bench-"))
    path = tmp / f"{name}.yaml"
    clock = time.perf_counter()
    path.write_text(dump_yaml(generate_instance(sites, periods, TECHNOLOGIES, SOURCES, SEED, pm)))
    res["generate_s"] = time.perf_counter() - clock
    res["file_mb"] = path.stat().st_size / 1e6

    # validation
    res["load_average_start"] = os.getloadavg()
    inst = measure(res, "validate_s", lambda: load_instance(path), repeats)
    raw = measure(res, "yaml_read_s", lambda: read_yaml(path), repeats)
    measure(res, "schema_s", lambda: parse_instance(raw, str(path)), repeats)
    res["peak_mb"]["validate"] = peak_mb()

    # data preparation and build
    data = measure(res, "prepare_s", lambda: prepare(inst), repeats)
    model = measure(res, "build_s", lambda: build_model(data), repeats)
    res["peak_mb"]["build"] = peak_mb()
    del model
    gc.collect()

    # the staged solve, as the planner runs it (its own hand-over included)
    clock, cpu = time.perf_counter(), time.process_time()
    session = Session(inst, SolveOptions(time_limit=time_limit, seed=0))
    res["session_init_s"] = time.perf_counter() - clock
    res["session_init_cpu_s"] = time.process_time() - cpu
    res["session_timings"] = dict(session.timings)
    res["peak_mb"]["handover"] = peak_mb()
    clock, clock_cpu = time.perf_counter(), time.process_time()
    status, stages = session.run()
    res["solve_s"] = time.perf_counter() - clock
    res["solve_cpu_s"] = time.process_time() - clock_cpu  # all threads
    res["status"] = status.value
    res["stages"] = [
        {
            "term": st.term,
            "status": st.status.value,
            "value": st.value,
            "bound": st.bound,
            "gap": st.mip_gap,
            "solve_s": st.solve_s,
        }
        for st in stages
    ]
    res["peak_mb"]["solve"] = peak_mb()
    if status.has_plan:
        tables = measure(
            res, "read_s", lambda s=session: read_tables(s.model, s.data, inst), repeats
        )
        cap = tables["capacity"]
        res["capacity_mw"] = float(cap.loc[cap["period"] == session.data.D, "online_mw"].sum())
        res["total_cost"] = float(tables["costs"]["cost_musd"].sum())
        last = stages[-1]
        res["gap"], res["bound"], res["last_stage"] = last.mip_gap, last.bound, last.term
    res["peak_mb"]["read"] = peak_mb()
    del session, stages
    gc.collect()

    # the three hand-over routes on one freshly built model
    model = build_model(data)
    res["routes"] = handover_routes(model, repeats, solve_check=name in QUICK)
    res["size"] = dict(res["routes"]["size"])
    res["size"]["integers"] = sum(
        1 for v in model.component_data_objects(pyo.Var) if v.is_integer()
    )
    res["peak_mb"]["routes"] = peak_mb()
    res["load_average_end"] = os.getloadavg()
    return res


# ------------------------------------------------------------------ driver
def child(name: str, spec: tuple) -> None:
    result = run_case(name, *spec)
    print("RESULT " + json.dumps(result))


def summarize(results: list[dict]) -> list[dict]:
    rows = []
    for r in results:
        first = r["stages"][0] if r.get("stages") else {}
        rows.append(
            {
                "case": r["case"],
                "sites": r["sites"],
                "periods": r["periods"],
                "period_months": r["period_months"],
                "cols": r["size"]["cols"],
                "rows": r["size"]["rows"],
                "nonzeros": r["size"]["nonzeros"],
                "integers": r["size"]["integers"],
                "validate_s": r["validate_s"],
                "prepare_s": r["prepare_s"],
                "build_s": r["build_s"],
                "appsi_set_instance_s": r["routes"]["appsi_set_instance_s"],
                "contrib_set_instance_s": r["routes"]["contrib_set_instance_s"],
                "sf_compile_s": r["routes"]["sf_compile_s"],
                "sf_arrays_s": r["routes"]["sf_arrays_s"],
                "sf_pass_model_s": r["routes"]["sf_pass_model_s"],
                "time_limit_s": r["time_limit_s"],
                "solve_s": r["solve_s"],
                "stages_done": ",".join(s["term"] for s in r["stages"]),
                "first_stage_s": first.get("solve_s"),
                "read_s": r.get("read_s"),
                "status": r["status"],
                "gap": r.get("gap"),
                "bound": r.get("bound"),
                "capacity_mw": r.get("capacity_mw"),
                "peak_mb": max(r["peak_mb"].values()),
                "peak_solve_mb": r["peak_mb"]["solve"],
            }
        )
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cases", nargs="*", help=f"some of {', '.join(CASES)}")
    ap.add_argument("--quick", action="store_true", help="a tiny case, to test this script")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--markdown", action="store_true", help="print tables from stored results")
    args = ap.parse_args()
    cases = QUICK if args.quick else CASES
    if args.child:
        child(args.child, {**CASES, **QUICK}[args.child])
        return
    if args.markdown:
        print_markdown()
        return
    RESULTS.mkdir(parents=True, exist_ok=True)
    names = args.cases or list(cases)
    info = machine()
    info["command"] = "python benchmarks/run.py" + (
        " --quick" if args.quick else (" --cases " + " ".join(names) if args.cases else "")
    )
    (RESULTS / "machine.json").write_text(json.dumps(info, indent=1))
    print(json.dumps(info), flush=True)
    results = []
    for name in names:
        started = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--child", name],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
        if proc.returncode != 0 or not lines:
            print(f"{name}: failed\n{proc.stderr[-3000:]}", flush=True)
            continue
        result = json.loads(lines[-1][len("RESULT ") :])
        result["case_wall_s"] = time.perf_counter() - started
        (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=1))
        results.append(result)
        print(
            f"{name}: {result['case_wall_s']:.0f} s, status {result['status']}, "
            f"build {result['build_s']:.2f} s, session hand-over "
            f"{result['session_timings']['handover']:.2f} s, "
            f"peak {max(result['peak_mb'].values()):.0f} MB",
            flush=True,
        )
    if results and not args.quick:
        rows = summarize(results)
        with open(RESULTS / "summary.csv", "w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)


# ----------------------------------------------------------------- tables
def _load_all() -> list[dict]:
    out = []
    for name in CASES:
        p = RESULTS / f"{name}.json"
        if p.exists():
            out.append(json.loads(p.read_text()))
    return out


def _f(x, digits=2) -> str:
    if x is None:
        return "-"
    if isinstance(x, float):
        return f"{x:.{digits}f}"
    return str(x)


def _wc(r: dict, key: str, digits: int = 2) -> str:
    """Wall s (CPU s)."""
    if r.get(key + "_s") is None:
        return "-"
    cpu = r.get(key + "_cpu_s")
    cpu_text = "" if cpu is None else f" ({cpu:.{digits}f})"
    return f"{r[key + '_s']:.{digits}f}{cpu_text}"


def _pct(gap) -> str:
    if gap is None:
        return "-"
    return "inf" if gap == float("inf") else f"{gap * 100:.3f} %"


def print_markdown() -> None:
    results = _load_all()
    print("Times in seconds, wall (CPU of the process); medians of the runs.\n")
    print(
        "| case | sites × periods | columns / rows / nonzeros (integers) | validate | prepare "
        "| build | read plan | Session(): prepare + build + hand-over, wall (CPU) "
        "| peak MB build / hand-over / solve |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for r in results:
        z = r["size"]
        st = r["session_timings"]
        session = (
            f"{st.get('prepare', 0):.2f} + {st.get('build', 0):.2f} + "
            f"{st.get('handover', 0):.2f} ({r.get('session_init_cpu_s', math.nan):.2f})"
        )
        print(
            f"| {r['case']} | {r['sites']} × {r['periods']} ({r['period_months']} mo) "
            f"| {z['cols']:,} / {z['rows']:,} / {z['nonzeros']:,} ({z['integers']:,}) "
            f"| {_wc(r, 'validate')} | {_wc(r, 'prepare')} | {_wc(r, 'build')} "
            f"| {_wc(r, 'read')} | {session} "
            f"| {r['peak_mb']['build']:.0f} / {r['peak_mb']['handover']:.0f} / "
            f"{r['peak_mb']['solve']:.0f} |"
        )
    print()
    print(
        "| case | APPSI set_instance | contrib highs set_instance | standard form: compile "
        "| + arrays | + passModel | total |"
    )
    print("|---|---|---|---|---|---|---|")
    for r in results:
        o = r["routes"]
        print(
            f"| {r['case']} | {_wc(o, 'appsi_set_instance')} "
            f"| {_wc(o, 'contrib_set_instance')} | {_wc(o, 'sf_compile')} "
            f"| {_wc(o, 'sf_arrays')} | {_wc(o, 'sf_pass_model', 3)} "
            f"| {_wc(o, 'sf_total')} |"
        )
    print()
    print("| case | time limit s | stage | HiGHS s | status | value | bound | gap |")
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        for s in r["stages"]:
            print(
                f"| {r['case']} | {r['time_limit_s']:.0f} | {s['term']} "
                f"| {_f(s['solve_s'], 1)} | {s['status']} | {_f(s['value'], 1)} "
                f"| {_f(s['bound'], 1)} | {_pct(s['gap'])} |"
            )
    print()
    print(
        "| case | status | capacity MW | stages done | solve wall s (CPU s, all threads) "
        "| load average start / end | case wall s |"
    )
    print("|---|---|---|---|---|---|---|")
    for r in results:
        load = f"{r['load_average_start'][0]:.1f} / {r['load_average_end'][0]:.1f}"
        print(
            f"| {r['case']} | {r['status']} | {_f(r.get('capacity_mw'), 1)} "
            f"| {', '.join(s['term'] for s in r['stages'])} "
            f"| {_f(r['solve_s'], 1)} ({_f(r['solve_cpu_s'], 1)}) | {load} "
            f"| {_f(r.get('case_wall_s'), 0)} |"
        )


if __name__ == "__main__":
    main()
