"""Slips: the months each dated item of an instance moves, and an instance
mapping with its dates moved (grid energization, deliveries, funding windows)."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from planner.calendar import shift_month, whole_months
from planner.io.shocks import MONEY_KEY
from planner.io.uncertainty import (
    MONEY_TYPES,
    DeliverySlip,
    Entry,
    GridSlip,
    Scenario,
    entry_spec,
)


# -------------------------------------------------------------------- slips
@dataclass
class Slips:
    """Months each dated item moves: tranches ``(site, index)``, deliveries
    ``(technology, index)``, sources by name. Missing items do not move."""

    grid: dict[tuple[str, int], int] = field(default_factory=dict)
    deliveries: dict[tuple[str, int], int] = field(default_factory=dict)
    funding: dict[str, int] = field(default_factory=dict)
    money: list[dict] = field(default_factory=list)  # applied money shocks (planner.io.shocks)

    def is_empty(self) -> bool:
        return (
            not any(self.grid.values())
            and not any(self.deliveries.values())
            and not any(self.funding.values())
            and not self.money
        )


def targets(entry: Entry, data: Mapping) -> list:
    """The items an entry selects in an instance mapping: tranche keys,
    delivery keys or source names."""
    if isinstance(entry, GridSlip):
        out = []
        for s in data["sites"]:
            if entry.site is not None and s["name"] != entry.site:
                continue
            tranches = (s.get("grid") or {}).get("tranches", [])
            for g in range(len(tranches)):
                if entry.tranche is None or g == entry.tranche:
                    out.append((s["name"], g))
        return out
    if isinstance(entry, DeliverySlip):
        out = []
        for e in data.get("supply", []):
            if e["technology"] == entry.technology:
                for i in range(len(e["deliveries"])):
                    if entry.delivery is None or i == entry.delivery:
                        out.append((entry.technology, i))
        return out
    return [entry.source]


def slips_of(entries: list[tuple[Entry, float]], data: Mapping) -> Slips:
    """The slips of entries with one value each (months), added up per item."""
    out = Slips()
    for entry, months in entries:
        if isinstance(entry, MONEY_TYPES):
            out.money.append(cast(Any, entry).applied(months, data))
            continue
        m = whole_months(months)
        book: dict[Any, int]
        if isinstance(entry, GridSlip):
            book = out.grid
        elif isinstance(entry, DeliverySlip):
            book = out.deliveries
        else:
            book = out.funding
        for key in targets(entry, data):
            book[key] = book.get(key, 0) + m
    return out


def scenario_slips(scenario: Scenario, data: Mapping) -> Slips:
    return slips_of([(e, _fixed_months(e)) for e in scenario.entries()], data)


def _fixed_months(entry: Entry) -> float:
    """The months (or a money shock's size) of a scenario's entry: a number
    (the schema of scenarios allows no distribution)."""
    months = entry_spec(entry)
    if not isinstance(months, (int, float)):
        raise TypeError(f"a scenario's slip is a number of months, got {months!r}")
    return months


def apply_slips(data: Mapping, slips: Slips) -> dict:
    """A copy of an instance mapping (as ``model_dump(mode="json",
    by_alias=True, exclude_none=True)`` gives it) with its dates moved.

    - a tranche's ``energized`` moves by the slip, its ``wait_months`` grows
      by it (never below 0);
    - a delivery's ``date`` moves by the slip;
    - a source's ``available`` (default: the start) moves by the delay; if it
      is then after the source's ``until``, the window has closed and the
      source lends nothing (its amount becomes 0);
    - money shocks are carried, as applied, under ``MONEY_KEY`` (see
      :func:`planner.io.shocks.money_of`).
    """
    out = copy.deepcopy(dict(data))
    start = out["horizon"]["start"]
    for s in out["sites"]:
        for g, tr in enumerate((s.get("grid") or {}).get("tranches", [])):
            m = slips.grid.get((s["name"], g), 0)
            if not m:
                continue
            if "energized" in tr:
                tr["energized"] = shift_month(tr["energized"], m)
            else:
                tr["wait_months"] = max(0.0, tr["wait_months"] + m)
    for e in out.get("supply", []):
        for i, dlv in enumerate(e["deliveries"]):
            m = slips.deliveries.get((e["technology"], i), 0)
            if m:
                dlv["date"] = shift_month(dlv["date"], m)
    for f in out.get("funding", []):
        m = slips.funding.get(f["name"], 0)
        if not m:
            continue
        available = shift_month(f.get("available", start), m)
        f["available"] = available
        if "until" in f and f["until"] < available:
            f["until"] = available
            f["amount"] = 0.0
    if slips.money:  # applied to the model by planner.studies.shocks
        out[MONEY_KEY] = [*out.get(MONEY_KEY, []), *slips.money]
    return out
