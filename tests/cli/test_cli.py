"""The CLI, in process: summaries, the JSON object, files, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from planner.cli.main import main

ROOT = Path(__file__).parent.parent.parent
TOY = str(ROOT / "instances" / "toy-two-sites.yaml")


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_solve_prints_a_readable_summary():
    res = run("solve", TOY)
    assert res.exit_code == 0
    assert "toy-two-sites: optimal" in res.output
    assert "127.0 MW" in res.output
    assert "1,430.0 $M" in res.output
    for heading in ("capacity by site", "power mix", "funding mix", "cost breakdown"):
        assert heading in res.output


def test_solve_json_has_the_documented_keys():
    res = run("solve", TOY, "--json")
    assert res.exit_code == 0
    out = json.loads(res.stdout)
    for key in (
        "status",
        "capacity_mw",
        "total_cost",
        "co2_mt",
        "mip_gap",
        "stages",
        "sites",
        "draws",
    ):
        assert key in out
    assert out["status"] == "optimal"
    assert out["capacity_mw"] == pytest.approx(127)
    assert out["total_cost"] == pytest.approx(1430)
    assert [s["term"] for s in out["stages"]] == ["capacity", "cost"]
    sites = {s["name"]: s for s in out["sites"]}
    assert set(sites) == {"alpha", "bravo"}
    assert sites["alpha"]["grid_tranches"] == [0]
    assert sites["bravo"]["grid_tranches"] == []
    assert sites["bravo"]["units_at_deadline"] == {"aero": 2}
    assert sum(s["capacity_mw"] for s in out["sites"]) == pytest.approx(127)
    assert out["draws"] == pytest.approx({"cash": 600, "bond": 800})
    assert set(sites["alpha"]) == {
        "name",
        "capacity_mw",
        "built_mw",
        "grid_tranches",
        "units_at_deadline",
    }


def test_solve_out_writes_plan_json_and_one_csv_per_table(tmp_path):
    from planner.results.plan import Plan
    from planner.results.tables import TABLES

    res = run("solve", TOY, "--out", str(tmp_path / "out"))
    assert res.exit_code == 0
    files = {p.name for p in (tmp_path / "out").iterdir()}
    assert files == {"plan.json"} | {f"{t}.csv" for t in TABLES}
    plan = Plan.from_json((tmp_path / "out" / "plan.json").read_text())
    assert plan.capacity_mw == pytest.approx(127)


def test_options_reach_the_solver():
    res = run("solve", TOY, "--json", "--time-limit", "30", "--mip-gap", "0.01", "--threads", "1")
    assert res.exit_code == 0
    assert json.loads(res.stdout)["capacity_mw"] == pytest.approx(127)


def test_validate_says_ok():
    res = run("validate", TOY)
    assert res.exit_code == 0
    assert res.output.strip() == "ok"


def _write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "inst.yaml"
    path.write_text(text)
    return str(path)


def test_invalid_instance_exits_2_with_one_line_per_problem(tmp_path):
    bad = _write(
        tmp_path,
        """
horizon: {start: "2026-01", deadline: "2027-12"}
sites:
  - {name: a, max_it_mw: -5, build: {capex_per_mw: 10, lead_month: 6}}
""",
    )
    res = run("validate", bad)
    assert res.exit_code == 2
    lines = res.stderr.strip().splitlines()
    assert f"{bad}: sites[0].max_it_mw: must be >= 0, got -5" in lines
    assert any(
        "sites[0].build.lead_month: unknown key (did you mean 'lead_months'?)" in line
        for line in lines
    )
    assert any("sites[0].build.lead_months: required key is missing" in line for line in lines)
    assert "Traceback" not in res.output


def test_invalid_instance_json_prints_status_and_errors(tmp_path):
    bad = _write(tmp_path, "horizon: {start: '2026-01', deadline: '2025-01'}\nsites: []\n")
    res = run("solve", bad, "--json")
    assert res.exit_code == 2
    out = json.loads(res.stdout)
    assert out["status"] == "invalid"
    assert len(out["errors"]) == 2  # deadline before start, and empty sites


def test_missing_file_is_invalid_without_traceback(tmp_path):
    res = run("solve", str(tmp_path / "nope.yaml"))
    assert res.exit_code == 2
    assert "cannot read" in res.stderr
    assert "Traceback" not in res.output


INFEASIBLE = """
name: too-much-promised
horizon: {start: "2026-01", deadline: "2026-12"}
sites:
  - name: a
    max_it_mw: 100
    build: {capex_per_mw: 0, lead_months: 0}
    grid: {tranches: [{mw: 50, energized: "2026-01"}]}
    commitments: [{by: "2026-06", it_mw: 60}]
"""


def test_infeasible_instance_exits_3(tmp_path):
    res = run("solve", _write(tmp_path, INFEASIBLE), "--json")
    assert res.exit_code == 3
    assert json.loads(res.stdout)["status"] == "infeasible"


def test_infeasible_instance_summary(tmp_path):
    res = run("solve", _write(tmp_path, INFEASIBLE))
    assert res.exit_code == 3
    assert "infeasible" in res.output


def test_python_dash_m_entry_point_exists():
    import importlib.util

    assert importlib.util.find_spec("planner.__main__") is not None


def test_solve_verify_checks_the_plan():
    res = run("solve", TOY, "--verify", "--json")
    assert res.exit_code == 0
    out = json.loads(res.stdout)
    assert out["verified"] is True and out["violations"] == []


def test_verify_command_names_a_broken_rule(tmp_path):
    from planner.results.plan import Plan

    assert run("solve", TOY, "--out", str(tmp_path)).exit_code == 0
    plan_file = tmp_path / "plan.json"
    assert run("verify", TOY, str(plan_file)).exit_code == 0
    assert run("verify", str(plan_file)).exit_code == 0  # the plan carries its instance
    plan = Plan.from_json(plan_file.read_text())
    plan.capacity_mw += 1
    plan_file.write_text(plan.to_json())
    res = run("verify", TOY, str(plan_file))
    assert res.exit_code == 5
    assert "reported_capacity" in res.output


def test_every_command_is_registered():
    assert set(main.commands) >= {
        "solve",
        "validate",
        "verify",
        "explain",
        "report",
        "show",
        "compare",
        "generate",
    }
