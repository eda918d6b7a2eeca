"""Money (docs/model.md 4.1, 4.2): spending by category, paid when committed, and
the draws on funding sources that must cover it."""

from __future__ import annotations

import pyomo.core as pyo

from planner.model.data import ModelData
from planner.model.facility import built_terms
from planner.model.linear import eq, le, lin


def spending_terms(m: pyo.ConcreteModel, d: ModelData, s: str, c: str, t: int):
    """$M spent at site s on use c in period t, as (terms, constant): you pay
    when you commit."""
    if c == "facility":  # halls completed at t + lead are paid at t
        done = t + d.build_lead[s]
        if done > d.D:
            return [], 0.0
        return built_terms(m, d, s, done, d.build_capex[s])
    if c == "compute":  # IT equipment paid at completion
        return built_terms(m, d, s, t, d.compute_capex[s])
    if c == "power":  # bought units online at t + lead are paid at t (the order)
        terms = []
        for k in d.site_techs[s]:
            online = t + d.tech_lead[k]
            if d.bought[k] and d.capex_per_unit[k] > 0 and online <= d.D:
                if (s, k, online) in m.units:
                    terms.append((d.capex_per_unit[k], m.units[s, k, online]))
                if (s, k, online - 1) in m.units:
                    terms.append((-d.capex_per_unit[k], m.units[s, k, online - 1]))
        return terms, 0.0
    if c == "grid":  # a chosen tranche's cost, when due
        return [
            (d.tranche_cost[g], m.tranche_chosen[g]) for g in d.tranches_paid_at.get((s, t), ())
        ], 0.0
    # rent: rented units on hire at t
    return [
        (d.rent_per_period[k], m.units[s, k, t])
        for k in d.units_at.get((s, t), ())
        if not d.bought[k]
    ], 0.0


def spending(m: pyo.ConcreteModel, d: ModelData, s: str, c: str, t: int):
    """$M spent at site s on use c in period t, as one linear expression."""
    terms, constant = spending_terms(m, d, s, c, t)
    return lin(terms, constant)


def add_funding(m: pyo.ConcreteModel, d: ModelData) -> None:
    m.spend_index = pyo.Set(
        initialize=[(s, c, t) for (s, c) in d.use_index for t in d.periods], dimen=3, ordered=True
    )
    m.draw_musd = pyo.Var(d.draw_index, bounds=(0, None), doc="draw on source f for site s, use c")
    m.held_musd = pyo.Var(m.spend_index, bounds=(0, None), doc="drawn but not yet spent")
    draw, held = dict(m.draw_musd.items()), dict(m.held_musd.items())  # plain-dict lookups

    def coverage(m, s, c, t):
        # cumulative draws >= cumulative spending, as a stock of money held:
        # held[t] - held[t-1] - draws[t] + spending[t] == 0
        terms, constant = spending_terms(m, d, s, c, t)
        terms.append((1, held[s, c, t]))
        if t >= 1:
            terms.append((-1, held[s, c, t - 1]))
        terms += [(-1, draw[f, s, c, t]) for f in d.draws_at.get((s, c, t), ())]
        return eq(terms, -constant)

    m.coverage = pyo.Constraint(m.spend_index, rule=coverage)

    m.outstanding_musd = pyo.Var(
        d.outstanding_index, bounds=(0, None), doc="cumulative draws O_f(t)"
    )

    out = dict(m.outstanding_musd.items())

    def outstanding(m, f, t):  # O[f,t] = O[f,t-1] + draws at t
        terms = [(1, out[f, t])] + [(-1, draw[x]) for x in d.draws_of_source_at.get((f, t), ())]
        if t > d.first_draw[f]:
            terms.append((-1, out[f, t - 1]))
        return eq(terms, 0)

    m.outstanding = pyo.Constraint(d.outstanding_index, rule=outstanding)
    has_draws = sorted({f for f, _ in d.outstanding_index}, key=d.sources.index)
    m.source_amount = pyo.Constraint(
        has_draws, rule=lambda m, f: m.outstanding_musd[f, d.D] <= d.amount[f]
    )
    m.source_per_month = pyo.Constraint(
        [(f, t) for (f, t) in d.outstanding_index if f in d.per_month],
        rule=lambda m, f, t: (
            m.outstanding_musd[f, t] <= d.per_month[f] * d.pm * (t - d.first_draw[f] + 1)
        ),
    )
    m.source_max_per_site = pyo.Constraint(
        d.max_per_site_index,
        rule=lambda m, f, s: le(
            [(1, draw[x]) for x in d.draws_of_source_site[f, s]], d.max_per_site[f]
        ),
    )
    setup = [f for f in has_draws if f in d.setup_cost]
    m.source_used = pyo.Var(setup, domain=pyo.Binary, doc="source used: its setup fee is paid")
    m.source_setup = pyo.Constraint(
        setup,
        rule=lambda m, f: m.outstanding_musd[f, d.D] <= most_drawable(d, f) * m.source_used[f],
    )

    def on_balance(m, t):
        terms = [m.outstanding_musd[f, t] for f in d.debt_on_bs if (f, t) in m.outstanding_musd]
        return sum(terms) <= d.on_bs_limit[t] if terms else pyo.Constraint.Skip

    def off_balance(m, t):
        terms = [m.outstanding_musd[f, t] for f in d.off_bs if (f, t) in m.outstanding_musd]
        return sum(terms) <= d.off_bs_limit[t] if terms else pyo.Constraint.Skip

    m.on_balance_sheet_debt = pyo.Constraint(list(d.on_bs_limit), rule=on_balance)
    m.off_balance_sheet = pyo.Constraint(list(d.off_bs_limit), rule=off_balance)


def most_drawable(d: ModelData, f: str) -> float:
    """The most source f can lend by the deadline: a tight big-M."""
    most = d.amount[f]
    if f in d.per_month:
        most = min(most, d.per_month[f] * d.pm * (d.D - d.first_draw[f] + 1))
    return most
