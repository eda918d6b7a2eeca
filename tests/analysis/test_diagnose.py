"""Infeasible instances are explained in business terms (exit 3)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

import planner
from planner.cli.main import main

DATA = Path(__file__).parent.parent / "data" / "infeasible"


def explain(name: str) -> planner.Plan:
    plan = planner.solve(planner.load_instance(DATA / f"{name}.yaml"))
    assert plan.status is planner.Status.infeasible
    return plan


@pytest.mark.family("infeasible_status")
def test_commitment_too_early_names_site_amounts_and_reasons():
    """200 MW are due in 2027-10 (period 7); the grid tranche energizes 2028-01
    and supply allows 2 aero units: 2 * 40 * 0.95 = 76 MW of firm power, which
    carries 76 / 1.25 = 60.8 IT MW."""
    (line,) = explain("too-early").explanation
    assert line.startswith("alpha: 200.0 MW committed from 2027-10 (period 7)")
    assert "at most 60.8 MW possible" in line
    assert "tranche 0 (300 MW) energizes 2028-01" in line
    assert "on-site (supply and permit): at most 2 aero units" in line


def test_not_enough_money_says_how_much_more():
    """200 MW at 10 $M/MW cost 2000 $M; cash gives 1500 and the debt limit lets
    300 of the bond count: 200 $M short."""
    (line,) = explain("not-enough-money").explanation
    assert line.startswith("funding:")
    assert "200.0 $M more" in line


def test_co2_cap_too_tight_gives_the_least_emission():
    """100 MW online on aero units from 2026-10 through 2027-12 (5 quarters of
    2190 h) at 0.45 t/MWh emit 100 * 2190 * 0.45 * 5 / 1e6 = 0.49275 Mt."""
    (line,) = explain("co2-cap").explanation
    assert line == "co2: max_co2_mt is 0.2 Mt, the commitments emit at least 0.49275 Mt"


def test_cli_exits_3_and_prints_the_explanation():
    res = CliRunner().invoke(main, ["solve", str(DATA / "co2-cap.yaml")])
    assert res.exit_code == 3
    assert "the commitments emit at least 0.49275 Mt" in res.output
