"""Capacity against cost: the efficient frontier by the epsilon-constraint
method.

The two ends are the plan of most capacity at the deadline (stages
``[capacity, cost]``: the cheapest of the plans with the most MW) and the
cheapest plan (``[cost, capacity]``: the most MW of the cheapest plans).
Between them, for targets evenly spaced in MW, each point is the cheapest
plan with at least the target online at the deadline, then the most capacity
at that cost (so no point is dominated: more MW would cost more). Each point
is a re-solve of one built model with a capacity floor moved, warm-started;
points are solved in chunks of ``chunk`` on as many workers as given, and the
result does not depend on the workers.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from planner.io.load import parse_instance
from planner.solver.highs import INF, STOP
from planner.solver.options import SolveOptions
from planner.solver.session import Session
from planner.studies.parallel import (
    Failed,
    NotRun,
    error_line,
    item_done,
    run_until_stopped,
)
from planner.studies.sweep import INTERRUPTED_PLAN, outcome

COLUMNS = [
    "point",
    "target_mw",
    "status",
    "capacity_mw",
    "total_cost",
    "co2_mt",
    "mip_gap",
    "solve_s",
    "dominated",
    "message",
]


@dataclass
class FrontierTask:
    data: dict
    targets: list[tuple[int, float | None]]  # (point, capacity floor); None: an end
    options: dict


def _options_dict(o: SolveOptions) -> dict:
    return dataclasses.asdict(o)  # plain data for the workers


class _Floor:
    """A row ``capacity >= floor`` on a session's HiGHS model."""

    def __init__(self, session: Session):
        self.session = session
        self.row = session.highs.add_term_row("capacity", -INF, INF)
        self.offset = float(session.highs.offsets["capacity"])

    def set(self, floor: float | None) -> None:
        lower = -INF if floor is None else floor - self.offset
        self.session.highs.set_row_bounds(self.row, lower, INF)


def _solve_point(
    session: Session, floor: _Floor, point: int, target: float | None, stages: list[str]
) -> dict:
    clock = time.perf_counter()
    floor.set(target)
    status, results = session.run(stages)
    row = {
        "point": point,
        "target_mw": target,
        **outcome(status, results, session, "no plan reaches the target"),
        "dominated": False,
    }
    row["solve_s"] = time.perf_counter() - clock
    return row


def frontier_task(task: FrontierTask) -> list[dict]:
    """Solve a chunk of frontier points on one built model."""
    session = Session(parse_instance(task.data, source="frontier"), SolveOptions(**task.options))
    floor = _Floor(session)
    rows = []
    for point, target in task.targets:
        if STOP.is_set():  # interrupted: the points left are not solved
            break
        try:
            row = _solve_point(session, floor, point, target, ["cost", "capacity"])
        except Exception as exc:  # noqa: BLE001 (a failed point is reported in its row)
            row = {
                "point": point,
                "target_mw": target,
                "status": "error",
                "message": error_line(exc),
                "solve_s": 0.0,
                "dominated": False,
            }
        if STOP.is_set():
            if row.get("capacity_mw") is None:
                break  # stopped before any plan: the point is not done
            row["message"] = INTERRUPTED_PLAN
        rows.append(row)
        item_done()
    return rows


def _not_solved(point: int, target: float | None) -> dict:
    return {
        "point": point,
        "target_mw": target,
        "status": "interrupted",
        "message": "interrupted before this point was solved",
        "solve_s": 0.0,
        "dominated": False,
    }


@dataclass
class FrontierResult:
    instance: str
    rows: pd.DataFrame
    seconds: float = 0.0
    interrupted: bool = False  # Ctrl-C or SIGTERM stopped it: points "interrupted" not solved

    def efficient(self) -> pd.DataFrame:
        ok = self.rows[self.rows["capacity_mw"].notna() & ~self.rows["dominated"]]
        return ok.sort_values(["capacity_mw", "total_cost"], ignore_index=True)


def run_frontier(
    data: Mapping,
    *,
    points: int = 11,
    options: SolveOptions | None = None,
    chunk: int = 5,
    workers: int | None = None,
    scheduler: Any = None,
    progress: Callable[[int], None] | None = None,
) -> FrontierResult:
    """``points`` points from the cheapest plan to the plan of most capacity."""
    started = time.perf_counter()
    STOP.clear()
    options = options or SolveOptions(threads=1)
    points = max(2, points)
    inst = parse_instance(data, source=str(data.get("name", "instance")))
    session = Session(inst, options)
    floor = _Floor(session)
    top = _solve_point(session, floor, points - 1, None, ["capacity", "cost"])
    bottom = _solve_point(session, floor, 0, None, ["cost", "capacity"])
    if progress:
        progress(2)
    rows = [bottom, top]
    interrupted = ends_interrupted = STOP.is_set()
    if top["capacity_mw"] is not None and bottom["capacity_mw"] is not None:
        lo, hi = bottom["capacity_mw"], top["capacity_mw"]
        targets: list[tuple[int, float | None]] = [
            (i, float(x)) for i, x in list(enumerate(np.linspace(lo, hi, points)))[1:-1]
        ]
        opts = _options_dict(options)
        tasks = [
            FrontierTask(dict(data), targets[k : k + chunk], opts)
            for k in range(0, len(targets), max(1, chunk))
        ]
        results, stopped = run_until_stopped(
            frontier_task,
            tasks,
            workers=workers,
            scheduler=scheduler,
            progress=progress,
            weight=lambda t: len(t.targets),
        )
        interrupted = interrupted or stopped
        for task, result in zip(tasks, results, strict=True):
            if isinstance(result, NotRun):
                continue
            if isinstance(result, Failed):
                rows += [
                    {
                        "point": i,
                        "target_mw": x,
                        "status": "error",
                        "message": result.error,
                        "solve_s": 0.0,
                        "dominated": False,
                    }
                    for i, x in task.targets
                ]
            else:
                rows += result
        done = {row["point"] for row in rows}
        rows += [_not_solved(i, x) for i, x in targets if i not in done]
    if ends_interrupted:  # a stop during the two ends: what they found, or nothing
        for end in (bottom, top):
            if end["capacity_mw"] is None:
                end.update(_not_solved(end["point"], None))
            else:
                end["message"] = INTERRUPTED_PLAN
    df = pd.DataFrame(rows, columns=COLUMNS).sort_values("point", ignore_index=True)
    df["dominated"] = _dominated(df)
    return FrontierResult(
        str(data.get("name", "")), df, time.perf_counter() - started, interrupted=interrupted
    )


def _dominated(df: pd.DataFrame, rel: float = 1e-6) -> list[bool]:
    out = []
    for i, a in df.iterrows():
        if pd.isna(a["capacity_mw"]):
            out.append(False)
            continue
        worse = False
        for j, b in df.iterrows():
            if i == j or pd.isna(b["capacity_mw"]):
                continue
            tol_c = rel * max(1.0, abs(a["capacity_mw"]))
            tol_k = rel * max(1.0, abs(a["total_cost"]))
            better_c = b["capacity_mw"] >= a["capacity_mw"] - tol_c
            better_k = b["total_cost"] <= a["total_cost"] + tol_k
            strictly = (
                b["capacity_mw"] > a["capacity_mw"] + tol_c
                or b["total_cost"] < a["total_cost"] - tol_k
            )
            if better_c and better_k and strictly:
                worse = True
                break
        out.append(worse)
    return out
