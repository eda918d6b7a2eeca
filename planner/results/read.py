"""Read a solved model's values into the plan's tidy tables."""

from __future__ import annotations

import math

import pandas as pd
import pyomo.core as pyo

from planner.io.fields import USES
from planner.io.schema import Instance
from planner.model.data import ModelData
from planner.model.funding import spending as spending_expr
from planner.results.tables import COST_ITEMS, columns

CLEAN = 1e-7  # values this close to 0 or to a whole number are reported as such


def clean(x: float | None) -> float:
    if x is None:
        return 0.0
    r = round(x)
    return float(r) if abs(x - r) < CLEAN * max(1.0, abs(x)) else float(x)


def _values(var: pyo.Var) -> dict:
    return {k: clean(v) for k, v in var.extract_values().items()}


def read_tables(m: pyo.ConcreteModel, d: ModelData, inst: Instance) -> dict[str, pd.DataFrame]:
    # Clean the values in the model first, so that every table (and the
    # spending, costs and CO2 computed from the model) reads the same numbers.
    for var in m.component_data_objects(pyo.Var):
        if var.value is not None:
            var.set_value(clean(var.value), skip_validation=True)
    built, online = _values(m.built_mw), _values(m.online_mw)
    units, gen = _values(m.units), _values(m.generation_mw)
    chosen = {k: round(v) for k, v in _values(m.tranche_chosen).items()}
    draw_q = _values(m.grid_draw_mw)
    draws = _values(m.draw_musd)
    outstanding = _values(m.outstanding_musd)
    used_var = {k: round(v) for k, v in _values(m.source_used).items()}

    capacity = pd.DataFrame(
        [(s, t, built[s, t], online[s, t]) for (s, t) in d.online_index],
        columns=columns("capacity"),
    )

    rows = []
    for s, t in d.grid_index:
        usable = [g for g in d.grid_tranches_at[s, t] if chosen.get(g)]
        mw = sum(d.tranche_mw[g] for g in usable)
        if mw > 0 or draw_q[s, t] > 0:
            rows.append((s, t, "grid", len(usable), mw, draw_q[s, t]))
    for s, k, t in d.unit_index:
        n = units[s, k, t]
        if n > 0 or gen[s, k, t] > 0:
            rows.append((s, t, k, int(round(n)), d.unit_mw[k] * n, gen[s, k, t]))
    power = pd.DataFrame(rows, columns=columns("power")).sort_values(
        ["site", "period", "source"], kind="stable", ignore_index=True
    )

    cal = d.cal
    grid_rows = []
    for site in inst.sites:
        for g, tr in enumerate(site.grid.tranches if site.grid else []):
            start = cal.tranche_start(tr.energized, tr.wait_months)
            paid = cal.by(tr.paid) if tr.paid else 0
            grid_rows.append(
                (site.name, g, tr.mw, start, bool(chosen.get((site.name, g), 0)), tr.cost, paid)
            )
    grid = pd.DataFrame(
        grid_rows,
        columns=columns("grid"),
    )

    funding = pd.DataFrame(
        [(f, s, c, t, v) for (f, s, c, t), v in draws.items() if v > 0],
        columns=columns("funding"),
    )
    spend_values = {
        (s, c, t): clean(pyo.value(spending_expr(m, d, s, c, t))) for (s, c, t) in m.spend_index
    }
    spending = pd.DataFrame(
        [(s, c, t, v) for (s, c, t), v in spend_values.items() if abs(v) > 0],
        columns=columns("spending"),
    )

    drawn = {f: 0.0 for f in d.sources}
    for (f, _, _, _), v in draws.items():
        drawn[f] += v
    interest = {f: 0.0 for f in d.sources}
    for (f, _t), v in outstanding.items():
        interest[f] += d.rate[f] * d.pm / 12 * v
    setup_by_source = {f.name: f.setup_cost for f in inst.funding}
    used = {f: bool(used_var.get(f, drawn[f] > 0)) for f in d.sources}
    sources = pd.DataFrame(
        [
            (f, drawn[f], used[f], setup_by_source[f] if used[f] else 0.0, interest[f])
            for f in d.sources
        ],
        columns=columns("sources"),
    )

    def total(group: list[str], t: int) -> float:
        return sum((outstanding.get((f, t), 0.0) for f in group), 0.0)

    balance = pd.DataFrame(
        [
            (
                t,
                total(d.debt_on_bs, t),
                d.on_bs_limit.get(t, math.nan),
                total(d.off_bs, t),
                d.off_bs_limit.get(t, math.nan),
            )
            for t in d.periods
        ],
        columns=columns("balance_sheet"),
    )

    supply_rows = []
    for entry in inst.supply:
        k = entry.technology
        for t in d.periods:
            n = sum(units.get((s, k, t), 0.0) for s in d.sites)
            supply_rows.append((k, t, int(round(n)), d.supply_cap[k, t]))
    supply = pd.DataFrame(supply_rows, columns=columns("supply"))

    cost_values = {c: clean(pyo.value(m.cost_by_use[c])) for c in USES}
    cost_values.update(
        fixed_om=clean(pyo.value(m.cost_fixed_om)),
        energy=clean(pyo.value(m.cost_energy)),
        interest=clean(pyo.value(m.cost_interest)),
        setup=clean(pyo.value(m.cost_setup)),
    )
    costs = pd.DataFrame(
        [(item, cost_values[item]) for item in COST_ITEMS], columns=columns("costs")
    )
    return {
        "capacity": capacity,
        "power": power,
        "grid": grid,
        "funding": funding,
        "spending": spending,
        "sources": sources,
        "balance_sheet": balance,
        "supply": supply,
        "costs": costs,
    }
