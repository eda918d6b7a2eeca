"""Money shocks: credit that shrinks, closes early or costs more, balance-sheet
limits that fall, capex that overruns (docs/scenarios.md section 7).

An entry of the ``money:`` list (in ``uncertainty:``, with distributions, or
in a scenario of ``scenarios:``, with numbers) is one of::

    - {shock: cut, sources: SELECTOR, from: "2027-07", fraction: 0.33}
    - {shock: close, sources: SELECTOR, months_early: 6}
    - {shock: rate, sources: SELECTOR, from: "2027-07", bp: 300}
    - {shock: limit, limit: max_off_balance_sheet, from: "2027-07", fraction: 0.3}
    - {shock: limit, limit: max_debt_on_balance_sheet, amount: 1000}
    - {shock: capex, site: roscoe, factor: 1.2}        # no site: every site
    - {shock: capex, technology: aero, factor: 1.3}    # capex_per_unit, or rent

A SELECTOR is a source's name, a list of names, or a mapping ``{kind: KIND or
[KINDS], off_balance_sheet: true|false}`` (a source matching any key given;
``{}`` selects every source). One value is drawn per entry and applies to
every source it selects.

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

import json
from collections.abc import Mapping
from typing import Annotated, Any, Literal

import pyomo.environ as pyo
from pydantic import BaseModel, ConfigDict, Field, model_validator

from planner.io.schema import KINDS, Kind

MONEY_KEY = "_money_shocks"  # the applied shocks, carried in a moved instance mapping
SHOCKS = ("cut", "close", "rate", "limit", "capex")
LIMITS = ("max_debt_on_balance_sheet", "max_off_balance_sheet")
MAX_BP = 10000.0
MAX_FACTOR = 100.0


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, populate_by_name=True)


class SourceFilter(_Strict):
    kind: Kind | list[Kind] | None = None
    off_balance_sheet: bool | None = None


Selector = Annotated[str, Field(min_length=1)] | list[str] | SourceFilter


def select_sources(selector: Any, data: Mapping) -> list[str]:
    """The names of the sources a selector picks, in the instance's order."""
    funding = data.get("funding", [])
    if isinstance(selector, str):
        return [f["name"] for f in funding if f["name"] == selector]
    if isinstance(selector, list):
        return [f["name"] for f in funding if f["name"] in selector]
    kinds = selector.kind
    kinds = None if kinds is None else ([kinds] if isinstance(kinds, str) else kinds)
    if kinds is None and selector.off_balance_sheet is None:
        return [f["name"] for f in funding]
    out = []
    for f in funding:
        off = not f.get("on_balance_sheet", f["kind"] not in ("spv", "lease"))
        if (kinds is not None and f["kind"] in kinds) or (
                selector.off_balance_sheet is not None and off == selector.off_balance_sheet):
            out.append(f["name"])
    return out


def _describe(selector: Any) -> str:
    if isinstance(selector, str):
        return selector
    if isinstance(selector, list):
        return ",".join(selector)
    parts = []
    if selector.kind is not None:
        kinds = [selector.kind] if isinstance(selector.kind, str) else selector.kind
        parts.append("kind " + ",".join(kinds))
    if selector.off_balance_sheet is not None:
        parts.append("off balance sheet" if selector.off_balance_sheet else "on balance sheet")
    return " or ".join(parts) or "every source"


def make_entries(spec_type: Any) -> tuple[type, type, type, type, type]:
    """The five entry models with values of ``spec_type`` (a number, or a
    number or a distribution)."""

    class Cut(_Strict):
        shock: Literal["cut"]
        name: str | None = None
        sources: Selector
        from_: str | None = Field(None, alias="from", pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
        fraction: spec_type

        @model_validator(mode="after")
        def _range(self):
            _within(self.fraction, 0, 1, "fraction")
            return self

        def spec(self):
            return self.fraction

        def label(self) -> str:
            return self.name or f"cut {_describe(self.sources)}" + _from(self.from_)

        def applied(self, value: float, data: Mapping) -> dict:
            return {"shock": "cut", "sources": select_sources(self.sources, data),
                    "from": self.from_, "fraction": min(max(value, 0.0), 1.0)}

    class Close(_Strict):
        shock: Literal["close"]
        name: str | None = None
        sources: Selector
        months_early: spec_type

        @model_validator(mode="after")
        def _range(self):
            _within(self.months_early, 0, 1200, "months_early")
            return self

        def spec(self):
            return self.months_early

        def label(self) -> str:
            return self.name or f"close {_describe(self.sources)}"

        def applied(self, value: float, data: Mapping) -> dict:
            from planner.io.uncertainty import shift_month, whole_months

            months = max(whole_months(value), 0)
            end = data["horizon"]["deadline"]
            until = {f["name"]: shift_month(f.get("until", end), -months)
                     for f in data.get("funding", [])
                     if f["name"] in select_sources(self.sources, data)}
            return {"shock": "close", "months_early": months,
                    "until": until if months else {}}

    class Rate(_Strict):
        shock: Literal["rate"]
        name: str | None = None
        sources: Selector
        from_: str | None = Field(None, alias="from", pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
        bp: spec_type

        @model_validator(mode="after")
        def _range(self):
            _within(self.bp, -MAX_BP, MAX_BP, "bp")
            return self

        def spec(self):
            return self.bp

        def label(self) -> str:
            return self.name or f"rate {_describe(self.sources)}" + _from(self.from_)

        def applied(self, value: float, data: Mapping) -> dict:
            return {"shock": "rate", "sources": select_sources(self.sources, data),
                    "from": self.from_, "bp": float(value)}

    class Limit(_Strict):
        shock: Literal["limit"]
        name: str | None = None
        limit: Literal["max_debt_on_balance_sheet", "max_off_balance_sheet"]
        from_: str | None = Field(None, alias="from", pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
        fraction: spec_type | None = None
        amount: spec_type | None = None

        @model_validator(mode="after")
        def _one(self):
            if (self.fraction is None) == (self.amount is None):
                raise ValueError("give one of fraction and amount")
            if self.fraction is not None:
                _within(self.fraction, 0, 1, "fraction")
            else:
                _within(self.amount, 0, 1e7, "amount")
            return self

        def spec(self):
            return self.fraction if self.fraction is not None else self.amount

        def label(self) -> str:
            return self.name or f"limit {self.limit}" + _from(self.from_)

        def applied(self, value: float, data: Mapping) -> dict:
            key = "fraction" if self.fraction is not None else "amount"
            v = min(max(value, 0.0), 1.0) if key == "fraction" else max(value, 0.0)
            return {"shock": "limit", "limit": self.limit, "from": self.from_, key: v}

    class Capex(_Strict):
        shock: Literal["capex"]
        name: str | None = None
        site: str | None = None
        technology: str | None = None
        factor: spec_type

        @model_validator(mode="after")
        def _range(self):
            if self.site is not None and self.technology is not None:
                raise ValueError("give site (capex_per_mw) or technology, not both")
            _within(self.factor, 0, MAX_FACTOR, "factor")
            return self

        def spec(self):
            return self.factor

        def label(self) -> str:
            return self.name or f"capex {self.technology or self.site or 'every site'}"

        def applied(self, value: float, data: Mapping) -> dict:
            return {"shock": "capex", "site": self.site, "technology": self.technology,
                    "factor": max(float(value), 0.0)}

    return Cut, Close, Rate, Limit, Capex


def _from(date: str | None) -> str:
    return "" if date is None else f" from {date}"


def _within(spec: Any, low: float, high: float, what: str) -> None:
    """A number, or every value a distribution can take, within [low, high]."""
    if isinstance(spec, (int, float)):
        values = [spec]
    elif hasattr(spec, "values"):
        values = list(spec.values)
    else:
        values = [spec.low, spec.high]
    bad = [v for v in values if not low <= v <= high]
    if bad:
        raise ValueError(f"{what} must be within [{low:g}, {high:g}], got {bad[0]:g}")


def references(entries: list, data: Mapping, where: str, source: str, line) -> list[str]:
    """Problems of money entries against the instance: unknown names, selectors
    that select nothing, limits the instance does not set."""
    import difflib

    sites = [s["name"] for s in data["sites"]]
    techs = [k["name"] for k in data.get("technologies", [])]
    names = [f["name"] for f in data.get("funding", [])]
    limits = data.get("limits", {})
    out = []

    def unknown(path: str, label: str, name: str, known: list[str]) -> None:
        hint = difflib.get_close_matches(name, sorted(known), n=1)
        extra = f" (did you mean '{hint[0]}'?)" if hint else ""
        out.append(line(source, path, f"unknown {label}{extra}", name))

    for i, e in enumerate(entries):
        path = f"{where}.money[{i}]"
        if hasattr(e, "sources"):
            wanted = [e.sources] if isinstance(e.sources, str) else (
                e.sources if isinstance(e.sources, list) else [])
            bad = [n for n in wanted if n not in names]
            for n in bad:
                unknown(f"{path}.sources", "source", n, names)
            if not bad and not select_sources(e.sources, data):
                out.append(line(source, f"{path}.sources", "selects no source",
                                _describe(e.sources)))
            if getattr(e, "from_", None) is not None and e.from_ > data["horizon"]["deadline"]:
                out.append(line(source, f"{path}.from", "must not be after the deadline "
                                f"{data['horizon']['deadline']}", e.from_))
        elif hasattr(e, "limit"):
            if limits.get(e.limit) is None:
                out.append(line(source, f"{path}.limit", "the instance sets no such limit "
                                "(limits: " + ", ".join(k for k in LIMITS if limits.get(k)
                                                        is not None) + ")", e.limit))
        else:
            if e.site is not None and e.site not in sites:
                unknown(f"{path}.site", "site", e.site, sites)
            if e.technology is not None and e.technology not in techs:
                unknown(f"{path}.technology", "technology", e.technology, techs)
    return out


# ---------------------------------------------------------------- the model
def money_of(data: Mapping) -> list[dict]:
    return list(data.get(MONEY_KEY) or [])


def without_money(data: Mapping) -> dict:
    """The instance mapping without the applied shocks (for the schema)."""
    return {k: v for k, v in data.items() if k != MONEY_KEY}


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


def add_rows(m: pyo.ConcreteModel, d, money: list[dict],
             drawn: Mapping[tuple[str, int], float] | None = None) -> None:
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
        pairs, rule=lambda m, w, f, t: m.scenario[w].outstanding_musd[f, t]
        == b0.outstanding_musd[f, t])


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


def fingerprint(money: list[dict]) -> str:
    return json.dumps(money, sort_keys=True)


__all__ = ["KINDS", "LIMITS", "MONEY_KEY", "SHOCKS", "add_rows", "apply_to_data",
           "drawn_by_plan", "make_entries", "references", "select_sources"]
