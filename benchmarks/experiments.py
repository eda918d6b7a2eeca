"""Where the time goes at 500 sites, and what would make the planner faster,
measured without changing the planner (by wrapping or monkeypatching it here).

    python benchmarks/experiments.py                  # all, about 12 minutes on 2 cores
    python benchmarks/experiments.py --only profile warm_start_check

Experiments (instance ``generate_instance(500, 12, 8, 6, seed=1)`` unless said):

- ``profile``: cProfile of ``prepare`` + ``build_model``; the time of each
  constraint family; the planner's own hand-over, split into compile and pass.
  ``gc_during_build``: the build with the garbage collector paused.
  ``handover_profile``: cProfile of ``Session()`` (build and hand-over).
- ``capacity_*``: the first stage (maximize capacity) alone, with the same
  time limit, and the trace of improving plans (time, value, bound):
  ``capacity_baseline`` as the planner runs it; ``capacity_mip_start`` from a
  plan made by rounding the LP relaxation down and re-solving with the integer
  variables fixed; ``capacity_bounds`` with upper bounds on the money and power
  variables derived from the data; ``capacity_no_symmetry`` and
  ``capacity_heuristics`` with HiGHS options; ``capacity_planner_start``
  from the planner's own starting plan (``HighsModel.find_start``).
- ``stages_*``: the whole staged solve in the time limit: as the planner runs
  it (the first stage may use all the time), without its starting-plan
  heuristic, and with the time split evenly over the stages still to solve.
- ``warm_start_check``: on small instances, each stage's value as HiGHS
  reports it against the objective recomputed from the plan, with and without
  the warm start (a HiGHS 1.16.0 defect).

Results: ``benchmarks/results/experiments.json``,
``benchmarks/results/profile_build_500.txt`` and ``profile_session_500.txt``.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import math
import pstats
import time
from pathlib import Path

import highspy
import numpy as np
import pyomo.environ as pyo

from planner.io.generate import generate_instance
from planner.io.load import parse_instance
from planner.model import build, build_model, prepare
from planner.solver.options import SolveOptions
from planner.solver.session import Session

RESULTS = Path(__file__).resolve().parent / "results"
SITES, TIME_LIMIT = 500, 60.0
INF = highspy.kHighsInf


def options(time_limit: float, **extra) -> SolveOptions:
    """Solve options; those this version of the planner lacks are left out."""
    known = SolveOptions.__dataclass_fields__
    return SolveOptions(time_limit=time_limit, **{k: v for k, v in extra.items() if k in known})


def instance(sites: int = SITES, seed: int = 1):
    return parse_instance(generate_instance(sites, 12, 8, 6, seed))


# ----------------------------------------------------------------- profile
def profile(inst) -> dict:
    out: dict = {}
    clock = time.perf_counter()
    data = prepare(inst)
    out["prepare_s"] = time.perf_counter() - clock

    # time of each family, by wrapping the build's list of families
    family_s: dict[str, float] = {}

    def timed(add):
        def wrapper(m, d):
            started = time.perf_counter()
            add(m, d)
            family_s[add.__name__] = family_s.get(add.__name__, 0.0) + time.perf_counter() - started

        return wrapper

    original = build.FAMILIES
    build.FAMILIES = tuple(timed(add) for add in original)
    try:
        clock = time.perf_counter()
        model = build_model(data)
        out["build_s"] = time.perf_counter() - clock
    finally:
        build.FAMILIES = original
    out["family_s"] = family_s

    # components by size and build time share
    sizes = {}
    for comp in model.component_objects((pyo.Var, pyo.Constraint, pyo.Expression)):
        sizes[comp.name] = len(comp)
    out["component_sizes"] = dict(sorted(sizes.items(), key=lambda kv: -kv[1])[:15])

    # cProfile of prepare + build
    prof = cProfile.Profile()
    prof.enable()
    build_model(prepare(inst))
    prof.disable()
    text = io.StringIO()
    stats = pstats.Stats(prof, stream=text)
    stats.sort_stats("tottime").print_stats(30)
    stats.sort_stats("cumulative").print_stats(40)
    (RESULTS / "profile_build_500.txt").write_text(text.getvalue())
    planner_rows = []
    for (filename, line, func), (_cc, nc, tt, ct, _) in stats.stats.items():
        if "/planner/" in filename:
            planner_rows.append(
                {
                    "function": f"{Path(filename).parent.name}/{Path(filename).name}:{line} {func}",
                    "calls": nc,
                    "tottime_s": tt,
                    "cumtime_s": ct,
                }
            )
    out["planner_by_tottime"] = sorted(planner_rows, key=lambda r: -r["tottime_s"])[:10]
    out["planner_by_cumtime"] = sorted(planner_rows, key=lambda r: -r["cumtime_s"])[:12]

    # the planner's own hand-over
    session = Session(inst, SolveOptions(time_limit=TIME_LIMIT))
    out["session_timings"] = dict(session.timings)
    out["handover_compile_s"] = session.highs.compile_s
    out["handover_arrays_and_pass_s"] = session.highs.handover_s
    return out


def gc_during_build(inst, repeats: int = 3) -> dict:
    """prepare + build_model with Python's cyclic garbage collector running
    (as now) and paused (as Pyomo's own writers do with PauseGC)."""
    import gc
    import statistics

    from pyomo.common.gc_manager import PauseGC

    out: dict = {}
    for label in ("gc_on", "gc_paused", "gc_on", "gc_paused"):  # interleaved
        times, cpus = [], []
        for _ in range(repeats):
            gc.collect()
            clock, cpu = time.perf_counter(), time.process_time()
            if label == "gc_paused":
                with PauseGC():
                    build_model(prepare(inst))
            else:
                build_model(prepare(inst))
            times.append(time.perf_counter() - clock)
            cpus.append(time.process_time() - cpu)
        out.setdefault(label, []).append(
            {"wall_s": statistics.median(times), "cpu_s": statistics.median(cpus)}
        )
    return out


def handover_profile(inst) -> dict:
    """cProfile of the planner's hand-over (Session after the build)."""
    prof = cProfile.Profile()
    session = None

    original = Session.__init__

    def init(self, *args, **kwargs):
        prof.enable()
        try:
            original(self, *args, **kwargs)
        finally:
            prof.disable()

    Session.__init__ = init
    try:
        session = Session(inst, SolveOptions(time_limit=TIME_LIMIT))
    finally:
        Session.__init__ = original
    text = io.StringIO()
    stats = pstats.Stats(prof, stream=text)
    stats.sort_stats("cumulative").print_stats(35)
    (RESULTS / "profile_session_500.txt").write_text(text.getvalue())
    return {"session_timings": dict(session.timings)}


# ---------------------------------------------------------- capacity stage
def _trace(h: highspy.Highs) -> list:
    trace: list = []
    started = time.perf_counter()

    def improving(event):
        d = event.data_out
        trace.append(
            [round(time.perf_counter() - started, 2), d.objective_function_value, d.mip_dual_bound]
        )

    h.cbMipImprovingSolution.subscribe(improving)
    return trace


def _objective(hm, term: str, x: np.ndarray) -> float:
    return float(hm.costs[term] @ x + hm.offsets[term])


def capacity_stage(inst, variant: str, time_limit: float = TIME_LIMIT) -> dict:
    session = Session(inst, options(time_limit, heuristic=False))
    hm = session.highs
    out: dict = {"variant": variant}
    started = time.perf_counter()
    hm.set_objective("capacity", True)
    if variant == "bounds":
        out["bounds_set"] = _tighten_bounds(session)
    if variant == "no_symmetry":
        hm.h.setOptionValue("mip_detect_symmetry", False)
    if variant == "heuristics":
        hm.h.setOptionValue("mip_heuristic_effort", 0.3)
    if variant == "mip_start":
        start = _rounded_lp_start(session)
        out.update({k: v for k, v in start.items() if k != "x"})
        hm.solution = start["x"]
    if variant == "planner_start":  # the planner's own starting-plan heuristic
        clock = time.perf_counter()
        out["start_value"] = hm.find_start(time_limit)
        out["start_s"] = time.perf_counter() - clock
    trace = _trace(hm.h)
    left = time_limit - (time.perf_counter() - started)
    res = hm.run(left, session.options.mip_gap, warm=variant in ("mip_start", "planner_start"))
    out["total_s"] = time.perf_counter() - started
    out.update(
        status=res.status,
        value=res.value,
        bound=res.bound,
        gap=res.gap,
        highs_s=res.seconds,
        trace=trace,
    )
    if hm.solution is not None:
        out["value_recomputed"] = _objective(hm, "capacity", hm.solution)
    first_within = {}
    for pct in (5, 1, 0.5):
        hits = [t for t, v, b in trace if b and math.isfinite(b) and v >= b * (1 - pct / 100)]
        first_within[f"{pct}%"] = hits[0] if hits else None
    out["first_within_gap_s"] = first_within
    return out


def _rounded_lp_start(session) -> dict:
    """A plan from the LP relaxation: integer variables rounded down (binary
    'source used' rounded up), fixed, and the rest re-solved."""
    hm = session.highs
    h = hm.h
    clock = time.perf_counter()
    h.setOptionValue("solve_relaxation", True)
    h.run()
    x_lp = np.array(h.getSolution().col_value)
    lp_value = h.getInfo().objective_function_value
    h.setOptionValue("solve_relaxation", False)
    lp_s = time.perf_counter() - clock

    clock = time.perf_counter()
    integer = np.flatnonzero(hm.integer)
    names = [hm.columns[j].parent_component().name for j in integer]
    fixed = np.floor(x_lp[integer] + 1e-6)
    for i, name in enumerate(names):
        if name == "source_used":
            fixed[i] = 1.0 if x_lp[integer[i]] > 1e-9 else 0.0
    lp = h.getLp()
    old_lower = np.array(lp.col_lower_)[integer]
    old_upper = np.array(lp.col_upper_)[integer]
    idx = integer.astype(np.int32)
    h.changeColsBounds(len(idx), idx, fixed, fixed)
    h.run()
    status = h.getModelStatus()
    ok = status == highspy.HighsModelStatus.kOptimal
    x = np.array(h.getSolution().col_value) if ok else None
    value = h.getInfo().objective_function_value if ok else None
    h.changeColsBounds(len(idx), idx, old_lower, old_upper)
    h.clearSolver()
    return {
        "lp_value": lp_value,
        "lp_s": lp_s,
        "fix_s": time.perf_counter() - clock,
        "start_status": h.modelStatusToString(status),
        "start_value": value,
        "x": x,
    }


def _tighten_bounds(session) -> int:
    """Upper bounds the data imply: draws and outstanding <= the source's
    amount (and its cap per site), grid draw <= MW of the site's usable
    tranches, generation <= what the most units can make. Returns how many
    bounds were set."""
    d, hm = session.data, session.highs
    m = session.model

    def cap(var, index, upper):
        col = hm.column(var[index])
        if col is not None and math.isfinite(upper):
            cols.append(col)
            uppers.append(upper)

    cols: list[int] = []
    uppers: list[float] = []
    for f, s, c, t in d.draw_index:
        most = d.amount[f] if f not in d.max_per_site else min(d.amount[f], d.max_per_site[f])
        cap(m.draw_musd, (f, s, c, t), most)
    for f, t in d.outstanding_index:
        cap(m.outstanding_musd, (f, t), d.amount[f])
    tranche_mw: dict = {}
    for (s, t), gs in d.grid_tranches_at.items():
        tranche_mw[s, t] = sum(d.tranche_mw[g] for g in gs)
    for s, t in d.grid_index:
        cap(m.grid_draw_mw, (s, t), tranche_mw.get((s, t), 0.0))
    for s, k, t in d.unit_index:
        cap(m.generation_mw, (s, k, t), d.availability[k] * d.unit_mw[k] * d.unit_ub[s, k, t])
    lp = hm.h.getLp()
    lower = np.array(lp.col_lower_)[cols]
    idx = np.array(cols, dtype=np.int32)
    hm.h.changeColsBounds(len(idx), idx, lower, np.array(uppers))
    return len(cols)


# ------------------------------------------------------------ whole stages
def stages(inst, variant: str, time_limit: float = TIME_LIMIT) -> dict:
    extra = {"heuristic": False} if variant == "no_heuristic" else {}
    session = Session(inst, options(time_limit, **extra))
    hm = session.highs
    if variant == "split":
        # each stage gets an even share of the time left for the stages to come
        n_stages = len(inst.objective.stages)
        calls = {"n": 0}
        original = hm.run

        def run(limit, gap, warm):
            remaining = n_stages - calls["n"]
            calls["n"] += 1
            if limit is not None and remaining > 1:
                limit = limit / remaining
            return original(limit, gap, warm)

        hm.run = run
    started = time.perf_counter()
    status, results = session.run()
    total = time.perf_counter() - started
    cost = pyo.value(session.model.total_cost)
    capacity = pyo.value(session.model.capacity)
    return {
        "variant": variant,
        "status": status.value,
        "total_s": total,
        "capacity_mw": capacity,
        "total_cost": cost,
        "stages": [
            {
                "term": r.term,
                "status": r.status.value,
                "value": r.value,
                "gap": r.mip_gap,
                "seconds": r.solve_s,
            }
            for r in results
        ],
    }


# ------------------------------------------------------- warm-start check
def warm_start_check() -> list:
    """Each stage's value as HiGHS reports it, against the objective
    recomputed from the plan it returns, with and without the warm start."""
    rows = []
    for seed in range(6):
        inst = parse_instance(generate_instance(5, 6, 5, 5, seed))
        for warm in (True, False):
            session = Session(inst, options(60, heuristic=warm))
            hm = session.highs
            original = hm.run
            if not warm:
                hm.run = lambda limit, gap, warm=True, f=original: f(limit, gap, False)
            status, results = session.run()
            last = results[-1]
            recomputed = pyo.value(session.model.total_cost)
            rows.append(
                {
                    "seed": seed,
                    "warm_start": warm,
                    "status": status.value,
                    "cost_reported": last.value,
                    "cost_of_plan": recomputed,
                    "capacity": results[0].value,
                }
            )
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--sites", type=int, default=SITES)
    ap.add_argument("--time-limit", type=float, default=TIME_LIMIT)
    args = ap.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / "experiments.json"
    results = json.loads(path.read_text()) if path.exists() else {}
    from run import code_state  # benchmarks/run.py, beside this script

    results["code"] = code_state()
    inst = instance(args.sites)
    tl = args.time_limit
    todo = {
        "warm_start_check": warm_start_check,
        "profile": lambda: profile(inst),
        "gc_during_build": lambda: gc_during_build(inst),
        "handover_profile": lambda: handover_profile(inst),
        "capacity_baseline": lambda: capacity_stage(inst, "baseline", tl),
        "capacity_mip_start": lambda: capacity_stage(inst, "mip_start", tl),
        "capacity_bounds": lambda: capacity_stage(inst, "bounds", tl),
        "capacity_no_symmetry": lambda: capacity_stage(inst, "no_symmetry", tl),
        "capacity_heuristics": lambda: capacity_stage(inst, "heuristics", tl),
        "capacity_planner_start": lambda: capacity_stage(inst, "planner_start", tl),
        "stages_planner": lambda: stages(inst, "planner", tl),
        "stages_no_heuristic": lambda: stages(inst, "no_heuristic", tl),
        "stages_split": lambda: stages(inst, "split", tl),
    }
    for name, fn in todo.items():
        if args.only and name not in args.only:
            continue
        started = time.perf_counter()
        results[name] = fn()
        results[name + "_wall_s"] = time.perf_counter() - started
        path.write_text(json.dumps(results, indent=1, default=str))
        print(f"{name}: {time.perf_counter() - started:.0f} s", flush=True)


if __name__ == "__main__":
    main()
