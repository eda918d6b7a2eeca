"""Commands for plans that survive delays: ``sweep``, ``risk``, ``robust`` and
``frontier``. Register them on the main group with ``main.add_command(...)``.

Sweeps, Monte Carlo samples and frontier points run on a local process pool
(``--workers N``, default one per core; 1 runs in this process) or on a Dask
cluster (``--scheduler tcp://HOST:PORT``); the results are the same either
way. A progress bar is drawn on stderr when it is a terminal.

Exit codes: 0 done (a failed scenario is reported in its row), 1 an
unexpected error or an unreadable plan, 2 an invalid instance, section or
``--vary``, 3 the robust model is infeasible, 4 no robust plan within the time
limit. Errors are one line on stderr.
"""

from __future__ import annotations

import contextlib
import json
import math
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

import click
import pandas as pd

from planner.io.errors import InstanceError
from planner.results.plan import Status
from planner.solver.options import MIP_GAP, SolveOptions

EXIT_ERROR, EXIT_INVALID = 1, 2
EXIT_STATUS = {Status.infeasible: 3, Status.no_plan: 4}


# ----------------------------------------------------------------- helpers
def _fail(message: str, code: int = EXIT_ERROR) -> NoReturn:
    click.echo(f"planner: error: {message}", err=True)
    sys.exit(code)


def _invalid(lines: list[str]) -> NoReturn:
    for line in lines:
        click.echo(line, err=True)
    sys.exit(EXIT_INVALID)


def _study(path: str):
    from planner.io.load import load_study

    try:
        return load_study(path)
    except InstanceError as exc:
        _invalid(exc.problems)


@contextlib.contextmanager
def _progress(total: int, label: str) -> Iterator[Any]:
    """``update(n)`` of a progress bar on stderr, or None when stderr is not
    a terminal."""
    if total <= 1 or not sys.stderr.isatty():
        yield None
        return
    with click.progressbar(length=total, label=label, file=sys.stderr,
                           show_eta=True, show_percent=True) as bar:
        yield bar.update


def _options(time_limit, mip_gap, threads, seed=0) -> SolveOptions:
    return SolveOptions(time_limit=time_limit, mip_gap=mip_gap, threads=threads, seed=seed)


def _records(df: pd.DataFrame) -> list[dict]:
    return json.loads(df.to_json(orient="records", double_precision=15))


def _text_table(df: pd.DataFrame, formats: dict[str, str]) -> str:
    shown = df.copy()
    for col, fmt in formats.items():
        if col in shown.columns:
            shown[col] = shown[col].map(lambda v, fmt=fmt: "" if _missing(v) else fmt.format(v))
    shown = shown.fillna("")
    return shown.to_string(index=False)


def _n(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def _write_csv(df: pd.DataFrame, path: str) -> None:
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        df.to_csv(path, index=False)
    except OSError as exc:
        _fail(f"cannot write {path}: {exc.strerror or exc}")


def _write_chart(fig, path: str) -> None:
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path)
    except OSError as exc:
        _fail(f"cannot write {path}: {exc.strerror or exc}")


def parallel_options(f):
    f = click.option("--scheduler", metavar="ADDRESS",
                     help="Run on this Dask scheduler, e.g. tcp://10.0.0.5:8786.")(f)
    f = click.option("--workers", type=click.IntRange(min=1), metavar="N",
                     help="Local worker processes (default: one per core; 1: no pool).")(f)
    return f


def solver_options(f):
    f = click.option("--threads", type=click.IntRange(min=1), default=1, show_default=True,
                     help="HiGHS threads per solve.")(f)
    f = click.option("--mip-gap", type=click.FloatRange(min=0), default=MIP_GAP,
                     show_default=True)(f)
    f = click.option("--time-limit", type=click.FloatRange(min=0, min_open=True),
                     help="Seconds for each solve.")(f)
    return f


GAP = "{:.2%}"
FORMATS = {"capacity_mw": "{:,.1f}", "total_cost": "{:,.1f}", "co2_mt": "{:,.3f}",
           "mip_gap": GAP, "solve_s": "{:.2f}", "target_mw": "{:,.1f}"}


# ------------------------------------------------------------------ sweep
@click.command("sweep")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--vary", "varies", multiple=True, required=True, metavar="PATH=VALUES",
              help="A field and its values, e.g. horizon.deadline=2027-12,2028-06 or "
                   "limits.max_debt_on_balance_sheet=10000:30000:5000 or "
                   "sites[*].grid.tranches[*].wait_months=+0,+6,+12. Repeat for a grid.")
@click.option("--zip", "zipped", is_flag=True,
              help="Pair the --vary values one by one instead of a grid.")
@click.option("--csv", "csv_path", metavar="FILE", help="Write the rows to this CSV file.")
@click.option("--chart", "chart_path", metavar="FILE.png",
              help="Chart capacity and cost against the first --vary.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
@click.option("--chunk", type=click.IntRange(min=1), default=10, show_default=True,
              help="Scenarios re-solved one after another on one built model.")
@click.option("--rebuild", is_flag=True,
              help="Build every scenario's model afresh (no re-solves), e.g. to compare.")
@parallel_options
@solver_options
def sweep_cmd(file, varies, zipped, csv_path, chart_path, as_json, chunk, rebuild, workers,
              scheduler, time_limit, mip_gap, threads) -> None:
    """Solve FILE for every value of one or more of its fields."""
    from planner.report.charts.studies import sweep_chart
    from planner.studies.sweep import run_sweep
    from planner.studies.vary import SweepError, Vary, scenarios

    study = _study(file)
    try:
        parsed = [Vary.parse(v) for v in varies]
        n = len(scenarios(study.data, parsed, zipped))
    except SweepError as exc:
        _invalid([f"{file}: --vary {exc}"])
    with _progress(n, "sweep") as tick:
        result = run_sweep(study.data, parsed, zipped=zipped,
                           options=_options(time_limit, mip_gap, threads), chunk=chunk,
                           resolve=not rebuild, workers=workers, scheduler=scheduler,
                           progress=tick)
    if csv_path:
        _write_csv(result.rows, csv_path)
    if chart_path:
        _write_chart(sweep_chart(result, f"{study.instance.name}: capacity and cost against "
                                          f"{result.paths[0]}"), chart_path)
    if as_json:
        click.echo(json.dumps({
            "instance": study.instance.name, "paths": result.paths,
            "rows": _records(result.rows), "seconds": result.seconds,
            "builds": result.builds, "resolves": result.resolves,
        }, indent=1))
        return
    click.echo(_text_table(result.rows, FORMATS))
    failed = int((~result.rows["status"].isin(["optimal", "feasible"])).sum())
    click.echo(f"\n{_n(len(result.rows), 'scenario')} in {result.seconds:.1f} s: "
               f"{_n(result.builds, 'model')} built, {_n(result.resolves, 're-solve')}"
               + (f", {failed} without a plan" if failed else ""))
    for path in (csv_path, chart_path):
        if path:
            click.echo(f"wrote {path}")


# ------------------------------------------------------------------- risk
@click.command("risk")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--plan", "plan_path", required=True, metavar="PLAN.json",
              help="The plan to test (plan.json of 'planner solve --out' or 'planner robust "
                   "--out').")
@click.option("--samples", type=click.IntRange(min=1), default=200, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the draws.")
@click.option("--target", type=click.FloatRange(min=0), metavar="MW",
              help="IT MW to reach at the deadline (default: the plan's capacity).")
@click.option("--uncertainty", "uncertainty_file", metavar="FILE",
              help="Take the uncertainty: section from this file instead of FILE.")
@click.option("--no-inputs", is_flag=True,
              help="Skip the runs of each uncertain input alone.")
@click.option("--csv", "csv_path", metavar="FILE", help="Write every sample to this CSV file.")
@click.option("--chart", "chart_path", metavar="FILE.png", help="A histogram of the capacity.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
@parallel_options
@solver_options
def risk_cmd(file, plan_path, samples, seed, target, uncertainty_file, no_inputs, csv_path,
             chart_path, as_json, workers, scheduler, time_limit, mip_gap, threads) -> None:
    """Monte Carlo: the capacity a plan puts online at the deadline when the
    dates of FILE's uncertainty: section slip."""
    from planner.cli.plans import read_plan
    from planner.report.charts.studies import risk_chart
    from planner.studies.risk import case_count, run_risk

    study = _study(file)
    uncertainty = study.uncertainty
    if uncertainty_file:
        uncertainty = _uncertainty_from(uncertainty_file, study)
    if uncertainty is None or not uncertainty.entries():
        _invalid([f"{uncertainty_file or file}: uncertainty: the section is missing or empty "
                  "(see docs/scenarios.md)"])
    plan = read_plan(plan_path)
    _check_plan(plan, study, plan_path)
    cases = case_count(samples, len(uncertainty.entries()), not no_inputs)
    with _progress(cases, "samples") as tick:
        result = run_risk(study.data, uncertainty, plan, samples=samples, seed=seed,
                          target=target, by_input=not no_inputs,
                          options=_options(time_limit, mip_gap, threads), workers=workers,
                          scheduler=scheduler, progress=tick)
    if csv_path:
        _write_csv(result.samples, csv_path)
    if chart_path:
        _write_chart(risk_chart(result), chart_path)
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=1))
        return
    click.echo(str(result))
    for path in (csv_path, chart_path):
        if path:
            click.echo(f"wrote {path}")


def _uncertainty_from(path: str, study):
    from planner.io.reader import read_yaml
    from planner.io.sections import section_references, validate_section
    from planner.io.uncertainty import Uncertainty

    try:
        raw = read_yaml(path)
    except InstanceError as exc:
        _invalid(exc.problems)
    if not isinstance(raw, dict) or "uncertainty" not in raw:
        _invalid([f"{path}: uncertainty: the section is missing"])
    problems: list[str] = []
    unc = validate_section(Uncertainty, raw["uncertainty"], "uncertainty", path, problems)
    if unc is not None:
        problems += section_references(unc.entries(), study.data, "uncertainty", path, unc)
    if problems:
        _invalid(problems)
    return unc


def _check_plan(plan, study, plan_path: str) -> None:
    periods = study.instance.calendar.labels()
    if plan.periods and plan.periods != periods:
        _fail(f"{plan_path} does not match {study.source}: its periods run {plan.periods[0]} "
              f"to {plan.periods[-1]}, the instance's {periods[0]} to {periods[-1]}")
    sites = {s.name for s in study.instance.sites}
    cap = plan.tables["capacity"]
    unknown = sorted(set(cap["site"]) - sites) if len(cap) else []
    if unknown:
        _fail(f"{plan_path} does not match {study.source}: unknown sites {', '.join(unknown)}")
    if not plan.status.has_plan:
        _fail(f"{plan_path} holds no plan (status {plan.status.value})")


# ----------------------------------------------------------------- robust
@click.command("robust")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--objective", type=click.Choice(["expected", "worst"]), default="expected",
              show_default=True,
              help="expected: [expected_capacity, capacity_time, cost]; worst: "
                   "[worst_capacity, expected_capacity, capacity_time, cost].")
@click.option("--stages", metavar="TERMS",
              help="Comma-separated stages instead, from expected_capacity, worst_capacity, "
                   "capacity_time, cost, co2.")
@click.option("--show", metavar="SCENARIO",
              help="The scenario whose tables the plan shows (default: the first).")
@click.option("--compare/--no-compare", default=True, show_default=True,
              help="Test the robust plan and the plans made for fixed dates in every scenario.")
@click.option("--out", type=click.Path(file_okay=False),
              help="Write plan.json, its CSVs, scenarios.csv and comparison.csv here.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
@click.option("--time-limit", type=click.FloatRange(min=0, min_open=True),
              help="Seconds for the robust model, all stages together.")
@click.option("--mip-gap", type=click.FloatRange(min=0), default=MIP_GAP, show_default=True)
@click.option("--threads", type=click.IntRange(min=1), help="HiGHS threads.")
def robust_cmd(file, objective, stages, show, compare, out, as_json, time_limit, mip_gap,
               threads) -> None:
    """One plan for every scenario of FILE's scenarios: section."""
    from planner.studies.robust import DEFAULT_STAGES, MAXIMIZE, solve_robust

    study = _study(file)
    if not study.scenarios:
        _invalid([f"{file}: scenarios: the section is missing (see docs/scenarios.md)"])
    terms = [t.strip() for t in stages.split(",")] if stages else DEFAULT_STAGES[objective]
    bad = [t for t in terms if t not in MAXIMIZE]
    if bad or not terms or len(set(terms)) != len(terms):
        _invalid([f"{file}: --stages: each of {', '.join(MAXIMIZE)} at most once, got "
                  f"{stages!r}"])
    names = [sc.name for sc in study.scenarios]
    if show is not None and show not in names:
        _invalid([f"{file}: --show: no scenario {show!r}; scenarios: {', '.join(names)}"])
    options = SolveOptions(time_limit=time_limit, mip_gap=mip_gap, threads=threads)
    result = solve_robust(study.data, study.scenarios, stages=terms, options=options, show=show)
    comparison = None
    if compare and result.plan is not None:
        from planner.studies.robust import compare_with_fixed_dates

        comparison = compare_with_fixed_dates(study, result.plan, options)
    if out and result.plan is not None:
        from planner.results.export import write_plan

        write_plan(result.plan, out)
        _write_csv(result.scenarios, str(Path(out) / "scenarios.csv"))
        if comparison is not None:
            _write_csv(comparison.table, str(Path(out) / "comparison.csv"))
    if as_json:
        body = result.to_dict()
        if comparison is not None:
            body["comparison"] = comparison.to_dict()
        click.echo(json.dumps(body, indent=1))
    else:
        click.echo(_robust_text(study, result, comparison, terms))
        if out and result.plan is not None:
            click.echo(f"\nwrote {out}/plan.json, its CSVs, scenarios.csv"
                       + (" and comparison.csv" if comparison is not None else ""))
    sys.exit(EXIT_STATUS.get(result.status, 0))


def _robust_text(study, result, comparison, terms) -> str:
    lines = [f"{study.instance.name}: robust plan over {len(study.scenarios)} scenarios, "
             f"{result.status.value}", "stages: " + ", ".join(terms)]
    if not result.status.has_plan:
        lines.append("  no plan is feasible in every scenario" if result.status is
                     Status.infeasible else "  the time limit stopped the search first")
        return "\n".join(lines)
    lines += [
        f"expected capacity at the deadline: {result.expected_capacity:,.1f} MW "
        f"(worst scenario {result.worst_capacity:,.1f} MW), expected cost "
        f"{result.expected_cost:,.1f} $M",
        "",
        _text_table(result.scenarios, {**FORMATS, "probability": "{:.2f}"}),
        "",
        f"built IT MW at the deadline (shared by all scenarios; tables of '{result.shown}'):",
        _text_table(result.plan.site_capacity(), {"online_mw": "{:,.1f}",
                                                  "built_mw": "{:,.1f}"}),
    ]
    if comparison is not None:
        lines += ["", str(comparison)]
    return "\n".join(lines)


# --------------------------------------------------------------- frontier
@click.command("frontier")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--points", type=click.IntRange(min=2), default=11, show_default=True,
              help="Points from the cheapest plan to the plan of most capacity.")
@click.option("--csv", "csv_path", metavar="FILE", help="Write the points to this CSV file.")
@click.option("--chart", "chart_path", metavar="FILE.png", help="Chart capacity against cost.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
@click.option("--chunk", type=click.IntRange(min=1), default=5, show_default=True,
              help="Points re-solved one after another on one built model.")
@parallel_options
@solver_options
def frontier_cmd(file, points, csv_path, chart_path, as_json, chunk, workers, scheduler,
                 time_limit, mip_gap, threads) -> None:
    """Capacity at the deadline against total cost (epsilon-constraint)."""
    from planner.report.charts.studies import frontier_chart
    from planner.studies.frontier import run_frontier

    study = _study(file)
    with _progress(points, "frontier") as tick:
        result = run_frontier(study.data, points=points,
                              options=_options(time_limit, mip_gap, threads), chunk=chunk,
                              workers=workers, scheduler=scheduler, progress=tick)
    if csv_path:
        _write_csv(result.rows, csv_path)
    if chart_path:
        _write_chart(frontier_chart(result), chart_path)
    if as_json:
        click.echo(json.dumps({"instance": result.instance, "points": _records(result.rows),
                               "seconds": result.seconds}, indent=1))
        return
    click.echo(_text_table(result.rows, FORMATS))
    click.echo(f"\n{len(result.rows)} points in {result.seconds:.1f} s")
    for path in (csv_path, chart_path):
        if path:
            click.echo(f"wrote {path}")


COMMANDS = (sweep_cmd, risk_cmd, robust_cmd, frontier_cmd)
