"""Commands for plans that survive delays: ``sweep``, ``risk`` and ``frontier``
(``robust`` is in :mod:`planner.cli.robust`). Register them on the main group
with ``main.add_command(...)``.

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

import click

from planner.cli import options
from planner.cli.common import (
    FORMATS,
    check_plan,
    example,
    finish,
    invalid,
    outputs,
    outputs_options,
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
from planner.results.text import text_table


# ------------------------------------------------------------------ sweep
@click.command(
    "sweep",
    epilog=example(
        "planner sweep instances/toy-two-sites.yaml "
        "--vary horizon.deadline=2027-06,2027-12,2028-06 --csv out/sweep.csv"
    ),
)
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--vary",
    "varies",
    multiple=True,
    required=True,
    metavar="PATH=VALUES",
    help="A field and its values, e.g. horizon.deadline=2027-12,2028-06 or "
    "limits.max_debt_on_balance_sheet=10000:30000:5000 or "
    "sites[*].grid.tranches[*].wait_months=+0,+6,+12 (in the field's unit). "
    "Repeat for a grid.",
)
@click.option(
    "--zip",
    "zipped",
    is_flag=True,
    help="Pair the --vary values one by one (default: every combination).",
)
@outputs_options("the rows", "Chart capacity and cost against the first --vary")
@click.option(
    "--chunk",
    type=options.CHUNK,
    default=10,
    metavar="N",
    help="Scenarios re-solved one after another on one built model (default 10).",
)
@click.option(
    "--rebuild",
    is_flag=True,
    help="Build every scenario's model afresh, e.g. to compare (default: re-solve).",
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
@click.command(
    "risk",
    epilog=example(
        "planner solve instances/bridge-power-scenarios.yaml --out out/bridge",
        "planner risk instances/bridge-power-scenarios.yaml --plan out/bridge/plan.json "
        "--samples 50",
    ),
)
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--plan",
    "plan_path",
    required=True,
    metavar="PLAN.json",
    help="The plan to test (plan.json of 'planner solve --out' or 'planner robust --out').",
)
@click.option(
    "--samples",
    type=options.SAMPLES,
    default=200,
    metavar="N",
    help="Monte Carlo samples (default 200).",
)
@click.option(
    "--seed",
    type=options.SEED,
    default=0,
    metavar="N",
    help="Seed of the draws: same seed, same samples (default 0).",
)
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
    help="Take the uncertainty: section from this file (default: FILE's own).",
)
@click.option(
    "--no-inputs",
    is_flag=True,
    help="Skip the runs of each uncertain input alone (default: run them).",
)
@outputs_options("every sample", "A histogram of the MW at the deadline")
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


# --------------------------------------------------------------- frontier
@click.command(
    "frontier",
    epilog=example(
        "planner frontier instances/toy-two-sites.yaml --points 5 --chart out/frontier.png"
    ),
)
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--points",
    type=options.POINTS,
    default=11,
    metavar="N",
    help="Points from the cheapest plan to the plan of most capacity (default 11).",
)
@outputs_options("the points", "Chart MW against $M")
@click.option(
    "--chunk",
    type=options.CHUNK,
    default=5,
    metavar="N",
    help="Points re-solved one after another on one built model (default 5).",
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


COMMANDS = (sweep_cmd, risk_cmd, frontier_cmd)
