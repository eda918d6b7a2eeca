"""The stress test: how large a money shock a plan absorbs without losing a MW
at the deadline, and the MW at the deadline as the shock grows
(docs/scenarios.md section 8).

The plan's commitments (a given plan, or the optimal plan of the file) are
evaluated by the rules of :mod:`planner.studies.evaluate` on ONE built model that
holds a row for every shock the test can apply (:mod:`planner.studies.shocks` gives
the rules), all free at first. Each point of a curve moves right-hand sides,
coefficients and cost entries of that model in place and re-solves it,
warm-started: the capacity stage, then the cheapest way to keep it (the cost
of the point). Nothing is rebuilt between points.

A shock is named by a selector (``--shock``), ``[KIND:]TARGET``:

- ``NAME``, ``cut:NAME,NAME``, ``cut:kind=KIND``, ``cut:off_balance_sheet``,
  ``cut:all``: what is left to draw at ``--from`` shrinks by a fraction 0..1
  (1: the source closes);
- ``rate:NAME`` (the same targets): the rate rises from ``--from`` on, in
  basis points;
- ``max_debt_on_balance_sheet``, ``limit:max_off_balance_sheet``: the limit is
  lowered from ``--from`` on by a fraction 0..1;
- ``capex:all``, ``capex:site=SITE``, ``capex:technology=TECH``: a capex
  overrun, as the factor less 1.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from planner.io.load import parse_instance
from planner.results.plan import Plan
from planner.solver.options import SolveOptions
from planner.studies import shocks
from planner.studies.evaluate import Commitments, bought_technologies
from planner.studies.stress_model import StressModel
from planner.studies.stress_shocks import (
    GRIDS,
    LOSS,
    UNITS,
    Shock,
    StressError,
    default_shocks,
    parse_shock,
    tidy,
)


@dataclass
class Curve:
    shock: Shock
    rows: pd.DataFrame  # size, status, capacity_mw, lost_mw, built_mw, dark_mw, unbuilt_mw, ...
    absorbed: float | None  # the largest size that loses no MW (None: the whole range)
    first_loss: float | None  # the smallest size found to lose MW

    @property
    def unit(self) -> str:
        return UNITS[self.shock.kind]


@dataclass
class StressResult:
    instance: str
    plan_mw: float
    base: dict[str, Any]
    curves: list[Curve]
    plan_source: str
    seconds: float = 0.0
    solves: int = 0
    extra: dict = field(default_factory=dict)

    def ranking(self) -> pd.DataFrame:
        """One row per shock, the weakest link first: the least it takes to
        cost capacity."""
        rows = []
        for c in self.curves:
            last = c.rows.iloc[-1]
            rows.append(
                {
                    "shock": c.shock.label,
                    "unit": c.unit,
                    "absorbed": c.absorbed,
                    "first_loss": c.first_loss,
                    "lost_at_max_mw": last["lost_mw"],
                    "max_size": last["size"],
                    "cost_at_max": last["total_cost"],
                }
            )
        df = pd.DataFrame(
            rows,
            columns=[
                "shock",
                "unit",
                "absorbed",
                "first_loss",
                "lost_at_max_mw",
                "max_size",
                "cost_at_max",
            ],
        )
        key = df["first_loss"].fillna(math.inf)
        return df.iloc[np.argsort(key.to_numpy(), kind="stable")].reset_index(drop=True)

    def weakest(self) -> str | None:
        r = self.ranking()
        if r.empty or pd.isna(r.iloc[0]["first_loss"]):
            return None
        return str(r.iloc[0]["shock"])

    def rows(self) -> pd.DataFrame:
        """Every point of every curve, with its shock."""
        parts = []
        for c in self.curves:
            df = c.rows.copy()
            df.insert(0, "shock", c.shock.label)
            df.insert(1, "unit", c.unit)
            parts.append(df)
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()

    def to_dict(self) -> dict[str, Any]:
        import json

        def records(df):
            return json.loads(df.to_json(orient="records", double_precision=15))

        return {
            "instance": self.instance,
            "plan": self.plan_source,
            "plan_capacity_mw": self.plan_mw,
            "base": self.base,
            "ranking": records(self.ranking()),
            "weakest": self.weakest(),
            "curves": [
                {
                    "shock": c.shock.label,
                    "unit": c.unit,
                    "absorbed": c.absorbed,
                    "first_loss": c.first_loss,
                    "points": records(c.rows),
                }
                for c in self.curves
            ],
            "solves": self.solves,
            "seconds": self.seconds,
        }

    def __str__(self) -> str:
        return self.text(curves=True)

    def text(self, curves: bool = True) -> str:
        b = self.base
        lines = [
            f"{self.instance}: credit stress of {self.plan_source} "
            f"({len(self.curves)} shocks, {self.solves} re-solves of one model "
            f"in {self.seconds:.1f} s)",
            f"  no shock: {b['capacity_mw']:,.1f} MW online at the deadline, "
            f"cost {b['total_cost']:,.1f} $M",
        ]
        lines.append("  shock, the weakest link first:")
        rank = self.ranking()
        width = max([len(s) for s in rank["shock"]] + [5])
        lines.append(
            f"    {'shock':<{width}}  {'absorbs':>9}  {'loses from':>10}  {'MW lost at max':>14}"
        )
        for r in rank.itertuples(index=False):
            absorbed = "all" if pd.isna(r.first_loss) else size_text(r.absorbed, r.unit)
            first = "-" if pd.isna(r.first_loss) else size_text(r.first_loss, r.unit)
            lines.append(
                f"    {r.shock:<{width}}  {absorbed:>9}  {first:>10}  "
                f"{r.lost_at_max_mw:>9,.1f} at {size_text(r.max_size, r.unit)}"
            )
        worst = self.weakest()
        lines.append(
            f"  weakest link: {worst}"
            if worst
            else "  no shock in range costs capacity at the deadline"
        )
        for c in self.curves if curves else []:
            lines.append(f"  {c.shock.label} ({c.unit}):")
            for r in c.rows.itertuples(index=False):
                cost = (
                    ""
                    if r.total_cost is None or pd.isna(r.total_cost)
                    else f"  cost {r.total_cost:>10,.1f}"
                )
                if r.capacity_mw is None or pd.isna(r.capacity_mw):
                    lines.append(f"    {size_text(r.size, c.unit):>7}  {r.status}")
                    continue
                lines.append(
                    f"    {size_text(r.size, c.unit):>7}  {r.capacity_mw:>8,.1f} MW  "
                    f"lost {r.lost_mw:>7,.1f}  unbuilt {r.unbuilt_mw:>7,.1f}  "
                    f"dark {r.dark_mw:>6,.1f}{cost}"
                )
        return "\n".join(lines)


def size_text(x: float | None, unit: str) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    if unit == "bp":
        return f"{x:,.0f} bp"
    if unit == "overrun":
        return f"+{x:.1%}"
    return f"{x:.1%}"


def run_stress(
    data: Mapping,
    plan: Plan | None = None,
    shock_list: list[Shock] | None = None,
    *,
    start: str | None = None,
    sizes: list[float] | None = None,
    precision: float = 1e-3,
    options: SolveOptions | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> StressResult:
    """Stress a plan's commitments (the file's optimal plan when ``plan`` is
    None) with each shock in turn, on one built model; ``progress(done,
    total)`` hears of each shock done."""
    from planner.solver.session import Session

    started = time.perf_counter()
    options = options or SolveOptions(threads=1)
    source = "the given plan"
    if plan is None:
        plan = Session(parse_instance(shocks.without_money(data)), options).solve()
        source = "the optimal plan"
        if not plan.status.has_plan:
            raise StressError(f"the instance has no plan to stress ({plan.status.value})")
    shock_list = list(shock_list) if shock_list is not None else default_shocks(data, start)
    commitments = Commitments.from_plan(plan, bought_technologies(data))
    sm = StressModel(data, commitments, shock_list, options)
    base = sm.point(None, 0.0)
    if base["capacity_mw"] is None:
        raise StressError(f"the plan's commitments have no evaluation ({base['status']})")
    plan_built = base["built_mw"]
    curves: list[Curve] = []
    tell = progress or (lambda done, total: None)
    tell(0, len(shock_list))
    for i, sh in enumerate(shock_list):
        # --sizes are fractions and overruns; rates keep their own grid, unless
        # every shock is a rate
        mine = sizes is not None and (
            sh.kind != "rate" or all(x.kind == "rate" for x in shock_list)
        )
        grid = sorted(set(sizes if mine and sizes is not None else GRIDS[sh.kind]) | {0.0})
        points = {}
        for x in grid:
            points[x] = sm.point(i, x)
        absorbed, first = _absorbed(sm, i, points, base["capacity_mw"], precision)
        rows = []
        for x in sorted(points):
            r = points[x]
            cap, built = r["capacity_mw"], r["built_mw"]
            rows.append(
                {
                    "size": x,
                    "status": r["status"],
                    "capacity_mw": cap,
                    "lost_mw": None if cap is None else tidy(base["capacity_mw"] - cap),
                    "built_mw": built,
                    "unbuilt_mw": None if built is None else tidy(plan_built - built),
                    "dark_mw": None if cap is None else tidy(max(built - cap, 0.0)),
                    "total_cost": r["total_cost"],
                    "tranches_given_up": r["tranches_given_up"],
                }
            )
        curves.append(Curve(sh, pd.DataFrame(rows), absorbed, first))
        tell(len(curves), len(shock_list))
    return StressResult(
        str(data.get("name", "")),
        float(plan.capacity_mw or 0.0),
        base,
        curves,
        source,
        time.perf_counter() - started,
        sm.solves,
    )


def _loses(row: dict, base: float) -> bool:
    cap = row["capacity_mw"]
    return cap is None or cap < base - LOSS * max(1.0, abs(base)) - 1e-6


def _absorbed(
    sm: StressModel, i: int, points: dict[float, dict], base: float, precision: float
) -> tuple[float | None, float | None]:
    """The largest size that loses no MW, refined by bisection between the
    last grid size that loses none and the first that loses some; and that
    first losing size. (None, None) when no size of the grid loses MW."""
    grid = sorted(points)
    first = next((x for x in grid if _loses(points[x], base)), None)
    if first is None:
        return None, None
    before = [x for x in grid if x < first]
    lo, hi = (before[-1] if before else 0.0), first
    while hi - lo > precision:
        mid = (lo + hi) / 2
        points[mid] = sm.point(i, mid)
        if _loses(points[mid], base):
            hi = mid
        else:
            lo = mid
    return lo, hi


__all__ = [
    "Curve",
    "Shock",
    "StressError",
    "StressResult",
    "default_shocks",
    "parse_shock",
    "run_stress",
]
