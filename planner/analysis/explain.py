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

    def __str__(self) -> str:
        text = f"{self.step}: {self.gain_mw:+,.1f} MW"
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
        lines.append(f"Measured by {self.resolves} re-solves in {self.seconds:.1f} s.")
        return "\n".join(lines)


# ------------------------------------------------------------------ explain
def _capacity(status: Status, stages: list[StageResult]) -> float:
    """The capacity stage's value of a run, 0 without a plan."""
    value = stages[0].value if status.has_plan else None
    return 0.0 if value is None else value


@dataclass(frozen=True)
class Resolved:
    """A progress event of :func:`explain`: ``done`` of ``total`` re-solves."""

    done: int
    total: int


def explain(
    instance: Instance,
    options: SolveOptions | None = None,
    session: Session | None = None,
    progress: Callable[[Any], None] | None = None,
) -> Explanation:
    """Solve (or reuse a solved session) and measure each binding limit.
    ``progress`` hears of the first solve's stages (planner.solver.progress),
    then of each re-solve (:class:`Resolved`)."""
    started = time.perf_counter()
    STOP.clear()  # a Ctrl-C of earlier work stops that work, not this
    options = options or SolveOptions()
    if session is None:
        session = Session(instance, options, progress)
        session.solve()
        session.staged.progress = None  # the re-solves are told as Resolved
    tell = progress or (lambda event: None)
    base_plan_values = session.snapshot()
    status, stages = session.run(["capacity"])
    base = _capacity(status, stages)
    result = Explanation(instance.name, base, session.data.cal.span(session.data.D))
    noise = max(options.mip_gap * abs(base), TOL * max(1.0, abs(base)))
    candidates = power_candidates(session) + money_candidates(session)
    duals = session.highs.fixed_lp_duals()  # the capacity stage's, choices fixed
    tranches = earlier_tranches(instance, session)
    total = len(candidates) + len(tranches)
    tell(Resolved(0, total))
    for limit, kind, step, relax, delta in candidates:
        clock = time.perf_counter()
        relax(session)
        estimate = _lp_estimate(session, duals)
        st, res = session.run(["capacity"])
        gain = _capacity(st, res) - base if st.has_plan else 0.0
        session.restore()
        session.start_from(base_plan_values)
        result.resolves += 1
        tell(Resolved(result.resolves, total))
        _file(
            result,
            Bottleneck(
                limit, kind, step, gain, delta, time.perf_counter() - clock, lp_estimate_mw=estimate
            ),
            noise,
        )
    months = session.data.pm
    period = {
        1: "month",
        2: "two months",
        3: "quarter",
        4: "four months",
        6: "half year",
        12: "year",
    }[months]
    for site, what, g, _start in tranches:
        clock = time.perf_counter()
        other = Session(shift_tranche(instance, site, g, months), options)
        other.start_from(base_plan_values)
        st, res = other.run(["capacity"])
        gain = _capacity(st, res) - base if st.has_plan else 0.0
        result.resolves += 1
        tell(Resolved(result.resolves, total))
        _file(
            result,
            Bottleneck(
                f"grid_tranche_timing {site} {g}",
                "power",
                f"{site}'s grid {what} one {period} earlier",
                gain,
                months,
                time.perf_counter() - clock,
                rebuilt=True,
            ),
            noise,
            keep_zero=False,
        )
    result.bottlenecks.sort(key=lambda b: -b.gain_mw)
    result.seconds = time.perf_counter() - started
    return result


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
    """A gain within the re-solves' MIP gap is noise, not worth."""
    if b.gain_mw > noise:
        result.bottlenecks.append(b)
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
    return explain(instance, options, progress=progress)
