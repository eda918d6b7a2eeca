"""``planner stress``: how large a money shock a plan absorbs without losing a
MW at the deadline, and the MW as the shock grows (docs/scenarios.md section 8).

Exit codes: 0 done, 1 an unexpected error or an unwritable output, 2 an
invalid instance, ``--shock`` or ``--plan`` (not a plan file, or not a plan of
the instance), 130 Ctrl-C or SIGTERM. Errors are one line on stderr.
"""

from __future__ import annotations

import click

from planner.cli import options
from planner.cli.common import (
    check_plan,
    example,
    fail,
    finish,
    invalid,
    outputs,
    outputs_options,
    read_study,
    solve_options,
    solver_options,
    write_chart,
    write_csv,
)
from planner.io.strict_json import dumps


def _sizes(text: str | None, file: str) -> list[float] | None:
    if text is None:
        return None
    try:
        if ":" in text:
            first, last, step = (float(x) for x in text.split(":"))
            if step <= 0 or last < first:
                raise ValueError
            n = int(round((last - first) / step))
            return [round(first + i * step, 12) for i in range(n + 1)]
        return [float(x) for x in text.split(",")]
    except ValueError:
        invalid([f"{file}: --sizes: a list 0,0.1,0.3 or a range FIRST:LAST:STEP, got {text!r}"])


@click.command(
    "stress",
    epilog=example(
        "planner stress instances/credit-crunch.yaml --shock cut:kind=spv --chart out/spv.png"
    ),
)
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--plan",
    "plan_path",
    metavar="PLAN.json",
    help="The plan to stress (default: the optimal plan of FILE).",
)
@click.option(
    "--shock",
    "shock_texts",
    multiple=True,
    metavar="SELECTOR",
    help="A source (NAME, cut:kind=spv, cut:off_balance_sheet), rate:NAME, a limit "
    "(max_off_balance_sheet) or capex:all|site=S|technology=K. Repeat for "
    "several (default: every source and limit in turn).",
)
@click.option(
    "--from",
    "start",
    metavar="YYYY-MM",
    help="The month the shock hits from (default: the horizon's start).",
)
@click.option(
    "--sizes",
    metavar="LIST",
    help="The sizes of the curve, e.g. 0:0.5:0.05 (default by shock: fractions "
    "0 to 1 by 0.05, 0 to 1000 bp by 100, overruns 0 to 1 by 0.1).",
)
@click.option(
    "--precision",
    type=options.Finite(min=0, min_open=True),
    default=1e-3,
    metavar="SIZE",
    help="Bisection precision of the absorbed size, in the shock's unit (default 1e-3).",
)
@outputs_options("every point", "Chart MW at the deadline against each shock")
@solver_options()
def stress_cmd(
    file,
    plan_path,
    shock_texts,
    start,
    sizes,
    precision,
    csv_path,
    chart_path,
    as_json,
    time_limit,
    mip_gap,
    threads,
) -> None:
    """The shocks FILE's plan absorbs, and the MW at the deadline as they grow."""
    import re

    from planner.cli.live import count_progress
    from planner.report.charts.studies import stress_chart
    from planner.studies.stress import StressError, parse_shock, run_stress

    study = read_study(file)
    if start is not None:
        h = study.data["horizon"]
        if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", start) or start > h["deadline"]:
            invalid(
                [
                    f"{file}: --from: a month YYYY-MM not after the deadline "
                    f"{h['deadline']}, got {start!r}"
                ]
            )
    try:
        shock_list = [parse_shock(t, study.data, start) for t in shock_texts] or None
    except StressError as exc:
        invalid([f"{file}: --shock: {exc}"])
    plan = None
    if plan_path:
        from planner.cli.plans import read_plan

        plan = read_plan(plan_path)
        check_plan(plan, study, plan_path)
    options = solve_options(time_limit, mip_gap, threads)
    try:
        with count_progress("stress shocks") as progress:
            result = run_stress(
                study.data,
                plan,
                shock_list,
                start=start,
                sizes=_sizes(sizes, file),
                precision=precision,
                options=options,
                progress=progress,
            )
    except StressError as exc:
        fail(str(exc))
    written, errors = outputs(
        [
            (csv_path, lambda p: write_csv(result.rows(), p)),
            (chart_path, lambda p: write_chart(lambda: stress_chart(result), p)),
        ]
    )
    if as_json:
        click.echo(dumps(result.to_dict()))
    else:
        click.echo(result.text(curves=bool(shock_texts)))
    finish(written, errors, as_json)
