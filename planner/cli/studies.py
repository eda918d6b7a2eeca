"""Commands for plans that survive delays: ``sweep``, ``risk``, ``robust`` and
``frontier``. Register them on the main group with ``main.add_command(...)``.

Sweeps, Monte Carlo samples and frontier points run on a local process pool
(``--workers N``, default one per core; 1 runs in this process) or on a Dask
cluster (``--scheduler tcp://HOST:PORT``); the results are the same either
way. A progress bar is drawn on stderr when it is a terminal.

Exit codes: 0 done (a failed scenario is reported in its row), 1 an
unexpected error or an unreadable plan, 2 an invalid instance, section or
``--vary``, 3 the robust model is infeasible, 4 no robust plan within the time
limit, 130 Ctrl-C or SIGTERM (the rows finished are printed first). Errors are
one line on stderr.
"""

from __future__ import annotations

import sys

import click

from planner.cli import options
from planner.cli.common import (
    FORMATS,
    ExitCode,
    check_plan,
    exit_code,
    fail,
    finish,
    invalid,
    outputs,
    parallel_options,
    plural,
    progress_bar,
    read_study,
    records,
    solve_options,
    solver_options,
    write_chart,
    write_csv,
)
from planner.io.errors import InstanceError
from planner.io.strict_json import dumps
from planner.results.status import Status
from planner.results.text import text_table


# ------------------------------------------------------------------ sweep
@click.command("sweep")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--vary",
    "varies",
    multiple=True,
    required=True,
    metavar="PATH=VALUES",
    help="A field and its values, e.g. horizon.deadline=2027-12,2028-06 or "
    "limits.max_debt_on_balance_sheet=10000:30000:5000 or "
    "sites[*].grid.tranches[*].wait_months=+0,+6,+12. Repeat for a grid.",
)
@click.option(
    "--zip", "zipped", is_flag=True, help="Pair the --vary values one by one instead of a grid."
)
@click.option("--csv", "csv_path", metavar="FILE", help="Write the rows to this CSV file.")
@click.option(
    "--chart",
    "chart_path",
    metavar="FILE.png",
    help="Chart capacity and cost against the first --vary.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
@click.option(
    "--chunk",
    type=options.CHUNK,
    default=10,
    show_default=True,
    help="Scenarios re-solved one after another on one built model.",
)
@click.option(
    "--rebuild",
    is_flag=True,
    help="Build every scenario's model afresh (no re-solves), e.g. to compare.",
)
@parallel_options
@solver_options()
def sweep_cmd(
    file,
    varies,
    zipped,
    csv_path,
    chart_path,
    as_json,
    chunk,
    rebuild,
    workers,
    scheduler,
    time_limit,
    mip_gap,
    threads,
) -> None:
    """Solve FILE for every value of one or more of its fields."""
    from planner.report.charts.studies import sweep_chart
    from planner.studies.sweep import run_sweep
    from planner.studies.vary import SweepError, Vary, scenarios

    study = read_study(file)
    try:
        parsed = [Vary.parse(v) for v in varies]
        n = len(scenarios(study.data, parsed, zipped))
    except SweepError as exc:
        invalid([f"{file}: --vary {exc}"])
    with progress_bar(n, "sweep") as tick:
        result = run_sweep(
            study.data,
            parsed,
            zipped=zipped,
            options=solve_options(time_limit, mip_gap, threads),
            chunk=chunk,
            resolve=not rebuild,
            workers=workers,
            scheduler=scheduler,
            progress=tick,
        )
    title = f"{study.instance.name}: capacity and cost against {result.paths[0]}"
    written, errors = outputs(
        [
            (csv_path, lambda p: write_csv(result.rows, p)),
            (chart_path, lambda p: write_chart(lambda: sweep_chart(result, title), p)),
        ]
    )
    done = int((result.rows["status"] != "interrupted").sum())
    if as_json:
        click.echo(
            dumps(
                {
                    "instance": study.instance.name,
                    "paths": result.paths,
                    "rows": records(result.rows),
                    "seconds": result.seconds,
                    "builds": result.builds,
                    "resolves": result.resolves,
                    **({"interrupted": True} if result.interrupted else {}),
                }
            )
        )
    else:
        click.echo(text_table(result.rows, FORMATS))
        failed = int((~result.rows["status"].isin(["optimal", "feasible"])).sum())
        click.echo(
            f"\n{plural(len(result.rows), 'scenario')} in {result.seconds:.1f} s: "
            f"{plural(result.builds, 'model')} built, "
            f"{plural(result.resolves, 're-solve')}"
            + (f", {failed} without a plan" if failed else "")
        )
    finish(
        written,
        errors,
        as_json,
        (done, len(result.rows), "scenario") if result.interrupted else None,
    )


# ------------------------------------------------------------------- risk
@click.command("risk")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--plan",
    "plan_path",
    required=True,
    metavar="PLAN.json",
    help="The plan to test (plan.json of 'planner solve --out' or 'planner robust --out').",
)
@click.option("--samples", type=options.SAMPLES, default=200, show_default=True)
@click.option("--seed", type=options.SEED, default=0, show_default=True, help="Seed of the draws.")
@click.option(
    "--target",
    type=options.NONNEGATIVE,
    metavar="MW",
    help="IT MW to reach at the deadline (default: the plan's capacity).",
)
@click.option(
    "--uncertainty",
    "uncertainty_file",
    metavar="FILE",
    help="Take the uncertainty: section from this file instead of FILE.",
)
@click.option("--no-inputs", is_flag=True, help="Skip the runs of each uncertain input alone.")
@click.option("--csv", "csv_path", metavar="FILE", help="Write every sample to this CSV file.")
@click.option("--chart", "chart_path", metavar="FILE.png", help="A histogram of the capacity.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
@parallel_options
@solver_options()
def risk_cmd(
    file,
    plan_path,
    samples,
    seed,
    target,
    uncertainty_file,
    no_inputs,
    csv_path,
    chart_path,
    as_json,
    workers,
    scheduler,
    time_limit,
    mip_gap,
    threads,
) -> None:
    """Monte Carlo: the capacity a plan puts online at the deadline when the
    dates of FILE's uncertainty: section slip."""
    from planner.cli.plans import read_plan
    from planner.report.charts.studies import risk_chart
    from planner.studies.risk import case_count, run_risk

    study = read_study(file)
    uncertainty = study.uncertainty
    if uncertainty_file:
        uncertainty = _uncertainty_from(uncertainty_file, study)
    if uncertainty is None or not uncertainty.entries():
        invalid(
            [
                f"{uncertainty_file or file}: uncertainty: the section is missing or empty "
                "(see docs/scenarios.md)"
            ]
        )
    plan = read_plan(plan_path)
    check_plan(plan, study, plan_path)
    cases = case_count(samples, len(uncertainty.entries()), not no_inputs)
    with progress_bar(cases, "samples") as tick:
        result = run_risk(
            study.data,
            uncertainty,
            plan,
            samples=samples,
            seed=seed,
            target=target,
            by_input=not no_inputs,
            options=solve_options(time_limit, mip_gap, threads),
            workers=workers,
            scheduler=scheduler,
            progress=tick,
        )
    written, errors = outputs(
        [
            (csv_path, lambda p: write_csv(result.samples, p)),
            (chart_path, lambda p: write_chart(lambda: risk_chart(result), p)),
        ]
    )
    click.echo(
        dumps({**result.to_dict(), **({"interrupted": True} if result.interrupted else {})})
        if as_json
        else str(result)
    )
    finish(
        written,
        errors,
        as_json,
        (samples - result.interrupted, samples, "sample") if result.interrupted else None,
    )


def _uncertainty_from(path: str, study):
    from planner.io.reader import read_yaml
    from planner.io.sections import section_references, validate_section
    from planner.io.uncertainty import Uncertainty

    try:
        raw = read_yaml(path)
    except InstanceError as exc:
        invalid(exc.problems)
    if not isinstance(raw, dict) or "uncertainty" not in raw:
        invalid([f"{path}: uncertainty: the section is missing"])
    problems: list[str] = []
    unc = validate_section(Uncertainty, raw["uncertainty"], "uncertainty", path, problems)
    if unc is not None:
        problems += section_references(unc.entries(), study.data, "uncertainty", path, unc)
    if problems:
        invalid(problems)
    return unc


# ----------------------------------------------------------------- robust
@click.command("robust")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--objective",
    type=click.Choice(["expected", "worst"]),
    default="expected",
    show_default=True,
    help="expected: [expected_capacity, capacity_time, cost]; worst: "
    "[worst_capacity, expected_capacity, capacity_time, cost].",
)
@click.option(
    "--stages",
    metavar="TERMS",
    help="Comma-separated stages instead, from expected_capacity, worst_capacity, "
    "capacity_time, cost, co2.",
)
@click.option(
    "--show",
    metavar="SCENARIO",
    help="The scenario whose tables the plan shows (default: the first).",
)
@click.option(
    "--compare/--no-compare",
    default=True,
    show_default=True,
    help="Test the robust plan and the plans made for fixed dates in every scenario.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False),
    help="Write plan.json, its CSVs, scenarios.csv and comparison.csv here.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
@solver_options(
    "Seconds for the robust model, all stages together.",
    threads="HiGHS threads.",
    threads_default=None,
)
def robust_cmd(
    file, objective, stages, show, compare, out, as_json, time_limit, mip_gap, threads
) -> None:
    """One plan for every scenario of FILE's scenarios: section."""
    from planner.studies.robust import DEFAULT_STAGES, MAXIMIZE, solve_robust

    study = read_study(file)
    if not study.scenarios:
        invalid([f"{file}: scenarios: the section is missing (see docs/scenarios.md)"])
    terms = [t.strip() for t in stages.split(",")] if stages else DEFAULT_STAGES[objective]
    bad = [t for t in terms if t not in MAXIMIZE]
    if bad or not terms or len(set(terms)) != len(terms):
        invalid([f"{file}: --stages: each of {', '.join(MAXIMIZE)} at most once, got {stages!r}"])
    names = [sc.name for sc in study.scenarios]
    if show is not None and show not in names:
        invalid([f"{file}: --show: no scenario {show!r}; scenarios: {', '.join(names)}"])
    if out:
        from planner.results.export import out_problem

        problem = out_problem(out, ("scenarios.csv", "comparison.csv"))
        if problem:
            fail(problem)
    options = solve_options(time_limit, mip_gap, threads)
    result = solve_robust(study.data, study.scenarios, stages=terms, options=options, show=show)
    comparison = None
    if compare and result.plan is not None:
        from planner.studies.robust import compare_with_fixed_dates

        comparison = compare_with_fixed_dates(study, result.plan, options)
    write_error = None
    if out and result.plan is not None:
        from planner.results.export import write_plan
        from planner.results.spreadsheet import csv_text

        extra = {"scenarios.csv": csv_text(result.scenarios)}
        if comparison is not None:
            extra["comparison.csv"] = csv_text(comparison.table)
        try:
            write_plan(result.plan, out, extra)
        except OSError as exc:
            write_error = f"the plan could not be written to {out}: {exc.strerror or exc}"
    if as_json:
        body = result.to_dict()
        if comparison is not None:
            body["comparison"] = comparison.to_dict()
        if write_error:
            body["write_error"] = write_error
        click.echo(dumps(body))
    else:
        click.echo(_robust_text(study, result, comparison, terms))
        if out and result.plan is not None and not write_error:
            click.echo(
                f"\nwrote {out}/plan.json, its CSVs, scenarios.csv"
                + (" and comparison.csv" if comparison is not None else "")
            )
    if write_error:
        fail(write_error)
    sys.exit(
        exit_code(result.status)
        if result.status in (Status.infeasible, Status.no_plan)
        else ExitCode.OK
    )


def _robust_text(study, result, comparison, terms) -> str:
    lines = [
        f"{study.instance.name}: robust plan over {len(study.scenarios)} scenarios, "
        f"{result.status.value}",
        "stages: " + ", ".join(terms),
    ]
    if not result.status.has_plan:
        lines.append(
            "  no plan is feasible in every scenario"
            if result.status is Status.infeasible
            else "  the time limit stopped the search first"
        )
        return "\n".join(lines)
    lines += [
        f"expected capacity at the deadline: {result.expected_capacity:,.1f} MW "
        f"(worst scenario {result.worst_capacity:,.1f} MW), expected cost "
        f"{result.expected_cost:,.1f} $M",
        "",
        text_table(result.scenarios, {**FORMATS, "probability": "{:.2f}"}),
        "",
        f"built IT MW at the deadline (shared by all scenarios; tables of '{result.shown}'):",
        text_table(result.plan.site_capacity(), {"online_mw": "{:,.1f}", "built_mw": "{:,.1f}"}),
    ]
    if comparison is not None:
        lines += ["", str(comparison)]
    return "\n".join(lines)


# --------------------------------------------------------------- frontier
@click.command("frontier")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--points",
    type=options.POINTS,
    default=11,
    show_default=True,
    help="Points from the cheapest plan to the plan of most capacity.",
)
@click.option("--csv", "csv_path", metavar="FILE", help="Write the points to this CSV file.")
@click.option("--chart", "chart_path", metavar="FILE.png", help="Chart capacity against cost.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
@click.option(
    "--chunk",
    type=options.CHUNK,
    default=5,
    show_default=True,
    help="Points re-solved one after another on one built model.",
)
@parallel_options
@solver_options()
def frontier_cmd(
    file,
    points,
    csv_path,
    chart_path,
    as_json,
    chunk,
    workers,
    scheduler,
    time_limit,
    mip_gap,
    threads,
) -> None:
    """Capacity at the deadline against total cost (epsilon-constraint)."""
    from planner.report.charts.studies import frontier_chart
    from planner.studies.frontier import run_frontier

    study = read_study(file)
    with progress_bar(points, "frontier") as tick:
        result = run_frontier(
            study.data,
            points=points,
            options=solve_options(time_limit, mip_gap, threads),
            chunk=chunk,
            workers=workers,
            scheduler=scheduler,
            progress=tick,
        )
    written, errors = outputs(
        [
            (csv_path, lambda p: write_csv(result.rows, p)),
            (chart_path, lambda p: write_chart(lambda: frontier_chart(result), p)),
        ]
    )
    if as_json:
        click.echo(
            dumps(
                {
                    "instance": result.instance,
                    "points": records(result.rows),
                    "seconds": result.seconds,
                    **({"interrupted": True} if result.interrupted else {}),
                }
            )
        )
    else:
        click.echo(text_table(result.rows, FORMATS))
        click.echo(f"\n{len(result.rows)} points in {result.seconds:.1f} s")
    done = int((result.rows["status"] != "interrupted").sum())
    finish(
        written, errors, as_json, (done, len(result.rows), "point") if result.interrupted else None
    )


COMMANDS = (sweep_cmd, risk_cmd, robust_cmd, frontier_cmd)
