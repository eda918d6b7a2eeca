"""On-site power and the power balance (MODEL.md 2.3), commitments."""

from __future__ import annotations

import pyomo.environ as pyo

from planner.model.data import ModelData
from planner.model.grid import grid_available


def add_power(m: pyo.ConcreteModel, d: ModelData) -> None:
    m.units = pyo.Var(
        d.unit_index,
        domain=pyo.NonNegativeIntegers,
        bounds=lambda m, s, k, t: (0, d.unit_ub[s, k, t]),
        doc="whole units online",
    )
    m.generation_mw = pyo.Var(d.unit_index, bounds=(0, None), doc="on-site generation")

    m.onsite_permit = pyo.Constraint(
        d.permit_index,
        rule=lambda m, s, t: sum(d.unit_mw[k] * m.units[s, k, t] for k in d.units_at[s, t])
        <= d.onsite_max[s],
    )
    m.bought_units_nondecreasing = pyo.Constraint(
        [(s, k, t) for (s, k, t) in d.unit_index if d.bought[k] and (s, k, t - 1) in m.units],
        rule=lambda m, s, k, t: m.units[s, k, t] >= m.units[s, k, t - 1],
    )
    m.generation_limit = pyo.Constraint(
        d.unit_index,
        rule=lambda m, s, k, t: m.generation_mw[s, k, t]
        <= d.availability[k] * d.unit_mw[k] * m.units[s, k, t],
    )

    def balance(m, s, t):
        grid = m.grid_draw_mw[s, t] if (s, t) in m.grid_draw_mw else 0
        onsite = sum(m.generation_mw[s, k, t] for k in d.units_at.get((s, t), ()))
        return grid + onsite == d.pue[s] * m.online_mw[s, t]

    m.power_balance = pyo.Constraint(m.site_periods, rule=balance)

    def firm(m, s, t):
        r = d.reserve[s]
        onsite = sum(
            d.availability[k] * d.unit_mw[k] * m.units[s, k, t] for k in d.units_at[s, t]
        )
        return onsite + (1 + r) * grid_available(m, d, s, t) >= (1 + r) * d.pue[s] * m.online_mw[
            s, t
        ]

    # With no reserve margin the power balance already implies firm power.
    m.firm_power = pyo.Constraint(d.firm_index, rule=firm)
    m.commitment = pyo.Constraint(
        list(d.commitment), rule=lambda m, s, t: m.online_mw[s, t] >= d.commitment[s, t]
    )


def units_or_zero(m: pyo.ConcreteModel, s: str, k: str, t: int):
    """N[s,k,t], 0 where no unit can be online (before the lead time, not allowed)."""
    return m.units[s, k, t] if (s, k, t) in m.units else 0
