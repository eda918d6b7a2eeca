"""Grid (docs/model.md 2.2): a yes/no choice per interconnection tranche."""

from __future__ import annotations

import pyomo.core as pyo

from planner.model.data import ModelData
from planner.model.linear import le


def add_grid(m: pyo.ConcreteModel, d: ModelData) -> None:
    m.tranche_chosen = pyo.Var(d.tranches, domain=pyo.Binary, doc="tranche held and paid for")
    m.grid_draw_mw = pyo.Var(d.grid_index, bounds=(0, None), doc="grid power drawn")
    m.grid_draw_limit = pyo.Constraint(
        d.grid_index,
        rule=lambda m, s, t: le(
            [(1, m.grid_draw_mw[s, t])] + grid_available_terms(m, d, s, t, -1.0), 0
        ),
    )


def grid_available_terms(m: pyo.ConcreteModel, d: ModelData, s: str, t: int, coef: float):
    """coef * G[s,t] as terms: G is the MW of the chosen tranches usable at t."""
    usable = d.grid_tranches_at.get((s, t), ())
    return [(coef * d.tranche_mw[g], m.tranche_chosen[g]) for g in usable]
