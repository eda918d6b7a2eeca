"""build_model(data) -> ConcreteModel: the families of docs/model.md, in order.

Each family adds its variables and constraints, named as in docs/model.md
(``firm_power``, ``supply_limit``, ``coverage``, ...); costs and the objective
terms are built last from what the families added.
"""

from __future__ import annotations

import pyomo.core as pyo

from planner.model.costs import add_costs
from planner.model.data import ModelData
from planner.model.facility import add_facility
from planner.model.funding import add_funding
from planner.model.grid import add_grid
from planner.model.power import add_power
from planner.model.supply import add_supply

FAMILIES = (add_facility, add_grid, add_power, add_supply, add_funding, add_costs)


def build_model(d: ModelData) -> pyo.ConcreteModel:
    m = pyo.ConcreteModel(name="planner")
    m.site_periods = pyo.Set(initialize=d.online_index, dimen=2, ordered=True)
    for add in FAMILIES:
        add(m, d)
    return m
