"""Facility (docs/model.md 2.1): built and online IT MW per site and period."""

from __future__ import annotations

import pyomo.core as pyo

from planner.model.data import ModelData
from planner.model.linear import eq, le


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
    built, online = dict(m.built_mw.items()), dict(m.online_mw.items())

    m.built_nondecreasing = pyo.Constraint(
        [(s, t) for (s, t) in d.built_index if t >= 1],
        rule=lambda m, s, t: le([(1, built[s, t - 1]), (-1, built[s, t])], 0),
    )

    def rate(m, s, t):  # B[s,t] - B[s,t-1] <= rate * pm, with B[s,-1] = existing
        if t == 0:
            return le([(1, built[s, 0])], d.existing[s] + d.rate_cap[s])
        return le([(1, built[s, t]), (-1, built[s, t - 1])], d.rate_cap[s])

    m.build_rate = pyo.Constraint(
        [(s, t) for (s, t) in d.built_index if s in d.rate_cap], rule=rate
    )
    block_index = [(s, t) for (s, t) in d.built_index if s in d.block]
    m.blocks = pyo.Var(block_index, domain=pyo.NonNegativeIntegers, doc="whole blocks built")
    blocks = dict(m.blocks.items())
    m.built_blocks = pyo.Constraint(
        block_index,
        rule=lambda m, s, t: eq([(1, built[s, t]), (-d.block[s], blocks[s, t])], d.existing[s]),
    )
    m.online_le_built = pyo.Constraint(
        m.site_periods, rule=lambda m, s, t: le([(1, online[s, t]), (-1, built[s, t])], 0)
    )


def built_terms(m: pyo.ConcreteModel, d: ModelData, s: str, t: int, coef: float):
    """coef * (B[s,t] - B[s,t-1]) as terms, and the constant it adds (B[s,-1]
    is the existing MW)."""
    if t >= 1:
        return [(coef, m.built_mw[s, t]), (-coef, m.built_mw[s, t - 1])], 0.0
    return [(coef, m.built_mw[s, 0])], -coef * d.existing[s]
