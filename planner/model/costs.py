"""Cost and CO2 (MODEL.md 4.3), their caps, and the objective terms (5)."""

from __future__ import annotations

import pyomo.environ as pyo

from planner.instance import USES
from planner.model.data import ModelData


def add_costs(m: pyo.ConcreteModel, d: ModelData) -> None:
    spend = m.spending_musd
    m.cost_by_use = pyo.Expression(
        USES, rule=lambda m, c: sum(spend[s, c2, t] for (s, c2, t) in m.spend_index if c2 == c)
    )
    m.cost_fixed_om = pyo.Expression(
        expr=sum(
            d.fixed_om_per_period[k] * m.units[s, k, t]
            for (s, k, t) in d.unit_index
            if d.bought[k] and d.fixed_om_per_period[k] > 0
        )
    )
    m.cost_energy = pyo.Expression(
        expr=sum(d.grid_price[s] * d.hours / 1e6 * m.grid_draw_mw[s, t] for (s, t) in d.grid_index)
        + sum(d.variable_cost[k] * m.generation_mw[s, k, t] for (s, k, t) in d.unit_index)
    )
    m.cost_interest = pyo.Expression(
        expr=sum(
            d.rate[f] * d.pm / 12 * m.outstanding_musd[f, t]
            for (f, t) in d.outstanding_index
            if d.rate[f] > 0
        )
    )
    m.cost_setup = pyo.Expression(expr=sum(d.setup_cost[f] * m.source_used[f] for f in m.source_used))
    m.total_cost = pyo.Expression(
        expr=sum(m.cost_by_use[c] for c in USES)
        + m.cost_fixed_om + m.cost_energy + m.cost_interest + m.cost_setup
    )
    m.co2_mt = pyo.Expression(
        expr=sum(d.grid_co2[s] * d.hours / 1e6 * m.grid_draw_mw[s, t] for (s, t) in d.grid_index)
        + sum(d.tech_co2[k] * m.generation_mw[s, k, t] for (s, k, t) in d.unit_index)
    )
    if d.max_total_cost is not None:
        m.max_total_cost = pyo.Constraint(expr=m.total_cost <= d.max_total_cost)
    if d.max_co2 is not None:
        m.max_co2 = pyo.Constraint(expr=m.co2_mt <= d.max_co2)

    # objective terms (MODEL.md 5)
    m.capacity = pyo.Expression(expr=sum(m.online_mw[s, d.D] for s in d.sites))
    m.capacity_time = pyo.Expression(
        expr=d.pm * sum(m.online_mw[s, t] for (s, t) in m.site_periods)
    )
