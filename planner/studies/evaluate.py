"""What a fixed plan puts online at the deadline when dates move.

A plan's *commitments* are what it has signed or started: the halls it builds
(built IT MW per site and period), the grid tranches it holds, and the units
of bought technologies it orders (units online per period). Under other dates
(an instance whose energizations, deliveries or funding windows moved), the
plan keeps those commitments and adapts its operations:

- built MW at a site in period t stay at most the plan's: halls can finish
  later than planned (when their money comes later), never sooner, never more;
- the plan's tranches are held and paid as planned; a tranche is usable from
  its moved date, and one that moves past the deadline contributes nothing;
  if a funding delay leaves a tranche's payment uncovered when due, the
  tranche may be given up instead;
- bought units online in period t are at most the plan's, and at most what
  the moved deliveries allow: a unit delivered late is online only from its
  moved period;
- rented units are hired as needed (within supply, the site's permit and the
  money): hiring is an operating decision, not a commitment;
- money is drawn as needed from the instance's sources, within their moved
  windows and every cap: a funding delay delays the spending it covers, so
  the halls and units it pays for come later;
- tenant commitments, the total cost cap and the CO2 cap are not enforced
  (a plan that misses them is reported by its capacity, not refused).

The capacity online in the deadline period is then the most that these rules
allow: a mixed-integer program (whole units) solved for the capacity term.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

import pyomo.core as pyo

from planner.io.load import parse_instance
from planner.io.schema import Instance
from planner.model import build_model, prepare
from planner.model.data import ModelData
from planner.results.plan import Plan
from planner.results.read import clean
from planner.solver.highs import HighsModel
from planner.solver.options import SolveOptions
from planner.studies import shocks


@dataclass
class Commitments:
    """What a plan has committed to, read off its tables."""

    built: dict[tuple[str, int], float] = field(default_factory=dict)
    tranches: set[tuple[str, int]] = field(default_factory=set)
    units: dict[tuple[str, str, int], int] = field(default_factory=dict)  # bought units
    drawn: dict[tuple[str, int], float] = field(default_factory=dict)  # cumulative draws

    @classmethod
    def from_plan(cls, plan: Plan, bought: set[str]) -> Commitments:
        out = cls()
        cap = plan.tables["capacity"]
        for r in cap.itertuples(index=False):
            out.built[str(r.site), int(r.period)] = float(r.built_mw)
        grid = plan.tables["grid"]
        if len(grid):
            for r in grid.itertuples(index=False):
                if bool(r.chosen):
                    out.tranches.add((str(r.site), int(r.tranche)))
        power = plan.tables["power"]
        if len(power):
            for r in power.itertuples(index=False):
                if r.source in bought:
                    out.units[str(r.site), str(r.source), int(r.period)] = int(round(r.units))
        out.drawn = shocks.drawn_by_plan(plan)  # what stands before a money shock
        return out


def bought_technologies(data: Mapping) -> set[str]:
    return {k["name"] for k in data.get("technologies", []) if k.get("ownership", "buy") == "buy"}


def prepare_keeping(inst: Instance, keep: set[tuple[str, int]]) -> ModelData:
    """:func:`~planner.model.prepare`, but the tranches in ``keep`` stay in the
    model even when they are usable only after the deadline: they can be
    chosen (and must then be paid) but carry no MW by the deadline."""
    cal = inst.calendar
    D = cal.deadline_period
    data = inst.model_dump(mode="json", by_alias=True, exclude_none=True)
    late: dict[tuple[str, int], int] = {}
    for s in data["sites"]:
        for g, tr in enumerate((s.get("grid") or {}).get("tranches", [])):
            if (s["name"], g) not in keep:
                continue
            start = cal.tranche_start(tr.get("energized"), tr.get("wait_months"))
            if start > D:
                late[s["name"], g] = start
                tr.pop("wait_months", None)
                tr["energized"] = cal.label(D)  # usable at D: kept by prepare
    if not late:
        return prepare(inst)
    d = prepare(parse_instance(data, source=inst.name))
    for (s, g), start in late.items():
        d.tranche_from[s, g] = start
        d.grid_tranches_at[s, D].remove((s, g))
        if not d.grid_tranches_at[s, D]:
            del d.grid_tranches_at[s, D]
    d.grid_index = [st for st in d.grid_index if st in d.grid_tranches_at]
    return d


def evaluation_data(data: Mapping, keep_caps: bool = False) -> dict:
    """The instance mapping without what a sample does not enforce: tenant
    commitments, and (unless ``keep_caps``, as the stress test does) the total
    cost cap and the CO2 cap."""
    out = copy.deepcopy(shocks.without_money(data))
    for s in out["sites"]:
        s.pop("commitments", None)
    limits = out.get("limits", {})
    if not keep_caps:
        limits.pop("max_total_cost", None)
        limits.pop("max_co2_mt", None)
    out["objective"] = {"stages": ["capacity"], "tolerance": 0.0}
    return out


@dataclass
class Evaluation:
    status: str  # "optimal", "feasible" (a limit stopped the proof), "error"
    capacity_mw: float | None
    seconds: float
    tranches_given_up: bool = False
    message: str = ""


def evaluate(
    data: Mapping, commitments: Commitments, options: SolveOptions | None = None
) -> Evaluation:
    """Capacity online in the deadline period of a plan's commitments under
    the instance ``data`` (a mapping whose dates may have moved)."""
    options = options or SolveOptions(threads=1)
    started = time.perf_counter()
    inst = parse_instance(evaluation_data(data), source=str(data.get("name", "sample")))
    d = prepare_keeping(inst, commitments.tranches)
    money = shocks.money_of(data)
    shocks.apply_to_data(d, money)
    for give_up in (False, True):
        m = build_model(d)
        _commit(m, d, commitments, give_up)
        shocks.add_rows(m, d, money, commitments.drawn)
        m.capacity_objective = pyo.Objective(expr=m.capacity, sense=pyo.maximize)
        hm = HighsModel(m, {"capacity": m.capacity_objective}, options.highs_options())
        hm.set_objective("capacity", True)
        res = hm.run(options.time_limit, options.mip_gap, warm=False)
        if res.status == "infeasible" and not give_up:
            continue
        seconds = time.perf_counter() - started
        if res.value is None:
            return Evaluation(
                "error", None, seconds, give_up, res.message or f"no plan found ({res.status})"
            )
        status = "optimal" if res.status == "optimal" else "feasible"
        return Evaluation(status, clean(max(res.value, 0.0)), seconds, give_up)
    raise AssertionError("unreachable")


def _commit(m: pyo.ConcreteModel, d: ModelData, c: Commitments, give_up: bool) -> None:
    for key in m.tranche_chosen:
        if key in c.tranches:
            if give_up:
                m.tranche_chosen[key].setub(1)
            else:
                m.tranche_chosen[key].fix(1)
        else:
            m.tranche_chosen[key].fix(0)
    for s, t in m.site_periods:
        var = m.built_mw[s, t]
        cap = c.built.get((s, t), d.existing[s])
        var.setub(max(min(var.ub, cap), var.lb))
    for s, k, t in m.units:
        if d.bought[k]:
            var = m.units[s, k, t]
            var.setub(min(var.ub, c.units.get((s, k, t), 0)))
