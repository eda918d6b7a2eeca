"""Sweeps: values and paths, hand-derived capacities on the toy instance,
re-solves equal to fresh solves, one failed scenario in its row, the command."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pandas as pd
import pytest
from click.testing import CliRunner

from planner.cli.robust import robust_cmd
from planner.cli.studies import COMMANDS
from planner.io.load import load_study
from planner.studies.sweep import run_sweep
from planner.studies.vary import SweepError, Vary, parse_path, parse_values, scenarios

ROOT = Path(__file__).parent.parent.parent
TOY = str(ROOT / "instances" / "toy-two-sites.yaml")


@pytest.fixture(scope="module")
def toy():
    return load_study(TOY).data


def cli():
    @click.group()
    def main() -> None:
        pass

    for cmd in (*COMMANDS, robust_cmd):
        main.add_command(cmd)
    return main


def run(*args: str):
    return CliRunner().invoke(cli(), list(args), catch_exceptions=False)


# ------------------------------------------------------------- values, paths
def test_values_numbers_ranges_dates_and_shifts():
    assert [v.cell for v in parse_values("10000:30000:5000")] == [10000, 15000, 20000, 25000, 30000]
    assert [v.cell for v in parse_values("1.5,2")] == [1.5, 2]
    assert [v.cell for v in parse_values("2027-12,2028-06")] == ["2027-12", "2028-06"]
    assert [v.cell for v in parse_values("2027-06:2028-06:6")] == ["2027-06", "2027-12", "2028-06"]
    assert [v.cell for v in parse_values("+0,+6,-3")] == ["+0", "+6", "-3"]
    assert [v.cell for v in parse_values("+0:+12:6")] == ["+0", "+6", "+12"]
    assert [v.kind for v in parse_values("5,2027-01,+1")] == ["number", "date", "shift"]


@pytest.mark.parametrize(
    "bad", ["", "a", "1:2", "5:1:1", "1:5:0", "2027-13", "1,,2", "2027-01:5:1"]
)
def test_bad_values_are_refused(bad):
    with pytest.raises(SweepError):
        parse_values(bad)


def test_paths():
    assert parse_path("sites[*].grid.tranches[0].mw") == ["sites", "*", "grid", "tranches", 0, "mw"]
    assert parse_path("funding[cash].amount") == ["funding", ("name", "cash"), "amount"]
    for bad in ("sites[*]", "a..b", "a.", ".a", "a[]", "a[0]b"):
        with pytest.raises(SweepError):
            parse_path(bad)


def test_a_shift_applies_to_every_match_and_selectors_pick_by_name(toy):
    cases = scenarios(toy, [Vary.parse("sites[*].grid.tranches[*].energized=+6")])
    tranches = [s["grid"]["tranches"][0]["energized"] for s in cases[0].data["sites"]]
    assert tranches == ["2028-01", "2030-07"]
    cases = scenarios(toy, [Vary.parse("funding[bond].rate=0.07")])
    assert [f["rate"] for f in cases[0].data["funding"]] == [0.0, 0.07]
    # an absent field is created by a path without wildcards
    cases = scenarios(toy, [Vary.parse("limits.max_total_cost=900")])
    assert cases[0].data["limits"]["max_total_cost"] == 900


def test_a_vary_that_cannot_apply_is_refused(toy):
    for text, words in (
        ("sites[*].nothing=1", "matches nothing"),
        ("horizon.deadline=5", "holds a date"),
        ("funding[cash].amount=2027-01", "holds a number"),
        ("sites[*].grid.tranches[*].wait_months=+6", "matches nothing"),
        ("horizon.deadline", "PATH=VALUES"),
    ):
        with pytest.raises(SweepError, match=words):
            scenarios(toy, [Vary.parse(text)])


def test_grid_and_zip(toy):
    a, b = (
        Vary.parse("funding[cash].amount=300,600"),
        Vary.parse("limits.max_debt_on_balance_sheet=400,800"),
    )
    assert [c.values for c in scenarios(toy, [a, b])] == [
        {a.path: 300, b.path: 400},
        {a.path: 300, b.path: 800},
        {a.path: 600, b.path: 400},
        {a.path: 600, b.path: 800},
    ]
    assert len(scenarios(toy, [a, b], zipped=True)) == 2
    with pytest.raises(SweepError, match="same number"):
        scenarios(toy, [a, Vary.parse("horizon.deadline=2027-12")], zipped=True)


# ---------------------------------------------------------- hand-derived
def test_deadline_curve_of_the_toy(toy):
    """By 2027-06 (D = 5) alpha's grid (period 6) is not there: bravo alone on
    its three turbines, 3 * 40 * 0.95 = 114 MW firm >= 1.2 * 1.25 * x, so
    x = 76 MW. From 2027-09 on money binds as in docs/model.md 6: 127 MW."""
    result = run_sweep(toy, [Vary.parse("horizon.deadline=2027-06:2028-06:3")], workers=1)
    rows = result.rows
    assert list(rows["horizon.deadline"]) == ["2027-06", "2027-09", "2027-12", "2028-03", "2028-06"]
    assert list(rows["capacity_mw"]) == pytest.approx([76, 127, 127, 127, 127])
    assert rows.loc[2, "total_cost"] == pytest.approx(1430)
    assert set(rows["mode"]) == {"build"}  # a new deadline is a new model


def test_credit_frontier_of_the_toy_is_re_solved(toy):
    """Alpha's 100 MW on the grid cost 50 + 10 x; with 600 of cash and a debt
    cap L: x = (550 + L) / 10 while alpha has room, so 55, 75, 95 MW for L =
    0, 200, 400. At L = 600, 1200 $M buy alpha 85.67 MW and bravo one turbine
    carrying 25.33 MW: 111 MW; at L = 800, 127 MW (docs/model.md 6)."""
    vary = Vary.parse("limits.max_debt_on_balance_sheet=0:800:200")
    result = run_sweep(toy, [vary], workers=1)
    assert list(result.rows["capacity_mw"]) == pytest.approx([55, 75, 95, 111, 127])
    assert list(result.rows["mode"]) == ["build"] + ["resolve"] * 4
    assert (result.builds, result.resolves) == (1, 4)
    fresh = run_sweep(toy, [vary], workers=1, resolve=False)
    assert set(fresh.rows["mode"]) == {"build"}
    pd.testing.assert_series_equal(result.rows["capacity_mw"], fresh.rows["capacity_mw"], rtol=1e-6)
    pd.testing.assert_series_equal(result.rows["total_cost"], fresh.rows["total_cost"], rtol=1e-6)


def test_every_re_solvable_field_matches_a_fresh_solve():
    """Money caps, supply, permits, campus limits, commissioning rates and
    commitment floors re-solve one model; each row equals a fresh solve."""
    data = load_study(ROOT / "instances" / "tight-commitments.yaml").data
    varies = [
        "funding[cash_flow].amount=2000,2500",
        "funding[cash_flow].per_month=100,120",
        "funding[bank_loan].amount=2500,3000",
        "limits.max_debt_on_balance_sheet=2000,2500",
        "supply[aero].deliveries[1].units=2,4",
        "sites[temple].onsite.max_mw=300,400",
        "sites[temple].max_it_mw=400,450",
        "sites[temple].build.max_mw_per_month=20,25",
        "sites[temple].commitments[1].it_mw=250,305",
    ]
    for text in varies:
        vary = Vary.parse(text)
        again = run_sweep(data, [vary], workers=1)
        assert list(again.rows["mode"]) == ["build", "resolve"], text
        fresh = run_sweep(data, [vary], workers=1, resolve=False)
        assert list(again.rows["status"]) == list(fresh.rows["status"]), text
        assert list(again.rows["capacity_mw"]) == pytest.approx(
            list(fresh.rows["capacity_mw"]), rel=1e-5, nan_ok=True
        ), text
        assert list(again.rows["total_cost"]) == pytest.approx(
            list(fresh.rows["total_cost"]), rel=2e-4, nan_ok=True
        ), text


def test_a_failed_scenario_is_reported_in_its_row(toy):
    result = run_sweep(toy, [Vary.parse("horizon.deadline=2025-06,2027-12")], workers=1)
    bad, good = result.rows.iloc[0], result.rows.iloc[1]
    assert bad["status"] == "invalid"
    assert "deadline" in bad["message"] and "before the start" in bad["message"]
    assert good["status"] == "optimal" and good["capacity_mw"] == pytest.approx(127)


def test_infeasible_scenarios_have_no_numbers():
    data = load_study(ROOT / "instances" / "tight-commitments.yaml").data
    result = run_sweep(data, [Vary.parse("sites[temple].commitments[0].it_mw=150,400")], workers=1)
    assert list(result.rows["status"]) == ["optimal", "infeasible"]
    assert pd.isna(result.rows.loc[1, "capacity_mw"])


def test_progress_counts_every_scenario(toy):
    ticks = []
    run_sweep(
        toy,
        [
            Vary.parse("funding[cash].amount=300:600:100"),
            Vary.parse("horizon.deadline=2027-06,2025-01"),
        ],
        workers=1,
        chunk=3,
        progress=ticks.append,
    )
    assert sum(ticks) == 8


def test_a_process_pool_gives_the_rows_of_a_serial_run(toy):
    varies = [
        Vary.parse("horizon.deadline=2027-09,2027-12"),
        Vary.parse("limits.max_debt_on_balance_sheet=0:800:400"),
    ]
    serial = run_sweep(toy, varies, workers=1, chunk=2)
    pooled = run_sweep(toy, varies, workers=2, chunk=2)
    pd.testing.assert_frame_equal(serial.comparable(), pooled.comparable(), check_exact=True)


# ------------------------------------------------------------------ command
def test_sweep_command_table_csv_chart_json(tmp_path):
    csv, png = tmp_path / "rows.csv", tmp_path / "chart.png"
    res = run(
        "sweep",
        TOY,
        "--vary",
        "limits.max_debt_on_balance_sheet=0,800",
        "--workers",
        "1",
        "--csv",
        str(csv),
        "--chart",
        str(png),
    )
    assert res.exit_code == 0, res.output
    assert "limits.max_debt_on_balance_sheet" in res.output
    assert "2 scenarios" in res.output and "1 model built, 1 re-solve" in res.output
    rows = pd.read_csv(csv)
    assert list(rows["capacity_mw"]) == pytest.approx([55, 127])
    assert png.read_bytes()[:4] == b"\x89PNG"
    res = run("sweep", TOY, "--vary", "horizon.deadline=2027-06", "--workers", "1", "--json")
    out = json.loads(res.stdout)
    assert out["rows"][0]["capacity_mw"] == pytest.approx(76)
    assert out["rows"][0]["horizon.deadline"] == "2027-06"


def test_sweep_command_refuses_a_bad_vary_with_exit_2():
    res = CliRunner().invoke(cli(), ["sweep", TOY, "--vary", "horizon.nothing=1"])
    assert res.exit_code == 2
    assert "horizon.nothing: not a field of the instance" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


def test_the_structure_fingerprint_agrees_with_the_structure_check(toy):
    from planner.io.load import parse_instance
    from planner.model import prepare
    from planner.solver.whatif import same_structure, structure_key

    varies = [
        "limits.max_debt_on_balance_sheet=0,800",
        "funding[cash].amount=300,600",
        "horizon.deadline=2027-09,2027-12",
        "funding[bond].rate=0.05,0.07",
        "sites[bravo].onsite.max_mw=30,120",
    ]
    datas = [
        prepare(parse_instance(c.data)) for v in varies for c in scenarios(toy, [Vary.parse(v)])
    ]
    for a in datas:
        for b in datas:
            assert (structure_key(a) == structure_key(b)) == same_structure(a, b)
    assert structure_key(datas[0]) == structure_key(datas[3])  # debt cap vs cash amount
    assert structure_key(datas[0]) != structure_key(datas[7])  # the bond's rate: a cost
    assert structure_key(datas[8]) != structure_key(datas[9])  # no turbine fits a 30 MW permit
