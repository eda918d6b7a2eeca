"""Capacity against cost on the toy instance: the ends and the cash-only
stretch by hand, monotone, no dominated point; the command."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from test_sweep import cli

from planner.io.load import load_study
from planner.studies.frontier import run_frontier

ROOT = Path(__file__).parent.parent.parent
TOY = ROOT / "instances" / "toy-two-sites.yaml"


@pytest.fixture(scope="module")
def toy_frontier():
    return run_frontier(load_study(TOY).data, points=6, workers=1)


def test_ends_and_cash_only_points_by_hand(toy_frontier):
    """The cheapest plan builds nothing (0 MW, 0 $M); the most capacity is
    docs/model.md 6's 127 MW for 1430 $M. Up to 55 MW alpha's grid and halls cost
    50 + 10 x, all from cash, no interest: 25.4 MW for 304 $M, 50.8 for 558.
    At 76.2 MW 212 $M of bond is drawn in period 5 for three periods at
    5 %/4: 819.95 $M."""
    rows = toy_frontier.rows
    assert list(rows["capacity_mw"]) == pytest.approx([0, 25.4, 50.8, 76.2, 101.6, 127], abs=1e-6)
    assert list(rows["total_cost"][:4]) == pytest.approx([0, 304, 558, 819.95], abs=1e-5)
    assert rows["total_cost"].iloc[-1] == pytest.approx(1430, abs=1e-5)
    assert rows["capacity_mw"].is_monotonic_increasing
    assert rows["total_cost"].is_monotonic_increasing
    assert not rows["dominated"].any()
    assert set(rows["status"]) == {"optimal"}


def test_a_process_pool_gives_the_points_of_a_serial_run(toy_frontier):
    pooled = run_frontier(load_study(TOY).data, points=6, workers=2, chunk=2)
    pd.testing.assert_frame_equal(
        toy_frontier.rows.drop(columns="solve_s"),
        pooled.rows.drop(columns="solve_s"),
        check_exact=True,
    )


def test_frontier_command(tmp_path):
    csv, png = tmp_path / "f.csv", tmp_path / "f.png"
    res = CliRunner().invoke(
        cli(),
        [
            "frontier",
            str(TOY),
            "--points",
            "3",
            "--workers",
            "1",
            "--csv",
            str(csv),
            "--chart",
            str(png),
        ],
        catch_exceptions=False,
    )
    assert res.exit_code == 0, res.output
    assert "3 points" in res.output
    assert list(pd.read_csv(csv)["capacity_mw"]) == pytest.approx([0, 63.5, 127], abs=1e-6)
    assert png.read_bytes()[:4] == b"\x89PNG"
    res = CliRunner().invoke(
        cli(),
        ["frontier", str(TOY), "--points", "2", "--workers", "1", "--json"],
        catch_exceptions=False,
    )
    points = json.loads(res.stdout)["points"]
    assert [p["total_cost"] for p in points] == pytest.approx([0, 1430], abs=1e-5)
