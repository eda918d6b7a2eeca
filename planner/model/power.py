"""On-site power and the power balance (docs/model.md 2.3), commitments."""

from __future__ import annotations

import pyomo.core as pyo

from planner.model.data import ModelData
from planner.model.grid import grid_available_terms
from planner.model.linear import eq, ge, le


def add_power(m: pyo.ConcreteModel, d: ModelData) -> None:
    m.units = pyo.Var(
        d.unit_index,
        domain=pyo.NonNegativeIntegers,
        bounds=lambda m, s, k, t: (0, d.unit_ub[s, k, t]),
        doc="whole units online",
    )
    m.generation_mw = pyo.Var(d.unit_index, bounds=(0, None), doc="on-site generation")
    units, gen = dict(m.units.items()), dict(m.generation_mw.items())
    online = dict(m.online_mw.items())

    m.onsite_permit = pyo.Constraint(
        d.permit_index,
        rule=lambda m, s, t: le(
            [(d.unit_mw[k], units[s, k, t]) for k in d.units_at[s, t]], d.onsite_max[s]
        ),
    )
    m.bought_units_nondecreasing = pyo.Constraint(
        [(s, k, t) for (s, k, t) in d.unit_index if d.bought[k] and (s, k, t - 1) in units],
        rule=lambda m, s, k, t: le([(1, units[s, k, t - 1]), (-1, units[s, k, t])], 0),
    )
    m.generation_limit = pyo.Constraint(
        d.unit_index,
        rule=lambda m, s, k, t: le(
            [(1, gen[s, k, t]), (-d.availability[k] * d.unit_mw[k], units[s, k, t])], 0
        ),
    )

    def balance(m, s, t):  # grid draw + generation = pue * online
        terms = [(1, gen[s, k, t]) for k in d.units_at.get((s, t), ())]
        if (s, t) in m.grid_draw_mw:
            terms.append((1, m.grid_draw_mw[s, t]))
        terms.append((-d.pue[s], online[s, t]))
        return eq(terms, 0)

    m.power_balance = pyo.Constraint(m.site_periods, rule=balance)

    def firm(m, s, t):  # firm on-site MW + (1+r) G >= (1+r) pue C
        r = d.reserve[s]
        terms = [(d.availability[k] * d.unit_mw[k], units[s, k, t]) for k in d.units_at[s, t]]
        terms += grid_available_terms(m, d, s, t, 1 + r)
        terms.append((-(1 + r) * d.pue[s], online[s, t]))
        return ge(terms, 0)

    # With no reserve margin the power balance already implies firm power.
    m.firm_power = pyo.Constraint(d.firm_index, rule=firm)
    m.commitment = pyo.Constraint(
        list(d.commitment), rule=lambda m, s, t: ge([(1, online[s, t])], d.commitment[s, t])
    )
