"""Every stage at portfolio scale: the planner against HiGHS alone, side by side.

    python benchmarks/stages.py                  # every case, both methods (about 30 minutes)
    python benchmarks/stages.py --cases s200     # some cases
    python benchmarks/stages.py --markdown       # the tables from benchmarks/results/stages_*.json

Each case is a ``planner generate`` family with its time limit (the targets of
BENCHMARKS.md, "Every stage at portfolio scale"). Each run is a fresh process
that builds the model once and solves the default stages (capacity,
capacity_time, cost; MIP gap 1e-4) within the limit, in one of two ways on the
same compiled model:

- ``planner``: the command ``planner solve FILE --time-limit L --json`` (run
  in the process, its live progress read through the hook the terminal view
  uses), the limit holding for the whole command;
- ``plain``: HiGHS alone, ``Session(instance, SolveOptions(time_limit=L,
  heuristic=False, starts=False)).solve()``: the same staged loop, holds and
  time split, with no starting plans (no rounded or polished plan, no MIP
  start, no look-ahead to the next stage's term); the limit counts from the
  session's creation.

Per stage it records the value, HiGHS's bound and gap after the clean-up, and
the seconds to reach a gap of 1 % (from the stage's own start, and from the
process's start), read from HiGHS's MIP callbacks; per run the process's
whole wall time seen from outside (interpreter start and imports included:
the command as a user runs it) and the 1-minute load average at its start
and end. The two methods run one after the other, never
together.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROCESS_START = time.perf_counter()
HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"

# name: (sites, periods T, technologies, sources, seed, months a period, time limit s)
CASES: dict[str, tuple[int, int, int, int, int, int, float]] = {
    "s200": (200, 12, 5, 5, 5, 3, 60.0),  # planner generate --sites 200 --periods 12 --seed 5
    "s500": (500, 12, 8, 6, 1, 3, 120.0),
    "s2000": (2000, 12, 8, 6, 1, 3, 600.0),
    "s50m": (50, 36, 8, 6, 1, 1, 60.0),
}
TARGETS = {  # case: (capacity gap, later stages' gap)
    "s200": (0.005, 0.005),
    "s500": (0.01, 0.01),
    "s2000": (0.01, 0.02),
    "s50m": (0.005, 0.005),
}
METHODS = ("planner", "plain")
WITHIN = 0.01  # the gap whose first time is recorded


def _recorder(reached: dict[str, dict]):
    """A progress callable noting when each stage first reaches WITHIN."""
    from planner.solver.progress import StageDone, StageStarted, StageUpdate

    clock: dict[str, float] = {}

    def progress(event) -> None:
        now = time.perf_counter()
        if isinstance(event, StageStarted):
            clock[event.term] = now
        elif isinstance(event, StageDone):
            reached.setdefault("seconds", {})[event.term] = now - clock[event.term]
        elif isinstance(event, StageUpdate) and event.gap is not None and event.gap <= WITHIN:
            reached.setdefault(
                event.term, {"stage_s": now - clock[event.term], "process_s": now - PROCESS_START}
            )

    return progress


def _run_case(case: str, method: str, path: str) -> dict:
    """One run, in this process, of the instance file ``path``: ``planner``
    runs the command ``planner solve PATH --time-limit L --json`` itself (its
    progress read through the hook the terminal view uses); ``plain`` runs
    HiGHS alone through the API, its limit from the session's creation."""
    import contextlib
    import io

    limit = CASES[case][-1]
    load_start = os.getloadavg()[0]
    reached: dict[str, dict] = {}
    progress = _recorder(reached)
    if method == "planner":
        import planner.cli.main as cli

        @contextlib.contextmanager
        def recorded():
            yield progress

        cli.stage_progress = recorded  # what the command draws on a terminal
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            try:
                cli.main(["solve", path, "--time-limit", str(limit), "--json"])
            except SystemExit as exc:
                assert exc.code in (0, None), out.getvalue()
        summary = json.loads(out.getvalue())
        stages = [
            {
                **s,
                "gap": s.get("mip_gap"),
                "to_1pct": reached.get(s["term"]),
                "stage_s": reached.get("seconds", {}).get(s["term"]),
            }
            for s in summary["stages"]
        ]
        status, timings = summary["status"], summary["timings"]
    else:
        import planner
        from planner.solver.options import SolveOptions
        from planner.solver.session import Session

        inst = planner.load_instance(path)
        options = SolveOptions(time_limit=limit, heuristic=False, starts=False)
        plan = Session(inst, options, progress).solve()
        stages = [
            {
                "term": s.term,
                "status": s.status.value,
                "value": s.value,
                "bound": s.bound,
                "gap": s.mip_gap,
                "to_1pct": reached.get(s.term),
                "stage_s": reached.get("seconds", {}).get(s.term),
            }
            for s in plan.stages
        ]
        status, timings = plan.status.value, plan.timings
    return {
        "case": case,
        "method": method,
        "time_limit": limit,
        "status": status,
        "process_s": time.perf_counter() - PROCESS_START,
        "timings": timings,
        "load": [load_start, os.getloadavg()[0]],
        "stages": stages,
    }


def _write_case(case: str, folder: Path) -> Path:
    import yaml

    from planner.io.generate import generate_instance

    sites, periods, techs, sources, seed, months, _ = CASES[case]
    path = folder / f"{case}.yaml"
    data = generate_instance(sites, periods, techs, sources, seed, period_months=months)
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def _spawn(case: str, method: str, path: Path) -> dict:
    """One run in a fresh process; its record, with the process's whole wall
    time seen from outside (interpreter start and imports included)."""
    clock = time.perf_counter()
    out = subprocess.run(
        [sys.executable, __file__, "--one", case, method, str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    record = json.loads(out.stdout.strip().splitlines()[-1])
    record["outside_s"] = time.perf_counter() - clock
    return record


def _code() -> str:
    try:
        return subprocess.run(
            ["git", "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            cwd=HERE,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


# ---------------------------------------------------------------- tables
def _pct(x: float | None) -> str:
    if x is None or not math.isfinite(x):
        return "no bound"
    return f"{100 * x:.3f} %"


def _seconds(reached: dict | None) -> str:
    return "-" if reached is None else f"{reached['stage_s']:.1f}"


def markdown() -> str:
    rows = []
    records = {}
    for path in sorted(RESULTS.glob("stages_*.json")):
        r = json.loads(path.read_text())
        records[(r["case"], r["method"])] = r
    lines = [
        "| case | limit s | stage | planner value | planner gap | plain HiGHS value "
        "| plain HiGHS gap | target | s to 1 % (planner / plain) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for case in CASES:
        mine, theirs = records.get((case, "planner")), records.get((case, "plain"))
        if mine is None:
            continue
        first, later = TARGETS[case]
        plain = {s["term"]: s for s in theirs["stages"]} if theirs else {}
        for i, s in enumerate(mine["stages"]):
            p = plain.get(s["term"], {})
            target = first if i == 0 else later
            met = s["gap"] is not None and s["gap"] <= target
            rows.append(
                f"| {case} | {mine['time_limit']:.0f} | {s['term']} | {s['value']:,.1f} "
                f"| {_pct(s['gap'])} | "
                + (f"{p['value']:,.1f}" if p.get("value") is not None else "-")
                + f" | {_pct(p.get('gap'))} | {100 * target:.1f} % {'met' if met else 'not met'} "
                f"| {_seconds(s['to_1pct'])} / {_seconds(p.get('to_1pct'))} |"
            )
    lines += rows
    lines += [
        "",
        "| case | method | status | whole run s (limit, within 5 %?) | load start / end | code |",
        "|---|---|---|---|---|---|",
    ]
    for (case, method), r in records.items():
        lines.append(
            f"| {case} | {method} | {r['status']} | {r['outside_s']:.1f} ({r['time_limit']:.0f}, "
            f"{'yes' if r['outside_s'] <= 1.05 * r['time_limit'] else 'no'}) "
            f"| {r['load'][0]:.2f} / {r['load'][1]:.2f} "
            f"| {r.get('code', '')} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", nargs="*", default=list(CASES), choices=list(CASES))
    parser.add_argument("--methods", nargs="*", default=list(METHODS), choices=list(METHODS))
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--one", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(_run_case(*args.one)))
        return
    if args.markdown:
        print(markdown())
        return
    RESULTS.mkdir(exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="stages-"))
    for case in args.cases:
        path = _write_case(case, folder)
        for method in args.methods:
            code = _code()  # the code this run imports
            record = _spawn(case, method, path)
            record["code"] = code
            out = RESULTS / f"stages_{case}_{method}.json"
            out.write_text(json.dumps(record, indent=1) + "\n")
            gaps = ", ".join(f"{s['term']} {_pct(s['gap'])}" for s in record["stages"])
            print(f"{case} {method}: {record['outside_s']:.1f} s; {gaps}", flush=True)


if __name__ == "__main__":
    main()
