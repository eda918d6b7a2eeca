"""Solve an instance: the staged objective of docs/model.md section 5 on HiGHS.

The model is built once in Pyomo and handed to HiGHS in memory once
(:mod:`planner.solver.highs`: Pyomo's standard-form compiler into highspy). Each stage
swaps the objective and bounds a row that holds the previous stage at its
found value; HiGHS keeps the model, and each stage is warm-started from the
plan of the one before. What-if runs (explain, sweeps) change bounds and rows
of the same model and undo them afterwards.
"""

from __future__ import annotations

import logging
import math
import time
from types import EllipsisType

import pyomo.core as pyo
from pyomo.common.gc_manager import PauseGC

from planner.io.fields import TERMS
from planner.io.schema import Instance
from planner.model import build_model, prepare
from planner.model.data import ModelData
from planner.results.plan import Plan
from planner.results.read import clean, read_tables
from planner.results.status import StageResult, Status
from planner.solver.highs import INF, STOP, HighsModel
from planner.solver.options import (
    LOOKAHEAD,
    MIP_GAP,
    SolveOptions,
)
from planner.solver.progress import Progress, SolveDone, stage_done
from planner.solver.staged import StagedSolve

log = logging.getLogger(__name__)

# Kept from a time limit, in times the build and hand-over: reading the plan
# (about a quarter of it) and HiGHS running past a stage's limit (at 2,000
# sites the stages together ran 50 s past theirs, against 6.7 s of build).
MARGIN_SHARE = 5.0

NONNEGATIVE = frozenset({"capacity", "capacity_time"})  # MW and MW-months online

MAXIMIZE = {"capacity": True, "capacity_time": True, "cost": False, "co2": False}


def term_expression(m: pyo.ConcreteModel, term: str):
    return {
        "capacity": m.capacity,
        "capacity_time": m.capacity_time,
        "cost": m.total_cost,
        "co2": m.co2_mt,
    }[term]


class Session:
    """One instance, built once and handed to HiGHS once.

    ``run()`` solves the staged objective; later runs (another stage list, a
    relaxed limit, a time limit) reuse the model and warm-start from the last
    plan found.
    """

    def __init__(
        self,
        instance: Instance,
        options: SolveOptions | None = None,
        progress: Progress | None = None,
    ):
        """``progress`` is told of each stage as it runs (planner.solver.progress)."""
        self.created = time.perf_counter()
        self.instance = instance
        self.options = options or SolveOptions()
        self.timings: dict[str, float] = {}
        # The build makes many small objects and frees none: Python's cyclic
        # garbage collector only costs time here (most of the build's CPU).
        with PauseGC():
            clock = time.perf_counter()
            self.data = prepare(instance)
            self.timings["prepare"] = time.perf_counter() - clock
            clock = time.perf_counter()
            self.model = m = build_model(self.data)
            m.terms = pyo.Objective(
                TERMS, rule=lambda m, term: term_expression(m, term), sense=pyo.minimize
            )
            self.timings["build"] = time.perf_counter() - clock
            self.highs = HighsModel(
                m,
                {t: m.terms[t] for t in TERMS},
                self.options.highs_options(),
                round_up=list(m.source_used.values()),
                adjust_rounding=self._round_blocks_within_rate,
            )
        self.timings["handover"] = self.highs.compile_s + self.highs.handover_s
        log.info(
            "model handed to HiGHS: %d columns, %d rows", len(self.highs.columns), self.highs.n_rows
        )
        self.staged = StagedSolve(
            self.highs,
            MAXIMIZE,
            self.instance.objective.tolerance,
            self.options.mip_gap,
            self.options.heuristic,
            starts=self.options.starts,
            nonnegative=NONNEGATIVE,
            # capacity_time is at most the horizon's months times the MW online
            lookahead_moves=LOOKAHEAD * self.data.pm * len(self.data.periods),
        )
        self.staged.progress = self.progress = progress
        self._rows: dict[int, tuple[float, float]] = {}  # changed rows: original bounds
        self._added: list[int] = []  # rows added by what-ifs
        self._cols: dict[int, float] = {}  # changed columns: original upper bound

    # ------------------------------------------------------------- solving
    def run(
        self, stages: list[str] | None = None, time_limit: float | None | EllipsisType = ...
    ) -> tuple[Status, list[StageResult]]:
        """Solve the stages in order (default: the instance's), each held at
        its found value for the next."""
        stages = list(stages or self.instance.objective.stages)
        limit = self.options.time_limit if time_limit is ... else time_limit
        return self.staged.run(stages, limit)

    def _round_blocks_within_rate(self, x) -> None:
        """Blocks rounded down one by one can add more than the commissioning
        rate allows in one period: cap each step at the whole blocks the rate
        allows (the sequence stays nondecreasing)."""
        d, m = self.data, self.model
        col = self.highs.column
        previous: dict[str, float] = {}
        for s, t in m.blocks:  # in site, period order
            j = col(m.blocks[s, t])
            if j is None:
                continue
            cap = math.floor(d.rate_cap[s] / d.block[s] + 1e-9) if s in d.rate_cap else math.inf
            before = previous.get(s, 0.0)
            x[j] = max(before, min(x[j], before + cap))
            previous[s] = x[j]

    def solve(self) -> Plan:
        """Solve the staged objective and read the plan. A time limit holds
        for the whole of it: the session's build and hand-over come out of
        it, and a margin for reading the plan and for HiGHS running past a
        stage's limit (:data:`MARGIN_SHARE` times the build's time)."""
        clock = time.perf_counter()
        limit = self.options.time_limit
        if limit is not None:
            built = self.timings["prepare"] + self.timings["build"] + self.timings["handover"]
            limit = max(limit - (clock - self.created) - MARGIN_SHARE * built, 0.01)
        status, stages = self.run(time_limit=limit)
        self.timings["solve"] = time.perf_counter() - clock
        plan = self.read(status, stages)
        if self.progress is not None:
            total = len(self.instance.objective.stages)
            done = tuple(stage_done(s, i + 1, total) for i, s in enumerate(plan.stages))
            self.progress(SolveDone(plan.status.value, done))
        if status is Status.infeasible:
            from planner.solver.diagnose import explain_infeasible  # builds its own elastic copy

            clock = time.perf_counter()
            plan.explanation = explain_infeasible(self.instance, self.options)
            plan.timings["diagnose"] = time.perf_counter() - clock
        return plan

    def read(self, status: Status, stages: list[StageResult]) -> Plan:
        """The plan of the values last loaded into the model."""
        plan = Plan(
            status=status,
            instance_name=self.instance.name,
            stages=stages,
            timings=dict(self.timings),
        )
        plan.periods = self.data.cal.labels()
        plan.instance_data = self.instance.model_dump(mode="json", by_alias=True, exclude_none=True)
        if self.highs.interrupted:
            plan.message = "interrupted: the best plan found so far"
        if self.staged.message:
            plan.message = self.staged.message
        if not status.has_plan:
            plan.message = plan.message or _no_plan_message(status)
            return plan
        clock = time.perf_counter()
        _read(plan, self.model, self.data, self.instance)
        plan.timings["read"] = time.perf_counter() - clock
        return plan

    def start_from(self, values: dict) -> None:
        """Warm-start the next run from a snapshot of variable values
        (``{var name: {index: value}}``), e.g. another session's plan."""
        for name, vals in values.items():
            var = self.model.component(name)
            if var is None:
                continue
            for idx, val in vals.items():
                if idx in var and val is not None:
                    var[idx].set_value(val, skip_validation=True)
        self.highs.warm_from_model()

    def snapshot(self) -> dict:
        """The variables' current values, ``{var name: {index: value}}``."""
        return {v.name: v.extract_values() for v in self.model.component_objects(pyo.Var)}

    # --------------------------------------------------------- what-if runs
    def _constraint(self, name: str, index):
        comp = self.model.component(name)
        return comp[index] if comp.is_indexed() else comp

    def replace_bound(self, name: str, index, lower=None, upper=None) -> None:
        """Give constraint ``name[index]`` new bounds (None keeps a side) for
        the next runs, until :meth:`restore`."""
        con = self._constraint(name, index)
        body_const = _constant(con)
        for row in self.highs.constraint_rows(con):
            old_lower, old_upper = self.highs.row_bounds(row)
            self._rows.setdefault(row, (old_lower, old_upper))
            new_lower = old_lower if lower is None or old_lower <= -INF else lower - body_const
            new_upper = old_upper if upper is None or old_upper >= INF else upper - body_const
            self.highs.set_row_bounds(row, new_lower, new_upper)

    def replace(self, name: str, index, lower, body, upper) -> None:
        """Put ``lower <= body <= upper`` in place of constraint ``name[index]``."""
        con = self._constraint(name, index)
        for row in self.highs.constraint_rows(con):
            self._rows.setdefault(row, self.highs.row_bounds(row))
            self.highs.set_row_bounds(row, -INF, INF)
        self._added.append(self.highs.add_relation(lower, body, upper))

    def set_upper(self, var: str, index, upper: float) -> None:
        """Change a variable's upper bound until :meth:`restore`."""
        col = self.highs.column(self.model.component(var)[index])
        if col is not None:
            old = self.highs.set_col_upper(col, upper)
            self._cols.setdefault(col, old)

    def pending_changes(self) -> tuple[dict[int, float], dict[int, float]]:
        """The what-if changes in place: row -> change of its binding side,
        column -> change of its upper bound."""
        rows = {}
        for row, (lower, upper) in self._rows.items():
            new_lower, new_upper = self.highs.row_bounds(row)
            rows[row] = (new_upper - upper) if upper < INF else (lower - new_lower)
        cols = {col: self.highs.upper[col] - old for col, old in self._cols.items()}
        return rows, cols

    def restore(self) -> None:
        """Undo every what-if change."""
        for row, (lower, upper) in self._rows.items():
            self.highs.set_row_bounds(row, lower, upper)
        for row in self._added:
            self.highs.set_row_bounds(row, -INF, INF)  # left in place, free
        for col, upper in self._cols.items():
            self.highs.set_col_upper(col, upper)
        self._rows.clear()
        self._added.clear()
        self._cols.clear()


def _constant(con) -> float:
    """The constant the compiler moved from a constraint's body to its side."""
    from pyomo.repn import generate_standard_repn

    return float(generate_standard_repn(con.body, compute_values=True).constant)


def solve(
    instance: Instance,
    *,
    time_limit: float | None = None,
    mip_gap: float = MIP_GAP,
    threads: int | None = None,
    seed: int = 0,
    verbose: bool = False,
    progress: Progress | None = None,
) -> Plan:
    """Solve an instance's staged objective and return the plan; ``progress``
    is told of each stage as it runs (planner.solver.progress)."""
    STOP.clear()  # a Ctrl-C of earlier work stops that work, not this
    options = SolveOptions(time_limit, mip_gap, threads, seed, verbose)
    return Session(instance, options, progress).solve()


def _read(plan: Plan, model: pyo.ConcreteModel, data: ModelData, instance: Instance) -> None:
    plan.tables = read_tables(model, data, instance)
    capacity = plan.tables["capacity"]
    plan.capacity_mw = clean(capacity.loc[capacity["period"] == data.D, "online_mw"].sum())
    plan.total_cost = clean(plan.tables["costs"]["cost_musd"].sum())
    plan.co2_mt = clean(pyo.value(model.co2_mt))
    # The last stage's value is the one this plan achieves (the clean-up LP
    # made it; read here from the tables as reported).
    last = plan.stages[-1]
    last.value = {
        "capacity": plan.capacity_mw,
        "capacity_time": clean(data.pm * float(capacity["online_mw"].sum())),
        "cost": plan.total_cost,
        "co2": plan.co2_mt,
    }[last.term]
    # The plan's gap and bound are those of the stage with the largest gap
    # (inf, unknown, when a stage has no bound).
    term, gap = plan.largest_gap()
    worst = next(s for s in plan.stages if s.term == term)
    plan.mip_gap, plan.bound = gap, worst.bound


def _no_plan_message(status: Status) -> str:
    if status is Status.infeasible:
        return "no plan satisfies every commitment and limit of the instance"
    return "the time limit stopped the search before any plan was found"
