"""Cost and CO2 (docs/model.md 4.3), their caps, and the objective terms (5)."""

from __future__ import annotations

import pyomo.core as pyo

from planner.io.fields import USES
from planner.model.data import ModelData
from planner.model.linear import lin


def add_costs(m: pyo.ConcreteModel, d: ModelData) -> None:
    # Spending over all periods telescopes: what is built or bought by the
    # deadline, the tranches chosen, the rent of every period.
    def by_use(c: str):
        sites = [s for s, c2 in d.use_index if c2 == c]
        if c in ("facility", "compute"):
            capex = d.build_capex if c == "facility" else d.compute_capex
            return lin(
                [(capex[s], m.built_mw[s, d.D]) for s in sites],
                -sum(capex[s] * d.existing[s] for s in sites),
            )
        if c == "power":
            return lin(
                (d.capex_per_unit[k], m.units[s, k, t])
                for (s, k, t) in d.unit_index
                if t == d.D and d.bought[k] and d.capex_per_unit[k] > 0
            )
        if c == "grid":
            return lin(
                (d.tranche_cost[g], m.tranche_chosen[g])
                for g in d.tranches
                if d.tranche_cost[g] > 0
            )
        return lin(
            (d.rent_per_period[k], m.units[s, k, t])
            for (s, k, t) in d.unit_index
            if not d.bought[k] and d.rent_per_period[k] > 0
        )

    m.cost_by_use = pyo.Expression(USES, rule=lambda m, c: by_use(c))
    m.cost_fixed_om = pyo.Expression(
        expr=lin(
            (d.fixed_om_per_period[k], m.units[s, k, t])
            for (s, k, t) in d.unit_index
            if d.bought[k] and d.fixed_om_per_period[k] > 0
        )
    )
    grid_energy = [
        (d.grid_price[s] * d.hours / 1e6, m.grid_draw_mw[s, t])
        for (s, t) in d.grid_index
        if d.grid_price[s] > 0
    ]
    onsite_energy = [
        (d.variable_cost[k], m.generation_mw[s, k, t])
        for (s, k, t) in d.unit_index
        if d.variable_cost[k] > 0
    ]
    m.cost_energy = pyo.Expression(expr=lin(grid_energy + onsite_energy))
    m.cost_interest = pyo.Expression(
        expr=lin(
            (d.rate[f] * d.pm / 12, m.outstanding_musd[f, t])
            for (f, t) in d.outstanding_index
            if d.rate[f] > 0
        )
    )
    m.cost_setup = pyo.Expression(
        expr=lin((d.setup_cost[f], m.source_used[f]) for f in m.source_used)
    )
    m.total_cost = pyo.Expression(
        expr=sum(m.cost_by_use[c] for c in USES)
        + m.cost_fixed_om
        + m.cost_energy
        + m.cost_interest
        + m.cost_setup
    )
    m.co2_mt = pyo.Expression(
        expr=lin(
            [
                (d.grid_co2[s] * d.hours / 1e6, m.grid_draw_mw[s, t])
                for (s, t) in d.grid_index
                if d.grid_co2[s] > 0
            ]
            + [
                (d.tech_co2[k], m.generation_mw[s, k, t])
                for (s, k, t) in d.unit_index
                if d.tech_co2[k] > 0
            ]
        )
    )
    if d.max_total_cost is not None:
        m.max_total_cost = pyo.Constraint(expr=m.total_cost <= d.max_total_cost)
    if d.max_co2 is not None:
        m.max_co2 = pyo.Constraint(expr=m.co2_mt <= d.max_co2)

    # objective terms (docs/model.md 5)
    m.capacity = pyo.Expression(expr=lin((1, m.online_mw[s, d.D]) for s in d.sites))
    m.capacity_time = pyo.Expression(
        expr=lin((d.pm, m.online_mw[s, t]) for (s, t) in m.site_periods)
    )
