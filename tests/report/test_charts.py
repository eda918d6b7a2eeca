"""The charts of planner.report.charts: each draws the plan's numbers (read back from
the artists) on an Agg canvas, and an empty table never breaks a chart.

The toy instance (docs/model.md 6) is solved once. Its capacity and cost are
unique, its split between the sites is not, so the tests check sums and
events that every optimal plan shares: 127 MW online in the deadline period,
the bond drawn, the two turbines online at t = 7 after a 3-period lead.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.text import Text

import planner
from planner.report import display
from planner.report.charts import figures as charts
from planner.report.charts import kit as chart_kit
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
    shown = {f"{p}\u2013{int(p[5:]) + 2:02d}" for p in plan.periods}  # quarters: 2026-01–03
    assert labels and labels <= shown and "2027-10\u201312" in shown
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
    assert "2027-10 to 2027-12" in line.get_label()  # the toy's deadline is 2027-12


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
    for row in (
        "alpha: halls",
        "bravo: halls",
        "bravo: aero units",
        "alpha: grid",
        "aero deliveries",
        "draws: cash",
        "draws: bond",
    ):
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
    assert any(
        np.ptp(p.vertices[:, 0]) == pytest.approx(3.0)
        for c in ax.collections
        for p in c.get_paths()
    )


def test_schedule_without_an_instance_shows_arrivals_only(toy):
    plan = Plan.from_json(toy[0].to_json())
    plan.instance_data = None
    fig = charts.schedule_chart(plan)
    (ax,) = fig.axes
    assert "bravo: aero units" in _rows(fig)
    assert not [
        p
        for c in ax.collections
        for p in c.get_paths()
        if np.ptp(p.vertices[:, 0]) > 0 and np.ptp(p.vertices[:, 1]) == pytest.approx(0.6)
    ]


# ------------------------------------------------------------- (d) money
def test_money_bars_are_the_draws_and_the_spending(toy):
    plan, instance = toy
    fig = charts.money_chart(plan, instance)
    drawn = sum(r.get_height() for s in plan.sources["source"] for r in bars(fig, f"draws-{s}"))
    spent = sum(
        r.get_height() for u in ("facility", "power", "grid") for r in bars(fig, f"spend-{u}")
    )
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
    return planner.parse_instance(
        {
            "name": "plain",
            "horizon": {"start": "2026-01", "deadline": "2026-12"},
            "sites": [
                {"name": "solo", "max_it_mw": 10, "build": {"capex_per_mw": 0, "lead_months": 0}}
            ],
        }
    )


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
    for plan in (
        Plan(status=Status.infeasible),
        Plan(status=Status.optimal, periods=["2026-01", "2026-04"]),
        Plan.from_json(Plan(status=Status.no_plan).to_json()),
    ):
        fig = charts.CHARTS[name](plan)
        texts = [t.get_text() for ax in fig.axes for t in ax.texts]
        assert any(texts), "an empty chart says why it is empty"
        assert png_bytes(fig)


def test_all_charts_in_order(toy):
    plan, instance = toy
    figs = charts.all_charts(plan, instance)
    assert list(figs) == ["capacity", "power-mix", "schedule", "money", "balance-sheet", "supply"]


# ------------------------------------------------------------- readable
# Every chart of every shipped instance, and the sweep, frontier and risk
# charts, measured with matplotlib's own text extents at the report's DPI.
INSTANCES = sorted((ROOT / "instances").glob("*.yaml"))
MIN_CAP_PX = 9  # a capital letter at least 9 px high


@pytest.fixture(scope="session")
def shipped():
    """Every shipped instance, solved once: {name: (plan, instance)}."""
    out = {}
    for path in INSTANCES:
        instance = planner.load_instance(path)
        out[path.stem] = (planner.solve(instance), instance)
    return out


def drawn_texts(fig: Figure) -> list[Text]:
    """The Text artists that a draw of the figure actually renders (tick
    labels of ticks in view, annotations whose point is shown, legends,
    titles), non-blank."""
    drawn: list[Text] = []
    original = Text.draw

    def record(self, renderer):
        original(self, renderer)
        if self.get_visible() and self.get_text().strip():
            drawn.append(self)

    Text.draw = record
    try:
        fig.canvas.draw()
    finally:
        Text.draw = original
    return list(dict.fromkeys(drawn))


def text_problems(fig: Figure) -> list[str]:
    """What a reader would trip over: text whose capitals are under 9 px at
    the figure's DPI; text outside the figure; an annotation or note outside
    its axes' frame; two labels (titles, axis labels, legends, annotations)
    on top of each other; a figure wider than the report shows at 1:1."""
    texts = drawn_texts(fig)
    renderer = fig.canvas.get_renderer()
    problems = []
    if fig.dpi != chart_kit.DPI or fig.get_size_inches()[0] > chart_kit.MAX_WIDTH_IN + 1e-9:
        problems.append(f"figure {fig.get_size_inches()} in at {fig.dpi} dpi")
    fig_box = fig.bbox
    labels = []
    for text in texts:
        what = repr(text.get_text())
        cap = renderer.get_text_width_height_descent("H", text.get_fontproperties(), False)[1]
        size_px = text.get_fontsize() * fig.dpi / 72
        if cap < MIN_CAP_PX:
            problems.append(f"{what}: {size_px:.1f} px font, capitals {cap:.0f} px high")
        box = text.get_window_extent(renderer)
        if not _within(box, fig_box):
            problems.append(f"{what}: outside the figure ({box} not in {fig_box})")
        ax = text.axes
        if ax is not None and text in ax.texts:
            frame = ax.get_window_extent(renderer)
            if not _within(box, frame):
                problems.append(f"{what}: outside its axes' frame ({box} not in {frame})")
            labels.append((what, box))
        elif _is_label(text, fig):
            labels.append((what, box))
    legends = [leg for ax in fig.axes for leg in ([ax.get_legend()] if ax.get_legend() else [])]
    for leg in legends + list(fig.legends):
        box = leg.get_window_extent(renderer)
        if not _within(box, fig_box):
            problems.append(f"legend outside the figure ({box})")
        labels.append(("legend", box))
    for i, (a, box_a) in enumerate(labels):
        for b, box_b in labels[i + 1 :]:
            if box_a.overlaps(box_b):
                problems.append(f"{a} overlaps {b}")
    return problems


def _within(box, frame, tol: float = 0.5) -> bool:
    return (
        box.x0 >= frame.x0 - tol
        and box.x1 <= frame.x1 + tol
        and box.y0 >= frame.y0 - tol
        and box.y1 <= frame.y1 + tol
    )


def _is_label(text: Text, fig: Figure) -> bool:
    """A title, a figure title or an axis label (tick labels are not compared)."""
    if text is getattr(fig, "_suptitle", None):
        return True
    for ax in fig.axes:
        if text in (ax.title, ax._left_title, ax._right_title, ax.xaxis.label, ax.yaxis.label):
            return True
    return False


def test_text_problems_sees_small_text_and_text_outside_the_frame():
    """The check itself: a 7 pt annotation spilling over the right edge of its
    axes is reported twice, a 9 pt one inside the frame not at all."""
    fig, (ax,) = chart_kit.new_figure()
    ax.set_xlim(0, 10)
    ax.annotate("T0 +300 MW", (9.9, 0.5), xytext=(4, 0), textcoords="offset points", fontsize=7)
    problems = text_problems(fig)
    # 7 pt capitals are 7 px at 100 dpi (a pixel either way with the font
    # renderer of the matplotlib release)
    sizes = [int(m.group(1)) for p in problems if (m := re.search(r"capitals (\d+) px", p))]
    assert sizes and all(6 <= px <= 8 for px in sizes), problems
    assert any("outside its axes' frame" in p for p in problems)
    fig, (ax,) = chart_kit.new_figure()
    ax.set_xlim(0, 10)
    ax.annotate(
        "T0 +300 MW",
        (5, 0.5),
        xytext=(4, 0),
        textcoords="offset points",
        fontsize=chart_kit.FONT_PT,
    )
    assert text_problems(fig) == []
    ax.annotate(
        "T1 +500 MW",
        (5, 0.5),
        xytext=(8, 0),
        textcoords="offset points",
        fontsize=chart_kit.FONT_PT,
    )
    assert any("overlaps" in p for p in text_problems(fig))


def test_keep_inside_moves_a_label_off_the_right_edge_and_hides_a_clash():
    fig, (ax,) = chart_kit.new_figure()
    ax.set_xlim(0, 10)
    edge = ax.annotate(
        "+60 MW", (10, 0.5), xytext=(4, 4), textcoords="offset points", fontsize=chart_kit.FONT_PT
    )
    first = ax.annotate(
        "+90 MW", (5, 0.5), xytext=(4, 4), textcoords="offset points", fontsize=chart_kit.FONT_PT
    )
    below = ax.annotate(
        "+90 MW", (5.05, 0.5), xytext=(4, 4), textcoords="offset points", fontsize=chart_kit.FONT_PT
    )
    hidden = ax.annotate(
        "+90 MW", (5.1, 0.5), xytext=(4, 4), textcoords="offset points", fontsize=chart_kit.FONT_PT
    )
    chart_kit.keep_inside(fig)
    assert edge.get_horizontalalignment() == "right" and edge.xyann[0] < 0
    assert first.xyann == (4, 4) and below.xyann == (4, -4)
    assert not hidden.get_visible()
    assert text_problems(fig) == []


def test_a_period_is_shown_as_its_months():
    assert display.period_span("2028-10", 3) == "2028-10 to 2028-12"
    assert display.period_span("2028-11", 3, short=True) == "2028-11\u20132029-01"
    assert display.period_span("2028-12", 1) == "2028-12"
    assert display.period_spans(["2026-01", "2026-07"], short=True) == [
        "2026-01\u201306",
        "2026-07\u201312",
    ]


@pytest.mark.parametrize("path", INSTANCES, ids=[p.stem for p in INSTANCES])
@pytest.mark.parametrize("name", list(charts.CHARTS))
def test_every_chart_of_every_shipped_instance_is_readable(shipped, path, name):
    plan, instance = shipped[path.stem]
    fig = charts.CHARTS[name](plan, instance)
    assert text_problems(fig) == []


def test_sweep_frontier_and_risk_charts_are_readable(shipped):
    from planner.io.load import load_study
    from planner.report.charts.studies import frontier_chart, risk_chart, sweep_chart
    from planner.studies.frontier import run_frontier
    from planner.studies.risk import run_risk
    from planner.studies.sweep import run_sweep
    from planner.studies.vary import Vary

    toy = load_study(TOY).data
    sweeps = [
        run_sweep(toy, [Vary.parse("limits.max_debt_on_balance_sheet=400:800:200")], workers=1),
        run_sweep(
            toy,
            [
                Vary.parse("horizon.deadline=2027-06,2027-12"),
                Vary.parse("funding[bond].amount=500,2000"),
            ],
            workers=1,
        ),
        run_sweep(toy, [Vary.parse("sites[alpha].grid.tranches[0].energized=-6,+0,+6")], workers=1),
    ]
    study = load_study(ROOT / "instances" / "bridge-power-scenarios.yaml")
    plan, _ = shipped["bridge-power-scenarios"]
    risk = run_risk(study.data, study.uncertainty, plan, samples=12, workers=1)
    figures = [sweep_chart(s, f"toy-two-sites: against {s.paths[0]}") for s in sweeps]
    figures += [frontier_chart(run_frontier(toy, points=4, workers=1)), risk_chart(risk)]
    for fig in figures:
        assert text_problems(fig) == []
        x_label = fig.axes[-1].get_xlabel()
        assert x_label.endswith(")"), f"the x axis names its unit: {x_label!r}"


# ------------------------------------------------------------- the report's words
def test_no_negative_zero_in_tables_compare_or_report(toy):
    """A figure a hair below zero (float noise in built - online, or in B - A)
    is shown as 0, never -0.0."""
    from planner.report.display import number
    from planner.report.html import render_html
    from planner.report.views import capacity_by_site, cell_text, compare_text

    assert number(-1e-9) == "0.0" and number(-0.0, "+,.0f") == "+0" and number(-0.06) == "-0.1"
    assert cell_text(-1e-12, 3) == "0.000"
    plan, instance = toy
    other = Plan.from_json(plan.to_json())
    other.capacity_mw = plan.capacity_mw - 1e-9
    other.tables["capacity"]["built_mw"] -= 1e-9  # dark MW = built - online, a hair below 0
    assert (capacity_by_site(other)["dark (IT MW)"] < 0).any()
    assert "-0.0" not in compare_text(plan, other)
    assert "-0.0" not in render_html(other, instance)


def test_report_captions_add_to_titles_and_bottlenecks_use_explains_words(toy):
    import re

    from planner.report.html import render_html

    plan, instance = toy
    bottlenecks = [
        {
            "limit": "on_balance_sheet_debt from 2027-07",
            "kind": "money",
            "step": "+100 $M of on-balance-sheet debt room",
            "gain_mw": 10.0,
        }
    ]
    page = render_html(plan, instance, bottlenecks)
    titles = {
        ax.get_title().lower()
        for fig in charts.all_charts(plan, instance).values()
        for ax in fig.axes
    } | {"power mix by site", "schedule"}
    captions = re.findall(r"<figcaption>(.*?)</figcaption>", page)
    assert captions and all(c.lower().rstrip(".") not in titles for c in captions)
    assert "127.0 IT MW online in the deadline period, 2027-10 to 2027-12" in page
    assert "+100 $M of on-balance-sheet debt room" in page
    assert "on_balance_sheet_debt from" not in page
