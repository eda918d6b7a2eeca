"""Why the plan stops where it does, and what would buy more MW.

For every limit that binds in the solved plan, the capacity stage is solved
again with that one limit relaxed by one meaningful step (one more turbine
delivered, a round share more money, a tranche one period earlier) and the
gain in IT MW at the deadline is the limit's worth. Relaxations that only move
a right-hand side or a bound reuse the built model and its persistent solver,
warm-started from the plan; a relaxation that moves a date (a tranche's
energization) changes which variables exist, so it is measured on a model
built for the changed instance, also warm-started.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from planner.analysis.candidates import (
    TOL,
    earlier_tranches,
    money_candidates,
    power_candidates,
    shift_tranche,
)
from planner.io.load import parse_instance
from planner.io.schema import Instance
from planner.results.plan import Plan
from planner.results.status import StageResult, Status
from planner.solver.highs import STOP
from planner.solver.options import SolveOptions
from planner.solver.replay import replay
from planner.solver.session import Session


@dataclass
class Bottleneck:
    limit: str  # the rule and where, e.g. "supply_limit aero"
    kind: str  # "power", "money" or "co2"
    step: str  # the relaxation measured, in business words
    gain_mw: float  # IT MW more at the deadline
    delta: float = 0.0  # the step in the limit's own unit ($M, units, MW, months)
    solve_s: float = 0.0
    rebuilt: bool = False  # measured on a rebuilt model (a date moved)
    lp_estimate_mw: float | None = None  # LP duals with the choices fixed, times the step
    proven: bool = True  # False: the time limit stopped the re-solve; the gain is at least this
    most_mw: float | None = None  # unproven: the re-solve's bound, the most the step is worth

    def __str__(self) -> str:
        if self.proven:
            text = f"{self.step}: {self.gain_mw:+,.1f} MW"
        elif self.most_mw is None:
            text = f"{self.step}: at least {self.gain_mw:+,.1f} MW (time limit)"
        else:
            text = f"{self.step}: {self.gain_mw:+,.1f} to {self.most_mw:+,.1f} MW (time limit)"
        if self.lp_estimate_mw is not None and abs(self.lp_estimate_mw - self.gain_mw) > 0.05:
            text += f" (LP duals, choices fixed: {self.lp_estimate_mw:+,.1f} MW)"
        return text


@dataclass
class Explanation:
    instance: str
    capacity_mw: float
    deadline: str
    bottlenecks: list[Bottleneck] = field(default_factory=list)  # gain > 0, best first
    binding_no_gain: list[Bottleneck] = field(default_factory=list)
    # the time limit came first: not re-solved, or stopped without a gain found
    unsettled: list[Bottleneck] = field(default_factory=list)
    seconds: float = 0.0
    resolves: int = 0

    @property
    def bound_by(self) -> str:
        best = {
            k: max((b.gain_mw for b in self.bottlenecks if b.kind == k), default=0.0)
            for k in ("power", "money", "co2")
        }
        if max(best.values()) <= TOL:
            return "nothing measured: no single step buys more MW"
        kind = max(best, key=best.__getitem__)
        return {"power": "power-bound", "money": "money-bound", "co2": "CO2-bound"}[kind]

    def to_dict(self) -> dict:
        return {
            "instance": self.instance,
            "capacity_mw": self.capacity_mw,
            "bound_by": self.bound_by,
            "bottlenecks": [asdict(b) for b in self.bottlenecks],
            "binding_no_gain": [asdict(b) for b in self.binding_no_gain],
            "unsettled": [asdict(b) for b in self.unsettled],
            "seconds": self.seconds,
            "resolves": self.resolves,
        }

    def __str__(self) -> str:
        lines = [
            f"{self.instance}: {self.capacity_mw:,.1f} MW online in the deadline period "
            f"({self.deadline}); the plan is {self.bound_by}."
        ]
        for kind, title in (("power", "Power"), ("money", "Money"), ("co2", "CO2")):
            items = [b for b in self.bottlenecks if b.kind == kind]
            if items:
                lines.append(f"{title}: what one more step of each binding limit buys")
                lines += [f"  {b}" for b in items]
        if self.binding_no_gain:
            lines.append("Binding, but worth nothing alone:")
            lines += [f"  {b.step}" for b in self.binding_no_gain]
        if self.unsettled:
            lines.append(
                f"Binding, worth not settled: the time limit came first ({len(self.unsettled)}):"
            )
            limits = [b for b in self.unsettled if not b.rebuilt]
            lines += [f"  {b.step}" for b in limits]
            if len(limits) < len(self.unsettled):
                tranches = len(self.unsettled) - len(limits)
                lines.append(f"  {tranches} grid tranches one period earlier each")
        lines.append(f"Measured by {self.resolves} re-solves in {self.seconds:.1f} s.")
        return "\n".join(lines)


# ------------------------------------------------------------------ explain
SOLVE_SHARE = 0.5  # of explain's time limit, for the solve of an instance file


class NoPlan(ValueError):
    """There is no plan to explain: the solve (or the saved plan) ended with
    ``status`` and no plan, or the plan has no capacity stage."""

    def __init__(self, message: str, status: Status = Status.no_plan) -> None:
        super().__init__(message)
        self.status = status


def _capacity(status: Status, stage: StageResult | None) -> float:
    """The capacity stage's value of a run, 0 without a plan."""
    value = stage.value if status.has_plan and stage is not None else None
    return 0.0 if value is None else value


@dataclass(frozen=True)
class Resolved:
    """A progress event of :func:`explain`: ``done`` of ``total`` re-solves."""

    done: int
    total: int


@dataclass
class _Trial:
    """One relaxation to measure: ``measure(time_limit)`` re-solves the
    capacity stage with it and gives the run's status and MW."""

    bottleneck: Bottleneck
    measure: Callable[[float | None], tuple[Status, StageResult | None]]
    rank: tuple[float, float]  # measured in this order
    keep_zero: bool = True


MIN_SHARE = 5.0  # s: under a time limit, no re-solve gets less (fewer are measured)


def explain(
    instance: Instance,
    options: SolveOptions | None = None,
    progress: Callable[[Any], None] | None = None,
    plan: Plan | None = None,
) -> Explanation:
    """Measure each binding limit of a plan: ``plan`` (a saved plan of
    ``instance``, put back on the model without searching again:
    planner.solver.replay), or else the plan of a solve of ``instance``.

    ``options.time_limit`` bounds the whole of it. A first solve gets
    :data:`SOLVE_SHARE` of it. The re-solves run most promising first (the
    larger the LP duals' estimate, the earlier), each with an even share of
    the time left but at least :data:`MIN_SHARE`; those the limit leaves no
    time for are listed as not measured, and a re-solve it stops reports the
    MW found so far as "at least". ``progress`` hears of a first solve's
    stages (planner.solver.progress), then of each re-solve (:class:`Resolved`).
    """
    started = time.perf_counter()
    STOP.clear()  # a Ctrl-C of earlier work stops that work, not this
    options = options or SolveOptions()
    limit = options.time_limit
    deadline = None if limit is None else started + limit
    if plan is not None and not plan.status.has_plan:
        raise NoPlan(f"no plan to explain: the plan is {plan.status.value}", plan.status)
    session = Session(instance, options, progress)
    if plan is not None:
        stages = replay(session, plan)
    else:
        status, stages = session.run(time_limit=None if limit is None else SOLVE_SHARE * limit)
        if not status.has_plan:
            raise NoPlan(f"no plan to explain: the solve ended {status.value}", status)
    session.staged.progress = None  # the re-solves are told as Resolved
    tell = progress or (lambda event: None)
    base = stages[0].value if stages[0].term == "capacity" else None
    if base is None:
        raise NoPlan("explain measures MW at the deadline: the plan has no capacity stage")
    result = Explanation(instance.name, base, session.data.cal.span(session.data.D))
    noise = max(options.mip_gap * abs(base), TOL * max(1.0, abs(base)))
    trials = _trials(instance, session, options)
    trials.sort(key=lambda trial: trial.rank)
    tell(Resolved(0, len(trials)))
    for i, trial in enumerate(trials):
        share = None
        if deadline is not None:
            left = deadline - time.perf_counter()
            share = max(left / (len(trials) - i), MIN_SHARE)
            if share > left:
                result.unsettled = [t.bottleneck for t in trials[i:]]
                for b in result.unsettled:
                    b.proven = False
                break
        clock = time.perf_counter()
        st, stage = trial.measure(share)
        b = trial.bottleneck
        b.gain_mw = _capacity(st, stage) - base
        b.proven = st is Status.optimal
        if not b.proven and stage is not None and stage.bound is not None:
            b.most_mw = max(stage.bound - base, b.gain_mw) if math.isfinite(stage.bound) else None
        b.solve_s = time.perf_counter() - clock
        result.resolves += 1
        tell(Resolved(result.resolves, len(trials)))
        _file(result, b, noise, keep_zero=trial.keep_zero)
    result.bottlenecks.sort(key=lambda b: -b.gain_mw)
    result.seconds = time.perf_counter() - started
    return result


def _trials(instance: Instance, session: Session, options: SolveOptions) -> list[_Trial]:
    """Every relaxation to measure, with its rank: first those the LP duals
    (choices fixed) value, largest first; then the other limits and the
    tranches that would reach the deadline period one period earlier; last
    the other tranches (an earlier date adds MW at the deadline only through
    money or timing)."""
    base_plan_values = session.snapshot()
    session.staged.release_holds()
    session.highs.set_objective("capacity", maximize=True)
    duals = session.highs.fixed_lp_duals()  # the capacity stage's, choices fixed
    trials = []
    for limit, kind, step, relax, delta in power_candidates(session) + money_candidates(session):
        relax(session)
        estimate = _lp_estimate(session, duals)
        session.restore()

        def measure(time_limit, relax=relax) -> tuple[Status, StageResult | None]:
            relax(session)
            st, res = session.run(["capacity"], time_limit=time_limit)
            session.restore()
            session.start_from(base_plan_values)
            return st, res[0] if res else None

        b = Bottleneck(limit, kind, step, 0.0, delta, lp_estimate_mw=estimate)
        rank = (0.0, -estimate) if estimate and estimate > TOL else (1.0, 0.0)
        trials.append(_Trial(b, measure, rank))
    d = session.data
    period = {
        1: "month",
        2: "two months",
        3: "quarter",
        4: "four months",
        6: "half year",
        12: "year",
    }[d.pm]
    for site, what, g, start in earlier_tranches(instance, session):

        def measure_shifted(time_limit, site=site, g=g) -> tuple[Status, StageResult | None]:
            other = Session(shift_tranche(instance, site, g, d.pm), options)
            other.start_from(base_plan_values)
            st, res = other.run(["capacity"], time_limit=time_limit)
            return st, res[0] if res else None

        b = Bottleneck(
            f"grid_tranche_timing {site} {g}",
            "power",
            f"{site}'s grid {what} one {period} earlier",
            0.0,
            d.pm,
            rebuilt=True,
        )
        rank = (1.0, 0.0) if start == d.D + 1 else (2.0, 0.0)
        trials.append(_Trial(b, measure_shifted, rank, keep_zero=False))
    return trials


def _lp_estimate(session: Session, duals) -> float | None:
    """First-order worth of the pending relaxation: the LP duals (choices
    fixed) times the change of each bound. It misses what needs a new choice
    (a unit more, a tranche), which the re-solve measures."""
    if duals is None:
        return None
    row_dual, col_dual = duals
    rows, cols = session.pending_changes()
    changes = [(row_dual, r, x) for r, x in rows.items()] + [
        (col_dual, c, x) for c, x in cols.items()
    ]
    if any(not math.isfinite(x) or i >= len(dual) for dual, i, x in changes):
        return None  # a row replaced or added: no first-order reading
    return float(sum(abs(dual[i]) * x for dual, i, x in changes))


def _file(result: Explanation, b: Bottleneck, noise: float, keep_zero: bool = True) -> None:
    """A gain within the re-solves' MIP gap is noise, not worth; no gain
    found before the time limit is not settled."""
    if b.gain_mw > noise:
        result.bottlenecks.append(b)
    elif not b.proven:
        b.gain_mw = max(b.gain_mw, 0.0)
        result.unsettled.append(b)
    elif keep_zero:
        b.gain_mw = max(b.gain_mw, 0.0)
        result.binding_no_gain.append(b)


def explain_plan(
    plan: Plan,
    options: SolveOptions | None = None,
    progress: Callable[[Any], None] | None = None,
) -> Explanation:
    """Explain a plan read from JSON (it carries its instance)."""
    if plan.instance_data is None:
        raise ValueError("the plan does not carry its instance; give the instance file")
    instance = parse_instance(plan.instance_data, source=plan.instance_name)
    return explain(instance, options, progress=progress, plan=plan)
