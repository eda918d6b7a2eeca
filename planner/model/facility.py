"""Facility (MODEL.md 2.1): built and online IT MW per site and period."""

from __future__ import annotations

import pyomo.environ as pyo

from planner.model.data import ModelData


def add_facility(m: pyo.ConcreteModel, d: ModelData) -> None:
    free = set(d.built_index)

    def built_bounds(m, s, t):
        # Before the build lead time (or with no room on campus) built MW stay
        # at the existing MW; the campus limit caps them.
        return (d.existing[s], d.max_it[s] if (s, t) in free else d.existing[s])

    m.built_mw = pyo.Var(m.site_periods, bounds=built_bounds, doc="built IT MW (cumulative)")
    m.online_mw = pyo.Var(
        m.site_periods, bounds=lambda m, s, t: (0, d.max_it[s]), doc="IT MW online (operating)"
    )

    m.built_nondecreasing = pyo.Constraint(
        [(s, t) for (s, t) in d.built_index if t >= 1],
        rule=lambda m, s, t: m.built_mw[s, t] >= m.built_mw[s, t - 1],
    )
    m.build_rate = pyo.Constraint(
        [(s, t) for (s, t) in d.built_index if s in d.rate_cap],
        rule=lambda m, s, t: m.built_mw[s, t] - previous_built(m, d, s, t) <= d.rate_cap[s],
    )
    block_index = [(s, t) for (s, t) in d.built_index if s in d.block]
    m.blocks = pyo.Var(block_index, domain=pyo.NonNegativeIntegers, doc="whole blocks built")
    m.built_blocks = pyo.Constraint(
        block_index,
        rule=lambda m, s, t: m.built_mw[s, t] == d.existing[s] + d.block[s] * m.blocks[s, t],
    )
    m.online_le_built = pyo.Constraint(
        m.site_periods, rule=lambda m, s, t: m.online_mw[s, t] <= m.built_mw[s, t]
    )


def previous_built(m: pyo.ConcreteModel, d: ModelData, s: str, t: int):
    """B[s, t-1], with B[s, -1] = existing MW."""
    return m.built_mw[s, t - 1] if t >= 1 else d.existing[s]
