"""Money shocks applied to a built model: credit that shrinks, closes early or
costs more, balance-sheet limits that fall, capex that overruns
(docs/scenarios.md section 7; the entries' schema is :mod:`planner.io.shocks`).

The rules, in the terms of docs/model.md section 4 (``O_f(t)`` cumulative
draws, ``A_f`` the amount, ``p`` = u(from), the first period starting at or
after the date; no ``from`` means the start):

- *cut* by ``c`` in [0, 1]: ``O_f(D) - c * O_f(p-1) <= (1 - c) * A_f``: what
  was drawn before p stands and what was left to draw at p shrinks by the
  fraction (c = 1: nothing more after p). From the start, ``O_f(D) <= (1-c) A_f``.
- *close*, ``months_early`` m: the source's ``until`` (default the deadline)
  moves m months earlier; from the period after its new last draw the source
  lends nothing more (a cut of 1).
- *rate* + ``bp`` basis points: interest ``(rate_f + bp/1e4) * pm/12 * O_f(t)``
  for t >= p (never below a rate of 0).
- *limit* lowered, for t >= p: ``L(t) * (1 - fraction)`` or ``max(0, L(t) -
  amount)``; a limit the instance does not set cannot be lowered.
- *capex* scaled by ``factor`` >= 0: a site's ``capex_per_mw`` (every site's
  without ``site``), or a technology's ``capex_per_unit`` (bought) or
  ``rent_per_unit_month`` (rented); factors of two entries multiply.

A plan did not know of a shock before it came: when a fixed plan is evaluated
(``planner risk``, ``planner stress``), the cumulative draws before p on a
source that a cut, a close or a lowered limit touches are at most the plan's
own (``O_f(t) <= O_plan_f(t)`` for t < p), so the shock cannot be dodged by
drawing early. In the robust model (``planner robust``) those draws are the
same in every scenario.
"""

from __future__ import annotations

from collections.abc import Mapping

import pyomo.core as pyo

from planner.io.shocks import (
    KINDS,
    LIMITS,
    MONEY_KEY,
    SHOCKS,
    SourceFilter,
    fingerprint,
    money_of,
    select_sources,
    without_money,
)


# ---------------------------------------------------------------- the model
def _period(d, date: str | None) -> int:
    return 0 if date is None else d.cal.from_(date)


def cuts(d, money: list[dict]) -> list[tuple[str, int, float]]:
    """(source, p, fraction) of every cut and close, in model terms."""
    out = []
    for x in money:
        if x["shock"] == "cut" and x["fraction"] > 0:
            p = _period(d, x["from"])
            out += [(f, p, x["fraction"]) for f in x["sources"] if f in d.amount and p <= d.D]
        elif x["shock"] == "close":
            for f, until in x["until"].items():
                if f not in d.amount:
                    continue
                p = max(d.cal.by(until) + 1, 0)
                if p <= d.last_draw[f]:
                    out.append((f, p, 1.0))
    return out


def early_periods(d, money: list[dict]) -> dict[str, int]:
    """Per source, the periods before which its draws stand as they were made
    (the latest date of a cut, close or lowered limit touching it)."""
    out: dict[str, int] = {}
    for f, p, _ in cuts(d, money):
        out[f] = max(out.get(f, 0), p)
    for x in money:
        if x["shock"] == "limit" and _lowers(x) and _period(d, x["from"]) <= d.D:
            p = _period(d, x["from"])
            fs = d.debt_on_bs if x["limit"] == "max_debt_on_balance_sheet" else d.off_bs
            for f in fs:
                out[f] = max(out.get(f, 0), p)
    return {f: p for f, p in out.items() if p > d.first_draw.get(f, 0)}


def _lowers(x: dict) -> bool:
    return (x.get("fraction") or 0) > 0 or (x.get("amount") or 0) > 0


def lowered(value: float, x: dict) -> float:
    if x.get("fraction") is not None:
        return value * (1 - x["fraction"])
    return max(0.0, value - x["amount"])


def apply_to_data(d, money: list[dict]) -> None:
    """Change a :class:`ModelData` in place for the shocks that are data: the
    lowered limits and the capex factors."""
    for x in money:
        if x["shock"] == "limit":
            book = d.on_bs_limit if x["limit"] == "max_debt_on_balance_sheet" else d.off_bs_limit
            p = _period(d, x["from"])
            for t in list(book):
                if t >= p:
                    book[t] = lowered(book[t], x)
        elif x["shock"] == "capex":
            if x["technology"] is not None:
                k = x["technology"]
                if k in d.bought:
                    if d.bought[k]:
                        d.capex_per_unit[k] *= x["factor"]
                    else:
                        d.rent_per_period[k] *= x["factor"]
            else:
                for s in d.sites:
                    if x["site"] is None or s == x["site"]:
                        d.build_capex[s] *= x["factor"]


def extra_interest(d, money: list[dict]) -> dict[tuple[str, int], float]:
    """$M of interest per $M outstanding added in period t, per (source, t)."""
    out: dict[tuple[str, int], float] = {}
    for x in money:
        if x["shock"] != "rate" or not x["bp"]:
            continue
        p = _period(d, x["from"])
        for f in x["sources"]:
            for t in range(p, d.D + 1):
                out[f, t] = out.get((f, t), 0.0) + x["bp"] / 1e4
    rates = {}
    for (f, t), extra in out.items():
        if f in d.rate:
            extra = max(extra, -d.rate[f])  # a rate never falls below 0
            rates[f, t] = extra * d.pm / 12
    return rates


def add_rows(
    m: pyo.ConcreteModel, d, money: list[dict], drawn: Mapping[tuple[str, int], float] | None = None
) -> None:
    """Add the shocks that are rows (cuts, closes) and cost terms (rates) to a
    built model; with ``drawn`` (a plan's cumulative draws per source and
    period) the draws before a shock stand at most at the plan's."""
    if not money:
        return
    out = m.outstanding_musd
    rows = []
    for f, p, c in cuts(d, money):
        if (f, d.D) not in out:
            continue
        if p - 1 >= d.first_draw[f] and (f, p - 1) in out:
            rows.append((f, p, c, [(1.0, out[f, d.D]), (-c, out[f, p - 1])]))
        else:
            rows.append((f, p, c, [(1.0, out[f, d.D])]))
    from planner.model.linear import le

    m.shock_cut = pyo.Constraint(
        range(len(rows)), rule=lambda m, i: le(rows[i][3], (1 - rows[i][2]) * d.amount[rows[i][0]])
    )
    early = []
    if drawn is not None:
        for f, p in early_periods(d, money).items():
            for t in range(d.first_draw[f], p):
                if (f, t) in out:
                    early.append((f, t))
    m.shock_early = pyo.Constraint(
        early, rule=lambda m, f, t: le([(1, out[f, t])], _stand(drawn, f, t))
    )
    extra = extra_interest(d, money)
    if extra:
        terms = [(v, out[f, t]) for (f, t), v in extra.items() if (f, t) in out]
        from planner.model.linear import lin

        m.cost_interest.set_value(m.cost_interest.expr + lin(terms))


def _stand(drawn, f: str, t: int) -> float:
    value = float(drawn.get((f, t), 0.0))
    return value + 1e-6 * max(1.0, abs(value))  # the plan's own draws, within rounding


def share_early_draws(m: pyo.ConcreteModel, datas: list, moneys: list[list[dict]]) -> None:
    """In a robust model, each source's cumulative draws before the latest
    shock touching it in any scenario are the same in every scenario."""
    until: dict[str, int] = {}
    for d, money in zip(datas, moneys, strict=True):
        for f, p in early_periods(d, money).items():
            until[f] = max(until.get(f, 0), p)
    pairs = []
    b0 = m.scenario[0]
    for w in range(1, len(datas)):
        b = m.scenario[w]
        for f, p in until.items():
            for t in range(p):
                if (f, t) in b.outstanding_musd and (f, t) in b0.outstanding_musd:
                    pairs.append((w, f, t))
    m.shared_early_draws = pyo.Constraint(
        pairs,
        rule=lambda m, w, f, t: m.scenario[w].outstanding_musd[f, t] == b0.outstanding_musd[f, t],
    )


def drawn_by_plan(plan) -> dict[tuple[str, int], float]:
    """A plan's cumulative draws per source and period, read off its funding
    table."""
    table = plan.tables.get("funding")
    if table is None or not len(table):
        return {}
    per = table.groupby(["source", "period"])["draw_musd"].sum()
    periods = len(plan.periods) if plan.periods else int(table["period"].max()) + 1
    out = {}
    for f in table["source"].unique():
        total = 0.0
        for t in range(periods):
            total += float(per.get((f, t), 0.0))
            out[str(f), t] = total
    return out


__all__ = [
    "KINDS",
    "LIMITS",
    "MONEY_KEY",
    "SHOCKS",
    "SourceFilter",
    "add_rows",
    "apply_to_data",
    "cuts",
    "drawn_by_plan",
    "early_periods",
    "extra_interest",
    "fingerprint",
    "lowered",
    "money_of",
    "select_sources",
    "share_early_draws",
    "without_money",
]
