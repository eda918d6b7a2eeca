"""Helpers of the model tests (tests/model/test_<family>.py).

Model tests: one tiny instance per rule of docs/model.md, solved by hand.

Each test builds an instance in which one rule (named in its
``@pytest.mark.family`` marker) binds, derives the optimum by hand in its
docstring, and asserts the numbers that are unique at that optimum.  The
docstring also says what a number would be if the rule were dropped or got
wrong, so every test can fail.

Shared conventions unless a test says otherwise: start 2026-01, quarterly
periods (pm = 3), deadline 2026-12, so T = 4 periods t = 0..3, D = 3 and a
period has H = 730 * 3 = 2190 hours; pue 1; build capex 0 and lead 0; a grid
tranche given as a bare number is an existing connection (energized 2020-01,
usable from period 0, cost 0); stages [capacity, cost] with tolerance 0.
Money in $M, power in MW, energy prices in $/MWh.
"""

from __future__ import annotations

import pytest

import planner

H = 730 * 3  # hours in a quarter
E = H / 1e6  # $M per ($/MWh * MW) over a quarter; t CO2/MWh * MW -> Mt


CAP = ("capacity", "cost")
CAP_TIME = ("capacity", "capacity_time", "cost")


# --------------------------------------------------------------------------
# helpers


def approx(value):
    return pytest.approx(value, rel=1e-6, abs=1e-6)


def instance(
    sites,
    *,
    technologies=None,
    supply=None,
    funding=None,
    limits=None,
    stages=CAP,
    tolerance=0,
    deadline="2026-12",
    period_months=3,
):
    """An instance mapping as a YAML file would hold it."""
    data = {
        "name": "family-test",
        "horizon": {"start": "2026-01", "period_months": period_months, "deadline": deadline},
        "sites": sites,
        "objective": {"stages": list(stages), "tolerance": tolerance},
    }
    for key, value in (
        ("technologies", technologies),
        ("supply", supply),
        ("funding", funding),
        ("limits", limits),
    ):
        if value is not None:
            data[key] = value
    return data


def site(name="a", max_it_mw=1000, *, capex=0, lead=0, build=None, **extra):
    """A site; `build` adds keys (max_mw_per_month, block_mw) to its build."""
    spec = {"capex_per_mw": capex, "lead_months": lead, **(build or {})}
    return {"name": name, "max_it_mw": max_it_mw, "build": spec, **extra}


def grid(*tranches, **extra):
    """A grid entry; a bare number is an existing connection of that many MW."""
    listed = [t if isinstance(t, dict) else {"mw": t, "energized": "2020-01"} for t in tranches]
    return {"tranches": listed, **extra}


def tech(name, unit_mw, **extra):
    return {"name": name, "unit_mw": unit_mw, **extra}


def source(name, kind, amount, **extra):
    return {"name": name, "kind": kind, "amount": amount, **extra}


def solve(data, status=None):
    """Validate and solve with a tight gap; check the status."""
    plan = planner.solve(planner.parse_instance(data, source="test.yaml"), mip_gap=1e-9)
    expected = planner.Status.optimal if status is None else status
    assert plan.status == expected
    return plan


def matching(table, **match):
    """The rows of `table` whose columns equal the values in `match`."""
    for key, value in match.items():
        table = table[table[key] == value]
    return table


def series(table, column, **match):
    """`column` of the rows matching `match` (ordered by period), as floats."""
    rows = matching(table, **match)
    if "period" in rows.columns:
        rows = rows.sort_values("period")
    return [float(v) for v in rows[column]]


def per_period(table, column, periods, **match):
    """`column` of the rows matching `match` for t = 0..periods-1; 0 where no row."""
    values = [0.0] * periods
    for row in matching(table, **match).to_dict("records"):
        values[int(row["period"])] += float(row[column])
    return values


def at(table, column, **match):
    """The single value of `column` in the row matching `match`."""
    values = series(table, column, **match)
    assert len(values) == 1, f"{len(values)} rows match {match}"
    return values[0]


def nonzero(table, keys, column):
    """{key tuple: value} of the rows where `column` is not (numerically) zero."""
    out = {}
    for row in table.to_dict("records"):
        if abs(row[column]) > 1e-7:
            key = tuple(int(row[k]) if k == "period" else row[k] for k in keys)
            out[key] = float(row[column])
    return out


def stage_value(plan, term):
    (value,) = [s.value for s in plan.stages if str(getattr(s.term, "value", s.term)) == term]
    return value
