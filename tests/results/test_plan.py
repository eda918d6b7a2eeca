"""The plan's tables and their JSON round trip."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import planner
from planner.results.tables import COST_ITEMS, TABLES

DATA = Path(__file__).parent.parent / "data"


@pytest.fixture(scope="module")
def plan():
    return planner.solve(planner.load_instance(DATA / "every-feature.yaml"))


def test_json_round_trip_keeps_every_table_and_number(plan):
    back = planner.Plan.from_json(plan.to_json())
    assert back.status is plan.status
    for field in ("capacity_mw", "total_cost", "co2_mt", "mip_gap", "periods", "instance_name"):
        assert getattr(back, field) == getattr(plan, field)
    assert [(s.term, s.value) for s in back.stages] == [(s.term, s.value) for s in plan.stages]
    for name in TABLES:
        pd.testing.assert_frame_equal(back.tables[name], plan.tables[name], check_dtype=False)


def test_tables_have_the_documented_columns(plan):
    doc = (Path(__file__).parent.parent.parent / "docs" / "plan.md").read_text()
    for name in TABLES:
        for column in plan.tables[name].columns:
            assert f"`{column}`" in doc, f"{name}.{column} is not documented in docs/plan.md"


def test_reported_numbers_are_the_tables_sums(plan):
    cap = plan.capacity
    assert plan.capacity_mw == pytest.approx(cap[cap.period == cap.period.max()].online_mw.sum())
    assert plan.total_cost == pytest.approx(plan.costs.cost_musd.sum())
    assert list(plan.costs["item"]) == list(COST_ITEMS)
    assert plan.co2_mt > 0


def test_timings_cover_each_phase(plan):
    assert set(plan.timings) >= {"prepare", "build", "solve", "read"}
    assert all(v >= 0 for v in plan.timings.values())


def test_empty_tables_round_trip_with_their_columns():
    inst = planner.parse_instance(
        {
            "horizon": {"start": "2026-01", "deadline": "2026-06"},
            "sites": [
                {
                    "name": "a",
                    "max_it_mw": 10,
                    "existing_it_mw": 10,
                    "build": {"capex_per_mw": 1, "lead_months": 0},
                }
            ],
        }
    )
    plan = planner.solve(inst)
    assert plan.capacity_mw == 0  # existing halls without power stay dark
    back = planner.Plan.from_json(plan.to_json())
    assert list(back.funding.columns) == ["source", "site", "use", "period", "draw_musd"]
    assert back.funding.empty
