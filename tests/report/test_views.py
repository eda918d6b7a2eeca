"""The text views, the Excel workbook, the HTML page (as text) and the
report/show/compare commands, on the toy instance of docs/model.md 6."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import click
import openpyxl
import pytest
import yaml
from click.testing import CliRunner

import planner
from planner.cli.plans import compare_cmd, report_cmd, show_cmd
from planner.report import views
from planner.report.charts.figures import CHARTS
from planner.report.html import render_html
from planner.results.export import write_plan
from planner.results.plan import TABLES, Plan
from planner.results.status import Status

ROOT = Path(__file__).resolve().parents[2]
TOY = ROOT / "instances" / "toy-two-sites.yaml"


@pytest.fixture(scope="module")
def toy():
    instance = planner.load_instance(TOY)
    return planner.solve(instance), instance


@pytest.fixture(scope="module")
def richer():
    """The toy with 400 $M more debt allowed: more capacity, another plan."""
    data = yaml.safe_load(TOY.read_text())
    data["name"] = "toy-more-debt"
    data["limits"]["max_debt_on_balance_sheet"] = 1200
    return planner.solve(planner.parse_instance(data))


@pytest.fixture(scope="module")
def plan_files(toy, richer, tmp_path_factory):
    root = tmp_path_factory.mktemp("plans")
    write_plan(toy[0], root / "toy")
    write_plan(richer, root / "richer")
    return root / "toy" / "plan.json", root / "richer" / "plan.json"


# ------------------------------------------------------------- tables
def test_main_tables_have_units_in_their_headers(toy):
    plan, _ = toy
    cap = views.capacity_by_site(plan)
    assert list(cap.columns) == ["site", "online (IT MW)", "built (IT MW)", "dark (IT MW)"]
    assert cap["online (IT MW)"].sum() == pytest.approx(127.0)
    mix = views.power_mix(plan)
    assert {"units", "capacity (MW)", "supplied (MW)", "share (%)"} <= set(mix.columns)
    assert mix.groupby("site")["share (%)"].sum().to_numpy() == pytest.approx([100.0, 100.0])
    funding = views.funding_by_source(plan)
    assert dict(zip(funding["source"], funding["drawn ($M)"], strict=True)) == pytest.approx(
        {"cash": 600.0, "bond": 800.0}
    )
    assert funding["share (%)"].sum() == pytest.approx(100.0)
    costs = views.cost_breakdown(plan)
    assert costs["cost ($M)"].sum() == pytest.approx(1430.0)


def test_format_table_aligns_columns():
    import pandas as pd

    df = pd.DataFrame({"site": ["a", "longer"], "MW": [1.0, 1234.5]})
    lines = views.format_table(df).splitlines()
    assert lines[0] == "  site         MW"
    assert lines[2:] == ["  a           1.0", "  longer  1,234.5"]


# ------------------------------------------------------------- show
def test_show_text_has_the_summary_and_every_main_table(toy):
    plan, _ = toy
    text = views.show_text(plan)
    for expected in (
        "status: optimal",
        "127.0 IT MW",
        "1,430.0 $M",
        "CO2: 0.000 Mt",
        "stage capacity: 127",
        "capacity by site at the deadline:",
        "power mix at the deadline:",
        "funding by source:",
        "cost breakdown:",
        "grid tranches chosen:",
        "balance sheet",
        "online (IT MW)",
        "drawn ($M)",
    ):
        assert expected in text
    assert text.count("2027-10") >= 2


def test_show_text_of_a_plan_without_a_plan():
    text = views.show_text(Plan(status=Status.infeasible, instance_name="x", message="why"))
    assert "status: infeasible" in text and "why" in text
    assert "capacity by site" not in text


# ------------------------------------------------------------- compare
def test_compare_text_side_by_side(toy, richer):
    plan, _ = toy
    text = views.compare_text(plan, richer, "toy", "more-debt")
    assert re.search(r"capacity \(IT MW\)\s+127\.000\s+[\d.]+", text)
    for expected in (
        "toy (MW)",
        "more-debt (MW)",
        "power mix at the deadline",
        "funding mix",
        "costs:",
        "per site, what differs:",
        "change: more-debt minus toy",
        "change (MW)",
    ):
        assert expected in text
    gain = richer.capacity_mw - plan.capacity_mw
    assert gain > 0 and f"{gain:,.3f}" in text


def test_compare_text_of_a_plan_with_itself(toy):
    plan, _ = toy
    text = views.compare_text(plan, plan, "a", "b")
    assert "a and b agree at every site" in text


def test_compare_text_with_an_infeasible_plan(toy):
    text = views.compare_text(toy[0], Plan(status=Status.infeasible), "a", "b")
    assert "infeasible" in text and "both need a plan" in text


# ------------------------------------------------------------- Excel
def test_write_excel_writes_one_sheet_per_table(toy, tmp_path):
    plan, _ = toy
    path = tmp_path / "plan.xlsx"
    views.write_excel(plan, path)
    book = openpyxl.load_workbook(path, read_only=True)
    names = book.sheetnames
    assert names[:5] == [
        "summary",
        "capacity by site",
        "power mix",
        "funding by source",
        "cost breakdown",
    ]
    assert names[5:] == [f"plan {t}" for t in TABLES]
    rows = list(book["plan capacity"].iter_rows(values_only=True))
    assert rows[0] == ("site", "period", "built_mw", "online_mw")
    assert len(rows) == len(plan.capacity) + 1


# ------------------------------------------------------------- HTML (as text)
@dataclass
class Bottleneck:
    limit: str
    kind: str
    step: str
    gain_mw: float


def test_html_has_every_chart_and_section(toy):
    plan, instance = toy
    page = render_html(plan, instance)
    for name in CHARTS:
        figure = re.search(rf'<figure class="chart" id="chart-{name}">(.*?)</figure>', page, re.S)
        assert figure, name
        assert re.search(r'<img src="data:image/png;base64,[A-Za-z0-9+/=]{100,}"', figure[1])
        alt = re.search(r'alt="([^"]*)"', figure[1])
        assert alt and len(alt[1]) > 30
    assert "Bottlenecks were not computed" in page
    for title in (
        "Capacity at the deadline by site",
        "Power mix at the deadline",
        "Funding by source",
        "Costs",
    ):
        assert title in page
    assert "<script" not in page
    assert not re.search(r"(src|href)=\"(https?:)?//", page)  # no external asset


def test_html_bottleneck_table_from_objects_or_mappings():
    plan = Plan(status=Status.infeasible)  # no charts to draw: a quick page
    items = [
        {"limit": "max_debt_on_balance_sheet", "kind": "money", "step": "+100 $M", "gain_mw": 9.1},
        Bottleneck("alpha grid tranche 0", "power", "energized one quarter earlier", 4.5),
    ]
    page = render_html(plan, bottlenecks=items)
    section = re.search(r'<section id="bottlenecks">(.*?)</section>', page, re.S)[1]
    assert "+100 $M" in section and "energized one quarter earlier" in section
    assert "max_debt_on_balance_sheet" not in section  # explain's words, not the rule's id
    assert "9.1" in section and "4.5" in section and "not computed" not in section


def test_html_escapes_names():
    plan = Plan(status=Status.infeasible, instance_name="<b>&co</b>", message="a < b")
    page = render_html(plan)
    assert "<b>&co</b>" not in page and "&lt;b&gt;&amp;co&lt;/b&gt;" in page
    assert "a &lt; b" in page


def test_html_of_an_infeasible_plan():
    page = render_html(Plan(status=Status.infeasible, instance_name="x"))
    assert "status-infeasible" in page
    assert page.count('<figure class="chart"') == len(CHARTS)


# ------------------------------------------------------------- commands
@pytest.fixture
def cli():
    @click.group()
    def group() -> None:
        pass

    for command in (report_cmd, show_cmd, compare_cmd):
        group.add_command(command)
    return group


def run(cli, *args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_report_command_writes_the_page(cli, plan_files, tmp_path):
    out = tmp_path / "r.html"
    result = run(cli, "report", plan_files[0], "--instance", TOY, "-o", out)
    assert result.exit_code == 0, result.output
    assert out.read_text().count('<figure class="chart"') == len(CHARTS)
    folder = run(cli, "show", plan_files[0].parent)  # a folder holding plan.json
    assert folder.exit_code == 0 and "127.0 IT MW" in folder.output


def test_show_and_compare_commands(cli, plan_files, tmp_path):
    shown = run(cli, "show", plan_files[0], "--excel", tmp_path / "p.xlsx")
    assert shown.exit_code == 0 and "127.0 IT MW" in shown.output
    assert (tmp_path / "p.xlsx").stat().st_size > 0
    compared = run(cli, "compare", *plan_files)
    assert compared.exit_code == 0 and "toy-two-sites" in compared.output
    assert "toy-more-debt" in compared.output
    as_json = json.loads(run(cli, "compare", "--json", *plan_files).output)
    assert as_json["toy-two-sites"]["capacity_mw"] == pytest.approx(127.0)


@pytest.mark.parametrize("content", [None, "", "{not json", '{"a": 1}', "[1, 2]", "\xff"])
@pytest.mark.parametrize("command", ["report", "show", "compare"])
def test_unreadable_plan_is_one_line_and_exit_2(cli, plan_files, tmp_path, command, content):
    bad = tmp_path / "bad.json"
    if content is not None:
        bad.write_bytes(content.encode("latin-1"))
    args = [command, bad] + ([plan_files[0]] if command == "compare" else [])
    if command == "report":
        args += ["-o", tmp_path / "r.html"]
    result = run(cli, *args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.output.count("\n") == 1 and result.output.startswith("planner: error:")


def test_report_with_a_mismatched_or_invalid_instance(cli, plan_files, tmp_path):
    data = yaml.safe_load(TOY.read_text())
    data["horizon"]["deadline"] = "2028-12"
    longer = tmp_path / "longer.yaml"
    longer.write_text(yaml.safe_dump(data))
    mismatch = run(cli, "report", plan_files[0], "--instance", longer, "-o", tmp_path / "r.html")
    assert mismatch.exit_code == 2 and "not a plan of" in mismatch.output
    assert (
        "its periods run 2026-01 to 2027-10 (8), the instance's 2026-01 to 2028-10 (12)"
        in mismatch.output
    )
    bad = tmp_path / "bad.yaml"
    bad.write_text("horizon: {start: 2026-01}\n")
    invalid = run(cli, "report", plan_files[0], "--instance", bad, "-o", tmp_path / "r.html")
    assert invalid.exit_code == 2 and "Traceback" not in invalid.output


def test_report_command_shows_saved_or_computed_bottlenecks(cli, plan_files, tmp_path):
    saved = tmp_path / "explain.json"
    saved.write_text(
        json.dumps(
            {
                "bottlenecks": [
                    {
                        "limit": "source_amount cash",
                        "kind": "money",
                        "step": "+50 $M of cash",
                        "gain_mw": 5.0,
                    }
                ]
            }
        )
    )
    out = tmp_path / "saved.html"
    result = run(cli, "report", plan_files[0], "--bottlenecks", saved, "-o", out)
    assert result.exit_code == 0, result.output
    assert "+50 $M of cash" in out.read_text() and "not computed" not in out.read_text()
    bad = tmp_path / "bad.json"
    bad.write_text('{"bottlenecks": 3}')
    failed = run(cli, "report", plan_files[0], "--bottlenecks", bad, "-o", out)
    assert failed.exit_code == 1 and failed.output.startswith("planner: error:")
    computed = tmp_path / "computed.html"
    result = run(cli, "report", plan_files[0], "--explain", "-o", computed)
    assert result.exit_code == 0, result.output
    section = re.search(r'<section id="bottlenecks">(.*?)</section>', computed.read_text(), re.S)[1]
    assert "money" in section and "not computed" not in section


def test_solve_summary_prints_stage_values_with_separators_and_units(toy):
    """The toy's stages [capacity, cost] at tolerance 0 are 127 MW and
    1430 $M (docs/model.md 6, derived by hand there): the summary prints
    them as people write numbers, never in scientific notation."""
    from planner.report.text import stage_value, summary_text

    plan, _ = toy
    text = summary_text(plan)
    assert "stages: capacity = 127.0 MW, cost = 1,430.0 $M" in text
    assert "e+" not in text
    assert stage_value("capacity_time", 39_690.4) == "capacity_time = 39,690 MW-months"
    assert stage_value("co2", -0.0) == "co2 = 0.000 Mt"
    assert stage_value("worst_capacity", 1234.56) == "worst_capacity = 1,234.6 MW"
    assert stage_value("cost", None) == "cost: no value"
