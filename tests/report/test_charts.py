"""The charts of planner.report.charts: each draws the plan's numbers (read back from
the artists) on an Agg canvas, and an empty table never breaks a chart.

The toy instance (docs/model.md 6) is solved once. Its capacity and cost are
unique, its split between the sites is not, so the tests check sums and
events that every optimal plan shares: 127 MW online in the deadline period,
the bond drawn, the two turbines online at t = 7 after a 3-period lead.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

import planner
from planner.report.charts import figures as charts
from planner.results.plan import Plan
from planner.results.status import Status

ROOT = Path(__file__).resolve().parents[2]
TOY = ROOT / "instances" / "toy-two-sites.yaml"
EVERY = ROOT / "tests" / "data" / "every-feature.yaml"


@pytest.fixture(scope="module")
def toy():
    instance = planner.load_instance(TOY)
    return planner.solve(instance), instance


@pytest.fixture(scope="module")
def every():
    instance = planner.load_instance(EVERY)
    return planner.solve(instance), instance


def by_gid(fig: Figure, gid: str) -> list:
    return fig.findobj(lambda a: a.get_gid() == gid)


def bars(fig: Figure, gid: str) -> list:
    """The bars drawn with ``gid``, in drawing order."""
    return [r for r in by_gid(fig, gid) if isinstance(r, Rectangle)]


def stair_values(fig: Figure, gid: str) -> np.ndarray:
    (patch,) = by_gid(fig, gid)
    return np.asarray(patch.get_data().values, dtype=float)


def png_bytes(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


# ------------------------------------------------------------- every chart
@pytest.mark.parametrize("name", list(charts.CHARTS))
def test_every_chart_is_an_agg_figure_labelled_by_period(toy, name):
    plan, instance = toy
    fig = charts.CHARTS[name](plan, instance)
    assert isinstance(fig, Figure)
    assert isinstance(fig.canvas, FigureCanvasAgg)
    labels = {t.get_text() for ax in fig.axes if ax.get_visible() for t in ax.get_xticklabels()}
    assert labels and labels <= set(plan.periods)
    assert png_bytes(fig).startswith(b"\x89PNG")


# ------------------------------------------------------------- (a) capacity
def test_capacity_areas_stack_to_the_capacity_online(toy):
    plan, instance = toy
    fig = charts.capacity_chart(plan, instance)
    d = len(plan.periods) - 1
    tops = []
    for site in ("alpha", "bravo"):
        (area,) = by_gid(fig, f"online-{site}")
        xy = area.get_paths()[0].vertices
        tops.append(xy[np.isclose(xy[:, 0], d), 1].max())
    assert tops[-1] == pytest.approx(plan.capacity_mw) == pytest.approx(127.0)
    online = plan.capacity.groupby("period")["online_mw"].sum()
    (top,) = by_gid(fig, "online-bravo")
    xy = top.get_paths()[0].vertices
    for t, mw in online.items():
        assert xy[np.isclose(xy[:, 0], t), 1].max() == pytest.approx(mw, abs=1e-9)


def test_capacity_marks_the_deadline_period(toy):
    plan, instance = toy
    fig = charts.capacity_chart(plan, instance)
    (line,) = by_gid(fig, "deadline")
    assert set(line.get_xdata()) == {len(plan.periods) - 1} == {7}
    assert "2027-10" in line.get_label()


# ------------------------------------------------------------- (b) power mix
def test_power_bars_carry_the_facility_load(toy):
    """Grid draw plus generation is pue * IT MW online, per site and period."""
    plan, instance = toy
    fig = charts.power_mix_chart(plan, instance)
    pue = {s.name: s.pue for s in instance.sites}
    for site in ("alpha", "bravo"):
        heights = np.zeros(len(plan.periods))
        for source in ("grid", "aero"):
            for rect in bars(fig, f"gen-{site}-{source}"):
                heights[int(round(rect.get_x() + rect.get_width() / 2))] += rect.get_height()
        online = plan.capacity[plan.capacity["site"] == site].sort_values("period")
        assert heights == pytest.approx(pue[site] * online["online_mw"].to_numpy(), abs=1e-6)


def test_grid_usable_steps_up_when_the_tranche_is_energized(toy):
    plan, instance = toy
    fig = charts.power_mix_chart(plan, instance)
    usable = stair_values(fig, "grid-usable-alpha")
    assert np.isnan(usable[:6]).all()  # not drawn before the tranche arrives
    assert usable[6:] == pytest.approx([125.0, 125.0])
    assert not by_gid(fig, "grid-usable-bravo")  # bravo's tranche comes after the deadline


def test_rented_units_are_hatched(every):
    plan, instance = every
    fig = charts.power_mix_chart(plan, instance)
    rented = bars(fig, "gen-alpha-mobile")
    assert rented and all(r.get_hatch() == charts.RENT_HATCH for r in rented)
    assert all(not r.get_hatch() for r in bars(fig, "gen-alpha-grid"))
    labels = {t.get_text() for leg in fig.legends for t in leg.get_texts()}
    assert "mobile (rented)" in labels


# ------------------------------------------------------------- (c) schedule
def _rows(fig: Figure) -> list[str]:
    (ax,) = fig.axes
    return [t.get_text() for t in ax.get_yticklabels()]


def test_schedule_rows_name_every_kind_of_event(toy):
    plan, instance = toy
    rows = _rows(charts.schedule_chart(plan, instance))
    for row in ("alpha: halls", "bravo: halls", "bravo: aero units", "alpha: grid",
                "aero deliveries", "draws: cash", "draws: bond"):
        assert row in rows


def test_schedule_draws_the_turbine_order_lead(toy):
    """Two aero units online at t = 7 were ordered lead(9 months) = 3 periods
    earlier: a bar from 4 to 7 on the bravo turbine row."""
    plan, instance = toy
    fig = charts.schedule_chart(plan, instance)
    (ax,) = fig.axes
    y = len(_rows(fig)) - 1 - _rows(fig).index("bravo: aero units")
    spans = set()
    for coll in ax.collections:
        for path in coll.get_paths():
            xs, ys = path.vertices[:, 0], path.vertices[:, 1]
            if ys.min() < y < ys.max() and xs.max() > xs.min():
                spans.add((round(xs.min(), 6), round(xs.max(), 6)))
    assert (4.0, 7.0) in spans


def test_schedule_uses_the_instance_the_plan_carries(toy):
    plan, _ = toy
    assert plan.instance_data is not None
    fig = charts.schedule_chart(Plan.from_json(plan.to_json()))
    (ax,) = fig.axes
    assert any(np.ptp(p.vertices[:, 0]) == pytest.approx(3.0)
               for c in ax.collections for p in c.get_paths())


def test_schedule_without_an_instance_shows_arrivals_only(toy):
    plan = Plan.from_json(toy[0].to_json())
    plan.instance_data = None
    fig = charts.schedule_chart(plan)
    (ax,) = fig.axes
    assert "bravo: aero units" in _rows(fig)
    assert not [p for c in ax.collections for p in c.get_paths()
                if np.ptp(p.vertices[:, 0]) > 0 and np.ptp(p.vertices[:, 1]) == pytest.approx(0.6)]


# ------------------------------------------------------------- (d) money
def test_money_bars_are_the_draws_and_the_spending(toy):
    plan, instance = toy
    fig = charts.money_chart(plan, instance)
    drawn = sum(r.get_height() for s in plan.sources["source"] for r in bars(fig, f"draws-{s}"))
    spent = sum(r.get_height() for u in ("facility", "power", "grid")
                for r in bars(fig, f"spend-{u}"))
    assert drawn == pytest.approx(plan.sources["drawn_musd"].sum()) == pytest.approx(1400.0)
    assert spent == pytest.approx(plan.spending["spend_musd"].sum()) == pytest.approx(1400.0)


# ------------------------------------------------------------- (e) balance sheet
def test_balance_sheet_lines_and_limits(toy, every):
    plan, instance = toy
    fig = charts.balance_sheet_chart(plan, instance)
    (debt,) = by_gid(fig, "on-bs-debt")
    assert list(debt.get_ydata()) == pytest.approx(list(plan.balance_sheet["on_bs_debt_musd"]))
    assert stair_values(fig, "on-bs-debt-limit") == pytest.approx([800.0] * 8)
    assert not by_gid(fig, "off-bs-limit")  # the toy has no off-balance-sheet limit
    plan, instance = every
    fig = charts.balance_sheet_chart(plan, instance)
    assert stair_values(fig, "on-bs-debt-limit") == pytest.approx([600.0] * 4 + [900.0] * 4)
    assert stair_values(fig, "off-bs-limit") == pytest.approx([500.0] * 8)


# ------------------------------------------------------------- (f) supply
def test_supply_used_against_delivered(toy):
    plan, instance = toy
    fig = charts.supply_chart(plan, instance)
    used = [r.get_height() for r in bars(fig, "supply-used-aero")]
    assert used == list(plan.supply["used_units"])
    assert used[-1] == 2
    # delivered 2026-12: usable from u = ceil(11 / 3) = 4
    assert stair_values(fig, "supply-available-aero") == pytest.approx([0] * 4 + [3] * 4)


# ------------------------------------------------------------- empty tables
def _plain_instance():
    return planner.parse_instance({
        "name": "plain",
        "horizon": {"start": "2026-01", "deadline": "2026-12"},
        "sites": [{"name": "solo", "max_it_mw": 10, "build": {"capex_per_mw": 0,
                                                            "lead_months": 0}}],
    })


@pytest.mark.parametrize("name", list(charts.CHARTS))
def test_charts_of_a_plan_without_grid_units_money_or_limits(name):
    """Nothing to power the site: no grid, no units, no draws, no limits."""
    instance = _plain_instance()
    plan = planner.solve(instance)
    assert plan.status.has_plan and plan.capacity_mw == 0
    fig = charts.CHARTS[name](plan, instance)
    assert png_bytes(fig)


@pytest.mark.parametrize("name", list(charts.CHARTS))
def test_charts_of_a_plan_without_tables(name):
    for plan in (Plan(status=Status.infeasible),
                 Plan(status=Status.optimal, periods=["2026-01", "2026-04"]),
                 Plan.from_json(Plan(status=Status.no_plan).to_json())):
        fig = charts.CHARTS[name](plan)
        texts = [t.get_text() for ax in fig.axes for t in ax.texts]
        assert any(texts), "an empty chart says why it is empty"
        assert png_bytes(fig)


def test_all_charts_in_order(toy):
    plan, instance = toy
    figs = charts.all_charts(plan, instance)
    assert list(figs) == ["capacity", "power-mix", "schedule", "money", "balance-sheet",
                          "supply"]
