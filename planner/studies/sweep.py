"""Sweeps: solve an instance for every value of one or more of its fields.

``--vary PATH=VALUES`` names a numeric or date field and its values:

- PATH is dotted, with list selectors: ``[3]`` (an index), ``[*]`` (every
  item), ``[roscoe]`` (the item whose ``name``, or ``technology``, is roscoe),
  e.g. ``horizon.deadline``, ``funding[bank_loan].amount``,
  ``sites[*].grid.tranches[*].wait_months``;
- VALUES are separated by commas; an item is a number (``5000``), a date
  (``2028-06``), a shift of the current value (``+6``, ``-3``: months for a
  date, the field's unit for a number; applied to every match), or an
  inclusive range ``FIRST:LAST:STEP`` of any of these (``10000:30000:5000``,
  ``2027-06:2028-12:6``, ``+0:+12:3``).

Several ``--vary`` make a grid of every combination (the first varies
slowest), or with ``zip`` are paired value by value.

Scenarios that share a model structure (the same index sets and coefficients:
they differ only in money caps, supply, permits, campus limits, commissioning
rates or commitment floors) are solved as re-solves of one built model,
warm-started, in chunks of ``chunk`` scenarios; the others are built one by
one. The rows depend only on the scenarios and the chunk size, never on the
number of workers or where they run.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from planner.io.errors import InstanceError
from planner.io.load import parse_instance
from planner.model import prepare
from planner.results.status import Status
from planner.solver.highs import STOP
from planner.solver.options import SolveOptions
from planner.solver.session import Session
from planner.solver.whatif import apply_rhs, same_structure, structure_key, term_values
from planner.studies.parallel import (
    Failed,
    NotRun,
    item_done,
    run_until_stopped,
)
from planner.studies.vary import Vary, scenarios

NOT_SOLVED = "interrupted before this scenario was solved"
INTERRUPTED_PLAN = "interrupted: the best plan found so far"
ROW_COLUMNS = [
    "scenario",
    "status",
    "capacity_mw",
    "total_cost",
    "co2_mt",
    "mip_gap",
    "solve_s",
    "mode",
    "message",
]


# Columns that depend on the machine, not on the plan: left out when rows
# of two runs are compared.
TIMING_COLUMNS = ("solve_s",)


# ------------------------------------------------------------------ chunks
@dataclass
class Chunk:
    """Scenarios solved one after another on one built model."""

    items: list[tuple[int, dict]]  # (scenario index, instance mapping)
    options: dict  # SolveOptions fields
    resolve: bool = True


def plan_chunks(
    items: list[tuple[int, dict | None]], options: SolveOptions, chunk: int, resolve: bool = True
) -> tuple[list[Chunk], dict[int, str]]:
    """Group scenarios whose models differ only in bounds, then cut the groups
    into chunks of at most ``chunk``. Returns the chunks and the scenarios
    refused as invalid (index -> message)."""
    groups: dict[Any, list[tuple[int, dict]]] = {}  # structure -> members, in order
    invalid: dict[int, str] = {}
    for index, d in items:
        try:
            inst = parse_instance(d, source=f"scenario {index}")
        except InstanceError as exc:
            invalid[index] = "; ".join(exc.problems[:3])
            continue
        assert d is not None  # parse_instance refuses None
        key = (structure_key(prepare(inst)), repr(inst.objective)) if resolve else index
        groups.setdefault(key, []).append((index, d))
    opts = _options_dict(options)
    chunks = []
    for members in groups.values():
        for k in range(0, len(members), max(1, chunk)):
            chunks.append(Chunk(members[k : k + max(1, chunk)], opts, resolve))
    chunks.sort(key=lambda c: c.items[0][0])
    return chunks, invalid


def _options_dict(o: SolveOptions) -> dict:
    return dataclasses.asdict(o)  # plain data for the workers


def solve_chunk(chunk: Chunk) -> list[dict]:
    """Solve a chunk's scenarios: the first on a new model, the others as
    re-solves of it where their structure allows. One row each."""
    options = SolveOptions(**chunk.options)
    session: Session | None = None
    rows = []
    for index, d in chunk.items:
        if STOP.is_set():  # interrupted: the scenarios left are not solved
            break
        clock = time.perf_counter()
        mode = "build"
        try:
            inst = parse_instance(d, source=f"scenario {index}")
            new = prepare(inst)
            if (
                chunk.resolve
                and session is not None
                and session.instance.objective == inst.objective
                and same_structure(session.data, new)
            ):
                apply_rhs(session, new)
                mode = "resolve"
            else:
                session = Session(inst, options)
            status, stages = session.run(list(inst.objective.stages))
            row = _row(index, status, stages, session, mode)
            session.restore()
        except Exception as exc:  # noqa: BLE001 (a failed scenario is reported in its row)
            from planner.studies.parallel import error_line

            row = _failed_row(index, "error", error_line(exc))
            session = None  # its state is unknown: build the next one afresh
        row["solve_s"] = time.perf_counter() - clock
        if STOP.is_set():
            if row["capacity_mw"] is None:
                break  # stopped before any plan: the scenario is not done
            row["message"] = INTERRUPTED_PLAN
        rows.append(row)
        item_done()
    return rows


def outcome(status: Status, stages, session: Session, infeasible: str) -> dict:
    """A run's columns of a result row: status, capacity, cost, CO2, the
    largest stage gap, and a message when there is no plan."""
    row: dict[str, Any] = {
        "status": status.value,
        "capacity_mw": None,
        "total_cost": None,
        "co2_mt": None,
        "mip_gap": None,
        "message": "",
    }
    if status.has_plan:
        row["capacity_mw"], row["total_cost"], row["co2_mt"] = term_values(session.model)
        gaps = [s.mip_gap for s in stages if s.mip_gap is not None]
        row["mip_gap"] = max(gaps) if gaps else None
    elif status is Status.infeasible:
        row["message"] = infeasible
    else:
        row["message"] = "the time limit stopped the search before any plan was found"
    return row


def _row(index: int, status: Status, stages, session: Session, mode: str) -> dict:
    row = {
        "scenario": index,
        **outcome(status, stages, session, "no plan satisfies every commitment and limit"),
    }
    row["mode"] = mode
    return row


def _failed_row(index: int, status: str, message: str) -> dict:
    return {
        "scenario": index,
        "status": status,
        "capacity_mw": None,
        "total_cost": None,
        "co2_mt": None,
        "mip_gap": None,
        "solve_s": 0.0,
        "mode": "",
        "message": message,
    }


# --------------------------------------------------------------------- run
@dataclass
class SweepResult:
    rows: pd.DataFrame
    paths: list[str]
    seconds: float = 0.0
    chunks: int = 0
    builds: int = 0
    resolves: int = 0
    extra: dict = field(default_factory=dict)
    interrupted: bool = False  # Ctrl-C or SIGTERM stopped it: rows "interrupted" not solved

    def comparable(self) -> pd.DataFrame:
        """The rows without the columns that depend on the machine."""
        return self.rows.drop(columns=list(TIMING_COLUMNS))


def run_sweep(
    data: Mapping,
    varies: list[Vary],
    *,
    zipped: bool = False,
    options: SolveOptions | None = None,
    chunk: int = 10,
    resolve: bool = True,
    workers: int | None = None,
    scheduler: Any = None,
    progress: Callable[[int], None] | None = None,
) -> SweepResult:
    """Solve every scenario of the sweep; one row each, in scenario order."""
    started = time.perf_counter()
    STOP.clear()
    options = options or SolveOptions(threads=1)
    cases = scenarios(data, varies, zipped)
    chunks, invalid = plan_chunks([(c.index, c.data) for c in cases], options, chunk, resolve)
    results, interrupted = run_until_stopped(
        solve_chunk,
        chunks,
        workers=workers,
        scheduler=scheduler,
        progress=progress,
        weight=lambda c: len(c.items),
    )
    by_index: dict[int, dict] = {i: _failed_row(i, "invalid", m) for i, m in invalid.items()}
    if progress and invalid:
        progress(len(invalid))
    for c, result in zip(chunks, results, strict=True):
        if isinstance(result, Failed) and not isinstance(result, NotRun):
            for index, _ in c.items:
                by_index[index] = _failed_row(index, "error", result.error)
        elif not isinstance(result, NotRun):
            for row in result:
                by_index[row["scenario"]] = row
    records = []
    for case in cases:
        row = by_index.get(case.index) or _failed_row(case.index, "interrupted", NOT_SOLVED)
        records.append(
            {
                "scenario": case.index,
                **case.values,
                **{k: v for k, v in row.items() if k != "scenario"},
            }
        )
    paths = [v.path for v in varies]
    df = pd.DataFrame(records, columns=["scenario", *paths, *ROW_COLUMNS[1:]])
    modes = df["mode"].value_counts()
    return SweepResult(
        df,
        paths,
        time.perf_counter() - started,
        len(chunks),
        int(modes.get("build", 0)),
        int(modes.get("resolve", 0)),
        interrupted=interrupted,
    )
