"""The planner's build and hand-over against handing the same model to
highspy as arrays, at 500 sites (or ``--sites N``).

    python benchmarks/arrays_floor.py            # 3 runs of each, ~1 minute
    python benchmarks/arrays_floor.py --sites 2000

Each measure runs in a fresh process so that peak memories do not mix:

- ``session``: ``planner.solver.session.Session(instance)`` on the loaded instance, as
  the planner constructs it (prepare, Pyomo build with the objective terms,
  standard-form compile and ``passModel``, garbage collection paused); its own
  timings and peak resident memory (``VmHWM``).
- ``arrays``: the same model (the columns, rows, bounds, integrality and the
  capacity costs the session passes) stored once as a ``.npz`` file, then read
  into a process that imports only numpy and highspy, assembled into a
  ``highspy.HighsLp`` and passed with ``passModel``: the lower bound of any
  hand-over that starts from arrays. Its peak resident memory is the memory floor of
  holding the model in HiGHS from Python.

Results go to ``benchmarks/results/arrays_floor_<sites>.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"


def peak_mb() -> float:
    """The peak resident memory of this process image (``VmHWM``; unlike
    ``ru_maxrss`` it does not carry over the parent's peak through fork and exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mb() -> float:
    """The resident memory now (``ru_maxrss`` is the peak so far)."""
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def session_child(yaml_path: str, npz_path: str | None = None) -> dict:
    before = peak_mb()
    from planner.io.load import load_instance
    from planner.solver.options import SolveOptions
    from planner.solver.session import Session

    inst = load_instance(Path(yaml_path))
    imported = peak_mb()
    clock, cpu = time.perf_counter(), time.process_time()
    session = Session(inst, SolveOptions())
    wall, cpu = time.perf_counter() - clock, time.process_time() - cpu
    out = {
        "timings": dict(session.timings),
        "init_s": wall,
        "init_cpu_s": cpu,
        "peak_mb_start": before,
        "peak_mb_loaded": imported,
        "peak_mb": peak_mb(),
        "rss_mb": rss_mb(),
    }
    if npz_path:
        import numpy as np

        lp = session.highs.h.getLp()
        A = lp.a_matrix_
        np.savez(
            npz_path,
            cost=np.asarray(session.highs.costs["capacity"]),
            col_lower=np.asarray(lp.col_lower_),
            col_upper=np.asarray(lp.col_upper_),
            row_lower=np.asarray(lp.row_lower_),
            row_upper=np.asarray(lp.row_upper_),
            start=np.asarray(A.start_, dtype=np.int32),
            index=np.asarray(A.index_, dtype=np.int32),
            value=np.asarray(A.value_, dtype=float),
            integer=session.highs.integer,
        )
    return out


def arrays_child(npz_path: str) -> dict:
    start_mb = peak_mb()
    import highspy
    import numpy as np

    imported, rss_imported = peak_mb(), rss_mb()
    clock = time.perf_counter()
    z = dict(np.load(npz_path))
    read_s = time.perf_counter() - clock
    loaded = peak_mb()
    clock, cpu = time.perf_counter(), time.process_time()
    n, m = len(z["cost"]), len(z["row_lower"])
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n, m
    lp.col_cost_, lp.col_lower_, lp.col_upper_ = z["cost"], z["col_lower"], z["col_upper"]
    lp.row_lower_, lp.row_upper_ = z["row_lower"], z["row_upper"]
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_, lp.a_matrix_.index_ = z["start"], z["index"]
    lp.a_matrix_.value_ = z["value"]
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.integrality_ = [
        highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous
        for i in z["integer"]
    ]
    assemble_s = time.perf_counter() - clock
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    clock = time.perf_counter()
    h.passModel(lp)
    pass_s = time.perf_counter() - clock
    total_cpu = time.process_time() - cpu
    return {
        "read_npz_s": read_s,
        "assemble_s": assemble_s,
        "pass_model_s": pass_s,
        "total_s": assemble_s + pass_s,
        "total_cpu_s": total_cpu,
        "cols": h.getNumCol(),
        "rows": h.getNumRow(),
        "nonzeros": h.getNumNz(),
        "peak_mb_start": start_mb,
        "peak_mb_imported": imported,
        "peak_mb_loaded": loaded,
        "peak_mb": peak_mb(),
        "rss_mb_imported": rss_imported,
        "rss_mb": rss_mb(),
    }


def spawn(*args: str) -> dict:
    proc = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", *args],
        capture_output=True,
        text=True,
        check=True,
    )
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")][-1]
    return json.loads(line[len("RESULT ") :])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sites", type=int, default=500)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--child", nargs="*", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        kind, *rest = args.child
        result = session_child(*rest) if kind == "session" else arrays_child(*rest)
        print("RESULT " + json.dumps(result))
        return

    from planner.io.generate import dump_yaml, generate_instance

    tmp = Path(tempfile.mkdtemp(prefix="planner-floor-"))
    yaml_path, npz_path = tmp / "case.yaml", tmp / "case.npz"
    yaml_path.write_text(dump_yaml(generate_instance(args.sites, 12, 8, 6, 1, 3)))
    spawn("session", str(yaml_path), str(npz_path))  # stores the arrays
    sessions = [spawn("session", str(yaml_path)) for _ in range(args.runs)]
    arrays = [spawn("arrays", str(npz_path)) for _ in range(args.runs)]

    def med(rows, key):
        return statistics.median(r[key] for r in rows)

    s_build = [r["timings"]["build"] + r["timings"]["handover"] for r in sessions]
    out = {
        "sites": args.sites,
        "runs": args.runs,
        "load_average": os.getloadavg(),
        "session": sessions,
        "arrays": arrays,
        "summary": {
            "session_prepare_s": statistics.median(r["timings"]["prepare"] for r in sessions),
            "session_build_s": statistics.median(r["timings"]["build"] for r in sessions),
            "session_handover_s": statistics.median(r["timings"]["handover"] for r in sessions),
            "session_build_plus_handover_s": statistics.median(s_build),
            "session_init_cpu_s": med(sessions, "init_cpu_s"),
            "session_peak_mb": med(sessions, "peak_mb"),
            "session_peak_mb_loaded": med(sessions, "peak_mb_loaded"),
            "arrays_assemble_s": med(arrays, "assemble_s"),
            "arrays_pass_model_s": med(arrays, "pass_model_s"),
            "arrays_total_s": med(arrays, "total_s"),
            "arrays_peak_mb": med(arrays, "peak_mb"),
            "arrays_peak_mb_imported": med(arrays, "peak_mb_imported"),
            "session_rss_mb": med(sessions, "rss_mb"),
            "arrays_rss_mb_imported": med(arrays, "rss_mb_imported"),
            "arrays_rss_mb": med(arrays, "rss_mb"),
            "npz_mb": npz_path.stat().st_size / 1e6,
        },
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"arrays_floor_{args.sites}.json").write_text(json.dumps(out, indent=1))
    print(json.dumps(out["summary"], indent=1))


if __name__ == "__main__":
    main()
