"""``planner robust``: one plan whose commitments hold in every scenario of the
file's ``scenarios:`` section (docs/scenarios.md).

Exit codes: 0 a plan, 1 an unexpected error, 2 an invalid instance or
section, 3 the robust model is infeasible, 4 no robust plan within the time
limit, 130 Ctrl-C or SIGTERM. Errors are one line on stderr.
"""

from __future__ import annotations

import sys

import click

from planner.cli.common import (
    FORMATS,
    ExitCode,
    example,
    exit_code,
    fail,
    invalid,
    read_study,
    solve_options,
    solver_options,
)
from planner.cli.live import stage_progress
from planner.io.strict_json import dumps
from planner.results.status import Status
from planner.results.text import text_table


# ----------------------------------------------------------------- robust
@click.command(
    "robust",
    epilog=example("planner robust instances/bridge-power-scenarios.yaml --out out/robust"),
)
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--objective",
    type=click.Choice(["expected", "worst"]),
    default="expected",
    help="expected: [expected_capacity, capacity_time, cost]; worst: "
    "[worst_capacity, expected_capacity, capacity_time, cost] (default expected).",
)
@click.option(
    "--stages",
    metavar="TERMS",
    help="Comma-separated stages instead, from expected_capacity, worst_capacity, "
    "capacity_time, cost, co2 (default: those of --objective).",
)
@click.option(
    "--show",
    metavar="SCENARIO",
    help="The scenario whose tables the plan shows (default: the first).",
)
@click.option(
    "--compare/--no-compare",
    default=True,
    help="Test the robust plan and the plans made for fixed dates in every scenario "
    "(default: compare).",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False),
    metavar="DIR",
    help="Write plan.json, its CSVs, scenarios.csv and comparison.csv to this folder "
    "(default: none).",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
@solver_options(
    "Wall-clock seconds for the robust model, all stages together (default: no limit).",
    threads="HiGHS threads (default: HiGHS's choice).",
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
    with stage_progress() as progress:
        result = solve_robust(
            study.data, study.scenarios, stages=terms, options=options, show=show, progress=progress
        )
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
