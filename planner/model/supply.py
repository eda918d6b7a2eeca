"""Turbine supply shared by all sites (docs/model.md 3)."""

from __future__ import annotations

import pyomo.core as pyo

from planner.model.data import ModelData
from planner.model.linear import le


def add_supply(m: pyo.ConcreteModel, d: ModelData) -> None:
    m.supply_limit = pyo.Constraint(
        d.supply_index,
        rule=lambda m, k, t: le(
            [(1, m.units[s, k, t]) for s in d.supply_sites[k, t]], d.supply_cap[k, t]
        ),
    )
