"""A robust plan: one set of commitments for every scenario of ``scenarios:``.

The model holds one copy of the planner's model per scenario (a Pyomo block
built by the same family builders, on that scenario's dates) and ties the
copies together where a plan commits before it knows which scenario comes:

- shared by all scenarios (first stage): built IT MW per site and period, the
  grid tranches chosen, and the bought units online per site, technology and
  period (the units ordered; with a delivery slip in one scenario, the plan
  counts only on units that arrive in time in every scenario);
- per scenario (recourse): IT MW online and dispatch, rented units, draws on
  the funding sources (within that scenario's windows), and so the cost.

A tranche that is usable by the deadline in some scenario can be chosen; in a
scenario where it comes after the deadline it is still paid and carries no MW.
Every scenario must respect every rule of docs/model.md, tenant commitments and
limits included: a robust plan is feasible in each scenario.

Objective terms (stages solved in order, each held within the instance's
tolerance for the next, as in docs/model.md section 5):

| term | sense | meaning |
| --- | --- | --- |
| ``expected_capacity`` | max | sum over scenarios of probability * IT MW online at the deadline |
| ``worst_capacity`` | max | the least IT MW online at the deadline over the scenarios (max-min) |
| ``capacity_time`` | max | expected MW-months online |
| ``cost`` | min | expected total cost |
| ``co2`` | min | expected CO2 |
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import pyomo.core as pyo

from planner.io.load import parse_instance
from planner.io.schema import Instance
from planner.io.uncertainty import Scenario
from planner.model.build import FAMILIES
from planner.model.data import ModelData
from planner.results.plan import Plan
from planner.results.read import clean, read_tables
from planner.results.status import StageResult, Status
from planner.results.text import text_table
from planner.solver.highs import STOP, HighsModel
from planner.solver.options import SOLVER_FEASIBILITY, SolveOptions
from planner.solver.progress import Progress
from planner.solver.staged import StagedSolve
from planner.studies import shocks
from planner.studies.evaluate import prepare_keeping
from planner.studies.slips import Slips, apply_slips, scenario_slips, whole_months

MAXIMIZE = {
    "expected_capacity": True,
    "worst_capacity": True,
    "capacity_time": True,
    "cost": False,
    "co2": False,
}
ROBUST_TERMS = tuple(MAXIMIZE)
DEFAULT_STAGES = {
    "expected": ["expected_capacity", "capacity_time", "cost"],
    "worst": ["worst_capacity", "expected_capacity", "capacity_time", "cost"],
}


@dataclass
class RobustModel:
    model: pyo.ConcreteModel
    scenarios: list[Scenario]
    instances: list[Instance]
    datas: list[ModelData]
    tranches: set[tuple[str, int]]


def usable_tranches(inst: Instance) -> set[tuple[str, int]]:
    cal = inst.calendar
    out = set()
    for s in inst.sites:
        for g, tr in enumerate(s.grid.tranches if s.grid else []):
            start = cal.tranche_start(tr.energized, tr.wait_months)
            if start <= cal.deadline_period:
                out.add((s.name, g))
    return out


def scenario_instances(data: Mapping, scenarios: list[Scenario]) -> list[Instance]:
    return [
        parse_instance(
            shocks.without_money(apply_slips(data, scenario_slips(sc, data))),
            source=f"scenario {sc.name}",
        )
        for sc in scenarios
    ]


def build_robust(data: Mapping, scenarios: list[Scenario]) -> RobustModel:
    """The robust model of an instance mapping and its scenarios."""
    insts = scenario_instances(data, scenarios)
    keep: set[tuple[str, int]] = set()
    for inst in insts:
        keep |= usable_tranches(inst)
    datas = [prepare_keeping(inst, keep) for inst in insts]
    moneys = [shocks.money_of(apply_slips(data, scenario_slips(sc, data))) for sc in scenarios]
    for d, money in zip(datas, moneys, strict=True):
        shocks.apply_to_data(d, money)
    first = datas[0]
    for d in datas[1:]:
        assert d.built_index == first.built_index and d.unit_index == first.unit_index
        assert d.tranches == first.tranches

    m = pyo.ConcreteModel(name="robust")
    W = range(len(scenarios))
    m.scenario = pyo.Block(W)
    for w in W:
        b, d = m.scenario[w], datas[w]
        b.site_periods = pyo.Set(initialize=d.online_index, dimen=2, ordered=True)
        for add in FAMILIES:
            add(b, d)
        shocks.add_rows(b, d, moneys[w])
    shocks.share_early_draws(m, datas, moneys)

    # first stage: the copies agree on what the plan commits to
    b0 = m.scenario[0]
    later = list(W)[1:]
    m.shared_built = pyo.Constraint(
        [(w, s, t) for w in later for (s, t) in first.built_index],
        rule=lambda m, w, s, t: m.scenario[w].built_mw[s, t] == b0.built_mw[s, t],
    )
    m.shared_tranches = pyo.Constraint(
        [(w, s, g) for w in later for (s, g) in first.tranches],
        rule=lambda m, w, s, g: m.scenario[w].tranche_chosen[s, g] == b0.tranche_chosen[s, g],
    )
    bought = [(s, k, t) for (s, k, t) in first.unit_index if first.bought[k]]
    m.shared_units = pyo.Constraint(
        [(w, s, k, t) for w in later for (s, k, t) in bought],
        rule=lambda m, w, s, k, t: m.scenario[w].units[s, k, t] == b0.units[s, k, t],
    )

    p = [sc.probability for sc in scenarios]
    m.worst_mw = pyo.Var(bounds=(0, None), doc="least capacity at the deadline over scenarios")
    m.worst_le = pyo.Constraint(W, rule=lambda m, w: m.worst_mw <= m.scenario[w].capacity)
    terms = {
        "expected_capacity": sum(p[w] * m.scenario[w].capacity for w in W),
        "worst_capacity": m.worst_mw,
        "capacity_time": sum(p[w] * m.scenario[w].capacity_time for w in W),
        "cost": sum(p[w] * m.scenario[w].total_cost for w in W),
        "co2": sum(p[w] * m.scenario[w].co2_mt for w in W),
    }
    m.terms = pyo.Objective(ROBUST_TERMS, rule=lambda m, t: terms[t], sense=pyo.minimize)
    return RobustModel(m, scenarios, insts, datas, keep)


@dataclass
class RobustResult:
    status: Status
    stages: list[StageResult]
    scenarios: pd.DataFrame  # scenario, probability, capacity_mw, total_cost, co2_mt
    plan: Plan | None  # the plan's tables as they play out in the shown scenario
    shown: str = ""
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def expected_capacity(self) -> float | None:
        if self.scenarios["capacity_mw"].isna().any():
            return None
        return float((self.scenarios["probability"] * self.scenarios["capacity_mw"]).sum())

    @property
    def worst_capacity(self) -> float | None:
        if self.scenarios["capacity_mw"].isna().any():
            return None
        return float(self.scenarios["capacity_mw"].min())

    @property
    def expected_cost(self) -> float | None:
        if self.scenarios["total_cost"].isna().any():
            return None
        return float((self.scenarios["probability"] * self.scenarios["total_cost"]).sum())

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status.value,
            "expected_capacity_mw": self.expected_capacity,
            "worst_capacity_mw": self.worst_capacity,
            "expected_cost": self.expected_cost,
            "stages": [
                {"term": s.term, "value": s.value, "status": s.status.value, "mip_gap": s.mip_gap}
                for s in self.stages
            ],
            "scenarios": self.scenarios.to_dict(orient="records"),
            "shown_scenario": self.shown,
            "timings": self.timings,
        }


def solve_robust(
    data: Mapping,
    scenarios: list[Scenario],
    *,
    stages: list[str] | None = None,
    options: SolveOptions | None = None,
    show: str | None = None,
    progress: Progress | None = None,
) -> RobustResult:
    """Solve the robust model; the plan returned shows the scenario ``show``
    (default: the first); ``progress`` hears of each stage."""
    STOP.clear()  # a Ctrl-C of earlier work stops that work, not this
    options = options or SolveOptions()
    stages = list(stages or DEFAULT_STAGES["expected"])
    for term in stages:
        if term not in MAXIMIZE:
            raise ValueError(f"unknown robust term {term!r}; terms: {', '.join(ROBUST_TERMS)}")
    timings: dict[str, float] = {}
    clock = time.perf_counter()
    rm = build_robust(data, scenarios)
    m = rm.model
    timings["build"] = time.perf_counter() - clock
    clock = time.perf_counter()
    hm = HighsModel(m, {t: m.terms[t] for t in ROBUST_TERMS}, options.highs_options())
    timings["handover"] = time.perf_counter() - clock
    tolerance = rm.instances[0].objective.tolerance
    clock = time.perf_counter()
    # The planner's staged loop and hold rule (planner.solver.staged): each
    # stage starts from HiGHS's own heuristics, and every hold gives back
    # HiGHS's feasibility tolerance.
    staged = StagedSolve(
        hm, MAXIMIZE, tolerance, options.mip_gap, heuristic=False, give_back=SOLVER_FEASIBILITY
    )
    staged.progress = progress
    status, results = staged.run(stages, options.time_limit)
    timings["solve"] = time.perf_counter() - clock
    names = [sc.name for sc in scenarios]
    shown = show or names[0]
    if shown not in names:
        raise ValueError(f"no scenario named {shown!r}; scenarios: {', '.join(names)}")
    rows: list[tuple[str, float, float | None, float | None, float | None]] = []
    if not status.has_plan:
        rows = [(sc.name, sc.probability, None, None, None) for sc in scenarios]
        table = pd.DataFrame(
            rows, columns=["scenario", "probability", "capacity_mw", "total_cost", "co2_mt"]
        )
        return RobustResult(status, results, table, None, shown, timings)
    hm.load()
    for w, sc in enumerate(scenarios):
        b = m.scenario[w]
        rows.append(
            (
                sc.name,
                sc.probability,
                clean(pyo.value(b.capacity)),
                clean(pyo.value(b.total_cost)),
                clean(pyo.value(b.co2_mt)),
            )
        )
    table = pd.DataFrame(
        rows, columns=["scenario", "probability", "capacity_mw", "total_cost", "co2_mt"]
    )
    w = names.index(shown)
    plan = _plan(rm, w, status, results, data)
    return RobustResult(status, results, table, plan, shown, timings)


def _plan(
    rm: RobustModel, w: int, status: Status, stages: list[StageResult], data: Mapping
) -> Plan:
    b, d, inst = rm.model.scenario[w], rm.datas[w], rm.instances[w]
    plan = Plan(status=status, instance_name=str(data.get("name", "")), stages=stages)
    plan.periods = d.cal.labels()
    plan.instance_data = dict(data)
    plan.tables = read_tables(b, d, inst)
    cap = plan.tables["capacity"]
    plan.capacity_mw = clean(cap.loc[cap["period"] == d.D, "online_mw"].sum())
    plan.total_cost = clean(plan.tables["costs"]["cost_musd"].sum())
    plan.co2_mt = clean(pyo.value(b.co2_mt))
    plan.mip_gap, plan.bound = stages[-1].mip_gap, stages[-1].bound
    plan.message = (
        f"robust plan over {len(rm.scenarios)} scenarios; its tables show "
        f"scenario '{rm.scenarios[w].name}'"
    )
    return plan


# ------------------------------------------------------------- comparison
@dataclass
class Comparison:
    """Plans tested in every scenario by the same rules
    (:mod:`planner.studies.evaluate`): IT MW online at the deadline."""

    table: pd.DataFrame  # scenario, probability, one column per plan
    plans: list[str]
    notes: list[str] = field(default_factory=list)

    def expected(self) -> dict[str, float]:
        p = self.table["probability"]
        return {name: float((p * self.table[name]).sum()) for name in self.plans}

    def worst(self) -> dict[str, float]:
        return {name: float(self.table[name].min()) for name in self.plans}

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenarios": self.table.to_dict(orient="records"),
            "expected_mw": self.expected(),
            "worst_mw": self.worst(),
            "notes": self.notes,
        }

    def __str__(self) -> str:
        shown = self.table.copy()
        for name in self.plans:
            shown[name] = shown[name].map(lambda v: f"{v:,.1f}")
        shown["probability"] = shown["probability"].map(lambda v: f"{v:.2f}")
        exp, worst = self.expected(), self.worst()
        extra = pd.DataFrame(
            [
                {
                    "scenario": "expected",
                    "probability": "",
                    **{n: f"{exp[n]:,.1f}" for n in self.plans},
                },
                {
                    "scenario": "worst",
                    "probability": "",
                    **{n: f"{worst[n]:,.1f}" for n in self.plans},
                },
            ]
        )
        body = text_table(pd.concat([shown, extra], ignore_index=True), blank_missing=False)
        lines = [
            "each plan's commitments tested in every scenario (IT MW online at the deadline):",
            body,
        ]
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)


def expected_slips(data: Mapping, scenarios: list[Scenario]) -> Slips:
    """Each item's probability-weighted slip, in whole months."""
    out = Slips()
    each = [(sc.probability, scenario_slips(sc, data)) for sc in scenarios]
    for kind in ("grid", "deliveries", "funding"):
        keys = {k for _, s in each for k in getattr(s, kind)}
        book = getattr(out, kind)
        for k in keys:
            book[k] = whole_months(sum(p * getattr(s, kind).get(k, 0) for p, s in each))
    return out


def compare_with_fixed_dates(
    study,
    robust_plan: Plan,
    options: SolveOptions | None = None,
) -> Comparison:
    """The robust plan against the plans made for the file's dates and for the
    expected dates (each item slipped by its probability-weighted slip), each
    tested in every scenario."""
    from planner.model import prepare
    from planner.solver.session import Session
    from planner.studies.evaluate import Commitments, bought_technologies, evaluate

    options = options or SolveOptions()
    data, scenarios = study.data, study.scenarios
    bought = bought_technologies(data)
    plans: dict[str, Plan] = {"robust": robust_plan}
    notes = []
    nominal = Session(study.instance, options).solve()
    plans["file dates"] = nominal
    exp_inst = parse_instance(
        apply_slips(data, expected_slips(data, scenarios)), source="expected dates"
    )
    if repr(prepare(exp_inst)) == repr(prepare(study.instance)):
        notes.append(
            "the expected dates fall in the same periods as the file's: "
            "the plan for the expected dates is the plan for the file's dates"
        )
    else:
        plans["expected dates"] = Session(exp_inst, options).solve()
    for name, plan in list(plans.items()):
        if not plan.status.has_plan:
            notes.append(f"no plan for the {name}: {plan.status.value}")
            del plans[name]
    rows = []
    eval_options = SolveOptions(mip_gap=options.mip_gap, threads=options.threads)
    commitments = {n: Commitments.from_plan(p, bought) for n, p in plans.items()}
    for sc in scenarios:
        moved = apply_slips(data, scenario_slips(sc, data))
        row = {"scenario": sc.name, "probability": sc.probability}
        for name, c in commitments.items():
            row[name] = evaluate(moved, c, eval_options).capacity_mw
        rows.append(row)
    return Comparison(pd.DataFrame(rows), list(plans), notes)
