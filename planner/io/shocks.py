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

The rules of each shock, and how they change a built model, are in
:mod:`planner.studies.shocks`; this module (no solver, no model) is what the
instance file's reader needs: the entries' schema, selectors, the checks of
their names against an instance, and the applied shocks a moved instance
mapping carries.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from planner.calendar import shift_month, whole_months
from planner.io.fields import KINDS, Kind

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
            selector.off_balance_sheet is not None and off == selector.off_balance_sheet
        ):
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
            return {
                "shock": "cut",
                "sources": select_sources(self.sources, data),
                "from": self.from_,
                "fraction": min(max(value, 0.0), 1.0),
            }

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
            months = max(whole_months(value), 0)
            end = data["horizon"]["deadline"]
            until = {
                f["name"]: shift_month(f.get("until", end), -months)
                for f in data.get("funding", [])
                if f["name"] in select_sources(self.sources, data)
            }
            return {"shock": "close", "months_early": months, "until": until if months else {}}

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
            return {
                "shock": "rate",
                "sources": select_sources(self.sources, data),
                "from": self.from_,
                "bp": float(value),
            }

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
            return {
                "shock": "capex",
                "site": self.site,
                "technology": self.technology,
                "factor": max(float(value), 0.0),
            }

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
            wanted = (
                [e.sources]
                if isinstance(e.sources, str)
                else (e.sources if isinstance(e.sources, list) else [])
            )
            bad = [n for n in wanted if n not in names]
            for n in bad:
                unknown(f"{path}.sources", "source", n, names)
            if not bad and not select_sources(e.sources, data):
                out.append(
                    line(source, f"{path}.sources", "selects no source", _describe(e.sources))
                )
            if getattr(e, "from_", None) is not None and e.from_ > data["horizon"]["deadline"]:
                out.append(
                    line(
                        source,
                        f"{path}.from",
                        f"must not be after the deadline {data['horizon']['deadline']}",
                        e.from_,
                    )
                )
        elif hasattr(e, "limit"):
            if limits.get(e.limit) is None:
                out.append(
                    line(
                        source,
                        f"{path}.limit",
                        "the instance sets no such limit "
                        "(limits: "
                        + ", ".join(k for k in LIMITS if limits.get(k) is not None)
                        + ")",
                        e.limit,
                    )
                )
        else:
            if e.site is not None and e.site not in sites:
                unknown(f"{path}.site", "site", e.site, sites)
            if e.technology is not None and e.technology not in techs:
                unknown(f"{path}.technology", "technology", e.technology, techs)
    return out


# ------------------------------------------------------ the applied shocks
def money_of(data: Mapping) -> list[dict]:
    return list(data.get(MONEY_KEY) or [])


def without_money(data: Mapping) -> dict:
    """The instance mapping without the applied shocks (for the schema)."""
    return {k: v for k, v in data.items() if k != MONEY_KEY}


def fingerprint(money: list[dict]) -> str:
    return json.dumps(money, sort_keys=True)


__all__ = [
    "KINDS",
    "LIMITS",
    "MAX_BP",
    "MAX_FACTOR",
    "MONEY_KEY",
    "SHOCKS",
    "SourceFilter",
    "fingerprint",
    "make_entries",
    "money_of",
    "references",
    "select_sources",
    "without_money",
]
