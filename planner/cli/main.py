"""The ``planner`` command: a thin layer over the API.

Exit codes: 0 a plan was found, 1 anything else went wrong, 2 invalid
instance, 3 infeasible, 4 no plan found within the limits, 5 a plan breaks a
rule of the model (``verify``).
"""

from __future__ import annotations

import importlib
import json
import logging
import signal
import sys
import threading
import time
from typing import TYPE_CHECKING

import click

from planner.cli.common import (
    ExitCode,
    exit_code,
    pyomo_logs_to_stderr,
    solve_options,
    solver_options,
)
from planner.cli.generate import generate_cmd
from planner.cli.plans import compare_cmd, report_cmd, show_cmd
from planner.cli.studies import COMMANDS as SCENARIO_COMMANDS
from planner.io.errors import InstanceError
from planner.results.status import Status

if TYPE_CHECKING:
    from planner.results.plan import Plan


# What each command imports before it runs, loaded while the Ctrl-C guard of
# the entry point (planner.cli.entry) still holds: a Ctrl-C while Pyomo, HiGHS,
# pandas or matplotlib load ends the run with one line and exit 130.
LOADS: dict[str, tuple[str, ...]] = {
    "validate": ("planner.io.load",),
    "solve": ("planner.solver.session", "planner.analysis.verify", "planner.report.text",
              "planner.results.export"),
    "verify": ("planner.analysis.verify", "planner.io.load", "planner.results.plan"),
    "explain": ("planner.analysis.explain",),
    "report": ("planner.report.html", "planner.analysis.explain", "planner.results.export"),
    "show": ("planner.report.views",),
    "compare": ("planner.report.views",),
    "generate": ("planner.io.generate", "planner.io.load"),
    "sweep": ("planner.studies.sweep", "planner.report.charts.studies"),
    "risk": ("planner.studies.risk", "planner.report.charts.studies"),
    "robust": ("planner.studies.robust", "planner.results.export"),
    "frontier": ("planner.studies.frontier", "planner.report.charts.studies"),
}


class PlannerGroup(click.Group):
    """Turn any unexpected error into one line and exit 1 (``--debug`` shows
    the traceback); load what a command needs before it runs."""

    def resolve_command(self, ctx: click.Context, args: list[str]):
        name, cmd, rest = super().resolve_command(ctx, args)
        if cmd is not None and "--help" not in rest:
            for module in LOADS.get(cmd.name or "", ()):
                importlib.import_module(module)
            pyomo_logs_to_stderr()
        if threading.current_thread() is threading.main_thread():
            # Loaded: from here a Ctrl-C is a KeyboardInterrupt again, which a
            # solve turns into its best plan so far and invoke() into exit 130.
            signal.signal(signal.SIGINT, signal.default_int_handler)
        return name, cmd, rest

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except KeyboardInterrupt:
            click.echo("planner: interrupted", err=True)
            ctx.exit(ExitCode.INTERRUPTED)
        except Exception as exc:  # noqa: BLE001 (the one place errors become a line)
            if ctx.obj and ctx.obj.get("debug"):
                raise
            click.echo(f"planner: error: {type(exc).__name__}: {exc}", err=True)
            ctx.exit(ExitCode.ERROR)


@click.group(cls=PlannerGroup)
@click.option("--debug", is_flag=True, help="Show tracebacks of unexpected errors.")
@click.option("-v", "--verbose", is_flag=True, help="Log progress to stderr.")
@click.version_option(package_name="planner")
@click.pass_context
def main(ctx: click.Context, debug: bool, verbose: bool) -> None:
    """Plan AI data-center capacity by a deadline when power and money bind."""
    ctx.obj = {"debug": debug, "verbose": verbose}
    if verbose:
        logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")


def _load(path: str):
    from planner.io.load import load_instance

    started = time.perf_counter()
    instance = load_instance(path)
    return instance, time.perf_counter() - started


def _invalid(problems: list[str], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps({"status": Status.invalid.value, "errors": problems}, indent=1))
    for line in problems:
        click.echo(line, err=True)
    sys.exit(ExitCode.INVALID)


@main.command("validate")
@click.argument("file", type=click.Path(dir_okay=True))
def validate_cmd(file: str) -> None:
    """Check an instance file: print 'ok' or every problem, one per line."""
    from planner.io.load import load_instance

    try:
        load_instance(file)
    except InstanceError as exc:
        _invalid(exc.problems, as_json=False)
    click.echo("ok")


@main.command("solve")
@click.argument("file", type=click.Path(dir_okay=True))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
@click.option("--out", type=click.Path(file_okay=False), help="Write plan.json and CSVs here.")
@solver_options("Seconds.", threads="HiGHS threads.", threads_default=None,
                seed="HiGHS random seed.")
@click.option("--verify", "check", is_flag=True,
              help="Check the plan against every rule with the independent verifier.")
@click.pass_context
def solve_cmd(
    ctx: click.Context,
    file: str,
    as_json: bool,
    out: str | None,
    time_limit: float | None,
    mip_gap: float,
    threads: int | None,
    seed: int,
    check: bool,
) -> None:
    """Solve an instance file and print the plan."""
    from planner.analysis.verify import verify
    from planner.report.text import summary_dict, summary_text
    from planner.results.export import write_plan
    from planner.solver.session import solve

    try:
        instance, validate_s = _load(file)
    except InstanceError as exc:
        _invalid(exc.problems, as_json)
    plan = solve(
        instance,
        time_limit=time_limit,
        mip_gap=mip_gap,
        threads=threads,
        seed=seed,
        verbose=ctx.obj["verbose"],
    )
    plan.timings = {"validate": validate_s, **plan.timings}
    if not plan.status.has_plan and plan.message.startswith("interrupted"):
        click.echo("planner: interrupted before any plan was found", err=True)
        sys.exit(ExitCode.INTERRUPTED)
    report = verify(instance, plan) if check and plan.status.has_plan else None
    if out and plan.status.has_plan:
        write_plan(plan, out)
    if as_json:
        summary = summary_dict(plan)
        if report is not None:
            summary["verified"] = report.ok
            summary["violations"] = [str(v) for v in report.violations]
        click.echo(json.dumps(summary, indent=1))
    else:
        click.echo(summary_text(plan))
        if report is not None:
            click.echo("\n" + str(report))
        if out and plan.status.has_plan:
            click.echo(f"\nwrote {out}/plan.json and one CSV per table")
    if report is not None and not report.ok:
        sys.exit(ExitCode.VIOLATION)
    sys.exit(exit_code(plan.status))


@main.command("verify")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
def verify_cmd(files: tuple[str, ...]) -> None:
    """Check a plan against every rule of the model, without a solver.

    FILES: INSTANCE PLAN.json, or PLAN.json alone (a plan carries its
    instance). Exit 0 when every rule holds, 5 with one line per violation.
    """
    from planner.analysis.verify import verify
    from planner.io.load import load_instance, parse_instance

    if len(files) > 2:
        raise click.UsageError("give INSTANCE PLAN.json, or PLAN.json")
    plan = _read_plan(files[-1])
    try:
        if len(files) == 2:
            instance = load_instance(files[0])
        elif plan.instance_data is not None:
            instance = parse_instance(plan.instance_data, source=files[0])
        else:
            raise click.UsageError("the plan does not carry its instance: give INSTANCE too")
    except InstanceError as exc:
        _invalid(exc.problems, as_json=False)
    report = verify(instance, plan)
    click.echo(str(report))
    sys.exit(ExitCode.OK if report.ok else ExitCode.VIOLATION)


def _read_plan(path: str) -> Plan:
    from planner.results.plan import Plan

    try:
        with open(path, encoding="utf-8") as fh:
            return Plan.from_json(fh.read())
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise click.ClickException(f"{path}: not a plan file ({exc})") from None


@main.command("explain")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
@solver_options("Seconds for each re-solve.", threads=None)
def explain_cmd(file: str, as_json: bool, time_limit: float | None, mip_gap: float) -> None:
    """What binds and what relaxing each limit is worth, in MW at the deadline.

    FILE is a plan.json written by 'planner solve --out' (it carries its
    instance) or an instance file.
    """
    from planner.analysis.explain import explain, explain_plan
    from planner.io.load import load_instance

    options = solve_options(time_limit, mip_gap, None)
    if file.endswith(".json") and _looks_like_plan(file):
        result = explain_plan(_read_plan(file), options)
    else:
        try:
            instance = load_instance(file)
        except InstanceError as exc:
            _invalid(exc.problems, as_json)
        result = explain(instance, options)
    click.echo(json.dumps(result.to_dict(), indent=1) if as_json else str(result))


def _looks_like_plan(path: str) -> bool:
    try:
        with open(path, encoding="utf-8") as fh:
            return "tables" in json.load(fh)
    except (OSError, ValueError):
        return False


for command in (report_cmd, show_cmd, compare_cmd, generate_cmd, *SCENARIO_COMMANDS):
    main.add_command(command)


if __name__ == "__main__":  # pragma: no cover
    main()
